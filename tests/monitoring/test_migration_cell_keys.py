"""Migration 0004 on a database with counts from before it: every row gets a random cell key, the
roll-ups are rebuilt from the hourly table under the new rules, and reading any period gives the
same counts and keys whether it comes from weeks or hours."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from monitoring.queries import Cells, Period, load_counts
from storage.db import connect
from storage.migrate import upgrade
from tests.storage.databases import fresh_database_url

OUTCOMES = ("answered", "clarified", "not_understood", "handover_requested", "handed_over")


def old_rows(seed: int) -> list[dict[str, object]]:
    """Hourly rows as the recorder wrote them before migration 0004 (no keys)."""
    rng = random.Random(seed)
    rows: dict[tuple[object, ...], int] = {}
    start = datetime(2026, 2, 20, tzinfo=UTC)
    for _ in range(600):
        hour = start + timedelta(hours=rng.randrange(50 * 24))
        outcome = rng.choice(OUTCOMES)
        key = (hour, "" if outcome == "handed_over" else rng.choice(["office_hours", "greeting", "courses"]), rng.choice(["uk", "ar"]), rng.choice(["telegram", "web"]), outcome, rng.random() < 0.2)
        rows[key] = rows.get(key, 0) + 1
    names = ("hour", "topic", "language", "channel", "outcome", "in_hours")
    return [{**dict(zip(names, key, strict=True)), "count": n} for key, n in rows.items()]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_counts_from_before_get_keys_and_consistent_roll_ups(kind: str, tmp_path: Path) -> None:
    rows = old_rows(3)
    async with fresh_database_url(kind, tmp_path) as url:
        database = connect(url)
        try:
            await upgrade(database, "0003")
            async with database.engine.begin() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO inquiry_hourly (hour, topic, language, channel, outcome, in_hours, count) "
                        "VALUES (:hour, :topic, :language, :channel, :outcome, :in_hours, :count)"
                    ),
                    rows,
                )
                await connection.execute(
                    text("INSERT INTO inquiry_weekly_clock (week, weekday, hour, language, channel, count) VALUES ('2026-02-16', 0, 0, 'uk', 'web', 99)")
                )
                await connection.execute(
                    text("INSERT INTO inquiry_handover_waits (hour, language, channel, waited, count) VALUES (:hour, 'uk', 'web', 'lt5m', 2)"),
                    {"hour": datetime(2026, 3, 3, 9, tzinfo=UTC)},
                )
            await upgrade(database)
            async with database.engine.connect() as connection:
                keys = (await connection.execute(text("SELECT cell_key FROM inquiry_hourly"))).scalars().all()
                clock = (await connection.execute(text("SELECT sum(count) FROM inquiry_weekly_clock"))).scalar_one()
                waits = (await connection.execute(text("SELECT count, cell_key FROM inquiry_handover_waits"))).one()
            assert len(keys) == len(rows) and len(set(keys)) > len(rows) * 0.99  # random, hardly ever equal
            assert waits[0] == 2 and waits[1] != 0
            # The clock was rebuilt: only inquiries the assistant handled, not the stale row of 99.
            assert clock == sum(r["count"] for r in rows if r["topic"] in ("office_hours", "courses") and r["outcome"] != "handed_over")  # type: ignore[misc]
            # Whole weeks (roll-ups) and single days (hourly) agree, counts and keys alike.
            whole = await load_counts(database, Period(date(2026, 2, 23), date(2026, 4, 5)))
            by_days = Cells()
            for first in (date(2026, 2, 23) + timedelta(days=7 * w) for w in range(6)):
                week = await load_counts(database, Period(first, first + timedelta(days=2)))
                rest = await load_counts(database, Period(first + timedelta(days=3), first + timedelta(days=6)))
                for part in (week, rest):
                    for key, n in part.topics.counts.items():
                        by_days.add(key, n, part.topics.keys[key])
            assert +whole.topics.counts == +by_days.counts
            assert {k: whole.topics.key(k) for k in +whole.topics.counts} == {k: by_days.key(k) for k in +by_days.counts}
        finally:
            await database.close()
