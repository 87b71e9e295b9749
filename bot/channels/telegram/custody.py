"""Keep this instance's Telegram work alive in the database, and take over the work of dead instances.

Each running instance holds the lease `instance:<owner>` and renews it every third of its time to
live. Unhandled updates and unsent replies carry their owner; an instance takes over another's only
once that instance's lease has expired (it died without stopping), or was released (it stopped).

The owner is named after the host and the HTTP port, which only one live process can listen on: a
process restarted after a crash at the same address takes back its own work at once, in order,
before it handles anything new.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from storage.leases import Leases, instance_lease, new_holder_id
from storage.telegram_updates import StoredUpdate, UpdateInbox

log = logging.getLogger(__name__)

# Long enough for a busy database to answer a heartbeat, short enough that a dead instance's
# updates wait at most this long for another to take them over.
DEFAULT_LEASE = timedelta(seconds=15)

Submit = Callable[[StoredUpdate], None]
TakeOverReplies = Callable[[bool], Awaitable[int]]


def instance_owner(http_port: int) -> str:
    """Name this instance after its host and HTTP port (unique among live processes); random without a port."""
    if not http_port:
        return new_holder_id()
    return f"{socket.gethostname()[:80]}:{http_port}"


class Custody:
    """Hold this instance's lease and take over dead instances' updates and replies."""

    def __init__(
        self,
        leases: Leases,
        inbox: UpdateInbox,
        owner: str,
        submit: Submit,
        take_over_replies: TakeOverReplies | None = None,
        ttl: timedelta = DEFAULT_LEASE,
    ) -> None:
        self._leases = leases
        self._inbox = inbox
        self._owner = owner
        self._submit = submit
        self._take_over_replies = take_over_replies
        self._ttl = ttl
        self._name = instance_lease(owner)

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    async def begin(self) -> None:
        """Announce this instance as alive, before any work is stored as ours."""
        if not await self._leases.acquire(self._name, self._owner, self._ttl):
            # Only a process with the same host name and port could hold it: a misconfiguration.
            log.error("another live process uses this instance's name; its Telegram work may be answered twice")

    async def take_over(self, restarted: bool = False) -> int:
        """Take over the unhandled updates and unsent replies of dead instances.

        With `restarted` (once, at start-up, when listening on our address), also our own from
        before a crash: no live process can have our name then.
        """
        updates = await self._inbox.take_over(self._leases.live_instances(), restarted)
        for stored in updates:
            self._submit(stored)
        replies = await self._take_over_replies(restarted) if self._take_over_replies is not None else 0
        return len(updates) + replies

    async def take_over_from(self, previous: str | None) -> int:
        """Take over the work of `previous` (and of any dead instance) before receiving anything in its place.

        Called by a process that took over polling from `previous`: the updates `previous` stored
        and did not handle must be queued before the newer ones of the same chats that polling
        brings now, or one person's messages would be answered out of order. Waits at most one
        lease time for `previous`'s own lease to lapse (it died, or is finishing a clean stop); a
        live one that merely lost the poller lease keeps its work.
        """
        if previous is None or previous == self._owner:
            return await self.take_over()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._ttl.total_seconds()
        while await self._leases.holder(instance_lease(previous)) is not None and loop.time() < deadline:
            await asyncio.sleep(min(0.5, self._ttl.total_seconds() / 10))
        return await self.take_over()

    async def keep(self) -> None:
        """Renew the lease and look for dead instances' work, every third of the lease, until cancelled."""
        interval = self._ttl.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                if not await self._leases.renew(self._name, self._owner, self._ttl):
                    # The database was away longer than the lease: others may have taken our work;
                    # what they took is theirs now (handling checks the owner), the rest stays ours.
                    log.warning("this instance's lease had expired; taking it again")
                    await self._leases.acquire(self._name, self._owner, self._ttl)
                taken = await self.take_over()
                if taken:
                    log.warning("took over %d update(s) and reply(ies) of an instance that stopped", taken)
            except SQLAlchemyError as error:
                log.warning("keeping the instance lease failed (%s); trying again", type(error).__name__)

    async def end(self) -> None:
        """Release the lease, so another instance takes over what is left at once."""
        try:
            await self._leases.release(self._name, self._owner)
        except SQLAlchemyError as error:
            log.warning("releasing the instance lease failed (%s); it expires by itself", type(error).__name__)
