"""Named leases in the database: one holder at a time, kept alive by heartbeats, free once expired.

A lease says "this work belongs to a live process". Whoever holds a name renews it well before it
expires; a process that dies stops renewing, and after `ttl` anyone may take the name over. Uses:
one Telegram poller among several processes, background work that runs once across processes, and
an instance's own liveness (`instance_lease`), so work it owns is taken over only when it is dead.

Expiry is judged by the clock of the process that asks, so the clocks of the machines sharing a
database must agree to well within `ttl` (NTP does that).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, case, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import Select

from core.clock import utc_now
from storage.db import Base, Database, dialect_insert, uninterrupted

log = logging.getLogger(__name__)

INSTANCE_PREFIX = "instance:"


class LeaseRecord(Base):
    """Who holds a named lease, and until when unless renewed."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


@dataclass(frozen=True)
class LeaseState:
    """A lease as stored: its holder and when it expires unless renewed."""

    name: str
    holder: str
    expires_at: datetime


def new_holder_id() -> str:
    """Name this process for leases: host and pid for people reading the table, random for uniqueness."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def instance_lease(holder: str) -> str:
    """The name of the lease that says the process `holder` is alive."""
    return f"{INSTANCE_PREFIX}{holder}"


class Leases:
    """Acquire, renew, release and look up named leases; an expired one may be taken by anyone."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def acquire(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take `name` for `ttl` if it is free, expired or already ours; return whether we hold it."""
        now = self._clock()
        insert = dialect_insert(LeaseRecord, self._database.engine.dialect).values(
            name=name, holder=holder, acquired_at=now, expires_at=now + ttl
        )
        # One statement, so two processes racing for an expired lease cannot both win.
        statement = insert.on_conflict_do_update(
            index_elements=[LeaseRecord.name],
            set_={
                "holder": holder,
                "expires_at": now + ttl,
                # Renewing our own lease keeps when we took it; taking one over starts anew.
                "acquired_at": case((LeaseRecord.holder == holder, LeaseRecord.acquired_at), else_=now),
            },
            where=(LeaseRecord.holder == holder) | (LeaseRecord.expires_at <= now),
        ).returning(LeaseRecord.holder)

        async def take() -> str | None:
            async with self._database.sessions() as session, session.begin():
                return (await session.execute(statement)).scalar_one_or_none()

        return await uninterrupted(take()) == holder

    async def renew(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Extend our lease by `ttl` from now; False once it expired or is not ours.

        An expired lease is not renewed even if nobody took it yet: others may already have taken
        over the work it covered, so its holder must stop and acquire it anew.
        """
        now = self._clock()
        return await uninterrupted(self._expire(name, holder, now, now + ttl))

    async def release(self, name: str, holder: str) -> bool:
        """Give up `name` if we hold it, so the next holder need not wait for it to expire.

        The lease expires now rather than vanishing: the next holder can still see whose it was
        (a new Telegram poller takes over its predecessor's unhandled updates first).
        """
        now = self._clock()
        return await uninterrupted(self._expire(name, holder, now, now))

    async def _expire(self, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
        """Set when our unexpired lease `name` expires (renewed: later; released: now); False if it is not ours."""
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(
                update(LeaseRecord)
                .where(LeaseRecord.name == name, LeaseRecord.holder == holder, LeaseRecord.expires_at > now)
                .values(expires_at=expires_at)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def holder(self, name: str) -> str | None:
        """Return who holds `name` now; None if nobody does or the lease expired."""
        state = await self.state(name)
        return state.holder if state is not None and state.expires_at > self._clock() else None

    async def state(self, name: str) -> LeaseState | None:
        """Return the stored lease, expired or not."""
        async with self._database.sessions() as session:
            record = await session.get(LeaseRecord, name)
            return None if record is None else LeaseState(record.name, record.holder, record.expires_at)

    async def forget_expired(self, older_than: timedelta) -> int:
        """Delete leases expired for longer than `older_than` (dead instances' rows)."""
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(
                delete(LeaseRecord).where(LeaseRecord.expires_at < self._clock() - older_than)
            )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def live_instances(self) -> Select[tuple[str]]:
        """A query of the holders whose instance lease is alive now, to use inside other statements."""
        return select(LeaseRecord.holder).where(
            LeaseRecord.name.startswith(INSTANCE_PREFIX, autoescape=True),
            LeaseRecord.expires_at > self._clock(),
        )

    @asynccontextmanager
    async def hold(
        self, name: str, holder: str, ttl: timedelta, wait: bool = True
    ) -> AsyncIterator[HeldLease]:
        """Hold `name` for the block, renewing it every ttl/3; wait until it is free when `wait`.

        If renewing fails (the database was away longer than `ttl` and someone took it over),
        `lost` is set: work that must run only once should stop then. Leaving the block releases it.
        """
        held = HeldLease(self, name, holder, ttl)
        while not await self.acquire(name, holder, ttl):
            if not wait:
                raise LeaseTaken(name)
            await asyncio.sleep(held.interval)
        held.start()
        try:
            yield held
        finally:
            await held.stop()


class LeaseTaken(Exception):
    """The lease is held by another live holder."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the lease {name!r} is held by another process")
        self.name = name


@dataclass
class HeldLease:
    """A lease we hold, with the task that renews it."""

    leases: Leases
    name: str
    holder: str
    ttl: timedelta
    lost: asyncio.Event = field(default_factory=asyncio.Event)
    _heartbeat: asyncio.Task[None] | None = None

    @property
    def interval(self) -> float:
        """Seconds between renewals: a third of the lease, so two may fail before it expires."""
        return max(self.ttl.total_seconds() / 3, 0.05)

    def start(self) -> None:
        self._heartbeat = asyncio.create_task(self._beat(), name=f"lease-heartbeat:{self.name}")

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with suppress(asyncio.CancelledError):
                await self._heartbeat
        if not self.lost.is_set():
            with suppress(Exception):  # the lease expires by itself if the database is away
                await asyncio.shield(self.leases.release(self.name, self.holder))

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                renewed = await self.leases.renew(self.name, self.holder, self.ttl)
            except Exception as error:  # the database is away: try again; the lease may still hold
                log.warning("renewing the lease %s failed (%s)", self.name, type(error).__name__)
                continue
            if not renewed:
                log.warning("the lease %s was lost to another process", self.name)
                self.lost.set()
                return

