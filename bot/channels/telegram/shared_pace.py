"""Telegram's send limits counted for every process of the assistant together (Redis), behind `SendPace`."""

from __future__ import annotations

import hashlib

from core.flood import KeyedPace


class SharedSendPace:
    """About one message a second per chat (after a burst), 20 a minute per group, 30 a second overall: for all processes."""

    def __init__(
        self,
        pace: KeyedPace,
        chat_burst: int = 5,
        chat_seconds_per_message: float = 1.0,
        overall_per_second: float = 30,
        group_per_minute: float = 20,
    ) -> None:
        self._pace = pace
        self._chat_burst = chat_burst
        self._chat_seconds_per_message = chat_seconds_per_message
        self._overall_per_second = overall_per_second
        self._group_per_minute = group_per_minute

    async def wait_turn(self, chat_id: int | None) -> None:
        if chat_id is None:
            await self._pace.wait(None)
            return
        # Chats are named by a digest in Redis, never by their id.
        chat = hashlib.sha256(str(chat_id).encode()).hexdigest()[:24]
        if chat_id < 0:
            if self._group_per_minute:
                await self._pace.wait(f"group:{chat}", self._group_per_minute, 60.0)
        elif self._chat_burst:
            await self._pace.wait(f"chat:{chat}", 1, self._chat_seconds_per_message, self._chat_burst)
        if self._overall_per_second:
            await self._pace.wait("overall", self._overall_per_second, 1.0)
        else:
            await self._pace.wait(None)

    async def hold_off(self, seconds: float) -> None:
        await self._pace.hold_off(seconds)
