"""What the inbox's pages share while the app runs: the desk, the content, who speaks which language."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import select

from accounts.models import Account
from core.content import Content
from handover.desk import HandoverDesk
from handover.routing import Section, offers_for
from handover.views import StaffMember
from staff import pages
from storage.db import Database

# Who speaks which language changes rarely (a new account); it is read again after this long.
LANGUAGES_FRESH_FOR = 60.0


@dataclass
class StaffInbox:
    """The running inbox."""

    desk: HandoverDesk
    content: Content
    database: Database
    sockets: weakref.WeakSet[web.WebSocketResponse] = field(default_factory=weakref.WeakSet)
    _languages: frozenset[str] = frozenset()
    _languages_read: float = float("-inf")

    async def lists(self, staff: StaffMember) -> tuple[str, int]:
        """Render the colleague's lists; return them and how many conversations nobody has taken yet."""
        now = self.desk.now()
        offers = offers_for(staff, await self.desk.active(), await self.colleague_languages(), now)
        closed = await self.desk.recently_closed()
        waiting = sum(1 for offer in offers if offer.section is Section.WAITING)
        return pages.inbox(offers, closed, self.content, now, self.desk.retention), waiting

    async def waiting(self) -> int:
        return sum(1 for handover in await self.desk.active() if handover.claimed_by is None)

    async def colleague_languages(self) -> frozenset[str]:
        """Return the languages that at least one staff account lists."""
        if time.monotonic() - self._languages_read > LANGUAGES_FRESH_FOR:
            async with self.database.sessions() as session:
                accounts = await session.scalars(select(Account))
                self._languages = frozenset(
                    code for account in accounts if account.has_role("staff") for code in account.language_list
                )
            self._languages_read = time.monotonic()
        return self._languages


STAFF_INBOX = web.AppKey("staff_inbox", StaffInbox)
