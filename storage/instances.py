"""This process as one instance of the assistant on its database: alone, or one of several sharing Redis.

Without ASSISTANT_REDIS_URL an instance keeps live events, presence and limits in its own memory, so
a second instance on the same database would show people and staff a different assistant. Each
instance therefore claims the lease `database` when it starts: an instance on its own holds it under
its own name, instances sharing Redis hold it together (the holder `SHARED`). An instance that finds
it held by the other kind is refused with one line saying why. A killed instance stops renewing, so
its claim is gone after the lease's time; one restarted under the same name (host and HTTP port, see
bot/channels/telegram/custody.py) takes its own claim back at once.

Every instance also holds `instance:<owner>` (storage.leases.instance_lease) while it runs, the same
lease Telegram's custody renews: work stored as the instance's own (a reply being sent) is taken
over by others only once that lease is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Select

from core.clock import utc_now
from core.errors import AssistantError
from storage.chores import Chores
from storage.db import Database
from storage.leases import Leases, LeaseState, instance_lease

log = logging.getLogger(__name__)

DATABASE_LEASE = "database"
# The holder of the database lease while instances share Redis: each of them renews it.
SHARED = "shared over ASSISTANT_REDIS_URL"
# Expired leases are kept this long for people reading the table, then deleted.
FORGET_AFTER = timedelta(days=1)
# Long enough for a busy database to answer a heartbeat; a killed instance blocks a start at most this long.
DEFAULT_LEASE = timedelta(seconds=15)


class DatabaseInUse(AssistantError):
    """Another live instance holds the database in a way this one cannot join."""


@dataclass(frozen=True)
class Instance:
    """This running instance: its name, whether it shares Redis with others, and the leases it holds."""

    owner: str
    shared: bool
    database: Database
    leases: Leases
    ttl: timedelta

    @property
    def chores(self) -> Chores:
        """Background work that runs in one instance at a time, this one taking its turn."""
        return Chores(self.leases, self.owner, self.ttl)

    def live_instances(self) -> Select[tuple[str]]:
        """A query of the owners alive now (this one included), to use inside other statements."""
        return self.leases.live_instances()


@asynccontextmanager
async def running_instance(
    database: Database,
    owner: str,
    shared: bool,
    ttl: timedelta = DEFAULT_LEASE,
    clock: Callable[[], datetime] = utc_now,
    claim_database: bool = True,
) -> AsyncIterator[Instance]:
    """Claim the database for this instance and keep it alive while the block runs; refuse if another holds it.

    Without `claim_database` only the instance's liveness is kept (tests that run several apps in
    one process to play instances).
    """
    leases = Leases(database, clock)
    claim = (SHARED if shared else owner) if claim_database else None
    if claim is not None:
        await _claim(leases, claim, shared, ttl, clock)
    await leases.acquire(instance_lease(owner), owner, ttl)
    instance = Instance(owner, shared, database, leases, ttl)
    keeping = asyncio.create_task(_keep(instance, claim), name="instance-lease")
    try:
        yield instance
    finally:
        keeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeping
        await _release(instance, claim)


async def keep_forgetting_leases(leases: Leases, interval: float = 3600.0) -> None:
    """Delete the leases of instances and chores gone for a day (a restart under a new name leaves one), hourly."""
    while True:
        try:
            forgotten = await leases.forget_expired(FORGET_AFTER)
            if forgotten:
                log.info("deleted %d lease(s) expired for a day", forgotten)
        except SQLAlchemyError as error:
            log.warning("could not delete expired leases: %s", type(error).__name__)
        await asyncio.sleep(interval)


async def _claim(leases: Leases, claim: str, shared: bool, ttl: timedelta, clock: Callable[[], datetime]) -> None:
    for _ in range(3):
        if await leases.acquire(DATABASE_LEASE, claim, ttl):
            return
        state = await leases.state(DATABASE_LEASE)
        if state is not None and state.expires_at > clock():
            raise DatabaseInUse(refusal(state, shared, ttl))
    # Freed and taken again between our tries: somebody else is starting right now.
    raise DatabaseInUse("another instance is starting on this database at the same moment; try again")


def refusal(state: LeaseState, shared: bool, ttl: timedelta) -> str:
    """Say in one line why this instance may not start on the database, and what to do."""
    seconds = int(ttl.total_seconds())
    if state.holder == SHARED:
        return (
            "instances sharing ASSISTANT_REDIS_URL are running on this database; set ASSISTANT_REDIS_URL here too "
            f"to run alongside them (if they were all stopped or killed, it is free within {seconds} s)"
        )
    if shared:
        return (
            f"another live instance ({state.holder}) runs on this database without ASSISTANT_REDIS_URL; "
            f"set ASSISTANT_REDIS_URL there too, or stop it first (a stopped or killed one frees it within {seconds} s)"
        )
    return (
        f"another live instance ({state.holder}) holds this database; stop it, or set ASSISTANT_REDIS_URL on every "
        f"instance to run several (a stopped or killed one frees it within {seconds} s)"
    )


async def _keep(instance: Instance, claim: str | None) -> None:
    """Renew both leases every third of their time; take them again after the database was away too long."""
    leases, ttl = instance.leases, instance.ttl
    while True:
        await asyncio.sleep(ttl.total_seconds() / 3)
        held = [(instance_lease(instance.owner), instance.owner)] + ([(DATABASE_LEASE, claim)] if claim else [])
        for name, holder in held:
            try:
                if await leases.renew(name, holder, ttl):
                    continue
                # Telegram's custody releases the instance lease when it stops before us: take it again quietly.
                if not await leases.acquire(name, holder, ttl) and name == DATABASE_LEASE:
                    state = await leases.state(name)
                    log.error(
                        "the database was taken by another instance while this one could not renew its claim (%s)",
                        state.holder if state is not None else "nobody",
                    )
            except Exception as error:  # the database is away: the next round tries again, the lease may still hold
                log.warning("renewing the lease %s failed (%s); trying again", name, type(error).__name__)


async def _release(instance: Instance, claim: str | None) -> None:
    """Give the leases back, so others take over at once; the last of the sharing instances frees the database."""
    leases = instance.leases
    try:
        await leases.release(instance_lease(instance.owner), instance.owner)
        if claim is not None and (not instance.shared or not await _others_alive(instance)):
            await leases.release(DATABASE_LEASE, claim)
    except Exception as error:
        log.warning("releasing this instance's leases failed (%s); they expire by themselves", type(error).__name__)


async def _others_alive(instance: Instance) -> bool:
    """Tell whether another instance is alive (ours was released just before)."""
    async with instance.database.sessions() as session:
        return await session.scalar(select(instance.live_instances().exists())) is True
