"""Proof that the statistics are anonymous.

Conversations full of personal data go through the real dialogue (with a fake NLU server) on every
channel; then every row of every table, the database files' raw bytes and every log line are
searched for each piece of it. And two messages of one person leave exactly the same trace as two
messages of two people: nothing can link them. The only other column, each row's cell key, is a sum
of random numbers drawn for each event, independent of who sent it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import MetaData, inspect, select

from actions.conversation_store import DatabaseConversationStore
from actions.dialogue import Dialogue
from actions.inquiries import HandledMessage, Outcome
from nlu.runtime import build_language_detector
from bot.channels.console import to_message
from core.content import Content
from core.messages import ConversationKey, Message, MessageKind
from core.schedule import OfficeSchedule
from monitoring.recorder import DatabaseInquiryRecorder
from monitoring.tables import TABLES, HourlyWaits
from nlu.client import RasaNluClient
from nlu.language import LanguageDetector
from nlu.understanding import MessageUnderstanding
from storage.db import Database
from storage.migrate import open_database
from tests.fakes.nlu import FakeNlu
from tests.storage.databases import fresh_database_url

BERLIN = ZoneInfo("Europe/Berlin")
TELEGRAM_USER_ID = "583920174"

# What people wrote, and everything in it that must never be stored or logged.
CONVERSATIONS: dict[ConversationKey, list[str]] = {
    ConversationKey("telegram", TELEGRAM_USER_ID): [
        "Hallo, ich heiße Olena Kovalenko, meine Nummer ist +49 151 23456789. Wann sind eure hours?",
        "Коли можна прийти? Я Олена Коваленко, телеграм id 583920174",
        "Ich will mit einer person sprechen, ruf mich an: 0151 98765432",
    ],
    ConversationKey("web", "session-ahmad.halabi@example.org"): [
        "Mein Name ist Ahmad Al-Halabi, E-Mail ahmad.halabi@example.org, bitte hours schicken",
        "Meine IBAN ist DE89 3704 0044 0532 0130 00, ich wohne in der Bäckerstraße 12, 31785 Hameln",
        "اسمي أحمد الحلبي ورقمي 015198765432 hours",
    ],
}
PERSONAL_DATA = [
    "Olena", "Kovalenko", "Олена", "Коваленко", "+49 151 23456789", "+4915123456789", "23456789",
    "0151 98765432", "015198765432", "98765432", "ahmad.halabi@example.org", "example.org", "Ahmad", "Halabi",
    "أحمد", "الحلبي", "DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "0532 0130", "Bäckerstraße",
    "Baeckerstrasse", "31785", TELEGRAM_USER_ID, "session-ahmad",
]  # fmt: skip


@pytest.fixture(scope="module")
def detector(content: Content) -> LanguageDetector:
    return build_language_detector(content)


@pytest.fixture
async def understanding(detector: LanguageDetector, fake_nlu: tuple[FakeNlu, str]) -> AsyncIterator[MessageUnderstanding]:
    nlu, url = fake_nlu
    async with aiohttp.ClientSession() as session:
        yield MessageUnderstanding(detector, RasaNluClient(session, url, nlu.token, 1.0), 0.4)


def clock_from(start: datetime) -> tuple[list[datetime], object]:
    now = [start]

    def clock() -> datetime:
        now[0] += timedelta(seconds=47)
        return now[0]

    return now, clock


async def talk(database: Database, content: Content, understanding: MessageUnderstanding, hours: OfficeSchedule) -> None:
    """Send every conversation, a photo, a button and the console's lines through the dialogue."""
    _, clock = clock_from(datetime(2026, 11, 22, 21, 30, tzinfo=BERLIN))
    async with DatabaseInquiryRecorder(database, hours) as recorder:
        dialogue = Dialogue(content, understanding, DatabaseConversationStore(database), clock, recorder)  # type: ignore[arg-type]
        for key, lines in CONVERSATIONS.items():
            for line in lines:
                await dialogue.handle(Message(key, text=line))
            await dialogue.handle(Message(key, kind=MessageKind.NON_TEXT, text="photo of a letter to Olena Kovalenko"))
            await dialogue.handle(Message(key, kind=MessageKind.BUTTON, payload="topic:office_hours", text="Öffnungszeiten"))
        for line in ("Olena Kovalenko +49 151 23456789 hours", "2"):
            await dialogue.handle(to_message(line + "\n", ()))
        await recorder.flush()


async def everything_stored(database: Database, leave_out: frozenset[str] = frozenset()) -> list[str]:
    """Return every value of every row of every table (but the columns left out), as text."""
    values: list[str] = []
    async with database.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        metadata = MetaData()
        await connection.run_sync(lambda sync: metadata.reflect(sync, only=names))
        for table in metadata.sorted_tables:
            columns = [column for column in table.columns if column.name not in leave_out]
            for row in (await connection.execute(select(*columns))).all():
                values.append(" ".join(str(value) for value in row))
    return values


