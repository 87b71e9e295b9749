"""Background chores that must run in one process at a time: each runs under a lease of its own.

Deleting what is past its retention, in several processes at once, would do the same deletes twice
and announce the same erasures twice. A chore runs only in the process that holds the lease
`chore:<name>`; the others wait and take over once that process stops or dies (after the lease's
time). A holder that loses its lease (the database was away longer than the lease) stops the chore
and queues up again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from storage.leases import Leases

log = logging.getLogger(__name__)

Chore = Callable[[], Awaitable[None]]

CHORE_PREFIX = "chore:"
DEFAULT_LEASE = timedelta(seconds=15)
# After the database failed while waiting for a lease, try again after this long.
RETRY_AFTER = 5.0


class Chores:
    """Run each named chore (a loop that runs until cancelled) in exactly one process of the deployment."""

    def __init__(
        self, leases: Leases | None, holder: str, ttl: timedelta = DEFAULT_LEASE, retry_after: float = RETRY_AFTER
    ) -> None:
        """With `leases` None every chore runs here at once (one process alone, tests)."""
        self._leases = leases
        self._holder = holder
        self._ttl = ttl
        self._retry_after = retry_after

    async def run(self, name: str, chore: Chore) -> None:
        """Run `chore` while this process holds its lease; wait for the lease otherwise; until cancelled."""
        if self._leases is None:
            await chore()
            return
        while True:
            try:
                async with self._leases.hold(CHORE_PREFIX + name, self._holder, self._ttl) as held:
                    working = asyncio.create_task(chore(), name=f"chore:{name}")
                    lost = asyncio.create_task(held.lost.wait())
                    try:
                        await asyncio.wait({working, lost}, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        for task in (working, lost):
                            task.cancel()
                        await asyncio.gather(working, lost, return_exceptions=True)
                    if working.cancelled():
                        log.warning("the lease of the chore %s was lost; queuing up for it again", name)
                        continue
                    error = working.exception()
                    if error is None:
                        return  # the chore finished its work
                    log.error("the chore %s stopped (%s); starting it again", name, type(error).__name__)
                await asyncio.sleep(self._retry_after)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database is away: wait and queue up for the lease again
                log.warning("waiting for the chore %s failed (%s); trying again", name, type(error).__name__)
                await asyncio.sleep(self._retry_after)
