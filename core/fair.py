"""A bounded, fair queue in front of a scarce worker (the NLU server): one client flooding only waits on itself.

Work runs at most `concurrency` at a time. Whoever waits is served round-robin by client (an
address), so a client with a thousand queued messages gets one turn, then everyone else gets
theirs. Each client may have only `per_client` messages waiting, and all together `in_all`;
beyond that the queue refuses at once (`QueueFull`) instead of letting anyone wait for ages.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager

from core.errors import AssistantError


class QueueFull(AssistantError):
    """This client has too much waiting already (or everyone together has): turn it away now."""


class FairQueue:
    """Admit work round-robin per client, at most `concurrency` at once, with bounded waiting."""

    def __init__(self, concurrency: int = 4, per_client: int = 8, in_all: int = 512) -> None:
        self._concurrency = concurrency
        self._per_client = per_client
        self._in_all = in_all
        self._running = 0
        # Clients with someone waiting, in the order they get their next turn.
        self._waiting: OrderedDict[Hashable, deque[asyncio.Future[None]]] = OrderedDict()
        self.refused = 0

    def waiting(self, client: Hashable | None = None) -> int:
        if client is not None:
            return len(self._waiting.get(client, ()))
        return sum(len(queue) for queue in self._waiting.values())

    @asynccontextmanager
    async def turn(self, client: Hashable) -> AsyncIterator[None]:
        """Wait for this client's turn and hold a slot for the block; raise QueueFull when over the bounds."""
        if self._running < self._concurrency and not self._waiting:
            self._running += 1
        else:
            if self.waiting(client) >= self._per_client or self.waiting() >= self._in_all:
                self.refused += 1
                raise QueueFull("too much waiting")
            ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(client, deque()).append(ticket)
            try:
                await ticket  # the slot was handed over: _running already counts it
            except asyncio.CancelledError:
                if ticket.done() and not ticket.cancelled():
                    self._release(client)  # handed a slot just as we gave up: pass it on
                else:
                    self._forget(client, ticket)
                raise
        try:
            yield
        finally:
            self._release(client)

    def _release(self, client: Hashable) -> None:
        """Hand the freed slot to the next client in the rotation (not the one just served, if others wait)."""
        if client in self._waiting:
            self._waiting.move_to_end(client)
        while self._waiting:
            turn, queue = next(iter(self._waiting.items()))
            ticket = queue.popleft()
            # This client goes to the back of the rotation (or leaves it when nobody of theirs waits).
            del self._waiting[turn]
            if queue:
                self._waiting[turn] = queue
            if not ticket.done():
                ticket.set_result(None)
                return
        self._running -= 1

    def _forget(self, client: Hashable, ticket: asyncio.Future[None]) -> None:
        queue = self._waiting.get(client)
        if queue is None:
            return
        try:
            queue.remove(ticket)
        except ValueError:
            return
        if not queue:
            del self._waiting[client]
