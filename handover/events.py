"""Tell whoever watches (the staff inbox, the Telegram staff group) that a handover changed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from core.bus import Event, EventBus, LocalBus

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
    """The feed of handover changes, over the event bus: every process's watchers see every change.

    A slow watcher misses changes, never blocks the desk.
    """

    TOPIC = "handover"

    def __init__(self, bus: EventBus | None = None) -> None:
        self._bus: EventBus = bus if bus is not None else LocalBus()
        self._watchers: set[asyncio.Queue[HandoverChange]] = set()
        self._bus.subscribe(self.TOPIC, self._receive)

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
        self._bus.publish(self.TOPIC, asdict(change))

    def _receive(self, event: Event) -> None:
        try:
            change = HandoverChange(
                int(event["handover_id"]),
                str(event["what"]),
                None if event.get("staff_thread_id") is None else int(event["staff_thread_id"]),
                tuple(int(post) for post in event.get("staff_posts") or ()),
                None if event.get("to") is None else str(event["to"]),
            )
        except (KeyError, TypeError, ValueError):
            log.warning("a handover event could not be read; ignored")
            return
        for queue in list(self._watchers):
            try:
                queue.put_nowait(change)
            except asyncio.QueueFull:
                log.warning("a handover watcher is too slow; a change was not passed on")
