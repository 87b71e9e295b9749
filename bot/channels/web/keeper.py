"""Keep the web chat's transcript when storage is slow or locked: write in order, retry, never drop a line.

The person's answer never waits for the transcript (it only serves reloads); a line that cannot be
written yet waits in memory, in order per chat, and is written as soon as the database takes it.
A reload meanwhile shows the stored lines followed by the waiting ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from core import writers
from storage.web_chat import TranscriptLine, Transcripts

log = logging.getLogger(__name__)


@dataclass
class _Waiting:
    line: TranscriptLine
    delivery_key: str | None
    stored: asyncio.Future[bool] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class TranscriptKeeper:
    """Write transcript lines per chat in order, retrying with growing pauses until each is stored."""

    def __init__(self, transcripts: Transcripts, first_pause: float = 0.2, longest_pause: float = 5.0) -> None:
        self._transcripts = transcripts
        self._first_pause = first_pause
        self._longest_pause = longest_pause
        self._waiting: dict[str, deque[_Waiting]] = {}
        self._writers: dict[str, asyncio.Task[None]] = {}
        self.retries = 0

    def keep(self, session_id: str, line: TranscriptLine, delivery_key: str | None = None) -> asyncio.Future[bool]:
        """Queue a line for the chat's transcript; the future tells when it is stored (False: it was already)."""
        item = _Waiting(line, delivery_key)
        self._waiting.setdefault(session_id, deque()).append(item)
        if session_id not in self._writers:
            self._writers[session_id] = asyncio.create_task(self._write(session_id), name="web-chat-keeper")
        return item.stored

    def waiting(self, session_id: str) -> list[TranscriptLine]:
        """Return the chat's lines that are not stored yet, oldest first."""
        return [item.line for item in self._waiting.get(session_id, ())]

    def pending(self) -> int:
        return sum(len(items) for items in self._waiting.values())

    async def history(self, session_id: str) -> list[TranscriptLine]:
        """Return what a reload shows: the stored lines, then the waiting ones (stored lines may be unreadable now)."""
        try:
            stored = await self._transcripts.history(session_id)
        except SQLAlchemyError as error:
            log.warning("web chat history not read: %s", type(error).__name__)
            stored = []
        return stored + self.waiting(session_id)

    async def forget(self, session_id: str, timeout: float = 5.0) -> None:
        """Drop the chat's lines not written yet (its data is being erased); wait for a write under way.

        The line the writer is storing at this moment cannot be taken back, so this waits (up to
        `timeout`) until it is stored; erasing the stored transcript after this then removes it too.
        """
        queue = self._waiting.get(session_id)
        writer = self._writers.get(session_id)
        while queue and len(queue) > (1 if writer is not None else 0):
            item = queue.pop()
            if not item.stored.done():
                item.stored.set_result(False)  # not stored, and never to be shown
        if writer is not None:
            await asyncio.wait({writer}, timeout=timeout)

    async def settled(self) -> None:
        """Wait until every queued line is stored."""
        await writers.settled(self._writers)

    async def close(self, timeout: float = 5.0) -> None:
        """Give queued lines a last chance when the app stops; say how many could not be kept (no text)."""
        await writers.stop(self._writers, timeout)
        left = self.pending()
        if left:
            log.error("%d web chat line(s) could not be kept before stopping: storage was unavailable", left)

    async def _write(self, session_id: str) -> None:
        queue = self._waiting[session_id]
        pause = self._first_pause
        try:
            while queue:
                item = queue[0]
                try:
                    stored = await self._transcripts.append(session_id, item.line, item.delivery_key)
                except SQLAlchemyError as error:
                    self.retries += 1
                    log.warning("web chat line not kept yet (%s); trying again in %.1f s", type(error).__name__, pause)
                    await asyncio.sleep(pause)
                    pause = min(self._longest_pause, pause * 2)
                    continue
                pause = self._first_pause
                queue.popleft()
                if not item.stored.done():
                    item.stored.set_result(stored)
        finally:
            del self._writers[session_id]
            if not queue:
                self._waiting.pop(session_id, None)
            else:
                for item in queue:
                    if not item.stored.done():
                        item.stored.cancel()
