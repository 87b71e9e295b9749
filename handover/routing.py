"""Which conversations a colleague sees first: their own, then those in their languages, oldest first.

Ukrainian and Russian conversations are offered first to colleagues who list those languages: for a
few minutes, others see them marked and further down; after that, or if no colleague speaks the
language, everyone is offered them alike, so nobody waits for a language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

from core.availability import UKRAINE_TEAM_LANGUAGES
from handover.views import HandoverView, StaffMember

PRIORITY_WINDOW = timedelta(minutes=10)


class Section(IntEnum):
    """Where a conversation appears in a colleague's inbox, in this order."""

    MINE = 0
    WAITING = 1
    COLLEAGUES = 2


@dataclass(frozen=True)
class Offer:
    """A conversation as offered to one colleague."""

    handover: HandoverView
    section: Section
    speaks_language: bool
    # Waiting for a colleague who speaks its language (uk/ru), for a few minutes after it arrived.
    for_language_colleagues: bool


def offers_for(
    staff: StaffMember, handovers: Iterable[HandoverView], colleague_languages: frozenset[str], now: datetime
) -> list[Offer]:
    """Order the active handovers for `staff`."""
    offers = []
    for handover in handovers:
        if not handover.active:
            continue
        speaks = handover.language in staff.languages
        offers.append(
            Offer(
                handover,
                _section(handover, staff),
                speaks,
                not speaks and _reserved(handover, colleague_languages, now),
            )
        )
    return sorted(offers, key=_rank)


def _section(handover: HandoverView, staff: StaffMember) -> Section:
    if handover.claimed_by == staff.key:
        return Section.MINE
    return Section.WAITING if handover.claimed_by is None else Section.COLLEAGUES


def _reserved(handover: HandoverView, colleague_languages: frozenset[str], now: datetime) -> bool:
    return (
        handover.claimed_by is None
        and handover.language in UKRAINE_TEAM_LANGUAGES
        and handover.language in colleague_languages
        and now - handover.created_at < PRIORITY_WINDOW
    )


def _rank(offer: Offer) -> tuple[int, bool, bool, bool, datetime, int]:
    handover = offer.handover
    unanswered = handover.waiting_since is not None
    since = handover.waiting_since or handover.last_activity_at
    return (offer.section, offer.for_language_colleagues, not offer.speaks_language, not unanswered, since, handover.id)
