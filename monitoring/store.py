"""Add counted events and their cell keys to the hourly table and the weekly roll-ups in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert

from monitoring.cellkey import KEY_MODULUS
from monitoring.events import BERLIN, InquiryEvent, WaitEvent, week_of
from monitoring.kinds import handled_by_assistant, is_inquiry
from monitoring.tables import (
    HourlyInquiries,
    HourlyWaits,
    WeeklyClock,
    WeeklyNeeds,
    WeeklyOutcomes,
    WeeklyTopics,
)
from storage.db import Base, Database, dialect_insert

# What one row gains: how many events, and the sum of their record keys (modulo 2^32).
Gain = list[int]
Tallies = dict[type[Base], dict[tuple[Any, ...], Gain]]
# Events of one kind: how many, and the sum of their record keys.
Counted = tuple[InquiryEvent | WaitEvent, int, int]

# Rows per INSERT: well below SQLite's limit on bound parameters.
_CHUNK = 500


def tally(events: Iterable[Counted], zone: ZoneInfo = BERLIN) -> Tallies:
    """Count events per key of every table: what the tables must gain (count and key) for these events."""
    tallies: Tallies = {model: {} for model in (HourlyInquiries, WeeklyTopics, WeeklyNeeds, WeeklyOutcomes, WeeklyClock, HourlyWaits)}

    def gain(model: type[Base], key: tuple[Any, ...], n: int, cell_key: int) -> None:
        row = tallies[model].setdefault(key, [0, 0])
        row[0] += n
        row[1] = (row[1] + cell_key) % KEY_MODULUS

    for event, n, cell_key in events:
        if isinstance(event, WaitEvent):
            gain(HourlyWaits, (event.hour, event.language, event.channel, event.waited), n, cell_key)
            continue
        local = event.hour.astimezone(zone)
        week = week_of(local.date())
        outcome = str(event.outcome)
        gain(HourlyInquiries, (event.hour, event.topic, event.language, event.channel, outcome, event.in_hours), n, cell_key)
        gain(WeeklyOutcomes, (week, event.language, event.channel, outcome), n, cell_key)
        if not handled_by_assistant(outcome):
            continue  # relayed to staff: counted as an outcome, not as a question on a topic
        gain(WeeklyTopics, (week, event.topic, event.language, event.channel), n, cell_key)
        gain(WeeklyNeeds, (week, event.topic, event.language, event.channel, outcome, event.in_hours), n, cell_key)
        if is_inquiry(event.topic):
            gain(WeeklyClock, (week, local.weekday(), local.hour, event.language, event.channel, event.in_hours), n, cell_key)
    return tallies


def key_columns(model: type[Base]) -> list[str]:
    table = _table(model)
    return [column.name for column in table.primary_key.columns]


def rows(model: type[Base], gains: Mapping[tuple[Any, ...], Gain]) -> Iterator[dict[str, Any]]:
    """Turn counted keys into row dictionaries for `model`."""
    names = key_columns(model)
    for key, (n, cell_key) in gains.items():
        row = dict(zip(names, key, strict=True))
        row["count"] = n
        row["cell_key"] = cell_key
        yield row


async def add_counts(database: Database, tallies: Tallies) -> None:
    """Add the tallies to the stored counts and keys (insert new rows, add to existing ones) atomically."""
    dialect = database.engine.dialect
    async with database.sessions() as session, session.begin():
        for model, gains in tallies.items():
            batch = list(rows(model, gains))
            for start in range(0, len(batch), _CHUNK):
                await session.execute(_upsert(model, dialect), batch[start : start + _CHUNK])


@cache
def _upsert(model: type[Base], dialect: Dialect) -> Insert:
    """The one statement adding rows to a table's counts; the rows go as parameters, so it is compiled once."""
    table = _table(model)
    insert = dialect_insert(table, dialect)
    added = {"count": table.c.count + insert.excluded.count, "cell_key": (table.c.cell_key + insert.excluded.cell_key) % KEY_MODULUS}
    return insert.on_conflict_do_update(index_elements=key_columns(model), set_=added)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table
