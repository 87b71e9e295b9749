"""The event bus: in one process by default; over Redis, every process gets every event, in order."""

from __future__ import annotations

import asyncio

from core.bus import Event, LocalBus
from storage.redis_bus import RedisBus
from tests.storage.redis_server import fresh_namespace, redis_client


def test_the_local_bus_hands_each_event_to_the_topics_receivers_at_once() -> None:
    bus = LocalBus()
    got: list[tuple[str, Event]] = []
    stop = bus.subscribe("handover", lambda event: got.append(("a", event)))
    bus.subscribe("web-chat", lambda event: got.append(("b", event)))

    def broken(event: Event) -> None:
        raise RuntimeError("a receiver that fails")

    bus.subscribe("handover", broken)
    bus.subscribe("handover", lambda event: got.append(("c", event)))
    bus.publish("handover", {"handover": 1})
    assert got == [("a", {"handover": 1}), ("c", {"handover": 1})], "a failing receiver does not stop the rest"
    stop()
    bus.publish("handover", {"handover": 2})
    assert got[-1] == ("c", {"handover": 2}) and len(got) == 3


async def test_two_processes_buses_on_redis_see_each_others_events_in_order() -> None:
    namespace = fresh_namespace()
    async with redis_client() as one, redis_client() as two:
        first, second = RedisBus(one, namespace), RedisBus(two, namespace)
        elsewhere = RedisBus(two, fresh_namespace())  # another deployment on the same Redis server
        async with first.running(), second.running(), elsewhere.running():
            seen: dict[str, list[int]] = {"first": [], "second": [], "elsewhere": []}
            done = asyncio.Event()
            first.subscribe("handover", lambda event: seen["first"].append(event["n"]))

            def on_second(event: Event) -> None:
                seen["second"].append(event["n"])
                if len(seen["second"]) == 100:
                    done.set()

            second.subscribe("handover", on_second)
            elsewhere.subscribe("handover", lambda event: seen["elsewhere"].append(event["n"]))
            for n in range(100):
                first.publish("handover", {"n": n})
            await asyncio.wait_for(done.wait(), 10)
            await asyncio.sleep(0.2)
        assert seen["second"] == list(range(100)), "the other process gets every event, in order"
        assert seen["first"] == list(range(100)), "the publishing process gets its own events through Redis"
        assert seen["elsewhere"] == [], "deployments sharing a Redis server do not hear each other"
