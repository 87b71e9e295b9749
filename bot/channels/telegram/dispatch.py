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

from core.flood import Admission, FloodGuard
from bot.channels.telegram.parse import parse_update
from storage.telegram_updates import UpdateInbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FloodWarning:
    """Handed to the application instead of an update from someone who sends too much too fast."""

    update: Update


ProcessUpdate = Callable[[object], Awaitable[None]]


@dataclass(frozen=True)
class _Work:
    update_id: int
    update: Update | None
    admission: Admission


class UpdateDispatcher:
    """Take updates from the inbox to the bot's handlers: one chat at a time, each update once."""

    def __init__(
        self,
        inbox: UpdateInbox,
        process: ProcessUpdate,
        bot: Bot,
        flood_guard: FloodGuard,
        max_concurrent: int = 64,
    ) -> None:
        self._inbox = inbox
        self._process = process
        self._bot = bot
        self._flood_guard = flood_guard
        self._slots = asyncio.Semaphore(max_concurrent)
        self._queues: dict[Hashable, deque[_Work]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        # Updates queued here and not yet handled: a take-over sweep finds them pending too.
        self._queued: set[int] = set()
        self._closing = False

    def submit(self, update_id: int, payload: str) -> None:
        """Queue a stored update behind earlier ones of the same chat; never blocks the caller."""
        if self._closing:
            return  # it stays pending in the inbox and is handled after the next start
        if update_id in self._queued:
            return
        self._queued.add(update_id)
        update = self._parse(update_id, payload)
        sender = _sender(update, update_id)
        admission = self._flood_guard.admit(sender) if _is_from_a_person(update) else Admission.ANSWER
        queue = self._queues.get(sender)
        if queue is None:
            queue = self._queues[sender] = deque()
            worker = asyncio.create_task(self._work_through(sender, queue), name="telegram-chat-worker")
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        queue.append(_Work(update_id, update, admission))

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
            if await self._inbox.claim(work.update_id) is None:
                return  # handled already: a duplicate delivery, or recovered twice
        except SQLAlchemyError as error:
            log.error("update %s stays pending: the database failed (%s)", work.update_id, type(error).__name__)
            return
        if work.update is not None:
            try:
                if work.admission is Admission.ANSWER:
                    await self._process(work.update)
                elif work.admission is Admission.SLOW_DOWN:
                    await self._process(FloodWarning(work.update))
            except Exception as error:  # the handlers' own errors go to PTB's error handler; this is a bug
                log.error("update %s could not be processed (%s)", work.update_id, type(error).__name__)
        try:
            await self._inbox.complete(work.update_id)
        except SQLAlchemyError as error:
            log.error("update %s handled but not marked so (%s)", work.update_id, type(error).__name__)

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


def _is_from_a_person(update: Update | None) -> bool:
    if update is None or not (update.message or update.callback_query):
        return False
    return update.effective_chat is None or update.effective_chat.type == ChatType.PRIVATE
