"""A colleague counts as present only while available by choice, with an inbox page open, and active."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from accounts.presence import IDLE_AFTER, SILENT_AFTER, OfficeNow, Presence
from core.bus import LocalBus
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


class SharedBus(LocalBus):
    """The in-process bus standing in for Redis: every Presence on it plays another process."""

    shared = True


def test_over_a_shared_bus_every_process_sees_who_is_present_on_any() -> None:
    clock, bus = Clock(), SharedBus()
    a, b = Presence(clock, bus=bus), Presence(clock, bus=bus)
    b.page_opened(OLGA, UK_RU)  # Olga's inbox is open on process b
    assert a.available(OLGA) and a.present() == (frozenset(UK_RU),)
    b.choose(OLGA, UK_RU, available=False)
    assert not a.available(OLGA) and a.chose_away(OLGA) and a.present() == ()
    b.choose(OLGA, UK_RU, available=True)
    assert a.available(OLGA)
    # A choice made on a, where no page of hers is open, holds for her page on b too.
    a.choose(OLGA, UK_RU, available=False)
    assert not b.available(OLGA) and b.chose_away(OLGA)
    a.choose(OLGA, UK_RU, available=True)
    b.page_closed(OLGA)
    assert not a.available(OLGA), "her last page anywhere closed"


def test_pages_on_several_processes_add_up_and_logging_out_anywhere_ends_all() -> None:
    clock, bus = Clock(), SharedBus()
    a, b = Presence(clock, bus=bus), Presence(clock, bus=bus)
    a.page_opened(OLGA, UK_RU)
    b.page_opened(OLGA, UK_RU)
    a.page_closed(OLGA)
    assert a.available(OLGA) and b.available(OLGA), "her page on b is still open"
    # Active on b only: a counts the activity there.
    clock.now += IDLE_AFTER - timedelta(seconds=1)
    b.active(OLGA, UK_RU)
    clock.now += timedelta(seconds=2)
    assert a.available(OLGA)
    a.logged_out(OLGA)
    assert not a.available(OLGA) and not b.available(OLGA)


async def test_a_process_that_stops_or_dies_takes_its_colleagues_along_and_a_new_one_learns_at_once() -> None:
    clock, bus = Clock(), SharedBus()
    a, b = Presence(clock, bus=bus), Presence(clock, bus=bus)
    async with a.running(every=3600), b.running(every=3600):
        b.page_opened(OLGA, UK_RU)
        b.choose(OLGA, UK_RU, available=True)
        late = Presence(clock, bus=bus)
        async with late.running(every=3600):
            assert late.available(OLGA), "a starting process asks, the others answer at once"
        assert a.available(OLGA)
    # b stopped (its "bye"): nobody counts its pages any more.
    assert not a.available(OLGA)
    c = Presence(clock, bus=bus)
    c.page_opened(OLGA, UK_RU)
    assert a.available(OLGA)
    # c is killed: no "bye", no more announcements; what it said is forgotten after a while.
    c._bus = None  # noqa: SLF001 - a dead process says nothing more
    clock.now += SILENT_AFTER - timedelta(seconds=1)
    assert a.available(OLGA)
    clock.now += timedelta(seconds=2)
    assert not a.available(OLGA)


def test_without_a_shared_bus_presence_stays_in_the_process() -> None:
    clock, bus = Clock(), LocalBus()
    a, b = Presence(clock, bus=bus), Presence(clock, bus=bus)
    b.page_opened(OLGA, UK_RU)
    assert b.available(OLGA) and not a.available(OLGA)
