"""Receive updates from Telegram, by webhook or long polling, storing each before confirming it."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot
from telegram.constants import UpdateType
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.channels.telegram.dispatch import UpdateDispatcher
from core.errors import AssistantError
from storage.leases import Leases, LeaseTaken
from storage.telegram_updates import StoredUpdate, UpdateInbox

log = logging.getLogger(__name__)

# Only what the handlers answer: no edited messages, channel posts, reactions, inline queries, ...
ALLOWED_UPDATES = [UpdateType.MESSAGE, UpdateType.CALLBACK_QUERY, UpdateType.MY_CHAT_MEMBER]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_POLL_DELAY = 30.0
# How much longer than the long-poll timeout to wait for getUpdates' answer.
POLL_READ_MARGIN = 10
MIN_EMPTY_POLL = 0.2
# Among the processes sharing a database, the holder of this lease is the one that polls.
POLLER_LEASE = "telegram:poller"
# Told who polled before this instance took polling over: their unhandled updates go first.
TakeOverFrom = Callable[[str | None], Awaitable[int]]
# What Telegram says when a second getUpdates ends a running one (two processes poll one bot).
OTHER_POLLER = "terminated by other getUpdates request"


def checked_secret(secret: str) -> str:
    """Return the webhook secret if Telegram accepts it (1-256 of A-Z, a-z, 0-9, _ and -)."""
    if not _SECRET_FORMAT.fullmatch(secret):
        raise AssistantError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return secret


class WebhookReceiver:
    """The webhook: check Telegram's secret, store the update, answer 200, hand it on."""

    def __init__(self, secret: str, inbox: UpdateInbox, dispatcher: UpdateDispatcher) -> None:
        self._secret = secret.encode()
        self._inbox = inbox
        self._dispatcher = dispatcher

    async def receive(self, request: web.Request) -> web.Response:
        """Accept one update from Telegram; 403 without the secret, 500 if it could not be stored."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=403, text="forbidden")
        try:
            payload = await request.text()
            update_id = json.loads(payload)["update_id"]
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                raise TypeError("update_id is not an integer")
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="not a Telegram update")
        try:
            new = await self._inbox.receive(update_id, payload, handling=True)
        except SQLAlchemyError as error:
            # Telegram delivers the update again later; nothing is lost.
            log.error("update %s not stored: the database failed (%s)", update_id, type(error).__name__)
            return web.Response(status=500, text="not stored")
        if new:
            self._dispatcher.submit(update_id, payload, claimed=True)
        return web.Response(text="ok")


async def poll_updates(bot: Bot, inbox: UpdateInbox, dispatcher: UpdateDispatcher, timeout: int) -> None:
    """Fetch updates by long polling; confirm each to Telegram only after it is stored."""
    offset: int | None = None
    failures = 0
    while True:
        try:
            asked = asyncio.get_running_loop().time()
            updates = await _fetch(bot, offset, timeout)
            if not updates and asyncio.get_running_loop().time() - asked < MIN_EMPTY_POLL:
                # An API that ignores `timeout` would otherwise be asked in a tight loop.
                await asyncio.sleep(MIN_EMPTY_POLL)
            if updates:
                received = [StoredUpdate(u["update_id"], json.dumps(u, ensure_ascii=False)) for u in updates]
                # One transaction for the whole answer: a backlog is stored at once.
                for stored in await inbox.receive_all(received, handling=True):
                    dispatcher.submit(stored.update_id, stored.payload, claimed=True)
                # The next request's offset confirms these updates; they are stored by then.
                offset = max(stored.update_id for stored in received) + 1
            failures = 0
        except InvalidToken:
            log.error("Telegram refuses the bot token; polling stopped")
            raise
        except RetryAfter as error:
            await asyncio.sleep(_seconds(error))
        except Conflict as error:
            failures += 1
            delay = min(MAX_POLL_DELAY, 0.5 * 2 ** min(failures, 6))
            if OTHER_POLLER in str(error):
                log.warning(
                    "another instance is polling this bot (Telegram ended our getUpdates); one bot token, "
                    "one database: next try in %.1fs",
                    delay,
                )
            else:
                log.warning("Telegram refuses polling while a webhook is set; next try in %.1fs", delay)
            await asyncio.sleep(delay)
        except (TelegramError, SQLAlchemyError) as error:
            failures += 1
            delay = min(MAX_POLL_DELAY, 0.5 * 2 ** min(failures, 6))
            log.warning("fetching updates failed (%s); next try in %.1fs", type(error).__name__, delay)
            await asyncio.sleep(delay)


async def poll_as_the_one_poller(
    bot: Bot,
    inbox: UpdateInbox,
    dispatcher: UpdateDispatcher,
    timeout: int,
    leases: Leases,
    owner: str,
    ttl: timedelta,
    take_over_from: TakeOverFrom | None = None,
) -> None:
    """Poll only while holding the poller lease, so processes sharing a database never poll at once.

    On taking polling over from another instance, its unhandled updates are taken over first.
    """
    waiting_told = False
    while True:
        try:
            before = await leases.state(POLLER_LEASE)
            async with leases.hold(POLLER_LEASE, owner, ttl, wait=False) as held:
                log.info("this instance polls Telegram for updates")
                waiting_told = False
                if take_over_from is not None:
                    taken = await take_over_from(before.holder if before is not None else None)
                    if taken:
                        log.warning("took over %d update(s) and reply(ies) of the instance that polled before", taken)
                polling = asyncio.create_task(poll_updates(bot, inbox, dispatcher, timeout))
                lost = asyncio.create_task(held.lost.wait())
                try:
                    await asyncio.wait({polling, lost}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for task in (polling, lost):
                        task.cancel()
                    await asyncio.gather(polling, lost, return_exceptions=True)
                if polling.done() and not polling.cancelled() and polling.exception() is not None:
                    raise polling.exception()  # type: ignore[misc]
                log.warning("another instance took over polling (this one's lease lapsed)")
        except LeaseTaken:
            if not waiting_told:
                log.info("another instance is polling Telegram; this one takes over if it stops")
                waiting_told = True
        except SQLAlchemyError as error:
            log.warning("the poller lease could not be checked (%s); trying again", type(error).__name__)
        await asyncio.sleep(ttl.total_seconds() / 3)


async def _fetch(bot: Bot, offset: int | None, timeout: int) -> list[dict[str, Any]]:
    # The raw JSON, not Bot.get_updates: one update this PTB cannot parse must not stop all
    # polling, and get_updates would log such an update's content.
    parameters: dict[str, Any] = {"timeout": timeout, "allowed_updates": ALLOWED_UPDATES}
    if offset is not None:
        parameters["offset"] = offset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)  # "use Bot.get_updates instead"
        result = await bot.do_api_request("getUpdates", parameters, read_timeout=timeout + POLL_READ_MARGIN)
    if not isinstance(result, list):
        raise NetworkError("getUpdates did not return a list")
    return [update for update in result if isinstance(update, dict) and isinstance(update.get("update_id"), int)]


async def register_webhook(bot: Bot, url: str, secret: str) -> None:
    """Tell Telegram where the webhook is, trying again until it accepts (a wrong token ends it)."""
    failures = 0
    while True:
        try:
            await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
            return
        except InvalidToken:
            log.error("Telegram refuses the bot token; the webhook is not registered")
            raise
        except RetryAfter as error:
            await asyncio.sleep(_seconds(error))
        except TelegramError as error:
            failures += 1
            delay = min(MAX_POLL_DELAY, 0.5 * 2 ** min(failures, 6))
            log.warning("registering the webhook failed (%s); next try in %.1fs", type(error).__name__, delay)
            await asyncio.sleep(delay)


async def stop_webhook_then_poll(
    bot: Bot,
    inbox: UpdateInbox,
    dispatcher: UpdateDispatcher,
    timeout: int,
    leases: Leases,
    owner: str,
    ttl: timedelta,
    take_over_from: TakeOverFrom | None = None,
) -> None:
    """Remove a webhook left from webhook mode (getUpdates is refused while one is set), then poll."""
    try:
        await bot.delete_webhook(drop_pending_updates=False)
    except TelegramError as error:
        log.warning("removing the webhook failed (%s); polling anyway", type(error).__name__)
    await poll_as_the_one_poller(bot, inbox, dispatcher, timeout, leases, owner, ttl, take_over_from)


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
