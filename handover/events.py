"""Tell whoever watches (the staff inbox, the Telegram staff group) that a handover changed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandoverChange:
    """Something happened to a handover; watchers read the details from the desk."""

    handover_id: int
    # started, message, reply, delivery, claimed, released, handed, note, language, closed, erased
    what: str
    # For "erased": the staff group's forum topic and posts, which can no longer be looked up.
    staff_thread_id: int | None = None
    staff_posts: tuple[int, ...] = ()
    # For "handed": the key of the colleague it was handed to (they are told).
    to: str | None = None


class HandoverEvents:
    """An in-process feed of handover changes; a slow watcher misses changes, never blocks the desk."""

    def __init__(self) -> None:
        self._watchers: set[asyncio.Queue[HandoverChange]] = set()

    @contextmanager
    def watch(self, backlog: int = 1000) -> Iterator[asyncio.Queue[HandoverChange]]:
        """Receive every change published while the block runs."""
        queue: asyncio.Queue[HandoverChange] = asyncio.Queue(maxsize=backlog)
        self._watchers.add(queue)
        try:
            yield queue
        finally:
            self._watchers.discard(queue)

    def publish(self, change: HandoverChange) -> None:
        for queue in list(self._watchers):
            try:
                queue.put_nowait(change)
            except asyncio.QueueFull:
                log.warning("a handover watcher is too slow; a change was not passed on")
