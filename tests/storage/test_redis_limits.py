"""Limits counted in Redis hold across processes: pacing (Telegram's limits, retry_after) and flood guards."""

from __future__ import annotations

import asyncio
import time

from core.flood import Admission
from storage.redis_limits import SharedFloodGuard, SharedPace
from tests.storage.redis_server import fresh_namespace, redis_client


async def paced_by_two_processes(rate: float, requests: int) -> tuple[float, int]:
    """Send `requests` through two "processes" sharing one pace of `rate`/s; return the seconds taken and the most in any second."""
    namespace = fresh_namespace()
    async with redis_client() as one, redis_client() as two:
        paces = [SharedPace(one, namespace), SharedPace(two, namespace)]
        sent: list[float] = []

        async def send(pace: SharedPace) -> None:
            await pace.wait("overall", rate=rate, period=1.0, burst=1)
            sent.append(time.monotonic())

        started = time.monotonic()
        await asyncio.gather(*(send(paces[n % 2]) for n in range(requests)))
        elapsed = time.monotonic() - started
    sent.sort()
    return elapsed, max(sum(1 for t in sent if s <= t < s + 1.0) for s in sent)


async def test_two_processes_share_one_rate() -> None:
    # 40 requests, half through each "process": at 20/s they take about two seconds together.
    elapsed, in_any_second = await paced_by_two_processes(20, 40)
    assert 1.8 <= elapsed <= 4.0, elapsed
    assert in_any_second <= 21, in_any_second


async def test_a_rate_whose_interval_is_not_whole_milliseconds_holds() -> None:
    """Telegram's 30 a second is one every 33⅓ ms: a wait of a fraction of a millisecond is still a wait."""
    elapsed, in_any_second = await paced_by_two_processes(30, 90)
    assert elapsed >= 89 / 30 - 0.05, f"90 turns at 30/s took only {elapsed:.2f} s"
    assert in_any_second <= 31


async def test_waiters_are_given_their_turns_instead_of_asking_for_each_one() -> None:
    """Forty waiters for one pace: each asks Redis about twice (its turn, then going), not once for every turn before its own."""
    async with redis_client() as client:
        pace = SharedPace(client, fresh_namespace())
        script = pace._pace
        calls = 0

        async def counted(**arguments: object) -> object:
            nonlocal calls
            calls += 1
            return await script(**arguments)

        pace._pace = counted  # type: ignore[assignment]
        started = time.monotonic()
        await asyncio.gather(*(pace.wait("overall", rate=40, period=1.0) for _ in range(40)))
        elapsed = time.monotonic() - started
    # 79 when every waiter wakes on time; a stalled loop adds a few. Asking for every turn: 820.
    assert calls < 200, f"{calls} calls to Redis for 40 turns"
    assert 39 / 40 - 0.05 <= elapsed, elapsed


async def test_waiters_woken_together_by_a_stalled_loop_still_go_one_interval_apart() -> None:
    """Turns are given out while the event loop is stuck; when it runs again, the waiters do not all go at once."""
    async with redis_client() as client:
        pace = SharedPace(client, fresh_namespace())
        went: list[float] = []

        async def send() -> None:
            await pace.wait("overall", rate=20, period=1.0)
            went.append(time.monotonic())

        sending = [asyncio.create_task(send()) for _ in range(10)]
        await asyncio.sleep(0.05)  # every waiter has its turn, 50 ms apart
        time.sleep(0.4)  # the loop is stuck past eight of them
        await asyncio.gather(*sending)
    gaps = [later - earlier for earlier, later in zip(went, went[1:])]
    # 50 ms apart on Redis's clock; each answer's way back may differ by a few ms. Without the check: 0-2 ms.
    assert min(gaps) >= 0.025, [round(gap, 3) for gap in gaps]


async def test_a_burst_then_the_steady_rate_per_key() -> None:
    async with redis_client() as client:
        pace = SharedPace(client, fresh_namespace())
        started = time.monotonic()
        for _ in range(5):
            assert await pace.wait("chat:1", rate=1, period=0.2, burst=5) == 0.0, "a burst of five goes at once"
        assert time.monotonic() - started < 0.5
        assert await pace.wait("chat:1", rate=1, period=0.2, burst=5) > 0.1, "the sixth waits for its turn"
        assert await pace.wait("chat:2", rate=1, period=0.2, burst=5) == 0.0, "other chats are not slowed"


async def test_retry_after_stops_every_process_for_that_long() -> None:
    namespace = fresh_namespace()
    async with redis_client() as one, redis_client() as two:
        await SharedPace(one, namespace).hold_off(0.5)
        await SharedPace(one, namespace).hold_off(0.1)  # a shorter hold never shortens a longer one
        started = time.monotonic()
        await SharedPace(two, namespace).wait("chat:1", rate=30, period=1.0)
        assert 0.4 <= time.monotonic() - started < 2.0
        await SharedPace(one, namespace).hold_off(0.3)
        started = time.monotonic()
        await SharedPace(two, namespace).wait(None)
        assert 0.2 <= time.monotonic() - started < 2.0, "requests that post nothing wait out a hold too"


async def test_a_flooding_sender_is_told_once_across_processes_and_others_are_not_slowed() -> None:
    namespace = fresh_namespace()
    async with redis_client() as one, redis_client() as two:
        # A window long enough that a busy machine cannot let the first arrivals expire mid-test.
        guards = [SharedFloodGuard(one, namespace, max_messages=3, window=6.0, hang_up_after=6),
                  SharedFloodGuard(two, namespace, max_messages=3, window=6.0, hang_up_after=6)]
        decisions = [await guards[n % 2].check(("telegram", 42)) for n in range(6)]
        assert decisions == [Admission.ANSWER] * 3 + [Admission.SLOW_DOWN, Admission.SKIP, Admission.HANG_UP]
        assert await guards[1].check(("telegram", 43)) is Admission.ANSWER
        await asyncio.sleep(6.1)
        assert await guards[0].check(("telegram", 42)) is Admission.ANSWER, "after a calm window, answered again"
        keys = [key async for key in one.scan_iter(f"{namespace}:*")]
        assert not any(b"42" in key for key in keys), "chat ids are not written to Redis"


async def test_a_backlog_sent_over_minutes_is_no_flood() -> None:
    async with redis_client() as client:
        guard = SharedFloodGuard(client, fresh_namespace(), max_messages=3, window=10.0)
        now = time.time()
        # Twelve messages written a minute apart, delivered at once after an outage.
        decisions = [await guard.check("backlog", sent_at=now - 720 + 60 * n) for n in range(12)]
        assert decisions == [Admission.ANSWER] * 12
