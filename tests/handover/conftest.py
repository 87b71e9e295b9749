"""Fixtures for handovers: a settable clock, databases of both kinds, a desk, and a bot on the fake API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from actions.conversations import ConversationStore
from actions.inquiries import HandoverWait
from bot.app import Assistant, assemble
from bot.channels.telegram import TelegramChannel
from bot.keys import ASSISTANT
from bot.web import AssistantFactory, create_app, listening
from core.content import Content
from core.channels import Arrival, Channels, Media, MediaUnavailable
from core.messages import ConversationKey, Reply
from core.settings import Settings
from handover.desk import HandoverDesk
from storage.db import Database
from storage.migrate import open_database
from tests.bot.conftest import FAST, nlu, telegram_api, telegram_settings, wiring_assistant, wiring_nlu  # noqa: F401
from tests.fakes.telegram_api import FakeTelegram

BERLIN = ZoneInfo("Europe/Berlin")
# Open consultation until 12:00; the Ukraine team only from 14:00.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 30, tzinfo=BERLIN)
# Everyone closed; next: Tuesday 10:00, the Ukraine team Tuesday 14:00.
SUNDAY_NIGHT = datetime(2026, 11, 22, 21, 40, tzinfo=BERLIN)
# Both teams are in until 17:00.
THURSDAY_AFTERNOON = datetime(2026, 11, 26, 15, 0, tzinfo=BERLIN)


class Clock:
    """A clock the test sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class RecordingOutbound:
    """A channel named "test" that notes what it sends; it can be blocked or fail, and has no attachments."""

    sent: list[tuple[ConversationKey, Reply]] = field(default_factory=list)
    reachable: bool = True
    fail_with: Exception | None = None
    name: str = "test"

    async def media(self, reference: str) -> Media:
        raise MediaUnavailable("the test channel keeps no attachments")

    async def send(self, conversation: ConversationKey, reply: Reply) -> Arrival:
        if self.fail_with is not None:
            raise self.fail_with
        if not self.reachable:
            return Arrival.UNREACHABLE
        self.sent.append((conversation, reply))
        return Arrival.SHOWN


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}") as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock(THURSDAY_AFTERNOON)


@dataclass
class Waits:
    """The statistics' side of the desk: handovers' waiting times as recorded."""

    recorded: list[HandoverWait] = field(default_factory=list)

    async def record_wait(self, wait: HandoverWait) -> None:
        self.recorded.append(wait)


@dataclass
class Desk:
    """A desk with a recording outbound side for the channel "test"."""

    desk: HandoverDesk
    channels: Channels
    outbound: RecordingOutbound
    clock: Clock
    waits: Waits


@pytest.fixture
async def desk(database: Database, content: Content, clock: Clock) -> AsyncIterator[Desk]:
    channels = Channels()
    outbound = RecordingOutbound()
    channels.register(outbound)
    waits = Waits()
    handovers = HandoverDesk(database, channels, content, clock, statistics=waits)
    async with handovers.running():
        yield Desk(handovers, channels, outbound, clock, waits)


# --- the whole app with the Telegram channel, on the fake Bot API ----------------------------------


@dataclass
class StaffedBot:
    """The app with the Telegram channel and the staff desk, at a time the test sets."""

    api: FakeTelegram
    settings: Settings
    app: web.Application
    clock: Clock

    @property
    def desk(self) -> HandoverDesk:
        return self.app[ASSISTANT].handovers


def at_time(assistant: Assistant, clock: Clock) -> AssistantFactory:
    """Build each app's dialogue and desk on the running assistant, with the test's clock."""

    @asynccontextmanager
    async def factory(settings: Settings, database: Database, conversations: ConversationStore) -> AsyncIterator[Assistant]:
        yield assemble(assistant.nlu, settings, database, conversations, clock=clock)

    return factory


@asynccontextmanager
async def staffed_bot(api: FakeTelegram, settings: Settings, assistant: Assistant, clock: Clock) -> AsyncIterator[StaffedBot]:
    """Start the app with Telegram on `settings`; stop it afterwards (a restart is two of these)."""
    channel = TelegramChannel(settings, FAST, shutdown_grace=0.5, poll_timeout=1)
    app = create_app(settings, [channel], assistant_factory=at_time(assistant, clock))
    async with listening(app, settings.http_host, settings.http_port):
        yield StaffedBot(api, settings, app, clock)


@pytest.fixture
def bot_settings(base_settings: Settings, telegram_api: FakeTelegram, tmp_path: Path) -> Settings:  # noqa: F811
    return telegram_settings(base_settings, telegram_api, "polling", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")


@pytest.fixture
async def bot(
    telegram_api: FakeTelegram,  # noqa: F811
    bot_settings: Settings,
    wiring_assistant: Assistant,  # noqa: F811
    clock: Clock,
) -> AsyncIterator[StaffedBot]:
    async with staffed_bot(telegram_api, bot_settings, wiring_assistant, clock) as running:
        yield running


def with_staff_group(settings: Settings, chat_id: int) -> Settings:
    return replace(settings, telegram_staff_chat_id=str(chat_id))
