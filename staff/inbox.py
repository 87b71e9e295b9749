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
from handover.templates import TemplateStore
from handover.routing import Offer, Section, offers_for
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
    templates: TemplateStore = field(init=False)
    _languages: frozenset[str] = frozenset()
    _languages_read: float = float("-inf")

    def __post_init__(self) -> None:
        self.templates = TemplateStore(self.database)

    async def lists(self, staff: StaffMember) -> tuple[str, int]:
        """Render the colleague's lists; return them and how many conversations wait (for anyone, or unread for them)."""
        now = self.desk.now()
        active = await self.desk.active()
        offers = offers_for(staff, active, await self.colleague_languages(), now)
        closed = await self.desk.recently_closed()
        unread = await self.desk.unread([handover.id for handover in active], staff)
        html = pages.inbox(offers, closed, self.content, now, self.desk.retention, unread)
        return html, _waits(offers, unread)

    async def waiting(self, staff: StaffMember) -> int:
        """Count what waits for the colleague: conversations nobody has taken, and their own with something unread."""
        active = await self.desk.active()
        offers = offers_for(staff, active, await self.colleague_languages(), self.desk.now())
        return _waits(offers, await self.desk.unread([handover.id for handover in active], staff))

    async def colleagues(self) -> list[StaffMember]:
        """Return every colleague with a staff account of the inbox, by name."""
        async with self.database.sessions() as session:
            accounts = await session.scalars(select(Account).order_by(Account.display_name, Account.id))
            return [
                StaffMember(f"account:{account.id}", account.display_name, frozenset(account.language_list))
                for account in accounts
                if account.has_role("staff")
            ]

    async def colleague(self, key: str) -> StaffMember | None:
        """Return the colleague with the inbox key `key` ("account:<id>"), if there is one."""
        return next((member for member in await self.colleagues() if member.key == key), None)

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


def _waits(offers: list[Offer], unread: set[int]) -> int:
    return sum(
        1
        for offer in offers
        if offer.section is Section.WAITING or (offer.section is Section.MINE and offer.handover.id in unread)
    )


STAFF_INBOX = web.AppKey("staff_inbox", StaffInbox)


def inbox_of(request: web.Request) -> StaffInbox:
    """Return the app's staff inbox; 503 where the app runs without one."""
    inbox = request.app.get(STAFF_INBOX)
    if inbox is None:
        raise web.HTTPServiceUnavailable(text="Der Posteingang ist nicht eingerichtet.")
    return inbox
