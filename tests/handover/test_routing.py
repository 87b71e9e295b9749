"""Who sees which conversation first: their own, their languages, and uk/ru for the Ukraine team first."""

from __future__ import annotations

from datetime import timedelta

from core.messages import ConversationKey
from handover.models import HandoverStatus
from handover.routing import Section, offers_for
from handover.views import HandoverView, StaffMember
from tests.handover.conftest import THURSDAY_AFTERNOON

NOW = THURSDAY_AFTERNOON
OLGA = StaffMember("account:1", "Olga", frozenset({"uk", "ru", "de"}))
JONAS = StaffMember("account:2", "Jonas", frozenset({"de", "en"}))
TEAM = frozenset({"uk", "ru", "de", "en"})


def handover(number: int, language: str, minutes_ago: int, claimed_by: StaffMember | None = None) -> HandoverView:
    since = NOW - timedelta(minutes=minutes_ago)
    return HandoverView(
        id=number, conversation=ConversationKey("telegram", str(number)), first_name=f"P{number}", language=language,
        topic=None, reason="requested", status=HandoverStatus.OPEN if claimed_by else HandoverStatus.WAITING,
        claimed_by=claimed_by.key if claimed_by else None, claimed_by_name=claimed_by.name if claimed_by else None,
        created_at=since, waiting_since=since, first_answered_at=None, last_activity_at=since, closed_at=None,
        closed_by=None, staff_thread_id=None,
    )


ARABIC_OLDEST = handover(1, "ar", 30)
UKRAINIAN_NEW = handover(2, "uk", 3)
RUSSIAN_OLD = handover(3, "ru", 25)
MINE = handover(4, "de", 1, claimed_by=JONAS)
OLGAS = handover(5, "tr", 50, claimed_by=OLGA)
ALL = [ARABIC_OLDEST, UKRAINIAN_NEW, RUSSIAN_OLD, MINE, OLGAS]


def test_uk_and_ru_come_first_for_colleagues_who_speak_them() -> None:
    order = [(offer.handover.id, offer.section) for offer in offers_for(OLGA, ALL, TEAM, NOW)]
    assert order == [(5, Section.MINE), (3, Section.WAITING), (2, Section.WAITING), (1, Section.WAITING), (4, Section.COLLEAGUES)]


def test_others_see_fresh_uk_and_ru_conversations_last_and_marked_then_like_any_other() -> None:
    offers = offers_for(JONAS, ALL, TEAM, NOW)
    assert [offer.handover.id for offer in offers] == [4, 1, 3, 2, 5]
    reserved = {offer.handover.id for offer in offers if offer.for_language_colleagues}
    assert reserved == {2}, "the Ukrainian one is a few minutes old; the Russian one has waited long enough"


def test_nobody_waits_for_a_language_no_colleague_speaks() -> None:
    offers = offers_for(JONAS, [UKRAINIAN_NEW], frozenset({"de", "en"}), NOW)
    assert not offers[0].for_language_colleagues
