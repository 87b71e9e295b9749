"""How fast the bot may send: per chat, per group, overall, and Telegram's own "retry after".

`SendPace` is the narrow interface the rate limiter asks; `LocalSendPace` keeps the counts in this
process. Several processes sending for one bot share Telegram's limits, so they would back it with
a shared store (Redis) instead; nothing else changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from aiolimiter import AsyncLimiter

# Chats whose bucket has drained are forgotten beyond this many: they would start full anyway.
REMEMBERED_CHATS = 1024


class SendPace(Protocol):
    """Decide when the next request may go, so the bot keeps to Telegram's limits."""

    async def wait_turn(self, chat_id: int | None) -> None:
        """Wait until a message to `chat_id` may go (None: a request that posts nothing in a chat)."""

    async def hold_off(self, seconds: float) -> None:
        """Telegram answered 429 with `retry_after`: send nothing for that long, from now."""


class LocalSendPace:
    """About one message a second per chat (short bursts allowed), 20 a minute per group, 30 a second overall."""

    def __init__(
        self,
        chat_burst: int = 5,
        chat_seconds_per_message: float = 1.0,
        overall_per_second: float = 30,
        group_per_minute: float = 20,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._chat_burst = chat_burst
        self._chat_period = chat_burst * chat_seconds_per_message
        self._group_per_minute = group_per_minute
        self._overall = AsyncLimiter(overall_per_second, 1) if overall_per_second else None
        self._chats: dict[int, AsyncLimiter] = {}
        self._clock = clock
        self._resume_at = 0.0

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    async def wait_turn(self, chat_id: int | None) -> None:
        await self._wait_out_hold()
        if chat_id is None:
            return
        limiter = self._limiter(chat_id)
        if limiter is not None:
            await limiter.acquire()
        if self._overall is not None:
            await self._overall.acquire()
        # A hold-off that began while we waited for our turn applies to us too.
        await self._wait_out_hold()

    async def hold_off(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, self._now() + max(seconds, 0.0))

    @property
    def held_for(self) -> float:
        """Seconds until sending may resume after a 429 (0 when it may now)."""
        return max(0.0, self._resume_at - self._now())

    async def _wait_out_hold(self) -> None:
        # Loop: another 429 may extend the hold while we sleep.
        while (remaining := self._resume_at - self._now()) > 0:
            await asyncio.sleep(remaining)

    def _limiter(self, chat_id: int) -> AsyncLimiter | None:
        limiter = self._chats.get(chat_id)
        if limiter is not None:
            return limiter
        if chat_id < 0:  # a group or channel: Telegram's limit is per minute
            if not self._group_per_minute:
                return None
            limiter = AsyncLimiter(self._group_per_minute, 60)
        else:
            if not self._chat_burst:
                return None
            limiter = AsyncLimiter(self._chat_burst, self._chat_period)
        if len(self._chats) >= REMEMBERED_CHATS:
            for key, drained in list(self._chats.items()):
                if drained.has_capacity(drained.max_rate):
                    del self._chats[key]
        self._chats[chat_id] = limiter
        return limiter
