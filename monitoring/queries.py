"""Read the counts and cell keys of a period: whole weeks from the weekly roll-ups, the days around
them from the hourly table (with the roll-ups' rules: see monitoring/tables.py)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from actions.inquiries import Outcome
from monitoring.cellkey import KEY_MODULUS
from monitoring.events import BERLIN, week_of
from monitoring.kinds import NOT_INQUIRIES
from monitoring.tables import (
    HourlyInquiries,
    HourlyWaits,
    WeeklyClock,
    WeeklyNeeds,
    WeeklyOutcomes,
    WeeklyTopics,
)
from storage.db import Database

# Keys of each kind of count, in this order.
TOPICS = ("week", "topic", "language", "channel")
NEEDS = ("topic", "language", "channel", "outcome", "in_hours")
OUTCOMES = ("week", "language", "channel", "outcome")
CLOCK = ("weekday", "hour", "language", "channel", "in_hours")
WAITS = ("language", "channel", "waited")


@dataclass(frozen=True)
class Period:
    """Whole local days from `first` to `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the period ends before it starts")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def year_before(self) -> Period:
        """Return the same days one year earlier (29 February becomes the 28th)."""
        return Period(_year_before(self.first), _year_before(self.last))

    def weeks(self) -> list[date]:
        """Return the Mondays of every week that has a day in the period."""
        return [week_of(self.first) + timedelta(days=7 * n) for n in range((week_of(self.last) - week_of(self.first)).days // 7 + 1)]


def _year_before(day: date) -> date:
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


@dataclass
class Cells:
    """Counts and cell keys of one kind of count, by key tuple.

    Keys are kept as plain sums (Python integers do not overflow); they count modulo 2^32 when used.
    """

    counts: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    keys: Counter[tuple[Any, ...]] = field(default_factory=Counter)

    def add(self, key: tuple[Any, ...], count: int, cell_key: int) -> None:
        """Add a row's count and cell key."""
        self.counts[key] += count
        self.keys[key] += cell_key

    def key(self, key: tuple[Any, ...]) -> int:
        """Return the cell key of a key tuple (modulo 2^32)."""
        return self.keys[key] % KEY_MODULUS


@dataclass
class Counts:
    """Counts of a period, keyed by TOPICS, NEEDS, OUTCOMES, CLOCK and (handover waits) WAITS."""

    topics: Cells = field(default_factory=Cells)
    needs: Cells = field(default_factory=Cells)
    outcomes: Cells = field(default_factory=Cells)
    clock: Cells = field(default_factory=Cells)
    waits: Cells = field(default_factory=Cells)


@dataclass(frozen=True)
class _Edge:
    """Days of one week at the edge of a period, read from the hourly table."""

    week: date
    start: datetime
    end: datetime


async def load_counts(database: Database, period: Period, zone: ZoneInfo = BERLIN) -> Counts:
    """Read every count of the period, summed over the keys the dashboard and the reports need."""
    whole, edges = _split(period, zone)
    counts = Counts()
    reads: list[Awaitable[None]] = []
    if whole is not None:
        first, last = whole
        reads += [
            _add(database, counts.topics, _weekly(WeeklyTopics, TOPICS, first, last)),
            _add(database, counts.needs, _weekly(WeeklyNeeds, NEEDS, first, last)),
            _add(database, counts.outcomes, _weekly(WeeklyOutcomes, OUTCOMES, first, last)),
            _add(database, counts.clock, _weekly(WeeklyClock, CLOCK, first, last)),
        ]
    w = HourlyWaits
    waits = (w.language, w.channel, w.waited)
    reads.append(
        _add(
            database,
            counts.waits,
            select(*waits, func.sum(w.count), func.sum(w.cell_key))
            .where(w.hour >= _instant(period.first, zone), w.hour < _instant(period.last + timedelta(days=1), zone))
            .group_by(*waits),
        )
    )
    reads += [_read_edge(database, edge, counts, zone) for edge in edges]
    # Each read has its own session and connection, so the database works on them side by side.
    await asyncio.gather(*reads)
    return counts


async def _add(database: Database, target: Cells, statement: Any) -> None:
    async with database.sessions() as session:
        for *key, n, cell_key in await session.execute(statement):
            target.add(tuple(key), int(n), int(cell_key))


def _split(period: Period, zone: ZoneInfo) -> tuple[tuple[date, date] | None, list[_Edge]]:
    """Split a period into whole weeks and the days before and after them."""
    first_whole = week_of(period.first + timedelta(days=6))
    last_whole = week_of(period.last + timedelta(days=1)) - timedelta(days=7)
    if first_whole > last_whole:
        return None, list(_edges(period.first, period.last, zone))
    edges: list[_Edge] = []
    if period.first < first_whole:
        edges += _edges(period.first, first_whole - timedelta(days=1), zone)
    if last_whole + timedelta(days=6) < period.last:
        edges += _edges(last_whole + timedelta(days=7), period.last, zone)
    return (first_whole, last_whole), edges


def _edges(first: date, last: date, zone: ZoneInfo) -> Iterator[_Edge]:
    day = first
    while day <= last:
        end = min(last, week_of(day) + timedelta(days=6))
        yield _Edge(week_of(day), _instant(day, zone), _instant(end + timedelta(days=1), zone))
        day = end + timedelta(days=1)


def _instant(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _weekly(model: Any, keys: tuple[str, ...], first: date, last: date) -> Select[Any]:
    columns = [getattr(model, key) for key in keys]
    return (
        select(*columns, func.sum(model.count), func.sum(model.cell_key))
        .where(model.week >= first, model.week <= last)
        .group_by(*columns)
    )


async def _read_edge(database: Database, edge: _Edge, counts: Counts, zone: ZoneInfo) -> None:
    h = HourlyInquiries
    in_edge = (h.hour >= edge.start, h.hour < edge.end)
    # The roll-ups by topic keep only what the assistant handled; the clock only inquiries.
    by_assistant = (*in_edge, h.outcome != Outcome.HANDED_OVER.value)
    total, keys = func.sum(h.count), func.sum(h.cell_key)
    async with database.sessions() as session:
        for topic, language, channel, n, key in await session.execute(
            select(h.topic, h.language, h.channel, total, keys).where(*by_assistant).group_by(h.topic, h.language, h.channel)
        ):
            counts.topics.add((edge.week, topic, language, channel), int(n), int(key))
        for topic, language, channel, outcome, in_hours, n, key in await session.execute(
            select(h.topic, h.language, h.channel, h.outcome, h.in_hours, total, keys)
            .where(*by_assistant)
            .group_by(h.topic, h.language, h.channel, h.outcome, h.in_hours)
        ):
            counts.needs.add((topic, language, channel, outcome, bool(in_hours)), int(n), int(key))
        for language, channel, outcome, n, key in await session.execute(
            select(h.language, h.channel, h.outcome, total, keys).where(*in_edge).group_by(h.language, h.channel, h.outcome)
        ):
            counts.outcomes.add((edge.week, language, channel, outcome), int(n), int(key))
        for hour, language, channel, in_hours, n, key in await session.execute(
            select(h.hour, h.language, h.channel, h.in_hours, total, keys)
            .where(*by_assistant, h.topic.not_in(sorted(NOT_INQUIRIES)))
            .group_by(h.hour, h.language, h.channel, h.in_hours)
        ):
            local = hour.astimezone(zone)
            counts.clock.add((local.weekday(), local.hour, language, channel, bool(in_hours)), int(n), int(key))
