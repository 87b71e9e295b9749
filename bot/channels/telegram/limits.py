"""Keep to Telegram's sending limits, and retry failed requests only where nothing can arrive twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter, BaseRateLimiter

log = logging.getLogger(__name__)

# Methods that do the same thing when Telegram receives them twice; safe to repeat after any failure.
IDEMPOTENT_METHODS = frozenset(
    {
        "getMe",
        "getWebhookInfo",
        "setWebhook",
        "deleteWebhook",
        "setMyCommands",
        "deleteMyCommands",
        "setMyDescription",
        "setMyShortDescription",
        "answerCallbackQuery",
        "sendChatAction",
        "editMessageText",
        "editMessageReplyMarkup",
    }
)

# These failures happen before a request reaches Telegram, so repeating it cannot duplicate anything.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

RequestCallback = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


def safe_to_retry(method: str, error: NetworkError) -> bool:
    """Tell whether repeating `method` after `error` cannot make Telegram act twice."""
    if isinstance(error, BadRequest):
        return False
    return method in IDEMPOTENT_METHODS or isinstance(error.__cause__, NOT_SENT)


class TelegramRateLimiter(BaseRateLimiter[int]):
    """About one message a second per chat (short bursts allowed), 30/s overall, 20/min per group."""

    def __init__(
        self,
        chat_burst: int = 5,
        chat_seconds_per_message: float = 1.0,
        overall_per_second: float = 30,
        group_per_minute: float = 20,
        retry_after_attempts: int = 3,
        network_attempts: int = 4,
        network_delay: float = 0.5,
    ) -> None:
        # PTB's limiter counts per group and overall, and waits out Telegram's RetryAfter (HTTP 429).
        self._telegram = AIORateLimiter(
            overall_max_rate=overall_per_second,
            overall_time_period=1 if overall_per_second else 0,
            group_max_rate=group_per_minute,
            group_time_period=60 if group_per_minute else 0,
            max_retries=retry_after_attempts,
        )
        self._chat_burst = chat_burst
        self._chat_period = chat_burst * chat_seconds_per_message
        self._chats: dict[int, AsyncLimiter] = {}
        self._network_attempts = network_attempts
        self._network_delay = network_delay

    async def initialize(self) -> None:
        await self._telegram.initialize()

    async def shutdown(self) -> None:
        await self._telegram.shutdown()

    async def process_request(
        self,
        callback: RequestCallback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send one request within the limits; repeat it after a network failure when that is safe."""
        attempt = 1
        while True:
            try:
                async with self._chat_pace(endpoint, data):
                    return await self._telegram.process_request(
                        callback, args, kwargs, endpoint, data, rate_limit_args
                    )
            except NetworkError as error:
                if attempt >= self._network_attempts or not safe_to_retry(endpoint, error):
                    raise
                log.warning("%s failed (%s); trying again", endpoint, type(error).__name__)
                await asyncio.sleep(self._network_delay * 2 ** (attempt - 1))
                attempt += 1

    @asynccontextmanager
    async def _chat_pace(self, endpoint: str, data: dict[str, Any]) -> AsyncIterator[None]:
        chat_id = _chat_of(data)
        if chat_id is None or not self._chat_burst or not _posts_in_chat(endpoint):
            yield
            return
        async with self._chat_limiter(chat_id):
            yield

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._chats) > 1024:
            # Forget chats whose bucket has drained: they would start from a full burst anyway.
            for key, drained in list(self._chats.items()):
                if key != chat_id and drained.has_capacity(drained.max_rate):
                    del self._chats[key]
        if chat_id not in self._chats:
            self._chats[chat_id] = AsyncLimiter(self._chat_burst, self._chat_period)
        return self._chats[chat_id]


def _chat_of(data: dict[str, Any]) -> int | None:
    with contextlib.suppress(KeyError, TypeError, ValueError):
        return int(data["chat_id"])
    return None


def _posts_in_chat(endpoint: str) -> bool:
    return (endpoint.startswith("send") and endpoint != "sendChatAction") or endpoint in {
        "copyMessage",
        "forwardMessage",
    }
