"""A colleague counts as present only while available by choice, with an inbox page open, and active."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from accounts.presence import IDLE_AFTER, OfficeNow, Presence
from core.availability import FixedOffice, OfficeState

OLGA = "account:1"
UK_RU = ("uk", "ru")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 11, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    def __call__(self) -> datetime:
        return self.now


def test_an_open_inbox_page_makes_a_colleague_present_with_their_languages() -> None:
    presence = Presence(Clock())
    assert presence.present() == ()
    presence.page_opened(OLGA, UK_RU)
    assert presence.available(OLGA) and presence.present() == (frozenset(UK_RU),)


def test_inactivity_turns_a_colleague_away_and_activity_back() -> None:
    clock = Clock()
    presence = Presence(clock)
    presence.page_opened(OLGA, UK_RU)
    clock.now += IDLE_AFTER - timedelta(seconds=1)
    assert presence.available(OLGA)
    clock.now += timedelta(seconds=1)
    assert not presence.available(OLGA) and presence.present() == ()
    presence.active(OLGA, UK_RU)
    assert presence.available(OLGA)


def test_a_colleague_who_chose_away_stays_away_while_active() -> None:
    presence = Presence(Clock())
    presence.page_opened(OLGA, UK_RU)
    presence.choose(OLGA, UK_RU, available=False)
    presence.active(OLGA, UK_RU)
    assert not presence.available(OLGA) and presence.chose_away(OLGA)
    presence.choose(OLGA, UK_RU, available=True)
    assert presence.available(OLGA)


def test_closing_the_last_page_or_logging_out_means_away() -> None:
    presence = Presence(Clock())
    presence.page_opened(OLGA, UK_RU)
    presence.page_opened(OLGA, UK_RU)  # two tabs
    presence.page_closed(OLGA)
    assert presence.available(OLGA)
    presence.page_closed(OLGA)
    assert not presence.available(OLGA)
    presence.page_opened(OLGA, UK_RU)
    presence.logged_out(OLGA)
    assert not presence.available(OLGA) and presence.present() == ()


def test_activity_without_an_open_page_is_not_presence() -> None:
    presence = Presence(Clock())
    presence.active(OLGA, UK_RU)
    assert not presence.available(OLGA)


def test_the_office_now_joins_the_calendar_and_who_is_present() -> None:
    presence = Presence(Clock())
    presence.page_opened(OLGA, UK_RU)
    office = OfficeNow(FixedOffice(OfficeState()), presence)
    assert office.current().present == (frozenset(UK_RU),)
