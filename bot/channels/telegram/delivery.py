"""Send the replies waiting in the outbox: in order per chat, each until Telegram has it.

Handling an update only collects its replies (`PendingReplies`); the dispatcher stores them with the
update's "handled" mark in one transaction, and `ReplyDelivery` sends them from there. So an answer
goes out only once its update can never be handled again, and the one uncertain moment left is a
request cut off after it left this process (the process died or the connection broke before
Telegram's answer): such a message may have arrived, is sent again, and is counted as cut off.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.channels.telegram.limits import SendAttempt, safe_to_retry
from storage.leases import Leases
from storage.telegram_outbox import OutgoingMessage, QueuedMessage, TelegramOutbox

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = 30.0

Unreachable = Callable[[int], Awaitable[None]]


class _Outcome(Enum):
    """What a chat's sender does after one message."""

    SENT = "sent"  # sent: recorded with taking the next
    NEXT = "next"  # given up for good: on to the next
    AGAIN = "again"  # not sent (or maybe): the same message again, after a pause
    STOP = "stop"  # nothing more goes to this chat


class PendingReplies:
    """The messages handlers produce for each update, kept until the update is marked handled."""

    def __init__(self) -> None:
        self._by_update: dict[int, list[OutgoingMessage]] = {}

    def add(self, update_id: int, messages: Sequence[OutgoingMessage]) -> None:
        self._by_update.setdefault(update_id, []).extend(messages)

    def take(self, update_id: int) -> list[OutgoingMessage]:
        return self._by_update.pop(update_id, [])


class ReplyDelivery:
    """One sender task per chat with waiting replies; a 429 waits, a blocked person ends the chat's queue."""

    def __init__(
        self,
        outbox: TelegramOutbox,
        bot: Bot,
        owner: str,
        unreachable: Unreachable,
        retry_delay: float = 0.5,
    ) -> None:
        self._outbox = outbox
        self._bot = bot
        self._owner = owner
        self._unreachable = unreachable
        self._retry_delay = retry_delay
        self._senders: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._closing = False

    def kick(self, chat_id: int) -> None:
        """Start sending a chat's waiting replies, unless a sender is at it (it then looks again when done)."""
        if self._closing:
            return
        if chat_id in self._senders:
            self._again.add(chat_id)
            return
        task = asyncio.create_task(self._send_chat(chat_id), name="telegram-reply-sender")
        self._senders[chat_id] = task
        task.add_done_callback(lambda _: self._finished(chat_id))

    def kick_all(self, chat_ids: set[int]) -> None:
        """Kick each of these chats."""
        for chat_id in chat_ids:
            self.kick(chat_id)

    async def resume(self) -> int:
        """Kick every chat with replies waiting for us (after a start or a take-over)."""
        chats = await self._outbox.chats_waiting(self._owner)
        for chat_id in chats:
            self.kick(chat_id)
        return len(chats)

    async def take_over(self, leases: Leases, restarted: bool) -> int:
        """Make a dead instance's unsent replies ours, then send them."""
        taken = await self._outbox.take_over(self._owner, leases.live_instances(), restarted)
        await self.resume()
        return taken

    async def idle(self) -> None:
        """Wait until no reply is being sent."""
        while self._senders:
            await asyncio.gather(*list(self._senders.values()), return_exceptions=True)

    async def close(self, grace: float) -> None:
        """Stop starting sends; let running ones finish for `grace` seconds, then stop them (counted as cut off)."""
        self._closing = True
        if not self._senders:
            return
        _, unfinished = await asyncio.wait(set(self._senders.values()), timeout=grace)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)

    def _finished(self, chat_id: int) -> None:
        self._senders.pop(chat_id, None)
        if chat_id in self._again:
            self._again.discard(chat_id)
            self.kick(chat_id)

    async def _send_chat(self, chat_id: int) -> None:
        failures = 0
        sent: int | None = None  # recorded as sent together with taking the next
        while True:
            try:
                if self._closing:
                    if sent is not None:
                        await self._outbox.sent(sent)
                    return
                queued = await self._outbox.take_next(chat_id, self._owner, sent)
                sent = None
                if queued is None:
                    return
                outcome = await self._deliver(queued)
            except SQLAlchemyError as error:
                # The row stays as it is; the next sweep (or kick) picks the chat up again.
                log.error("sending replies paused: the database failed (%s)", type(error).__name__)
                return
            if outcome is _Outcome.SENT:
                sent = queued.id
                failures = 0
                continue
            if outcome is _Outcome.STOP:
                return
            if outcome is _Outcome.AGAIN:
                failures += 1
                await asyncio.sleep(min(MAX_RETRY_DELAY, self._retry_delay * 2 ** min(failures, 6)))
            else:
                failures = 0

    async def _deliver(self, queued: QueuedMessage) -> _Outcome:
        message = queued.message
        attempt = SendAttempt()
        try:
            await self._bot.send_message(
                message.chat_id,
                message.text,
                reply_markup=_markup(message.markup, self._bot),
                rate_limit_args=attempt,  # type: ignore[call-arg]
            )
        except asyncio.CancelledError:
            # Stopped mid-way: if the request had left, it may have arrived.
            await asyncio.shield(self._outbox.retry(queued.id, cut_off=attempt.started))
            raise
        except Forbidden:
            log.info("a reply could not be delivered: the person blocked the bot or left the group; not retried")
            await self._outbox.failed(queued.id)
            await self._outbox.give_up_chat(message.chat_id, self._owner)
            if message.chat_id > 0:
                await self._unreachable(message.chat_id)
            return _Outcome.STOP
        except BadRequest as error:
            # Telegram refused this message for good (e.g. the chat is gone); the next may still go.
            log.error("Telegram refused a reply (%s); skipped", _description(error))
            await self._outbox.failed(queued.id)
            return _Outcome.NEXT
        except NetworkError as error:
            cut_off = attempt.started and not safe_to_retry("sendMessage", error)
            if cut_off:
                log.warning("a reply's request was cut off (%s); it may have arrived; sending it again", type(error).__name__)
            else:
                log.warning("a reply could not be sent (%s); trying again", type(error).__name__)
            await self._outbox.retry(queued.id, cut_off=cut_off)
            return _Outcome.AGAIN
        except TelegramError as error:
            log.error("Telegram refused a reply (%s); skipped", type(error).__name__)
            await self._outbox.failed(queued.id)
            return _Outcome.NEXT
        except Exception as error:  # a bug or a broken connection pool: try again later, counted if it left
            log.error("sending a reply failed (%s); trying again", type(error).__name__)
            await self._outbox.retry(queued.id, cut_off=attempt.started)
            return _Outcome.AGAIN
        return _Outcome.SENT


def _markup(stored: str | None, bot: Bot) -> InlineKeyboardMarkup | None:
    if not stored:
        return None
    return InlineKeyboardMarkup.de_json(json.loads(stored), bot)


def _description(error: TelegramError) -> str:
    # Telegram's descriptions name the problem ("chat not found"), never the message's text.
    return error.message[:120]
