"""Conversation state in the database: shared by every process, kept across restarts, deleted under retention.

Each conversation is one row, read at the start of a message and written at its end; nothing is held
in the process between messages, so memory does not grow with the people ever seen and a second
process (or a restarted one) carries on where the last message left off.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Boolean, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from actions.conversations import ConversationState
from core.clock import utc_now
from core.messages import ConversationKey
from storage.db import Base, Database, dialect_insert

log = logging.getLogger(__name__)

# Conversations untouched for this long are forgotten unless the settings say otherwise.
DEFAULT_RETENTION = timedelta(days=30)
# Deleting keys in batches keeps each statement within the databases' parameter limits.
_BATCH = 400


class ConversationRecord(Base):
    """What the assistant remembers about one conversation between messages (actions.conversations)."""

    __tablename__ = "conversation_states"

    # A digest of channel and conversation id: the chat id itself stays with the handovers (handover.models).
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(16))
    chosen_language: Mapped[str | None] = mapped_column(String(16))
    misunderstood_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    last_topic: Mapped[str | None] = mapped_column(String(64))
    # JSON list of the texts not understood in a row: personal, so it goes with the row.
    unclear: Mapped[str] = mapped_column(Text, default="[]")
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    switch_to: Mapped[str | None] = mapped_column(String(16))
    switch_votes: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(index=True)


class DatabaseConversationStore:
    """Keep ConversationState per conversation in the database (actions.conversations.ConversationStore)."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime] = utc_now,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        self._database = database
        self._clock = clock
        self.retention = retention

    async def load(self, key: ConversationKey) -> ConversationState:
        """Return the conversation's state; a fresh one for a conversation never seen (or forgotten)."""
        async with self._database.sessions() as session:
            record = await session.get(ConversationRecord, record_id(key))
            return ConversationState() if record is None else _state(record)

    async def save(self, key: ConversationKey, state: ConversationState) -> None:
        """Store the state, replacing the last one; counts as the conversation's latest activity."""
        values = _values(state) | {"updated_at": self._clock()}
        insert = dialect_insert(ConversationRecord, self._database.engine.dialect).values(id=record_id(key), **values)
        upsert = insert.on_conflict_do_update(index_elements=["id"], set_=values)
        async with self._database.sessions() as session, session.begin():
            await session.execute(upsert)

    async def forget(self, keys: Iterable[ConversationKey]) -> int:
        """Delete the state of these conversations (erasure, or their channel forgot them); return how many."""
        ids = [record_id(key) for key in keys]
        forgotten = 0
        async with self._database.sessions() as session, session.begin():
            for start in range(0, len(ids), _BATCH):
                batch = ids[start : start + _BATCH]
                result = await session.execute(delete(ConversationRecord).where(ConversationRecord.id.in_(batch)))
                forgotten += int(result.rowcount)  # type: ignore[attr-defined]
        return forgotten

    async def move(self, source: ConversationKey, target: ConversationKey) -> None:
        """Carry a conversation's state over to another channel's conversation (continue on Telegram)."""
        state = await self.load(source)
        await self.save(target, state)
        await self.forget([source])

    async def forget_inactive(self) -> int:
        """Delete every state untouched for longer than the retention; return how many."""
        cutoff = self._clock() - self.retention
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(delete(ConversationRecord).where(ConversationRecord.updated_at < cutoff))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count(self) -> int:
        """Return how many conversations are remembered (for tests and operators)."""
        async with self._database.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(ConversationRecord)) or 0)


def record_id(key: ConversationKey) -> str:
    """Return the row id of a conversation: a digest, so the table names no chat id (pseudonymous, not anonymous)."""
    return hashlib.sha256(f"{key.channel}:{key.conversation_id}".encode()).hexdigest()


def _values(state: ConversationState) -> dict[str, object]:
    return {
        "language": state.language,
        "chosen_language": state.chosen_language,
        "misunderstood_in_a_row": state.misunderstood_in_a_row,
        "last_topic": state.last_topic,
        "unclear": json.dumps(list(state.unclear), ensure_ascii=False),
        "closed": state.closed,
        "switch_to": state.switch_to,
        "switch_votes": state.switch_votes,
    }


def _state(record: ConversationRecord) -> ConversationState:
    try:
        unclear = tuple(str(text) for text in json.loads(record.unclear or "[]"))
    except (ValueError, TypeError):
        unclear = ()
    return ConversationState(
        language=record.language,
        chosen_language=record.chosen_language,
        misunderstood_in_a_row=record.misunderstood_in_a_row or 0,
        last_topic=record.last_topic,
        unclear=unclear,
        closed=bool(record.closed),
        switch_to=record.switch_to,
        switch_votes=record.switch_votes or 0,
    )


async def keep_forgetting(store: DatabaseConversationStore, interval: float = 3600.0) -> None:
    """Delete conversation state past its retention now and then, for as long as the app runs."""
    while True:
        try:
            forgotten = await store.forget_inactive()
            if forgotten:
                log.info("forgot the state of %d conversation(s) past their retention", forgotten)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("could not delete old conversation state: %s", type(error).__name__)
        await asyncio.sleep(interval)
