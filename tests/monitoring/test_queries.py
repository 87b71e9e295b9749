"""Reading a period gives the same counts as adding up its events, whole weeks and edge days alike."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actions.inquiries import Outcome
from monitoring.events import InquiryEvent, WaitEvent, start_of_hour, week_of
from monitoring.queries import Counts, Period, load_counts
from monitoring.store import add_counts, tally
from storage.db import Database

BERLIN = ZoneInfo("Europe/Berlin")


def random_events(seed: int, first: date, days: int, n: int) -> list[InquiryEvent]:
    rng = random.Random(seed)
    events = []
    for _ in range(n):
        at = datetime.combine(first, datetime.min.time(), BERLIN).astimezone(UTC) + timedelta(minutes=rng.randrange(days * 24 * 60))
        outcome = rng.choice(list(Outcome))
        events.append(
            InquiryEvent(
                hour=start_of_hour(at),
                topic=rng.choice(["office_hours", "courses", ""]),
                language=rng.choice(["uk", "ar", "fr", ""]),
                channel=rng.choice(["telegram", "web"]),
                outcome=outcome,
                in_hours=rng.random() < 0.1,
            )
        )
    return events


def random_waits(seed: int, first: date, days: int, n: int) -> list[WaitEvent]:
    rng = random.Random(seed)
    start = datetime.combine(first, datetime.min.time(), BERLIN).astimezone(UTC)
    return [
        WaitEvent(
            start_of_hour(start + timedelta(minutes=rng.randrange(days * 24 * 60))),
            rng.choice(["uk", "ar"]),
            rng.choice(["telegram", "web"]),
            rng.choice(["lt5m", "1to4h", "gt24h"]),
        )
        for _ in range(n)
    ]


def expected(events: list[InquiryEvent], waits: list[WaitEvent], period: Period) -> Counts:
    counts = Counts()
    for w in waits:
        if period.first <= w.hour.astimezone(BERLIN).date() <= period.last:
            counts.waits[(w.language, w.channel, w.waited)] += 1
    for e in events:
        local = e.hour.astimezone(BERLIN)
        if not period.first <= local.date() <= period.last:
            continue
        week = week_of(local.date())
        counts.topics[(week, e.topic, e.language, e.channel)] += 1
        counts.needs[(e.topic, e.language, e.channel, e.outcome.value, e.in_hours)] += 1
        counts.outcomes[(week, e.language, e.channel, e.outcome.value)] += 1
        counts.clock[(local.weekday(), local.hour, e.language, e.channel)] += 1
    return counts


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2026, 3, 1), date(2026, 3, 31)),  # a month across the spring clock change
        (date(2026, 3, 2), date(2026, 3, 29)),  # exactly four whole weeks
        (date(2026, 3, 4), date(2026, 3, 6)),  # days inside one week
        (date(2026, 2, 15), date(2026, 4, 30)),  # everything
        (date(2026, 3, 29), date(2026, 3, 29)),  # the 23-hour day
    ],
)
async def test_counts_of_a_period_add_up(database: Database, first: date, last: date) -> None:
    events = random_events(1, date(2026, 2, 20), 60, 1200)
    waits = random_waits(2, date(2026, 2, 20), 60, 200)
    await add_counts(database, tally(Counter([*events, *waits])))
    period = Period(first, last)
    counts = await load_counts(database, period)
    want = expected(events, waits, period)
    assert +counts.topics == +want.topics
    assert +counts.needs == +want.needs
    assert +counts.outcomes == +want.outcomes
    assert +counts.clock == +want.clock
    assert +counts.waits == +want.waits


def test_a_period_lists_the_weeks_it_touches() -> None:
    weeks = Period(date(2026, 3, 1), date(2026, 3, 31)).weeks()
    assert weeks[0] == date(2026, 2, 23) and weeks[-1] == date(2026, 3, 30) and len(weeks) == 6
    with pytest.raises(ValueError):
        Period(date(2026, 3, 2), date(2026, 3, 1))
