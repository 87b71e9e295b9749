"""Fixtures for the Telegram channel: a fake Bot API, one assistant per session, a bot per test."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from actions.conversations import ConversationStore
from bot.app import Assistant, assemble, running_assistant
from bot.channels.telegram import TelegramChannel, TelegramLimits
from bot.keys import CONVERSATIONS, DATABASE
from bot.web import AssistantFactory, create_app, listening
from core.settings import Settings
from storage.db import Database
from storage.telegram_updates import UpdateInbox
from tests.conftest import FAKE_RULES
from tests.fakes.nlu import FakeNlu, serve_fake_nlu
from tests.fakes.telegram_api import FakeTelegram, serve_fake_telegram

WEBHOOK_SECRET = "hameln-test-secret_0123456789"
MODES = ["polling", "webhook"]
# Sends at full speed, so tests do not wait for the per-chat pace unless they test it.
FAST = TelegramLimits(chat_burst=100)


@dataclass
class RunningBot:
    """A started app with the Telegram channel, talking to a fake Bot API."""

    api: FakeTelegram
    settings: Settings
    app: web.Application
    mode: str

    @property
    def webhook_url(self) -> str:
        assert self.settings.telegram_webhook_url is not None
        return self.settings.telegram_webhook_url

    @property
    def inbox(self) -> UpdateInbox:
        return UpdateInbox(self.app[DATABASE])

    @property
    def conversations(self) -> ConversationStore:
        return self.app[CONVERSATIONS]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reusing(assistant: Assistant) -> AssistantFactory:
    """Build each app's dialogue on an assistant that is already running (content, NLU client)."""

    @asynccontextmanager
    async def factory(
        settings: Settings, database: Database, conversations: ConversationStore
    ) -> AsyncIterator[Assistant]:
        yield assemble(assistant.nlu, settings, database, conversations)

    return factory


def telegram_settings(base: Settings, api: FakeTelegram, mode: str, database_url: str) -> Settings:
    """Settings for a bot on a free port, against `api`, by polling or webhook."""
    port = free_port()
    webhook = mode == "webhook"
    return replace(
        base,
        http_host="127.0.0.1",
        http_port=port,
        database_url=database_url,
        telegram_bot_token=api.token,
        telegram_api_url=api.url,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook" if webhook else None,
        telegram_webhook_secret=WEBHOOK_SECRET if webhook else None,
    )


@asynccontextmanager
async def running_bot(
    api: FakeTelegram,
    settings: Settings,
    assistant: Assistant,
    limits: TelegramLimits = FAST,
    shutdown_grace: float = 0.5,
    lease: timedelta = timedelta(seconds=15),
) -> AsyncIterator[RunningBot]:
    """Start the web app with the Telegram channel on `settings`, and stop it afterwards."""
    channel = TelegramChannel(settings, limits, shutdown_grace=shutdown_grace, poll_timeout=2, lease=lease)
    app = create_app(settings, [channel], assistant_factory=reusing(assistant))
    async with listening(app, settings.http_host, settings.http_port):
        yield RunningBot(api, settings, app, "webhook" if settings.telegram_webhook_url else "polling")


@pytest.fixture(scope="session")
async def wiring_nlu() -> AsyncIterator[tuple[FakeNlu, str]]:
    nlu = FakeNlu(FAKE_RULES)
    async with serve_fake_nlu(nlu) as url:
        yield nlu, url


@pytest.fixture
def nlu(wiring_nlu: tuple[FakeNlu, str]) -> FakeNlu:
    return wiring_nlu[0]


@pytest.fixture(scope="session")
async def wiring_assistant(base_settings: Settings, wiring_nlu: tuple[FakeNlu, str]) -> AsyncIterator[Assistant]:
    """One assistant on the fake NLU for all wiring tests (building its language detector is slow)."""
    nlu, url = wiring_nlu
    settings = replace(base_settings, nlu_url=url, nlu_token=nlu.token, nlu_timeout=2.0)
    async with running_assistant(settings) as assistant:
        yield assistant


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegram]:
    api = FakeTelegram()
    async with serve_fake_telegram(api):
        yield api


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def bot(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, mode: str, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """A bot on the fake NLU, by polling and by webhook, with its own SQLite database."""
    settings = telegram_settings(base_settings, telegram_api, mode, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_bot(telegram_api, settings, wiring_assistant) as running:
        yield running
