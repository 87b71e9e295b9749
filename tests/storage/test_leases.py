"""Named leases: one holder at a time, renewed by heartbeats, taken over only once expired."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import Database
from storage.leases import LeaseTaken, Leases, instance_lease, new_holder_id

TTL = timedelta(seconds=10)
START = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def test_a_lease_has_one_holder_until_it_expires(database: Database) -> None:
    clock = Clock()
    leases = Leases(database, clock)
    assert await leases.acquire("telegram:poller", "a", TTL)
    assert not await leases.acquire("telegram:poller", "b", TTL)
    assert await leases.holder("telegram:poller") == "a"
    assert await leases.acquire("telegram:poller", "a", TTL), "the holder may acquire again (renew)"

    clock.advance(9.9)
    assert not await leases.acquire("telegram:poller", "b", TTL)
    clock.advance(0.1)  # expired now: anyone may take it
    assert await leases.holder("telegram:poller") is None
    assert await leases.acquire("telegram:poller", "b", TTL)
    assert await leases.holder("telegram:poller") == "b"
    state = await leases.state("telegram:poller")
    assert state is not None and state.expires_at == clock.now + TTL


async def test_racing_for_a_free_or_expired_lease_has_exactly_one_winner(database: Database) -> None:
    clock = Clock()
    leases = Leases(database, clock)
    holders = [f"process-{n}" for n in range(8)]
    won = await asyncio.gather(*(leases.acquire("background:retention", h, TTL) for h in holders))
    assert won.count(True) == 1
    clock.advance(11)
    won = await asyncio.gather(*(leases.acquire("background:retention", h, TTL) for h in holders))
    assert won.count(True) == 1
    assert await leases.holder("background:retention") == holders[won.index(True)]


async def test_renewing_keeps_a_lease_and_an_expired_one_is_not_renewed(database: Database) -> None:
    clock = Clock()
    leases = Leases(database, clock)
    await leases.acquire("x", "a", TTL)
    for _ in range(5):
        clock.advance(8)
        assert await leases.renew("x", "a", TTL)
    assert not await leases.renew("x", "b", TTL), "only the holder renews"
    assert not await leases.acquire("x", "b", TTL)

    clock.advance(10)
    # Expired: others may have taken over its work already, so its holder must acquire it anew.
    assert not await leases.renew("x", "a", TTL)
    assert await leases.acquire("x", "a", TTL)


async def test_releasing_frees_a_lease_at_once_and_only_for_its_holder(database: Database) -> None:
    leases = Leases(database, Clock())
    await leases.acquire("x", "a", TTL)
    assert not await leases.release("x", "b")
    assert await leases.holder("x") == "a"
    assert await leases.release("x", "a")
    assert await leases.holder("x") is None
    assert await leases.acquire("x", "b", TTL)


async def test_live_instances_lists_holders_of_unexpired_instance_leases(database: Database) -> None:
    clock = Clock()
    leases = Leases(database, clock)
    await leases.acquire(instance_lease("alive"), "alive", TTL)
    await leases.acquire(instance_lease("dying"), "dying", timedelta(seconds=2))
    await leases.acquire("telegram:poller", "not-an-instance", TTL)
    clock.advance(3)
    async with database.sessions() as session:
        alive = set((await session.execute(leases.live_instances())).scalars())
    assert alive == {"alive"}
    clock.advance(60)
    assert await leases.forget_expired(timedelta(seconds=30)) == 3


async def test_holding_renews_in_the_background_and_releases_at_the_end(database: Database) -> None:
    leases = Leases(database)
    ttl = timedelta(seconds=0.6)
    async with leases.hold("poller", "a", ttl) as held:
        await asyncio.sleep(1.5)  # longer than the lease: only heartbeats keep it
        assert await leases.holder("poller") == "a"
        assert not held.lost.is_set()
        with pytest.raises(LeaseTaken):
            async with leases.hold("poller", "b", ttl, wait=False):
                pass
    assert await leases.holder("poller") is None


async def test_a_waiting_holder_gets_the_lease_when_the_first_lets_go(database: Database) -> None:
    leases = Leases(database)
    ttl = timedelta(seconds=0.6)
    order: list[str] = []

    async def work(holder: str, seconds: float) -> None:
        async with leases.hold("poller", holder, ttl):
            order.append(f"{holder} starts")
            await asyncio.sleep(seconds)
            order.append(f"{holder} stops")

    first = asyncio.create_task(work("a", 0.5))
    await asyncio.sleep(0.05)
    await asyncio.gather(first, work("b", 0.1))
    assert order == ["a starts", "a stops", "b starts", "b stops"]


async def test_a_lease_taken_over_after_expiry_is_reported_lost(database: Database) -> None:
    clock = Clock()
    leases = Leases(database, clock)
    async with leases.hold("poller", "a", timedelta(seconds=0.3)) as held:
        clock.advance(1)  # as if the database had been away longer than the lease
        assert await leases.acquire("poller", "b", TTL)
        await asyncio.wait_for(held.lost.wait(), 2)
    assert await leases.holder("poller") == "b", "the loser does not release what another holds"


def test_holder_ids_name_the_process_and_differ() -> None:
    first, second = new_holder_id(), new_holder_id()
    assert first != second and first.split(":")[1] == second.split(":")[1]


async def test_cancelling_a_lease_call_midway_leaves_the_database_free(database: Database) -> None:
    """Lease calls run in loops the app cancels when it stops; cut off mid-statement, one left
    SQLite locked, and every write after it waited out the busy timeout (30 s)."""
    leases = Leases(database, Clock())

    async def cancelled_calls_then_more() -> None:
        for attempt in range(120):
            call = asyncio.create_task(leases.acquire(f"chore:{attempt}", "process-a", TTL))
            await asyncio.sleep(attempt % 40 / 10000)  # anywhere from before the statement to after it
            call.cancel()
            await asyncio.gather(call, return_exceptions=True)
        assert await leases.acquire("database", "process-b", TTL)
        assert await leases.release("database", "process-b")

    await asyncio.wait_for(cancelled_calls_then_more(), 10)
