"""Real `assistant serve` processes for tests and the soak benchmark: start, wait until they answer, kill."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from core.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def plain_url(database_url: str) -> str:
    """Write a test database's URL the way an operator would (postgresql://, sqlite:///), without a driver."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://").replace("sqlite+aiosqlite://", "sqlite://")


@dataclass
class ServeProcess:
    """One `assistant serve` process on a port of its own, with the environment it was given."""

    name: str
    environ: Mapping[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        """Start the process (again, after a kill: same port, same settings)."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
        environ.update(self.environ)
        environ.update(ASSISTANT_HTTP_PORT=str(self.port), ASSISTANT_ENV="production")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve"],
                cwd=PROJECT_ROOT,
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def ready(self, timeout: float = 120.0) -> float:
        """Wait until the web chat's page answers; return how long that took."""
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(f"{self.name} exited with {self.process.returncode}: {self.tail()}")
                try:
                    async with session.get(self.url + "/chat/strings.json", timeout=aiohttp.ClientTimeout(total=2)) as page:
                        if page.status == 200:
                            return time.monotonic() - started
                except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
                    pass
                if time.monotonic() - started > timeout:
                    raise AssertionError(f"{self.name} did not answer within {timeout:g} s: {self.tail()}")
                await asyncio.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the process: no clean-up, no released leases, as a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> int | None:
        """Stop the process as systemd would (SIGTERM), and kill it if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class ServeChild:
    """An `assistant serve` started as an asyncio child, its stderr kept line by line (to check what it logs)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self.ready = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            if "serving on" in line:
                self.ready.set()

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()
        await self._reader

    async def stop(self, signum: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Ask it to stop (SIGTERM) and return its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signum)
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await self._reader
        return code


async def start_serve(environment: Mapping[str, str], timeout: float) -> ServeChild:
    """Start `assistant serve` with exactly this environment and wait until it listens (killed if it does not)."""
    assistant = Path(sys.executable).parent / "assistant"
    process = await asyncio.create_subprocess_exec(
        str(assistant), "serve", env=dict(environment), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    running = ServeChild(process)
    try:
        await asyncio.wait_for(running.ready.wait(), timeout)
    except BaseException:
        await running.kill()
        raise
    return running

