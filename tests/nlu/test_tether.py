"""The NLU server never outlives the app: kill -9 the app process, and its NLU child goes too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from core.settings import PROJECT_ROOT

# Stands in for `rasa run` (the seam: an executable the app starts): answers /status, holds its port.
FAKE_RASA = """\
import http.server, json, sys
port = int(sys.argv[sys.argv.index("--port") + 1])
class Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"model_file": "fake.tar.gz"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Status).serve_forever()
"""

# The app's side, as `assistant serve` runs it: start the server, say its pid, then live on.
APP = """\
import asyncio, sys
from pathlib import Path
import aiohttp
from nlu.server import RasaServer

async def main() -> None:
    server = RasaServer(Path(sys.argv[1]), Path("model.tar.gz"), Path(sys.argv[2]))
    async with aiohttp.ClientSession() as session:
        await server.start(session)
        print(server.pid, server.port, flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_nlu_child_dies_with_a_killed_app(tmp_path: Path) -> None:
    rasa = tmp_path / "rasa"
    rasa.write_text(f"#!{sys.executable}\n{FAKE_RASA}")
    rasa.chmod(0o755)
    app = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(APP), str(rasa), str(tmp_path / "rasa.log")],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert app.stdout is not None
        child, port = (int(value) for value in app.stdout.readline().split())
        assert alive(child)
        os.kill(app.pid, signal.SIGKILL)
        app.wait(10)
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child), "the NLU server outlived the app"
    finally:
        if app.poll() is None:
            app.kill()
        if "child" in locals() and alive(child):
            os.kill(child, signal.SIGKILL)
