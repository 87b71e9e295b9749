"""Live events between the parts of the assistant, and between its processes when they share Redis.

A part publishes a small JSON event on a topic ("handover", "web-chat", ...); every receiver of
that topic gets it, in this process (`LocalBus`, the embedded default) or in every process that
shares the Redis server (`storage.redis_bus.RedisBus`). Events are signals for what is live on a
screen (a staff reply in an open chat, an inbox row); what they announce is always stored first,
so a lost event costs a refresh, never data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Event = dict[str, Any]
Receiver = Callable[[Event], None]


class EventBus(Protocol):
    """Publish events on topics and receive them; receivers must return at once (start a task for work)."""

    @property
    def shared(self) -> bool:
        """True when events reach the other processes of the assistant too."""
        ...

    def publish(self, topic: str, event: Event) -> None:
        """Send `event` to every receiver of `topic`; never blocks, never raises."""
        ...

    def subscribe(self, topic: str, receiver: Receiver) -> Callable[[], None]:
        """Call `receiver` with every event of `topic` from now on; return the function that stops it."""
        ...


class LocalBus:
    """Events within one process: each receiver of the topic is called at once, in subscription order."""

    shared = False

    def __init__(self) -> None:
        self._receivers: dict[str, list[Receiver]] = {}

    def publish(self, topic: str, event: Event) -> None:
        self.deliver(topic, event)

    def deliver(self, topic: str, event: Event) -> None:
        """Hand `event` to this process's receivers of `topic`."""
        for receiver in list(self._receivers.get(topic, ())):
            try:
                receiver(event)
            except Exception:  # one broken receiver must not keep the event from the others
                log.exception("a receiver of %s events failed", topic)

    def subscribe(self, topic: str, receiver: Receiver) -> Callable[[], None]:
        self._receivers.setdefault(topic, []).append(receiver)

        def unsubscribe() -> None:
            receivers = self._receivers.get(topic, [])
            if receiver in receivers:
                receivers.remove(receiver)

        return unsubscribe
