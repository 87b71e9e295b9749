"""Conversation state in the database: shared by every process, kept across restarts, deleted under retention.

Each conversation is one row, read at the start of a message and written at its end, so a second
process (or a restarted one) carries on where the last message left off.

Slow or locked storage does not hold up an answer for long. A state that cannot be written within a moment
waits in memory and is written, retried with growing pauses, as soon as the database takes it; the
conversation's next message reads it from there. A read that fails or takes more than 3 s goes on with the
last state this process knew of the conversation (a bounded recollection, so memory does not grow
with the people ever seen), or a fresh one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from actions.conversations import ConversationState
from core import writers
from core.clock import utc_now
from core.messages import ConversationKey
from storage.db import Base, Database, dialect_insert

log = logging.getLogger(__name__)

# Conversations untouched for this long are forgotten unless the settings say otherwise.
DEFAULT_RETENTION = timedelta(days=30)
# Deleting keys in batches keeps each statement within the databases' parameter limits.
_BATCH = 400
# How long an answer waits for its state to be written before going on (the write goes on behind it).
DEFAULT_WRITE_WAIT = 0.25
# How long it waits for its state to be read before going on with the last known one: longer, because
# a busy database queues reads for a while (the web chat says "one moment" at 3 s), and a stale state
# is worse than a slow one; a locked SQLite does not block reads (WAL).
DEFAULT_READ_WAIT = 3.0
# How many conversations' last known states are kept as the fallback for an unreadable database.
DEFAULT_RECOLLECTION = 4096


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


@dataclass
class _Unsaved:
    """The newest state of a conversation that the database has not taken yet."""

    key: ConversationKey
    state: ConversationState
    stored: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class DatabaseConversationStore:
    """Keep ConversationState per conversation in the database (actions.conversations.ConversationStore)."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime] = utc_now,
        retention: timedelta = DEFAULT_RETENTION,
        read_wait: float = DEFAULT_READ_WAIT,
        write_wait: float = DEFAULT_WRITE_WAIT,
        recollection: int = DEFAULT_RECOLLECTION,
        first_pause: float = 0.2,
        longest_pause: float = 5.0,
    ) -> None:
        self._database = database
        self._clock = clock
        self.retention = retention
        self._read_wait = read_wait
        self._write_wait = write_wait
        self._recollection = recollection
        self._first_pause = first_pause
        self._longest_pause = longest_pause
        self._unsaved: dict[str, _Unsaved] = {}
        self._writers: dict[str, asyncio.Task[None]] = {}
        self._known: OrderedDict[str, ConversationState] = OrderedDict()
        self.retries = 0

    async def load(self, key: ConversationKey) -> ConversationState:
        """Return the conversation's state; a fresh one for a conversation never seen (or forgotten)."""
        row = record_id(key)
        if (unsaved := self._unsaved.get(row)) is not None:
            return unsaved.state  # newer than what the database holds
        reading = asyncio.ensure_future(self._read(row))
        done, _ = await asyncio.wait({reading}, timeout=self._read_wait)
        if not done:
            reading.add_done_callback(_ignore_outcome)
            log.warning("conversation state not read within %.2f s; going on with the last known one", self._read_wait)
        elif (error := reading.exception()) is not None:
            log.warning("conversation state not read (%s); going on with the last known one", type(error).__name__)
        else:
            state = reading.result()
            self._remember(row, state)
            return state
        return self._known.get(row, ConversationState())

    async def save(self, key: ConversationKey, state: ConversationState) -> None:
        """Store the state, replacing the last one; counts as the conversation's latest activity.

        Waits a moment for the database; if it is slower, the state is written as soon as it can be.
        """
        row = record_id(key)
        self._remember(row, state)
        unsaved = self._unsaved.get(row)
        if unsaved is None:
            unsaved = self._unsaved[row] = _Unsaved(key, state)
            self._writers[row] = asyncio.create_task(self._write(row), name="conversation-state")
        else:
            unsaved.state = state  # the writer under way writes this one next
        await asyncio.wait({unsaved.stored}, timeout=self._write_wait)

    async def forget(self, keys: Iterable[ConversationKey]) -> int:
        """Delete the state of these conversations (erasure, or their channel forgot them); return how many."""
        ids = [record_id(key) for key in keys]
        # A state still waiting to be written must not come back after the deletion.
        writers = []
        for row in ids:
            self._known.pop(row, None)
            if (unsaved := self._unsaved.pop(row, None)) is not None:
                unsaved.stored.cancel()
            if (writer := self._writers.get(row)) is not None:
                writers.append(writer)
        await asyncio.gather(*writers, return_exceptions=True)
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
        self._known.clear()  # what this process recalls of forgotten conversations goes too
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count(self) -> int:
        """Return how many conversations are remembered (for tests and operators)."""
        async with self._database.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(ConversationRecord)) or 0)

    def unsaved(self) -> int:
        """Return how many conversations' states wait for the database."""
        return len(self._unsaved)

    async def settled(self) -> None:
        """Wait until every waiting state is written."""
        await writers.settled(self._writers)

    async def close(self, timeout: float = 5.0) -> None:
        """Give waiting states a last chance when the app stops; say how many could not be written (no content)."""
        await writers.stop(self._writers, timeout)
        left = self.unsaved()
        if left:
            log.error("the state of %d conversation(s) could not be written before stopping: storage was unavailable", left)

    async def _read(self, row: str) -> ConversationState:
        async with self._database.sessions() as session:
            # A plain row, not an ORM object: read on every message, so it is kept cheap.
            record = (await session.execute(select(*_COLUMNS).where(ConversationRecord.id == row))).first()
            return ConversationState() if record is None else _state(record)

    async def _write(self, row: str) -> None:
        pause = self._first_pause
        try:
            while (unsaved := self._unsaved.get(row)) is not None:
                state = unsaved.state
                try:
                    await self._upsert(row, state)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # every failure is retried: a state is never dropped
                    self.retries += 1
                    log.warning("conversation state not written yet (%s); trying again in %.1f s", type(error).__name__, pause)
                    await asyncio.sleep(pause)
                    pause = min(self._longest_pause, pause * 2)
                    continue
                pause = self._first_pause
                if unsaved.state is state and self._unsaved.get(row) is unsaved:
                    del self._unsaved[row]
                    if not unsaved.stored.done():
                        unsaved.stored.set_result(None)
        finally:
            self._writers.pop(row, None)

    async def _upsert(self, row: str, state: ConversationState) -> None:
        values = _values(state) | {"updated_at": self._clock()}
        insert = dialect_insert(ConversationRecord, self._database.engine.dialect).values(id=row, **values)
        upsert = insert.on_conflict_do_update(index_elements=["id"], set_=values)
        async with self._database.sessions() as session, session.begin():
            await session.execute(upsert)

    def _remember(self, row: str, state: ConversationState) -> None:
        self._known[row] = state
        self._known.move_to_end(row)
        while len(self._known) > self._recollection:
            self._known.popitem(last=False)


def _ignore_outcome(task: asyncio.Future[ConversationState]) -> None:
    if not task.cancelled():
        task.exception()  # read, so a late failure is not reported as never retrieved


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


_COLUMNS = (
    ConversationRecord.language,
    ConversationRecord.chosen_language,
    ConversationRecord.misunderstood_in_a_row,
    ConversationRecord.last_topic,
    ConversationRecord.unclear,
    ConversationRecord.closed,
    ConversationRecord.switch_to,
    ConversationRecord.switch_votes,
)


def _state(record: Any) -> ConversationState:
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
