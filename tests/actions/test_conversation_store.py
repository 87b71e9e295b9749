"""Conversation state in the database: every field comes back, any process reads it, retention forgets it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from actions.conversation_store import ConversationRecord, DatabaseConversationStore
from actions.conversations import ConversationState
from core.messages import ConversationKey
from storage.db import Database

OLENA = ConversationKey("telegram", "583920174")
AHMAD = ConversationKey("web", "a" * 64)
FULL = ConversationState(
    language="uk",
    chosen_language="ru",
    misunderstood_in_a_row=2,
    last_topic="courses",
    unclear=("щось незрозуміле", "ще раз"),
    closed=True,
    switch_to="de",
    switch_votes=1,
)


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 21, 40, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_every_field_comes_back_in_another_store_on_the_same_database(database: Database) -> None:
    await DatabaseConversationStore(database).save(OLENA, FULL)
    # A second process (or the same one after a restart) reads what the first one wrote.
    other = DatabaseConversationStore(database)
    assert await other.load(OLENA) == FULL
    assert await other.load(AHMAD) == ConversationState()
    await other.save(OLENA, ConversationState(language="ar"))
    assert await DatabaseConversationStore(database).load(OLENA) == ConversationState(language="ar")
    assert await other.count() == 1


async def test_the_table_names_no_chat_id(database: Database) -> None:
    await DatabaseConversationStore(database).save(OLENA, FULL)
    async with database.sessions() as session:
        ids = list(await session.scalars(select(ConversationRecord.id)))
    assert len(ids) == 1 and OLENA.conversation_id not in ids[0] and len(ids[0]) == 64


async def test_state_untouched_past_the_retention_is_forgotten(database: Database) -> None:
    clock = Clock()
    store = DatabaseConversationStore(database, clock, retention=timedelta(days=30))
    await store.save(OLENA, FULL)
    clock.now += timedelta(days=29)
    await store.save(AHMAD, ConversationState(language="fa"))
    assert await store.forget_inactive() == 0
    clock.now += timedelta(days=2)
    assert await store.forget_inactive() == 1
    assert await store.load(OLENA) == ConversationState()
    assert await store.load(AHMAD) == ConversationState(language="fa")


async def test_forgetting_and_moving_a_conversation(database: Database) -> None:
    store = DatabaseConversationStore(database)
    await store.save(AHMAD, FULL)
    await store.move(AHMAD, OLENA)
    assert await store.load(OLENA) == FULL and await store.load(AHMAD) == ConversationState()
    assert await store.forget([OLENA, AHMAD]) == 1
    assert await store.count() == 0
    assert await store.forget([]) == 0


async def test_a_state_waits_for_slow_storage_and_is_written_in_the_end(database: Database) -> None:
    store = DatabaseConversationStore(database, write_wait=0.05, first_pause=0.01)
    released = asyncio.Event()
    upsert = store._upsert
    failures = 0

    async def stalled(row: str, state: ConversationState) -> None:
        nonlocal failures
        if not released.is_set():
            failures += 1
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        await upsert(row, state)

    store._upsert = stalled  # type: ignore[method-assign]
    started = time.monotonic()
    await store.save(OLENA, ConversationState(language="uk"))
    await store.save(OLENA, FULL)
    assert time.monotonic() - started < 1.0, "saving does not wait for storage that is away"
    # The conversation's next message reads what waits; another process does not see it yet.
    assert await store.load(OLENA) == FULL
    assert await DatabaseConversationStore(database).load(OLENA) == ConversationState()
    assert store.unsaved() == 1
    released.set()
    await store.settled()
    assert failures > 0 and store.unsaved() == 0
    assert await DatabaseConversationStore(database).load(OLENA) == FULL


async def test_an_unreadable_database_goes_on_with_the_last_known_state(database: Database) -> None:
    store = DatabaseConversationStore(database, read_wait=0.05)
    await store.save(OLENA, FULL)

    async def hanging(row: str) -> ConversationState:
        await asyncio.sleep(10)
        raise AssertionError("never")

    async def failing(row: str) -> ConversationState:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    store._read = hanging  # type: ignore[method-assign]
    assert await store.load(OLENA) == FULL
    store._read = failing  # type: ignore[method-assign]
    assert await store.load(OLENA) == FULL
    assert await store.load(ConversationKey("telegram", "2")) == ConversationState()


async def test_erasure_waits_for_a_state_under_way_so_it_does_not_come_back(database: Database) -> None:
    store = DatabaseConversationStore(database, write_wait=0.01, first_pause=0.01)
    upsert = store._upsert
    attempts = 0

    async def slow(row: str, state: ConversationState) -> None:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0.2)
        await upsert(row, state)

    store._upsert = slow  # type: ignore[method-assign]
    await store.save(OLENA, FULL)
    await store.forget([OLENA])
    await store.settled()
    assert attempts == 1
    assert await DatabaseConversationStore(database).load(OLENA) == ConversationState()
    assert await store.load(OLENA) == ConversationState()
