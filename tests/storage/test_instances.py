"""An instance claims its database: alone without Redis, together with the others over Redis; never both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.db import Database
from storage.instances import DATABASE_LEASE, SHARED, DatabaseInUse, running_instance
from storage.leases import Leases, instance_lease

TTL = timedelta(seconds=15)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_second_instance_without_redis_is_refused_while_the_first_lives(database: Database) -> None:
    clock = Clock()
    async with running_instance(database, "host:8080", shared=False, clock=clock) as first:
        assert await Leases(database, clock).holder(instance_lease("host:8080")) == "host:8080"
        with pytest.raises(DatabaseInUse) as refused:
            async with running_instance(database, "host:8081", shared=False, clock=clock):
                pytest.fail("a second instance without Redis started")
        message = str(refused.value)
        assert "host:8080" in message and "ASSISTANT_REDIS_URL" in message and "\n" not in message
        # Instances on Redis cannot join one that keeps everything in its own memory either.
        with pytest.raises(DatabaseInUse, match="without ASSISTANT_REDIS_URL"):
            async with running_instance(database, "host:8082", shared=True, clock=clock):
                pytest.fail("an instance on Redis joined one without it")
        assert first.owner == "host:8080"
    # Stopped: the next one starts at once.
    async with running_instance(database, "host:8081", shared=False, clock=clock):
        pass


async def test_a_killed_instance_blocks_others_only_for_its_lease_and_itself_not_at_all(database: Database) -> None:
    clock = Clock()
    leases = Leases(database, clock)
    # What a process killed with SIGKILL leaves behind: its claim, never released.
    assert await leases.acquire(DATABASE_LEASE, "host:8080", TTL)
    assert await leases.acquire(instance_lease("host:8080"), "host:8080", TTL)
    # Restarted under the same name (same host and port): it goes on at once.
    async with running_instance(database, "host:8080", shared=False, clock=clock):
        pass
    assert await leases.acquire(DATABASE_LEASE, "host:8080", TTL)
    clock.now += TTL - timedelta(seconds=1)
    with pytest.raises(DatabaseInUse):
        async with running_instance(database, "host:9090", shared=False, clock=clock):
            pass
    clock.now += timedelta(seconds=1)
    async with running_instance(database, "host:9090", shared=False, clock=clock):
        assert await leases.holder(DATABASE_LEASE) == "host:9090"


async def test_instances_on_redis_share_the_database_and_the_last_one_frees_it(database: Database) -> None:
    clock = Clock()
    leases = Leases(database, clock)
    async with running_instance(database, "a:8080", shared=True, clock=clock):
        async with running_instance(database, "b:8080", shared=True, clock=clock):
            assert await leases.holder(DATABASE_LEASE) == SHARED
            with pytest.raises(DatabaseInUse, match="set ASSISTANT_REDIS_URL here too"):
                async with running_instance(database, "c:8080", shared=False, clock=clock):
                    pass
        # b stopped while a runs: the database stays shared.
        assert await leases.holder(DATABASE_LEASE) == SHARED
        assert await leases.holder(instance_lease("b:8080")) is None
    assert await leases.holder(DATABASE_LEASE) is None
    async with running_instance(database, "c:8080", shared=False, clock=clock):
        pass
