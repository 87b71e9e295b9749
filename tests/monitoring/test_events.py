"""An event keeps the local hour (DST-safe), codes only, and whether the office was open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actions.inquiries import HandledMessage, HandoverWait, Outcome
from core.schedule import OfficeSchedule
from monitoring.events import (
    WaitEvent,
    inquiry_event,
    start_of_hour,
    wait_class,
    wait_event,
)

BERLIN = ZoneInfo("Europe/Berlin")


def handled(at: datetime, **changes: object) -> HandledMessage:
    values: dict[str, object] = {"at": at, "channel": "telegram", "topic": "office_hours", "language": "uk", "outcome": Outcome.ANSWERED}
    values.update(changes)
    return HandledMessage(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("at", "hour"),
    [
        # An ordinary winter evening: 21:40 CET is the hour from 21:00 CET.
        (datetime(2026, 11, 22, 21, 40, 13, tzinfo=BERLIN), datetime(2026, 11, 22, 20, 0, tzinfo=UTC)),
        # Spring forward (29 March 2026): 01:59 CET and 03:00 CEST follow each other.
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # Fall back (25 October 2026): the hour 02:00–03:00 happens twice and stays two hours.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC)),
        # A time given in another zone is truncated in Berlin time.
        (datetime(2026, 7, 1, 9, 15, tzinfo=ZoneInfo("Asia/Kolkata")), datetime(2026, 7, 1, 3, 0, tzinfo=UTC)),
    ],
)
def test_time_is_truncated_to_the_berlin_hour(at: datetime, hour: datetime) -> None:
    assert start_of_hour(at, BERLIN) == hour


def test_both_autumn_hours_read_as_two_in_the_morning_locally() -> None:
    first = start_of_hour(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)).astimezone(BERLIN)
    second = start_of_hour(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)).astimezone(BERLIN)
    assert (first.hour, second.hour) == (2, 2) and first.utcoffset() != second.utcoffset()


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        start_of_hour(datetime(2026, 1, 1, 12, 0))


@pytest.mark.parametrize(
    ("local", "open_now"),
    [
        (datetime(2026, 11, 24, 10, 30), True),  # Tuesday consultation hours
        (datetime(2026, 11, 24, 15, 0), True),  # Tuesday, Ukrainian-speaking team
        (datetime(2026, 11, 24, 16, 0), False),  # Tuesday, just after
        (datetime(2026, 11, 26, 16, 59), True),  # Thursday
        (datetime(2026, 11, 22, 21, 40), False),  # Sunday evening
        (datetime(2026, 5, 14, 15, 0), False),  # Thursday, but Ascension Day
    ],
)
def test_in_hours_follows_the_office_hours_and_holidays(office_hours: OfficeSchedule, local: datetime, open_now: bool) -> None:
    event = inquiry_event(handled(local.replace(tzinfo=BERLIN)), office_hours)
    assert event.in_hours is open_now


def test_only_codes_are_kept(office_hours: OfficeSchedule) -> None:
    at = datetime(2026, 11, 22, 21, 40, tzinfo=BERLIN)
    event = inquiry_event(handled(at, topic="Olena Kovalenko +49 151 2345678", language="Ukrainian!", channel="tg:12345"), office_hours)
    assert (event.topic, event.language, event.channel) == ("other", "und", "other")
    empty = inquiry_event(handled(at, topic=None, language=None), office_hours)
    assert (empty.topic, empty.language) == ("", "")


def test_a_handover_wait_is_kept_only_as_a_class() -> None:
    wait = HandoverWait(datetime(2026, 11, 24, 10, 37, 12, tzinfo=BERLIN), "telegram", "uk", 7 * 60 + 13)
    event = wait_event(wait)
    assert event == WaitEvent(datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "uk", "telegram", "5to15m")
    assert [wait_class(timedelta(minutes=m)) for m in (0, 59, 61, 300, 3000)] == ["lt5m", "15to60m", "1to4h", "4to24h", "gt24h"]
    assert wait_class(None) == "unknown"
