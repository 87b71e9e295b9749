"""The outbox of Telegram replies: written with the update's "handled" mark, sent in order per chat.

A reply row is written in the same transaction that marks its update handled, so an update is
either unhandled (and will be handled again) or handled with its replies waiting here. A row is
`sending` only while its request to Telegram is under way; a row found `sending` by a process
taking over a dead one's work was cut off mid-request: it may have arrived, it is sent again, and
`cut_off` counts it. Text, buttons and the chat id are erased once the row is sent or given up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    String,
    Text,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import Select, Update

from core.clock import utc_now
from storage.db import Base, Database


class OutboxStatus(StrEnum):
    """Where a reply is on its way to Telegram."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class TelegramOutboxRecord(Base):
    """One message to send to a chat, owned by the process that is to send it."""

    __tablename__ = "telegram_outbox"
    __table_args__ = (
        Index("ix_telegram_outbox_status_owner", "status", "owner"),
        Index("ix_telegram_outbox_chat_id", "chat_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    markup: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(100))
    cut_off: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to send: the chat, the text and the buttons as Telegram's JSON (or None)."""

    chat_id: int
    text: str
    markup: str | None = None

    def __repr__(self) -> str:
        return f"OutgoingMessage(chat_id=…, text=<{len(self.text)} chars>, markup={'…' if self.markup else None})"


@dataclass(frozen=True)
class QueuedMessage:
    """A stored outbox row taken for sending."""

    id: int
    update_id: int | None
    message: OutgoingMessage
    cut_off: int


@dataclass(frozen=True)
class OutboxFigures:
    """How many rows are in each state, and how many sends were cut off mid-request."""

    by_status: dict[str, int]
    cut_off: int


async def add_messages(
    session: AsyncSession,
    update_id: int | None,
    messages: Sequence[OutgoingMessage],
    owner: str | None,
    now: datetime,
) -> None:
    """Queue `messages` inside the caller's transaction (the one that marks their update handled)."""
    if not messages:
        return
    await session.execute(
        insert(TelegramOutboxRecord),
        [
            {
                "update_id": update_id,
                "chat_id": message.chat_id,
                "text": message.text,
                "markup": message.markup,
                "status": OutboxStatus.PENDING,
                "owner": owner,
                "cut_off": 0,
                "created_at": now,
            }
            for message in messages
        ],
    )


class TelegramOutbox:
    """Take the next reply of a chat for sending, record how it went, take over a dead sender's rows."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def add(self, messages: Sequence[OutgoingMessage], owner: str, update_id: int | None = None) -> None:
        """Queue messages that answer no update in the inbox."""
        async with self._database.sessions() as session, session.begin():
            await add_messages(session, update_id, messages, owner, self._clock())

    async def take_next(self, chat_id: int, owner: str, sent: int | None = None) -> QueuedMessage | None:
        """Mark the chat's oldest unsent message as being sent and return it; None if there is none for us.

        The oldest unsent row decides: if another process owns it, or it is already being sent,
        later rows of the chat wait, so a chat's replies never overtake each other. `sent` is the
        message just sent, recorded as sent in the same transaction (one commit less per message).
        """
        oldest_unsent = (
            select(TelegramOutboxRecord.id)
            .where(TelegramOutboxRecord.chat_id == chat_id, TelegramOutboxRecord.status.in_(UNSENT))
            .order_by(TelegramOutboxRecord.id)
            .limit(1)
            .scalar_subquery()
        )
        async with self._database.sessions() as session, session.begin():
            if sent is not None:
                await session.execute(self._finishing(sent, OutboxStatus.SENT))
            # One statement: take the oldest unsent row if it is ours and waiting (not being sent).
            row = (
                await session.execute(
                    update(TelegramOutboxRecord)
                    .where(
                        TelegramOutboxRecord.id == oldest_unsent,
                        TelegramOutboxRecord.owner == owner,
                        TelegramOutboxRecord.status == OutboxStatus.PENDING,
                    )
                    .values(status=OutboxStatus.SENDING)
                    .returning(
                        TelegramOutboxRecord.id,
                        TelegramOutboxRecord.update_id,
                        TelegramOutboxRecord.text,
                        TelegramOutboxRecord.markup,
                        TelegramOutboxRecord.cut_off,
                    )
                    .execution_options(synchronize_session=False)
                )
            ).one_or_none()
        if row is None:
            return None
        return QueuedMessage(row.id, row.update_id, OutgoingMessage(chat_id, row.text or "", row.markup), row.cut_off)

    async def sent(self, message_id: int) -> None:
        """Record that Telegram accepted the message; erase what it said and to whom."""
        await self._finish(message_id, OutboxStatus.SENT)

    async def failed(self, message_id: int) -> None:
        """Give a message up (the person blocked the bot, Telegram refused it); erase it."""
        await self._finish(message_id, OutboxStatus.FAILED)

    async def give_up_chat(self, chat_id: int, owner: str) -> int:
        """Give up every unsent message of a chat we own (the person blocked the bot)."""
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(
                update(TelegramOutboxRecord)
                .where(
                    TelegramOutboxRecord.chat_id == chat_id,
                    TelegramOutboxRecord.owner == owner,
                    TelegramOutboxRecord.status.in_(UNSENT),
                )
                .values(status=OutboxStatus.FAILED, text=None, markup=None, chat_id=None, sent_at=self._clock())
            )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def retry(self, message_id: int, cut_off: bool) -> None:
        """Put a message back to be sent again; count it when its request was cut off (it may have arrived)."""
        async with self._database.sessions() as session, session.begin():
            await session.execute(
                update(TelegramOutboxRecord)
                .where(TelegramOutboxRecord.id == message_id, TelegramOutboxRecord.status == OutboxStatus.SENDING)
                .values(status=OutboxStatus.PENDING, cut_off=TelegramOutboxRecord.cut_off + (1 if cut_off else 0))
            )

    async def chats_waiting(self, owner: str) -> list[int]:
        """Chats with unsent messages that we own, longest waiting first."""
        async with self._database.sessions() as session:
            rows = await session.execute(
                select(TelegramOutboxRecord.chat_id)
                .where(TelegramOutboxRecord.owner == owner, TelegramOutboxRecord.status == OutboxStatus.PENDING)
                .group_by(TelegramOutboxRecord.chat_id)
                .order_by(func.min(TelegramOutboxRecord.id))
            )
            return [chat_id for (chat_id,) in rows if chat_id is not None]

    async def take_over(self, owner: str, live_owners: Select[tuple[str]], restarted: bool = False) -> int:
        """Make unsent messages of dead owners ours; one found mid-send was cut off and is counted.

        With `restarted`, our own messages count as a dead owner's too: they are from before a crash.
        """
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(
                update(TelegramOutboxRecord)
                .where(
                    TelegramOutboxRecord.status.in_(UNSENT),
                    or_(
                        TelegramOutboxRecord.owner.is_(None),
                        and_(
                            TelegramOutboxRecord.owner != owner,
                            TelegramOutboxRecord.owner.not_in(live_owners.scalar_subquery()),
                        ),
                        TelegramOutboxRecord.owner == owner if restarted else false(),
                    ),
                )
                .values(
                    owner=owner,
                    status=OutboxStatus.PENDING,
                    cut_off=TelegramOutboxRecord.cut_off
                    + case((TelegramOutboxRecord.status == OutboxStatus.SENDING, 1), else_=0),
                )
            )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def figures(self) -> OutboxFigures:
        """Count rows by state and the sends cut off mid-request (for the fault benchmark and tests)."""
        async with self._database.sessions() as session:
            rows = await session.execute(
                select(TelegramOutboxRecord.status, func.count(), func.coalesce(func.sum(TelegramOutboxRecord.cut_off), 0))
                .group_by(TelegramOutboxRecord.status)
            )
            by_status: dict[str, int] = {}
            cut_off = 0
            for status, count, cut in rows:
                by_status[str(status)] = int(count)
                cut_off += int(cut)
        return OutboxFigures(by_status, cut_off)

    async def forget_sent(self, before: datetime) -> int:
        """Delete sent and given-up rows older than `before`; only their counts were left."""
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(
                delete(TelegramOutboxRecord).where(
                    TelegramOutboxRecord.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
                    TelegramOutboxRecord.sent_at < before,
                )
            )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _finish(self, message_id: int, status: OutboxStatus) -> None:
        async with self._database.sessions() as session, session.begin():
            await session.execute(self._finishing(message_id, status))

    def _finishing(self, message_id: int, status: OutboxStatus) -> Update:
        return (
            update(TelegramOutboxRecord)
            .where(TelegramOutboxRecord.id == message_id)
            .values(status=status, text=None, markup=None, chat_id=None, sent_at=self._clock())
        )
