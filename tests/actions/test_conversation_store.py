"""Conversation state in the database: every field comes back, any process reads it, retention forgets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

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
