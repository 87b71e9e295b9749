"""Reading a period gives the same counts and cell keys as adding up its events, whole weeks and edge
days alike, with the roll-ups' rules (no relayed messages by topic, only inquiries in the clock)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actions.inquiries import Outcome
from monitoring.cellkey import KEY_MODULUS
from monitoring.events import InquiryEvent, WaitEvent, start_of_hour, week_of
from monitoring.kinds import handled_by_assistant, is_inquiry
from monitoring.queries import Counts, Period, load_counts
from monitoring.store import Counted, add_counts, tally
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
                topic=rng.choice(["office_hours", "courses", "", "greeting", "referral"]),
                language=rng.choice(["uk", "ar", "fr", ""]),
                channel=rng.choice(["telegram", "web", "console"]),
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


def keyed(events: list[InquiryEvent] | list[WaitEvent], seed: int) -> list[Counted]:
    """Give every event a random record key, as the recorder does."""
    rng = random.Random(seed)
    return [(event, 1, rng.randrange(KEY_MODULUS)) for event in events]


def expected(events: list[Counted], period: Period) -> Counts:
    counts = Counts()
    for event, n, key in events:
        if isinstance(event, WaitEvent):
            if period.first <= event.hour.astimezone(BERLIN).date() <= period.last:
                counts.waits.add((event.language, event.channel, event.waited), n, key)
            continue
        local = event.hour.astimezone(BERLIN)
        if not period.first <= local.date() <= period.last:
            continue
        week = week_of(local.date())
        outcome = event.outcome.value
        counts.outcomes.add((week, event.language, event.channel, outcome), n, key)
        if not handled_by_assistant(outcome):
            continue
        counts.topics.add((week, event.topic, event.language, event.channel), n, key)
        counts.needs.add((event.topic, event.language, event.channel, outcome, event.in_hours), n, key)
        if is_inquiry(event.topic):
            counts.clock.add((local.weekday(), local.hour, event.language, event.channel, event.in_hours), n, key)
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
    events = [*keyed(random_events(1, date(2026, 2, 20), 60, 1200), 3), *keyed(random_waits(2, date(2026, 2, 20), 60, 200), 4)]
    await add_counts(database, tally(events))
    period = Period(first, last)
    counts = await load_counts(database, period)
    want = expected(events, period)
    for kind in ("topics", "needs", "outcomes", "clock", "waits"):
        got, wanted = getattr(counts, kind), getattr(want, kind)
        assert +got.counts == +wanted.counts, kind
        # The same events give the same cell key, however they were read (weeks or hours).
        assert {k: got.key(k) for k in +got.counts} == {k: wanted.key(k) for k in +wanted.counts}, kind


def test_a_period_lists_the_weeks_it_touches() -> None:
    weeks = Period(date(2026, 3, 1), date(2026, 3, 31)).weeks()
    assert weeks[0] == date(2026, 2, 23) and weeks[-1] == date(2026, 3, 30) and len(weeks) == 6
    with pytest.raises(ValueError):
        Period(date(2026, 3, 2), date(2026, 3, 1))
