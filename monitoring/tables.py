"""The statistics tables: counts of identical events per hour, weekly roll-ups for fast reading, and
the waiting times of handovers.

No table has a row per event, an id or anything else that could tie two events together: an event
only ever adds one to the count of its kind, and its random record key to the row's cell key (the
sum of its events' record keys modulo 2^32, for the cell key method in monitoring/cellkey.py).
SQLite keeps the rows in key order (WITHOUT ROWID), so not even the order of insertion is kept.

The hourly table keeps every event. The weekly roll-ups by topic (topics, needs, clock) keep only
messages the assistant handled itself, not those relayed to staff during a handover; the clock
keeps only inquiries (no small talk, nothing out of scope), see monitoring/kinds.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base

_NO_ROWID = {"sqlite_with_rowid": False}


def _key(length: int) -> Mapped[str]:
    return mapped_column(String(length), primary_key=True)


def _cell_key() -> Mapped[int]:
    # Rows written before migration 0004 were given a random key by it (see docs/monitoring.md).
    return mapped_column(BigInteger, default=0, server_default="0")


class HourlyInquiries(Base):
    """How many inquiry events of one kind arrived in one hour (the record the roll-ups come from)."""

    __tablename__ = "inquiry_hourly"
    __table_args__ = _NO_ROWID

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    topic: Mapped[str] = _key(40)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    outcome: Mapped[str] = _key(24)
    in_hours: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    cell_key: Mapped[int] = _cell_key()


class HourlyWaits(Base):
    """How many handovers of one language and channel, first answered by staff in one hour, waited how long."""

    __tablename__ = "inquiry_handover_waits"
    __table_args__ = _NO_ROWID

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    waited: Mapped[str] = _key(8)
    count: Mapped[int] = mapped_column(Integer)
    cell_key: Mapped[int] = _cell_key()


class WeeklyTopics(Base):
    """Inquiries per week, topic, language and channel."""

    __tablename__ = "inquiry_weekly_topics"
    __table_args__ = _NO_ROWID

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    topic: Mapped[str] = _key(40)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    count: Mapped[int] = mapped_column(Integer)
    cell_key: Mapped[int] = _cell_key()


class WeeklyNeeds(Base):
    """Inquiries per week, topic, language, channel, outcome and whether the office was open."""

    __tablename__ = "inquiry_weekly_needs"
    __table_args__ = _NO_ROWID

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    topic: Mapped[str] = _key(40)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    outcome: Mapped[str] = _key(24)
    in_hours: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    cell_key: Mapped[int] = _cell_key()


class WeeklyOutcomes(Base):
    """Inquiries per week, language, channel and outcome."""

    __tablename__ = "inquiry_weekly_outcomes"
    __table_args__ = _NO_ROWID

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    outcome: Mapped[str] = _key(24)
    count: Mapped[int] = mapped_column(Integer)
    cell_key: Mapped[int] = _cell_key()


class WeeklyClock(Base):
    """Inquiries per week, local weekday and hour of day, language, channel and office hours."""

    __tablename__ = "inquiry_weekly_clock"
    __table_args__ = _NO_ROWID

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    # Open by the weekly hours but closed on a holiday: kept apart, so "outside the hours" is exact.
    in_hours: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    cell_key: Mapped[int] = _cell_key()


ROLLUPS: tuple[type[Base], ...] = (WeeklyTopics, WeeklyNeeds, WeeklyOutcomes, WeeklyClock)
# Every table of inquiry events (the waits of handovers are counted apart, in HourlyWaits).
TABLES: tuple[type[Base], ...] = (HourlyInquiries, *ROLLUPS)
