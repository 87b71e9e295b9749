"""Shared fixtures: settings, content, a real Rasa server for understanding tests, a fake for wiring."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from core.content import Content, load_content
from core.settings import PROJECT_ROOT, Settings
from nlu.server import RasaServer
from nlu.training import train
from storage.db import Database
from storage.migrate import open_database
from tests.browser import CHROMIUM, chromium
from tests.fakes.nlu import FakeNlu, serve_fake_nlu
from tests.storage.databases import DATABASE_KINDS, fresh_database_url

# Keyword rules of the fake NLU: enough to route wiring tests to a topic.
FAKE_RULES = {
    "hours": "office_hours",
    "коли": "ukraine_support",
    "hello": "greeting",
    "person": "human_handover",
    "english": "language_switch",
}


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings with embedded defaults, a private var/ directory and no configured NLU server."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
    environ["ASSISTANT_VAR_DIR"] = str(tmp_path_factory.mktemp("var"))
    return Settings.from_env(environ, env_file=Path("/nonexistent"))


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(PROJECT_ROOT / "data")


@pytest.fixture(scope="session")
async def rasa_url(base_settings: Settings, content: Content) -> AsyncIterator[tuple[str, str]]:
    """Train (or reuse) the real model and serve it with `rasa run` for the whole session."""
    model = train(base_settings, content)
    server = RasaServer(base_settings.rasa_executable, model, base_settings.var_dir / "rasa.log")
    async with aiohttp.ClientSession() as session:
        await server.start(session)
        try:
            yield server.url, server.token
        finally:
            await server.stop()


@pytest.fixture(scope="session")
def rasa_settings(base_settings: Settings, rasa_url: tuple[str, str]) -> Settings:
    """Settings pointing at the session's real Rasa server."""
    return replace(base_settings, nlu_url=rasa_url[0], nlu_token=rasa_url[1])


@pytest.fixture
async def fake_nlu() -> AsyncIterator[tuple[FakeNlu, str]]:
    nlu = FakeNlu(FAKE_RULES)
    async with serve_fake_nlu(nlu) as url:
        yield nlu, url


@pytest.fixture
def fake_settings(base_settings: Settings, fake_nlu: tuple[FakeNlu, str]) -> Iterator[Settings]:
    """Settings pointing at a fake NLU server (for wiring tests)."""
    nlu, url = fake_nlu
    yield replace(base_settings, nlu_url=url, nlu_token=nlu.token, nlu_timeout=1.0)


@pytest.fixture(params=DATABASE_KINDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of each kind: SQLite and the PostgreSQL server of 127.0.0.1."""
    async with fresh_database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as opened:
        yield opened


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    """Debian's headless Chromium, driven by Playwright, once per module."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Chromium is not installed at /usr/bin/chromium; `make setup` installs it as root")
    async with chromium() as launched:
        yield launched
