"""Delete closed handovers and everything said in them once their retention period has passed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from handover.events import HandoverChange, HandoverEvents
from handover.store import HandoverStore

log = logging.getLogger(__name__)

DEFAULT_RETENTION = timedelta(days=30)


async def forget_expired(
    store: HandoverStore, events: HandoverEvents, retention: timedelta, now: datetime
) -> int:
    """Delete handovers closed longer than `retention` ago; return how many."""
    erased = await store.closed_before(now - retention)
    for item in erased:
        events.publish(HandoverChange(item.id, "erased", item.staff_thread_id, item.staff_posts))
    return len(erased)


async def keep_forgetting(
    store: HandoverStore,
    events: HandoverEvents,
    retention: timedelta,
    clock: Callable[[], datetime],
    interval: float = 3600.0,
) -> None:
    """Delete expired handovers now and then, for as long as the app runs."""
    while True:
        try:
            forgotten = await forget_expired(store, events, retention, clock())
            if forgotten:
                log.info("deleted %d handover(s) past their retention", forgotten)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("could not delete expired handovers: %s", type(error).__name__)
        await asyncio.sleep(interval)