def found(haystack: str) -> list[str]:
    folded = haystack.casefold()
    return [item for item in PERSONAL_DATA if item.casefold() in folded]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_no_personal_data_reaches_tables_files_or_logs(
    kind: str,
    tmp_path: Path,
    content: Content,
    understanding: MessageUnderstanding,
    office_hours: OfficeSchedule,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert found("… olena kovalenko …") == ["Olena", "Kovalenko"]  # the search itself works
    async with fresh_database_url(kind, tmp_path) as url, open_database(url) as database:
        await talk(database, content, understanding, office_hours)
        # Cell keys are random numbers: a phone number's digits could turn up in one by chance.
        stored = await everything_stored(database, frozenset({"cell_key"}))
    assert stored, "the statistics recorded nothing"
    assert found("\n".join(stored)) == []
    for file in tmp_path.glob("*.db*"):  # the SQLite file and its write-ahead log, byte for byte
        assert found(file.read_bytes().decode("utf-8", errors="replace")) == [], file.name
    assert found("\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)) == []


async def test_the_recorded_events_are_the_handled_messages(
    tmp_path: Path, content: Content, understanding: MessageUnderstanding, office_hours: OfficeSchedule
) -> None:
    async with open_database(f"sqlite+aiosqlite:///{tmp_path / 'stats.db'}") as database:
        await talk(database, content, understanding, office_hours)
        async with database.sessions() as session:
            rows = (await session.execute(select(TABLES[0]))).scalars().all()
    counted = sum(row.count for row in rows)  # type: ignore[attr-defined]
    assert counted == sum(len(lines) + 2 for lines in CONVERSATIONS.values()) + 2
    channels = {row.channel for row in rows}  # type: ignore[attr-defined]
    outcomes = {row.outcome for row in rows}  # type: ignore[attr-defined]
    assert channels == {"telegram", "web", "console"}
    assert {"answered", "not_understood", "handover_requested"} <= outcomes
    assert {row.in_hours for row in rows} == {False}  # type: ignore[attr-defined]  # Sunday night


def test_no_table_has_a_column_that_could_tie_events_together() -> None:
    # cell_key: the sum of the row's events' random record keys (monitoring/cellkey.py).
    allowed = {"hour", "week", "weekday", "topic", "language", "channel", "outcome", "in_hours", "waited", "count", "cell_key"}
    for model in (*TABLES, HourlyWaits):
        columns = {column.name for column in model.__table__.columns}  # type: ignore[attr-defined]
        assert columns <= allowed, model.__name__
        assert "count" not in {column.name for column in model.__table__.primary_key.columns}  # type: ignore[attr-defined]


async def test_one_person_twice_looks_exactly_like_two_people_once(
    tmp_path: Path, database_url: str, office_hours: OfficeSchedule
) -> None:
    """Two messages of Olena, or one of Olena and one of Ahmad: the database cannot tell which."""
    at = datetime(2026, 11, 22, 21, 40, tzinfo=BERLIN)
    olena, ahmad = ConversationKey("telegram", "1001"), ConversationKey("telegram", "2002")
    first = HandledMessage(at, olena.channel, "office_hours", "uk", Outcome.ANSWERED)
    second = HandledMessage(at + timedelta(minutes=3), olena.channel, "office_hours", "uk", Outcome.ANSWERED)
    other = HandledMessage(at + timedelta(minutes=5), ahmad.channel, "courses", "ar", Outcome.CLARIFIED)
    # Scenario A: Olena sends two messages, Ahmad one. Scenario B: three people, in another order.
    # The cell keys differ between any two runs (they are random), so they are compared apart below.
    dumps = []
    for scenario, order in (("a", [first, second, other]), ("b", [other, second, first])):
        async with fresh_database_url("sqlite" if "sqlite" in database_url else "postgresql", tmp_path / scenario) as url:
            async with open_database(url) as database, DatabaseInquiryRecorder(database, office_hours) as recorder:
                for handled in order:
                    await recorder.record(handled)
                await recorder.flush()
                dumps.append(sorted(await everything_stored(database, frozenset({"cell_key"}))))
    assert dumps[0] == dumps[1]


async def test_a_cell_key_is_only_the_sum_of_random_record_keys(tmp_path: Path, office_hours: OfficeSchedule) -> None:
    """Each event draws a record key; a row keeps only the sum, so no key points to a message."""
    drawn = iter([0xFFFF_FFF0, 0x20, 7, 1234])
    at = datetime(2026, 11, 22, 21, 40, tzinfo=BERLIN)
    async with open_database(f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}") as database:
        async with DatabaseInquiryRecorder(database, office_hours, record_keys=lambda: next(drawn)) as recorder:
            for minute in (1, 2, 3):
                await recorder.record(HandledMessage(at.replace(minute=minute), "telegram", "office_hours", "uk", Outcome.ANSWERED))
            await recorder.flush()
        async with database.sessions() as session:
            rows = (await session.execute(select(TABLES[0].count, TABLES[0].cell_key))).all()  # type: ignore[attr-defined]
    # Three events in one row: (0xFFFFFFF0 + 0x20 + 7) modulo 2^32.
    assert rows == [(3, 0x10 + 7)]
