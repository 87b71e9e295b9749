"""The durable inbox of Telegram updates: stored before Telegram is told "received", handled once.

Each unhandled update belongs to the process that received or took it over (`owner`); another
process takes it over only when the owner's instance lease (storage/leases.py) has expired. An
update is marked handled in the same transaction that queues its replies in the outbox
(storage/telegram_outbox.py), and only by its owner, so work taken over from a process believed
dead is never answered twice by the two of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, String, Text, and_, delete, false, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import Select

from core.clock import utc_now
from storage.db import Base, Database, insert_unless_present
from storage.telegram_outbox import OutgoingMessage, add_messages


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
    # The process whose work this is until handled (see storage/leases.py, instance_lease).
    owner: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]


@dataclass(frozen=True)
class StoredUpdate:
    """An update still to be handled, with the JSON Telegram sent."""

    update_id: int
    payload: str


class UpdateInbox:
    """Keep each update until it is handled, and let each update_id be handled exactly once."""

    def __init__(
        self, database: Database, clock: Callable[[], datetime] = utc_now, owner: str | None = None
    ) -> None:
        self._database = database
        self._clock = clock
        # Whose work received updates become; None only in tests of a single process.
        self._owner = owner

    @property
    def owner(self) -> str | None:
        return self._owner

    async def receive(self, update_id: int, payload: str, handling: bool = False) -> bool:
        """Store a new update durably as our work; return False when this update_id was stored before.

        With `handling`, it is stored as being handled by us already (no `claim` needed): the
        receiver hands it straight to this process's dispatcher, which saves a transaction per update.
        """
        return bool(await self.receive_all([StoredUpdate(update_id, payload)], handling))

    async def receive_all(self, updates: Sequence[StoredUpdate], handling: bool = False) -> list[StoredUpdate]:
        """Store several updates in one transaction (one getUpdates answer); return those not stored before."""
        new = []
        async with self._database.sessions() as session, session.begin():
            now = self._clock()
            for stored in updates:
                statement = insert_unless_present(
                    TelegramUpdateRecord,
                    self._database.engine.dialect,
                    update_id=stored.update_id,
                    status=UpdateStatus.PROCESSING if handling else UpdateStatus.PENDING,
                    payload=stored.payload,
                    received_at=now,
                    owner=self._owner,
                    claimed_at=now if handling else None,
                )
                if (await session.execute(statement)).rowcount:  # type: ignore[attr-defined]
                    new.append(stored)
        return new

    async def claim(self, update_id: int) -> str | None:
        """Take our pending update for handling and return its payload; None if it is not ours to handle."""
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(
                update(TelegramUpdateRecord)
                .where(
                    TelegramUpdateRecord.update_id == update_id,
                    TelegramUpdateRecord.status == UpdateStatus.PENDING,
                    _owned_by(self._owner),
                )
                .values(status=UpdateStatus.PROCESSING, claimed_at=self._clock())
                .returning(TelegramUpdateRecord.payload)
            )
            return result.scalar_one_or_none()

    async def complete(self, update_id: int, replies: Sequence[OutgoingMessage] = ()) -> bool:
        """Mark our update handled, erase what it said and queue its replies, all in one transaction.

        Returns False, queueing nothing, when the update is no longer ours: another process took it
        over believing us dead, and answers it itself.
        """
        async with self._database.sessions() as session, session.begin():
            now = self._clock()
            result = await session.execute(
                update(TelegramUpdateRecord)
                .where(
                    TelegramUpdateRecord.update_id == update_id,
                    TelegramUpdateRecord.status == UpdateStatus.PROCESSING,
                    _owned_by(self._owner),
                )
                .values(status=UpdateStatus.HANDLED, payload=None, handled_at=now, owner=None)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            await add_messages(session, update_id, replies, self._owner, now)
        return True

    async def take_over(self, live_owners: Select[tuple[str]], restarted: bool = False) -> list[StoredUpdate]:
        """Make every unhandled update of a dead (or unknown) owner ours, and return those, oldest first.

        With `restarted`, our own updates count as a dead owner's too: they are from before a crash.
        An update that was being handled when its owner died is handled again: nothing of its
        answer was sent, because replies go out only after the update is marked handled.
        """
        owner = self._owner
        async with self._database.sessions() as session, session.begin():
            rows = await session.execute(
                update(TelegramUpdateRecord)
                .where(
                    TelegramUpdateRecord.status.in_((UpdateStatus.PENDING, UpdateStatus.PROCESSING)),
                    or_(
                        TelegramUpdateRecord.owner.is_(None),
                        and_(
                            TelegramUpdateRecord.owner != owner,
                            TelegramUpdateRecord.owner.not_in(live_owners.scalar_subquery()),
                        ),
                        _owned_by(owner) if restarted else false(),
                    ),
                )
                .values(status=UpdateStatus.PENDING, owner=owner)
                .returning(TelegramUpdateRecord.update_id, TelegramUpdateRecord.payload)
            )
            taken = [StoredUpdate(update_id, payload or "") for update_id, payload in rows]
        return sorted(taken, key=lambda stored: stored.update_id)

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


def _owned_by(owner: str | None) -> object:
    return TelegramUpdateRecord.owner.is_(None) if owner is None else TelegramUpdateRecord.owner == owner
