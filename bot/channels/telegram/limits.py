"""Keep to Telegram's sending limits, wait out every 429, and retry failed requests only where nothing can arrive twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.pace import LocalSendPace, SendPace

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


@dataclass
class SendAttempt:
    """Passed along with a request (PTB's rate_limit_args): tells the sender whether it left this process."""

    started: bool = False
    retry_afters: int = 0


def safe_to_retry(method: str, error: NetworkError) -> bool:
    """Tell whether repeating `method` after `error` cannot make Telegram act twice."""
    if isinstance(error, BadRequest):
        return False
    return method in IDEMPOTENT_METHODS or isinstance(error.__cause__, NOT_SENT)


def retry_after_seconds(error: RetryAfter) -> float:
    """Return how long Telegram asked to wait, in seconds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramRateLimiter(BaseRateLimiter[SendAttempt]):
    """Pace every request by a `SendPace`; on 429 hold everything off for `retry_after` and try again, never giving up."""

    def __init__(
        self,
        pace: SendPace | None = None,
        network_attempts: int = 4,
        network_delay: float = 0.5,
    ) -> None:
        self._pace: SendPace = pace if pace is not None else LocalSendPace()
        self._network_attempts = network_attempts
        self._network_delay = network_delay

    @property
    def pace(self) -> SendPace:
        return self._pace

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: RequestCallback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: SendAttempt | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send one request within the limits; wait out 429s however long and often; repeat what cannot arrive twice."""
        attempt = 1
        chat_id = _chat_of(data) if _posts_in_chat(endpoint) else None
        while True:
            await self._pace.wait_turn(chat_id)
            if rate_limit_args is not None:
                rate_limit_args.started = True
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                # Telegram did not carry it out: waiting and sending again cannot duplicate it.
                seconds = retry_after_seconds(error)
                if rate_limit_args is not None:
                    rate_limit_args.retry_afters += 1
                    rate_limit_args.started = False
                log.warning("Telegram asks to wait %.0fs before %s; waiting, then sending again", seconds, endpoint)
                await self._pace.hold_off(seconds)
            except NetworkError as error:
                if attempt >= self._network_attempts or not safe_to_retry(endpoint, error):
                    raise
                if rate_limit_args is not None:
                    rate_limit_args.started = False
                log.warning("%s failed (%s); trying again", endpoint, type(error).__name__)
                await asyncio.sleep(self._network_delay * 2 ** (attempt - 1))
                attempt += 1


def _chat_of(data: dict[str, Any]) -> int | None:
    with contextlib.suppress(KeyError, TypeError, ValueError):
        return int(data["chat_id"])
    return None


def _posts_in_chat(endpoint: str) -> bool:
    return (endpoint.startswith("send") and endpoint != "sendChatAction") or endpoint in {
        "copyMessage",
        "forwardMessage",
    }
