"""Add counted events to the hourly table and the weekly roll-ups in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert

from monitoring.events import BERLIN, InquiryEvent, WaitEvent, week_of
from monitoring.tables import (
    HourlyInquiries,
    HourlyWaits,
    WeeklyClock,
    WeeklyNeeds,
    WeeklyOutcomes,
    WeeklyTopics,
)
from storage.db import Base, Database, dialect_insert

Tallies = dict[type[Base], Counter[tuple[Any, ...]]]

# Rows per INSERT: well below SQLite's limit on bound parameters.
_CHUNK = 500


def tally(events: Iterable[InquiryEvent | WaitEvent] | Mapping[Any, int], zone: ZoneInfo = BERLIN) -> Tallies:
    """Count events per key of every table: what the tables must gain for these events."""
    counted: Mapping[Any, int] = events if isinstance(events, Mapping) else Counter(events)
    tallies: Tallies = {
        model: Counter() for model in (HourlyInquiries, WeeklyTopics, WeeklyNeeds, WeeklyOutcomes, WeeklyClock, HourlyWaits)
    }
    for event, n in counted.items():
        if isinstance(event, WaitEvent):
            tallies[HourlyWaits][(event.hour, event.language, event.channel, event.waited)] += n
            continue
        local = event.hour.astimezone(zone)
        week = week_of(local.date())
        outcome = str(event.outcome)
        tallies[HourlyInquiries][(event.hour, event.topic, event.language, event.channel, outcome, event.in_hours)] += n
        tallies[WeeklyTopics][(week, event.topic, event.language, event.channel)] += n
        tallies[WeeklyNeeds][(week, event.topic, event.language, event.channel, outcome, event.in_hours)] += n
        tallies[WeeklyOutcomes][(week, event.language, event.channel, outcome)] += n
        tallies[WeeklyClock][(week, local.weekday(), local.hour, event.language, event.channel)] += n
    return tallies


def key_columns(model: type[Base]) -> list[str]:
    table = _table(model)
    return [column.name for column in table.primary_key.columns]


def rows(model: type[Base], counts: Mapping[tuple[Any, ...], int]) -> Iterator[dict[str, Any]]:
    """Turn counted keys into row dictionaries for `model`."""
    names = key_columns(model)
    for key, n in counts.items():
        row = dict(zip(names, key, strict=True))
        row["count"] = n
        yield row


async def add_counts(database: Database, tallies: Tallies) -> None:
    """Add the tallies to the stored counts (insert new keys, increase existing ones) atomically."""
    dialect = database.engine.dialect
    async with database.sessions() as session, session.begin():
        for model, counts in tallies.items():
            batch = list(rows(model, counts))
            if not batch:
                continue
            for start in range(0, len(batch), _CHUNK):
                await session.execute(_upsert(model, dialect, batch[start : start + _CHUNK]))


def _upsert(model: type[Base], dialect: Dialect, batch: list[dict[str, Any]]) -> Insert:
    table = _table(model)
    insert = dialect_insert(table, dialect).values(batch)
    return insert.on_conflict_do_update(index_elements=key_columns(model), set_={"count": table.c.count + insert.excluded.count})


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table
