"""Background chores run in one process at a time, and move to another when that one stops or dies."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from storage.chores import Chore, Chores
from storage.db import Database
from storage.leases import Leases

TTL = timedelta(seconds=0.6)


async def test_a_chore_runs_in_one_process_and_moves_when_it_stops(database: Database) -> None:
    running: list[str] = []

    def chore(holder: str) -> Chore:
        async def loop() -> None:
            running.append(holder)
            try:
                await asyncio.Event().wait()
            finally:
                running.remove(holder)
        return loop

    processes = {holder: Chores(Leases(database), holder, TTL) for holder in ("a", "b", "c")}
    tasks = {h: asyncio.create_task(chores.run("retention", chore(h))) for h, chores in processes.items()}
    try:
        await asyncio.sleep(1.5)
        assert len(running) == 1, running
        first = running[0]
        tasks.pop(first).cancel()  # stopped: it releases the lease
        await asyncio.sleep(0.5)
        assert len(running) == 1 and running[0] != first, running
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
    assert running == []


async def test_a_dead_holders_chore_is_taken_over_after_its_lease(database: Database) -> None:
    leases = Leases(database)
    # What a killed process leaves: the chore's lease, never released, never renewed.
    assert await leases.acquire("chore:retention", "killed", TTL)
    ran = asyncio.Event()

    async def chore() -> None:
        ran.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(Chores(leases, "survivor", TTL).run("retention", chore))
    try:
        await asyncio.sleep(0.3)
        assert not ran.is_set(), "the chore ran while the dead holder's lease still held"
        await asyncio.wait_for(ran.wait(), TTL.total_seconds() + 1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_chore_that_fails_is_started_again_and_one_that_ends_is_done(database: Database) -> None:
    attempts = 0

    async def flaky() -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("database hiccup")

    await asyncio.wait_for(Chores(Leases(database), "a", TTL, retry_after=0.05).run("flaky", flaky), 5)
    assert attempts == 2
    assert await Leases(database).holder("chore:flaky") is None, "released once done"
