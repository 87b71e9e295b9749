"""The fair queue: round-robin per client, bounded, and a flooder only waits on itself."""

from __future__ import annotations

import asyncio

import pytest

from core.fair import FairQueue, QueueFull


async def test_turns_go_round_robin_so_one_client_cannot_starve_another() -> None:
    queue = FairQueue(concurrency=1, per_client=100)
    order: list[str] = []
    gate = asyncio.Event()

    async def job(client: str, index: int) -> None:
        async with queue.turn(client):
            if index == 0 and client == "flood":
                await gate.wait()
            order.append(client)

    tasks = [asyncio.create_task(job("flood", i)) for i in range(20)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(job("visitor", 0)))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(*tasks)
    # The visitor came after 20 of the flooder's messages but is served second.
    assert order.index("visitor") == 1


async def test_waiting_is_bounded_per_client_and_in_all() -> None:
    queue = FairQueue(concurrency=1, per_client=2, in_all=3)
    hold = asyncio.Event()

    async def job(client: str) -> None:
        async with queue.turn(client):
            await hold.wait()

    running = [asyncio.create_task(job("a")) for _ in range(3)]  # one runs, two wait
    await asyncio.sleep(0)
    with pytest.raises(QueueFull):
        async with queue.turn("a"):
            pass
    other = asyncio.create_task(job("b"))
    await asyncio.sleep(0)
    with pytest.raises(QueueFull):
        async with queue.turn("c"):
            pass
    assert queue.refused == 2
    hold.set()
    await asyncio.gather(*running, other)
    assert queue.waiting() == 0


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    queue = FairQueue(concurrency=1)
    hold = asyncio.Event()

    async def job(client: str) -> None:
        async with queue.turn(client):
            await hold.wait()

    first = asyncio.create_task(job("a"))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(job("b"))
    await asyncio.sleep(0)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    hold.set()
    await first
    async with queue.turn("c"):
        assert queue.waiting() == 0
