"""Opening hours are a pure function of a moment and a schedule."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.availability import public_holidays
from core.schedule import OfficeSchedule, OpeningSlot, parse_closed_days, parse_slot

BERLIN = ZoneInfo("Europe/Berlin")


def consultation(extra_closed: frozenset[date] = frozenset()) -> OfficeSchedule:
    return OfficeSchedule(
        "consultation",
        (OpeningSlot(1, time(10), time(12)), OpeningSlot(3, time(14), time(17))),
        BERLIN,
        lambda day: day in extra_closed or day in public_holidays("DE", "NI", day.year),
    )


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_open_during_tuesday_morning_until_noon() -> None:
    status = consultation().status(at(2026, 11, 24, 10, 30))  # a Tuesday
    assert status.open_now
    assert status.until == at(2026, 11, 24, 12, 0)
    assert status.next_opening == at(2026, 11, 26, 14, 0)


def test_closed_on_sunday_evening_next_is_tuesday_ten() -> None:
    status = consultation().status(at(2026, 11, 22, 21, 40))  # Olena's Sunday evening
    assert not status.open_now
    assert status.next_opening == at(2026, 11, 24, 10, 0)


def test_end_of_slot_is_exclusive() -> None:
    status = consultation().status(at(2026, 11, 24, 12, 0))
    assert not status.open_now
    assert status.next_opening == at(2026, 11, 26, 14, 0)


def test_lower_saxony_holiday_closes_the_office() -> None:
    # Reformation Day (31 Oct) is a public holiday in Lower Saxony; in 2028 it is a Tuesday.
    status = consultation().status(at(2028, 10, 31, 10, 30))
    assert not status.open_now
    assert status.next_opening == at(2028, 11, 2, 14, 0)


def test_christmas_closure_skips_to_the_new_year() -> None:
    closed = parse_closed_days([{"from": "2026-12-21", "to": "2027-01-03"}])
    status = consultation(closed).status(at(2026, 12, 22, 10, 30))
    assert not status.open_now
    assert status.next_opening == at(2027, 1, 5, 10, 0)


def test_utc_input_is_read_in_berlin_time() -> None:
    # 09:30 UTC on a winter Tuesday is 10:30 in Berlin.
    status = consultation().status(datetime(2026, 11, 24, 9, 30, tzinfo=ZoneInfo("UTC")))
    assert status.open_now


def test_summer_time_is_respected() -> None:
    # 08:30 UTC in June is 10:30 CEST; 07:30 UTC is 09:30 and still closed.
    assert consultation().status(datetime(2026, 6, 2, 8, 30, tzinfo=ZoneInfo("UTC"))).open_now
    assert not consultation().status(datetime(2026, 6, 2, 7, 30, tzinfo=ZoneInfo("UTC"))).open_now


def test_parse_slot_rejects_inverted_times() -> None:
    with pytest.raises(ValueError):
        parse_slot({"weekday": "tuesday", "start": "12:00", "end": "10:00"})
    assert parse_slot({"weekday": "Thursday", "start": "14:00", "end": "17:00"}) == OpeningSlot(3, time(14), time(17))
