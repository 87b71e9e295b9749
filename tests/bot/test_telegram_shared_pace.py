"""Telegram's send limits counted in Redis: two processes together keep one chat's pace and the 30/s overall."""

from __future__ import annotations

import asyncio
import time

from bot.channels.telegram.shared_pace import SharedSendPace
from storage.redis_limits import SharedPace
from tests.storage.redis_server import fresh_namespace, redis_client


async def test_two_processes_keep_one_chats_pace_together() -> None:
    namespace = fresh_namespace()
    async with redis_client() as one, redis_client() as two:
        processes = [SharedSendPace(SharedPace(client, namespace), chat_seconds_per_message=0.25) for client in (one, two)]
        sent: list[float] = []

        async def send(pace: SharedSendPace) -> None:
            await pace.wait_turn(42)
            sent.append(time.monotonic())

        started = time.monotonic()
        # Nine messages to one chat, from both processes: a burst of five, then one every 0.25 s.
        await asyncio.gather(*(send(processes[n % 2]) for n in range(9)))
        assert time.monotonic() - started >= 0.9
        assert sorted(sent)[4] - started < 0.3, "the burst goes at once"


async def test_retry_after_in_one_process_holds_the_other() -> None:
    namespace = fresh_namespace()
    async with redis_client() as one, redis_client() as two:
        first, second = (SharedSendPace(SharedPace(client, namespace)) for client in (one, two))
        await first.hold_off(0.6)
        started = time.monotonic()
        await second.wait_turn(-100123)  # a group
        await second.wait_turn(None)
        assert time.monotonic() - started >= 0.5
