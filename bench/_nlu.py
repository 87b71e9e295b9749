"""The Rasa NLU server a benchmark measures against: a running one named by NLU_URL/NLU_TOKEN, else its own.

Smoke runs in the test suite pass the session's server, so no benchmark starts (or trains) a second one.
The leading underscore keeps bench/run.py and tests/test_benchmarks.py from running this module.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from core.content import load_content
from core.settings import Settings
from nlu.server import RasaServer
from nlu.training import train


@dataclass(frozen=True)
class NluServer:
    """Where the server answers, its token, and its process id when this benchmark started it."""

    url: str
    token: str
    pid: int | None


@asynccontextmanager
async def nlu_server(settings: Settings, session: aiohttp.ClientSession, log: Path) -> AsyncIterator[NluServer]:
    """Yield the server of NLU_URL/NLU_TOKEN when both are set, else start one on the trained model."""
    url, token = os.environ.get("NLU_URL"), os.environ.get("NLU_TOKEN")
    if url and token:
        yield NluServer(url.split(",")[0].strip(), token, None)
        return
    server = RasaServer(settings.rasa_executable, train(settings, load_content(settings.data_dir)), log)
    await server.start(session)
    try:
        yield NluServer(server.url, server.token or "", server.pid)
    finally:
        await server.stop()


def rss_mib(pid: int | None) -> float | None:
    """Resident memory of a process in MiB; None when it is not known."""
    if pid is None:
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None
