"""A Rasa server the app started ends with the app, even when the app is killed with SIGKILL: none is orphaned."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

# Stands in for `rasa run`: answers /status with a model, as Rasa does once the model is loaded.
FAKE_RASA = textwrap.dedent(
    """\
    #!{python}
    import sys
    from aiohttp import web
    port = int(sys.argv[sys.argv.index("--port") + 1])
    app = web.Application()
    app.router.add_get("/status", lambda request: web.json_response({{"model_file": "fake.tar.gz"}}))
    web.run_app(app, host="127.0.0.1", port=port, print=None)
    """
)

# The app's side: start the server the way nlu.runtime does, on the serving process's event loop
# (uvloop), report its pid, then wait to be killed.
APP = textwrap.dedent(
    """\
    import asyncio, sys
    from pathlib import Path
    import aiohttp
    from bot.web import run_serving
    from nlu.server import RasaServer

    async def main():
        server = RasaServer(Path(sys.argv[1]), Path("model.tar.gz"), Path(sys.argv[2]))
        async with aiohttp.ClientSession() as session:
            await server.start(session)
            print(server.pid, flush=True)
            await asyncio.sleep(600)

    run_serving(main())
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_nlu_server_dies_with_an_app_killed_by_sigkill(tmp_path: Path) -> None:
    rasa = tmp_path / "rasa"
    rasa.write_text(FAKE_RASA.format(python=sys.executable))
    rasa.chmod(0o755)
    app = subprocess.Popen(
        [sys.executable, "-c", APP, str(rasa), str(tmp_path / "rasa.log")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert app.stdout is not None
        rasa_pid = int(app.stdout.readline())
        assert _alive(rasa_pid)
        app.kill()
        app.wait(10)
        deadline = time.monotonic() + 10
        while _alive(rasa_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(rasa_pid), "the NLU server outlived the app that started it"
    finally:
        app.kill()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
