"""Run the Rasa NLU server as a child process on 127.0.0.1 when no NLU_URL is configured."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import sys
import socket
from pathlib import Path

import aiohttp

from core.errors import NluUnavailable
from nlu.client import RasaNluClient

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 240.0


class RasaServer:
    """A `rasa run --enable-api` child process serving one model, protected by a random token."""

    def __init__(self, rasa_executable: Path, model: Path, log_file: Path) -> None:
        self._rasa = rasa_executable
        self._model = model
        self._log_file = log_file
        # Hex, so the token can never start with '-' (Rasa's argument parser would take it for an option).
        self.token = secrets.token_hex(24)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self, session: aiohttp.ClientSession) -> None:
        """Start the server and wait until its model is loaded."""
        if not self._rasa.is_file():
            raise NluUnavailable(f"Rasa is not installed at {self._rasa}; run `make setup`")
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
        with self._log_file.open("ab") as output:
            self._process = await asyncio.create_subprocess_exec(
                str(self._rasa),
                "run",
                "--enable-api",
                "--model",
                str(self._model),
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.port),
                f"--auth-token={self.token}",
                "--log-file",
                str(self._log_file),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        log.info("starting the Rasa NLU server on port %d", self.port)
        client = RasaNluClient(session, self.url, self.token, timeout=5)
        deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
        while asyncio.get_running_loop().time() < deadline:
            if self._process.returncode is not None:
                raise NluUnavailable(f"the Rasa server exited with {self._process.returncode}; see {self._log_file}")
            if await client.is_ready():
                log.info("the Rasa NLU server is ready")
                return
            await asyncio.sleep(0.5)
        await self.stop()
        raise NluUnavailable(f"the Rasa server did not start within {STARTUP_TIMEOUT:.0f} s; see {self._log_file}")

    async def keep_alive(self, session: aiohttp.ClientSession, interval: float = 2.0) -> None:
        """Restart the server whenever it dies, until cancelled; callers keep the same URL and token."""
        while True:
            await asyncio.sleep(interval)
            if self._process is not None and self._process.returncode is not None:
                log.warning("the Rasa NLU server exited with %s; restarting it", self._process.returncode)
                try:
                    await self.start(session)
                except NluUnavailable as error:
                    log.error("could not restart the Rasa NLU server: %s", error)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def stop(self) -> None:
        """Stop the server and everything it started."""
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=15)
        except (ProcessLookupError, PermissionError):
            return
        except asyncio.TimeoutError:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


def _die_with_parent() -> None:
    """In the Rasa child before it runs: end it when the app dies, even by SIGKILL (Linux), so none is orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
