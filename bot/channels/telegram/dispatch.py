"""Handle stored updates exactly once: in order within a chat, many chats at the same time."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.constants import ChatType

from bot.channels.telegram.delivery import PendingReplies
from bot.channels.telegram.parse import parse_update
from core.flood import Admission, FloodCheck
from storage.telegram_updates import UpdateInbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FloodWarning:
    """Handed to the application instead of an update from someone who sends too much too fast."""

    update: Update


ProcessUpdate = Callable[[object], Awaitable[None]]
# Told which chats have new replies stored, once their update is marked handled.
RepliesStored = Callable[[set[int]], None]
# Marking an update handled is tried this often (with pauses) before it is left for the next start.
COMPLETE_ATTEMPTS = 6


@dataclass(frozen=True)
class _Work:
    update_id: int
    update: Update | None
    claimed: bool  # stored as being handled by us (just received): no claim needed


class UpdateDispatcher:
    """Take updates from the inbox to the bot's handlers: one chat at a time, each update once."""

    def __init__(
        self,
        inbox: UpdateInbox,
        process: ProcessUpdate,
        bot: Bot,
        flood_guard: FloodCheck,
        max_concurrent: int = 64,
        replies: PendingReplies | None = None,
        replies_stored: RepliesStored | None = None,
    ) -> None:
        self._inbox = inbox
        self._process = process
        self._bot = bot
        self._flood_guard = flood_guard
        self._replies = replies if replies is not None else PendingReplies()
        self._replies_stored = replies_stored
        self._slots = asyncio.Semaphore(max_concurrent)
        self._queues: dict[Hashable, deque[_Work]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        # Updates queued here and not yet handled: a take-over sweep finds them pending too.
        self._queued: set[int] = set()
        self._closing = False

    def submit(self, update_id: int, payload: str, claimed: bool = False) -> None:
        """Queue a stored update behind earlier ones of the same chat; never blocks the caller.

        `claimed`: the update was stored as being handled by us (UpdateInbox.receive with
        `handling`); otherwise (taken over) it is claimed first.
        """
        if self._closing:
            return  # it stays pending in the inbox and is handled after the next start
        if update_id in self._queued:
            return
        self._queued.add(update_id)
        update = self._parse(update_id, payload)
        sender = _sender(update, update_id)
        queue = self._queues.get(sender)
        if queue is None:
            queue = self._queues[sender] = deque()
            worker = asyncio.create_task(self._work_through(sender, queue), name="telegram-chat-worker")
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        work = _Work(update_id, update, claimed)
        # Update ids grow with each update of a bot: an older one taken over from a dead instance
        # goes before newer ones of the same chat still waiting here.
        place = len(queue)
        while place > 0 and queue[place - 1].update_id > update_id:
            place -= 1
        queue.insert(place, work)

    async def idle(self) -> None:
        """Wait until every submitted update has been handled."""
        while self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)

    async def close(self, grace: float) -> None:
        """Stop taking updates; let running handlers finish for `grace` seconds, then stop them."""
        self._closing = True
        if not self._workers:
            return
        _, unfinished = await asyncio.wait(set(self._workers), timeout=grace)
        for worker in unfinished:
            worker.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)

    async def _work_through(self, sender: Hashable, queue: deque[_Work]) -> None:
        try:
            while queue and not self._closing:
                work = queue.popleft()
                async with self._slots:
                    if self._closing:
                        return  # still pending in the inbox: handled after the next start
                    try:
                        await self._handle_once(work)
                    finally:
                        self._queued.discard(work.update_id)
        finally:
            self._queues.pop(sender, None)

    async def _handle_once(self, work: _Work) -> None:
        try:
            if not work.claimed and await self._inbox.claim(work.update_id) is None:
                return  # handled already: a duplicate delivery, or recovered twice
        except SQLAlchemyError as error:
            log.error("update %s stays pending: the database failed (%s)", work.update_id, type(error).__name__)
            return
        if work.update is not None:
            admission = await self._admission(work)
            try:
                if admission is Admission.ANSWER:
                    await self._process(work.update)
                elif admission is Admission.SLOW_DOWN:
                    await self._process(FloodWarning(work.update))
            except Exception as error:  # the handlers' own errors go to PTB's error handler; this is a bug
                log.error("update %s could not be processed (%s)", work.update_id, type(error).__name__)
        await self._complete(work.update_id)

    async def _admission(self, work: _Work) -> Admission:
        """Count a person's message against the flood guard, here in the chat's order (the guard may be shared)."""
        if not _is_from_a_person(work.update):
            return Admission.ANSWER
        try:
            return await self._flood_guard.check(_sender(work.update, work.update_id), _sent_at(work.update))
        except Exception as error:  # a shared guard's Redis is away: answer rather than drop the message
            log.warning("the flood guard could not count update %s (%s); answering it", work.update_id, type(error).__name__)
            return Admission.ANSWER

    async def _complete(self, update_id: int) -> None:
        """Mark the update handled and store its replies in one transaction, then have them sent."""
        replies = self._replies.take(update_id)
        for attempt in range(COMPLETE_ATTEMPTS):
            try:
                ours = await self._inbox.complete(update_id, replies)
                break
            except SQLAlchemyError as error:
                # Nothing was sent yet; if this keeps failing, the next start handles the update again.
                log.error("update %s handled but not marked so (%s)", update_id, type(error).__name__)
                if attempt + 1 == COMPLETE_ATTEMPTS:
                    return
                await asyncio.sleep(0.25 * 2**attempt)
        if not ours:
            log.warning("update %s was taken over by another instance while handled here; its answer is theirs", update_id)
            return
        if replies and self._replies_stored is not None:
            self._replies_stored({message.chat_id for message in replies})

    def _parse(self, update_id: int, payload: str) -> Update | None:
        try:
            data = json.loads(payload)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            log.error("update %s is not JSON; skipped", update_id)
            return None
        return parse_update(data, self._bot)


def _sender(update: Update | None, update_id: int) -> Hashable:
    # A private chat's id is the person's user id: their messages and buttons share one queue.
    if update is not None and update.effective_chat is not None:
        return update.effective_chat.id
    if update is not None and update.effective_user is not None:
        return update.effective_user.id
    return ("update", update_id)


def _sent_at(update: Update | None) -> float | None:
    """When the person sent it (Telegram's `date`, seconds since the epoch); a button press has none."""
    message = update.message if update is not None else None
    return message.date.timestamp() if message is not None and message.date is not None else None


def _is_from_a_person(update: Update | None) -> bool:
    if update is None or not (update.message or update.callback_query):
        return False
    return update.effective_chat is None or update.effective_chat.type == ChatType.PRIVATE
