"""The durable inbox of Telegram updates: stored before Telegram is told "received", handled once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utc_now
from storage.db import Base, Database, insert_unless_present


class UpdateStatus(StrEnum):
    """Where an update is on its way from Telegram to an answer."""

    PENDING = "pending"
    PROCESSING = "processing"
    HANDLED = "handled"


class TelegramUpdateRecord(Base):
    """One update as received; its payload (text, names, chat id) is erased once it is handled."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    payload: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]


@dataclass(frozen=True)
class StoredUpdate:
    """An update still to be handled, with the JSON Telegram sent."""

    update_id: int
    payload: str


class UpdateInbox:
    """Keep each update until it is handled, and let each update_id be handled exactly once."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def receive(self, update_id: int, payload: str) -> bool:
        """Store a new update durably; return False when this update_id was stored before."""
        async with self._database.sessions() as session, session.begin():
            statement = insert_unless_present(
                TelegramUpdateRecord,
                self._database.engine.dialect,
                update_id=update_id,
                status=UpdateStatus.PENDING,
                payload=payload,
                received_at=self._clock(),
            )
            result = await session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim(self, update_id: int) -> str | None:
        """Take a pending update for handling and return its payload; None if it is not pending."""
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(
                update(TelegramUpdateRecord)
                .where(
                    TelegramUpdateRecord.update_id == update_id,
                    TelegramUpdateRecord.status == UpdateStatus.PENDING,
                )
                .values(status=UpdateStatus.PROCESSING)
                .returning(TelegramUpdateRecord.payload)
            )
            return result.scalar_one_or_none()

    async def complete(self, update_id: int) -> None:
        """Mark an update handled and erase what it said; only its id and status remain."""
        async with self._database.sessions() as session, session.begin():
            await session.execute(
                update(TelegramUpdateRecord)
                .where(TelegramUpdateRecord.update_id == update_id)
                .values(status=UpdateStatus.HANDLED, payload=None, handled_at=self._clock())
            )

    async def unfinished(self) -> list[StoredUpdate]:
        """Return every update not yet handled, oldest first, after a stop or a crash."""
        async with self._database.sessions() as session, session.begin():
            # A single process handles the inbox: what was being handled when it stopped starts again.
            await session.execute(
                update(TelegramUpdateRecord)
                .where(TelegramUpdateRecord.status == UpdateStatus.PROCESSING)
                .values(status=UpdateStatus.PENDING)
            )
            rows = await session.execute(
                select(TelegramUpdateRecord.update_id, TelegramUpdateRecord.payload)
                .where(TelegramUpdateRecord.status == UpdateStatus.PENDING)
                .order_by(TelegramUpdateRecord.update_id)
            )
            return [StoredUpdate(update_id, payload or "") for update_id, payload in rows]

    async def status(self, update_id: int) -> tuple[UpdateStatus, str | None] | None:
        """Return an update's status and stored payload, or None if it was never received."""
        async with self._database.sessions() as session:
            row = (
                await session.execute(
                    select(TelegramUpdateRecord.status, TelegramUpdateRecord.payload).where(
                        TelegramUpdateRecord.update_id == update_id
                    )
                )
            ).one_or_none()
        return None if row is None else (UpdateStatus(row.status), row.payload)

    async def forget_handled(self, before: datetime) -> int:
        """Delete handled updates older than `before`; Telegram never redelivers those."""
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(
                delete(TelegramUpdateRecord).where(
                    TelegramUpdateRecord.status == UpdateStatus.HANDLED,
                    TelegramUpdateRecord.handled_at < before,
                )
            )
        return int(result.rowcount)  # type: ignore[attr-defined]
