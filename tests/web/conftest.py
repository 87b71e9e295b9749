"""Fixtures for the web chat: one understanding per session, an app on a free port per test, a browser per module."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from actions.conversations import ConversationStore
from bot.app import Assistant, assemble
from bot.channels.web import WebChatChannel, WebChatLimits
from bot.channels.web.session import COOKIE, session_id
from bot.keys import ASSISTANT, DATABASE
from bot.web import AssistantFactory, create_app, listening
from core.settings import Settings
from nlu.runtime import RunningNlu, running_nlu
from storage.db import Database
from tests.conftest import FAKE_RULES
from tests.fakes.nlu import FakeNlu, serve_fake_nlu


Dressing = Callable[[Assistant], Assistant]


@dataclass
class RunningChat:
    """A started app with the web chat on 127.0.0.1."""

    app: web.Application
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def assistant(self) -> Assistant:
        return self.app[ASSISTANT]

    @property
    def database(self) -> Database:
        return self.app[DATABASE]


def on(understanding: RunningNlu, dressing: Dressing | None = None) -> AssistantFactory:
    """Build each app's assistant on an understanding that is already running; `dressing` may swap parts."""

    @asynccontextmanager
    async def factory(
        settings: Settings, database: Database, conversations: ConversationStore
    ) -> AsyncIterator[Assistant]:
        assistant = assemble(understanding, settings, database, conversations)
        yield dressing(assistant) if dressing else assistant

    return factory


@asynccontextmanager
async def running_chat(
    settings: Settings,
    understanding: RunningNlu,
    limits: WebChatLimits = WebChatLimits(),
    dressing: Dressing | None = None,
) -> AsyncIterator[RunningChat]:
    """Serve the app with only the web chat on a free port of 127.0.0.1."""
    app = create_app(settings, [WebChatChannel(settings, limits)], assistant_factory=on(understanding, dressing))
    async with listening(app, "127.0.0.1", 0) as port:
        yield RunningChat(app, port)


def chat_settings(base: Settings, tmp_path: Path, **changes: Any) -> Settings:
    return replace(base, database_url=f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}", **changes)


def visitor() -> aiohttp.ClientSession:
    """Return an HTTP client that keeps cookies like a browser (also for 127.0.0.1)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def session_of(client: aiohttp.ClientSession) -> str:
    """Return the server-side id of the chat session whose cookie `client` holds."""
    for cookie in client.cookie_jar:
        if cookie.key == COOKIE:
            return session_id(cookie.value)
    raise AssertionError("no chat cookie was set")


async def next_frame(socket: aiohttp.ClientWebSocketResponse, timeout: float = 5.0) -> dict[str, Any]:
    message = await socket.receive(timeout)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    frame = json.loads(message.data)
    assert isinstance(frame, dict)
    return frame


@pytest.fixture(scope="session")
async def web_nlu() -> AsyncIterator[tuple[FakeNlu, str]]:
    nlu = FakeNlu(FAKE_RULES)
    async with serve_fake_nlu(nlu) as url:
        yield nlu, url


@pytest.fixture(scope="session")
async def fake_understanding(base_settings: Settings, web_nlu: tuple[FakeNlu, str]) -> AsyncIterator[RunningNlu]:
    """Content and understanding on the fake NLU, built once (the language detector takes seconds)."""
    nlu, url = web_nlu
    settings = replace(base_settings, nlu_url=url, nlu_token=nlu.token, nlu_timeout=2.0)
    async with running_nlu(settings) as understanding:
        yield understanding


@pytest.fixture(scope="session")
async def rasa_understanding(rasa_settings: Settings) -> AsyncIterator[RunningNlu]:
    """Content and understanding on the session's real Rasa server."""
    async with running_nlu(rasa_settings) as understanding:
        yield understanding


@pytest.fixture
async def chat(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> AsyncIterator[RunningChat]:
    """The web chat on the fake NLU with its own SQLite database."""
    async with running_chat(chat_settings(base_settings, tmp_path), fake_understanding) as running:
        yield running
