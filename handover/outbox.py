"""Send staff replies and handback notices to the person: in order, each at most once, none lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Select

from core.channels import Arrival, Outbound, UnknownChannel
from core.content import Content
from core.messages import Reply
from handover.models import HANDBACK, JOINED, Delivery
from handover.notices import handback, joined, staff_reply
from handover.store import HandoverStore
from handover.views import Outgoing

log = logging.getLogger(__name__)

Unreachable = Callable[[Outgoing], Awaitable[None]]
Changed = Callable[[int], None]
# A query of the instances alive now (storage.instances), made afresh for each use.
LiveInstances = Callable[[], Select[tuple[str]]]


class Outbox:
    """Deliver what waits in the database, one handover at a time; a restart resumes it."""

    def __init__(
        self,
        store: HandoverStore,
        outbound: Outbound,
        content: Content,
        clock: Callable[[], datetime],
        unreachable: Unreachable,
        changed: Changed,
    ) -> None:
        self._store = store
        self._outbound = outbound
        self._content = content
        self._clock = clock
        self._unreachable = unreachable
        self._changed = changed
        self._locks: dict[int, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._sender: str | None = None
        self._live: LiveInstances | None = None

    def send_as(self, sender: str, live: LiveInstances) -> None:
        """Mark what this process sends as `sender`'s, and leave alone what other live instances are sending."""
        self._sender, self._live = sender, live

    def kick(self, handover_id: int) -> None:
        """Start sending what waits in a handover, without waiting for it."""
        task = asyncio.create_task(self._guarded(handover_id), name="handover-outbox")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send(self, handover_id: int) -> None:
        """Send every pending message of a handover in order; stop at the first that cannot go now."""
        # One lock per handover ever sent to in this process: a few hundred bytes each.
        async with self._locks.setdefault(handover_id, asyncio.Lock()):
            while (outgoing := await self._store.take_next_outgoing(handover_id, self._sender)) is not None:
                if not await self._deliver(outgoing):
                    break

    async def resume(self) -> None:
        """Send whatever waits in any handover (after a start, or a channel that was away)."""
        for handover_id in await self._store.with_pending():
            await self._guarded(handover_id)

    async def recover(self, restarted: bool = True) -> None:
        """Mark what a stopped sender was sending as unknown, so staff decide; never send it twice.

        At a start (`restarted`), that is everything being sent when this process is alone, and
        our own sends from before a crash; otherwise only what instances no longer alive were sending.
        """
        if not restarted and self._live is None:
            return  # alone, whatever is being sent is our own, in flight
        live = self._live() if self._live is not None else None
        for handover_id in await self._store.mark_interrupted(live, self._sender, restarted):
            log.warning("a message to a person may or may not have arrived before its sender stopped")
            self._changed(handover_id)

    async def idle(self) -> None:
        """Wait until every kicked send has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _guarded(self, handover_id: int) -> None:
        try:
            await self.send(handover_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database failed: what waits is sent on the next round
            log.error("sending to a person failed: %s", type(error).__name__)

    async def _deliver(self, outgoing: Outgoing) -> bool:
        """Deliver one message; return False when the rest of the handover's queue must wait."""
        try:
            arrival = await self._outbound.send(outgoing.conversation, self._reply(outgoing))
        except UnknownChannel:
            # The channel is not running (yet): nothing was sent, so it may be sent later.
            await self._store.finish_outgoing(outgoing.message_id, Delivery.PENDING, self._clock())
            return False
        except asyncio.CancelledError:
            await asyncio.shield(self._store.finish_outgoing(outgoing.message_id, Delivery.UNKNOWN, self._clock()))
            raise
        except Exception as error:
            # It may have arrived (e.g. the answer was lost): never send it again on our own.
            log.warning("a message to a person may not have arrived: %s", type(error).__name__)
            await self._store.finish_outgoing(outgoing.message_id, Delivery.UNKNOWN, self._clock())
            self._changed(outgoing.handover_id)
            return False
        if arrival is not Arrival.UNREACHABLE:
            # Staff read "zugestellt" only for what is in front of the person; the rest waits for them.
            delivery = Delivery.SENT if arrival is Arrival.SHOWN else Delivery.KEPT
            await self._store.finish_outgoing(outgoing.message_id, delivery, self._clock())
            self._changed(outgoing.handover_id)
            return True
        await self._store.finish_outgoing(outgoing.message_id, Delivery.FAILED, self._clock())
        await self._unreachable(outgoing)
        self._changed(outgoing.handover_id)
        return False

    def _reply(self, outgoing: Outgoing) -> Reply:
        # The message's id names this delivery: sent again ("Erneut senden"), it reaches the person once.
        key = f"handover-message:{outgoing.message_id}"
        if outgoing.kind == HANDBACK:
            return replace(handback(self._content, outgoing.language, self._clock()), delivery_key=key)
        if outgoing.kind == JOINED:
            return replace(joined(self._content, outgoing.language, self._clock()), delivery_key=key)
        return replace(staff_reply(self._content, outgoing.text or "", outgoing.language), delivery_key=key)
