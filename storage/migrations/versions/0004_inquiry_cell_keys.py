"""Inquiry counts get cell keys (for the cell key method); the weekly roll-ups by topic keep only what
the assistant handled itself, and the clock only inquiries, apart by office hours.

Rows counted before this migration have no record keys. Each hourly row gets a fresh random cell
key here: the sum of n independent uniform record keys modulo 2^32 is itself uniform and
independent of everything else, so this is exactly what recording would have given. The weekly
roll-ups are then rebuilt from the hourly table (counts and keys), under the new rules, so every
weekly key is the sum of its hours' keys, as the recorder keeps them. Handover waits get fresh
keys the same way. The rules are frozen here as they were when this migration was written.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NO_ROWID = {"sqlite_with_rowid": False}
_MODULUS = 1 << 32
_ZONE = ZoneInfo("Europe/Berlin")
_NOT_INQUIRIES = frozenset({"greeting", "thanks", "goodbye", "help", "bot_challenge", "out_of_scope"})
_RELAYED = "handed_over"
_TABLES = (
    "inquiry_hourly",
    "inquiry_handover_waits",
    "inquiry_weekly_topics",
    "inquiry_weekly_needs",
    "inquiry_weekly_outcomes",
    "inquiry_weekly_clock",
)
_BATCH = 5000


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _clock_table(in_hours: bool, schema: str | None) -> None:
    columns: list[Any] = [
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
    ]
    key = ["week", "weekday", "hour", "language", "channel"]
    if in_hours:
        columns.append(sa.Column("in_hours", sa.Boolean(), nullable=False))
        key.append("in_hours")
    columns.append(sa.Column("count", sa.Integer(), nullable=False))
    if in_hours:
        columns.append(sa.Column("cell_key", sa.BigInteger(), server_default="0", nullable=False))
    op.create_table("inquiry_weekly_clock", *columns, sa.PrimaryKeyConstraint(*key), schema=schema, **_NO_ROWID)


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    schema = op.get_context().version_table_schema
    for name in _TABLES[:-1]:
        if "cell_key" not in {column["name"] for column in inspector.get_columns(name, schema=schema)}:
            op.add_column(name, sa.Column("cell_key", sa.BigInteger(), server_default="0", nullable=False), schema=schema)
    clock = {column["name"] for column in inspector.get_columns("inquiry_weekly_clock", schema=schema)}
    if "in_hours" not in clock:
        # A new key column: the roll-up is rebuilt from the hourly table below anyway.
        op.drop_table("inquiry_weekly_clock", schema=schema)
        _clock_table(in_hours=True, schema=schema)
    _rekey_and_rebuild(bind, schema)


def downgrade() -> None:
    schema = op.get_context().version_table_schema
    op.drop_table("inquiry_weekly_clock", schema=schema)
    _clock_table(in_hours=False, schema=schema)
    for name in _TABLES[:-1]:
        with op.batch_alter_table(name, schema=schema) as batch:
            batch.drop_column("cell_key")
    _rebuild_old_clock(op.get_bind(), schema)


def _hourly(schema: str | None, with_key: bool = True) -> sa.TableClause:
    columns: list[sa.ColumnClause[Any]] = [
        sa.column("hour", _timestamp()),
        sa.column("topic", sa.String()),
        sa.column("language", sa.String()),
        sa.column("channel", sa.String()),
        sa.column("outcome", sa.String()),
        sa.column("in_hours", sa.Boolean()),
        sa.column("count", sa.Integer()),
    ]
    if with_key:
        columns.append(sa.column("cell_key", sa.BigInteger()))
    return sa.table("inquiry_hourly", *columns, schema=schema)


def _rekey_and_rebuild(bind: Connection, schema: str | None) -> None:
    """Give every hourly and waiting-time row a random cell key; rebuild the roll-ups from the hours."""
    hourly = _hourly(schema)
    rows = [dict(row._mapping) for row in bind.execute(sa.select(hourly))]
    for row in rows:
        row["cell_key"] = secrets.randbits(32)
    bind.execute(sa.delete(hourly))
    _insert(bind, hourly, rows)
    waits = sa.table(
        "inquiry_handover_waits",
        sa.column("hour", _timestamp()),
        sa.column("language", sa.String()),
        sa.column("channel", sa.String()),
        sa.column("waited", sa.String()),
        sa.column("count", sa.Integer()),
        sa.column("cell_key", sa.BigInteger()),
        schema=schema,
    )
    kept = [dict(row._mapping) for row in bind.execute(sa.select(waits))]
    for row in kept:
        row["cell_key"] = secrets.randbits(32)
    bind.execute(sa.delete(waits))
    _insert(bind, waits, kept)

    rollups: dict[str, dict[tuple[Any, ...], list[int]]] = {name: {} for name in ("topics", "needs", "outcomes", "clock")}

    def gain(name: str, key: tuple[Any, ...], n: int, cell_key: int) -> None:
        cell = rollups[name].setdefault(key, [0, 0])
        cell[0] += n
        cell[1] = (cell[1] + cell_key) % _MODULUS

    for row in rows:
        local = _aware(row["hour"]).astimezone(_ZONE)
        week = local.date() - timedelta(days=local.weekday())
        n, key = row["count"], row["cell_key"]
        topic, language, channel, outcome, in_hours = (row[c] for c in ("topic", "language", "channel", "outcome", "in_hours"))
        gain("outcomes", (week, language, channel, outcome), n, key)
        if outcome == _RELAYED:
            continue
        gain("topics", (week, topic, language, channel), n, key)
        gain("needs", (week, topic, language, channel, outcome, bool(in_hours)), n, key)
        if topic not in _NOT_INQUIRIES:
            gain("clock", (week, local.weekday(), local.hour, language, channel, bool(in_hours)), n, key)
    layouts = {
        "topics": ("inquiry_weekly_topics", ("week", "topic", "language", "channel")),
        "needs": ("inquiry_weekly_needs", ("week", "topic", "language", "channel", "outcome", "in_hours")),
        "outcomes": ("inquiry_weekly_outcomes", ("week", "language", "channel", "outcome")),
        "clock": ("inquiry_weekly_clock", ("week", "weekday", "hour", "language", "channel", "in_hours")),
    }
    for name, (table_name, keys) in layouts.items():
        table = sa.table(table_name, *(sa.column(c) for c in (*keys, "count", "cell_key")), schema=schema)
        bind.execute(sa.delete(table))
        _insert(bind, table, [dict(zip((*keys, "count", "cell_key"), (*key, n, k), strict=True)) for key, (n, k) in rollups[name].items()])


def _rebuild_old_clock(bind: Connection, schema: str | None) -> None:
    """Count every message again in the clock, as before this migration."""
    cells: dict[tuple[Any, ...], int] = {}
    for row in bind.execute(sa.select(_hourly(schema, with_key=False))):
        values = row._mapping  # `row.count` would be the tuple's method, not the column
        local = _aware(values["hour"]).astimezone(_ZONE)
        key = (local.date() - timedelta(days=local.weekday()), local.weekday(), local.hour, values["language"], values["channel"])
        cells[key] = cells.get(key, 0) + values["count"]
    table = sa.table("inquiry_weekly_clock", *(sa.column(c) for c in ("week", "weekday", "hour", "language", "channel", "count")), schema=schema)
    names = ("week", "weekday", "hour", "language", "channel", "count")
    _insert(bind, table, [dict(zip(names, (*key, n), strict=True)) for key, n in cells.items()])


def _insert(bind: Connection, table: sa.TableClause, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        bind.execute(sa.insert(table), chunk)


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _BATCH):
        yield rows[start : start + _BATCH]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

