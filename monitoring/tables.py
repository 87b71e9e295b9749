"""The statistics tables: counts of identical events per hour, weekly roll-ups for fast reading, and
the waiting times of handovers.

No table has a row per event, an id or anything else that could tie two events together: an event
only ever adds one to the count of its kind. SQLite keeps the rows in key order (WITHOUT ROWID), so
not even the order of insertion is kept.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base

_NO_ROWID = {"sqlite_with_rowid": False}


def _key(length: int) -> Mapped[str]:
    return mapped_column(String(length), primary_key=True)


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


class HourlyWaits(Base):
    """How many handovers of one language and channel, first answered by staff in one hour, waited how long."""

    __tablename__ = "inquiry_handover_waits"
    __table_args__ = _NO_ROWID

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    waited: Mapped[str] = _key(8)
    count: Mapped[int] = mapped_column(Integer)


class WeeklyTopics(Base):
    """Inquiries per week, topic, language and channel."""

    __tablename__ = "inquiry_weekly_topics"
    __table_args__ = _NO_ROWID

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    topic: Mapped[str] = _key(40)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    count: Mapped[int] = mapped_column(Integer)


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


class WeeklyOutcomes(Base):
    """Inquiries per week, language, channel and outcome."""

    __tablename__ = "inquiry_weekly_outcomes"
    __table_args__ = _NO_ROWID

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    outcome: Mapped[str] = _key(24)
    count: Mapped[int] = mapped_column(Integer)


class WeeklyClock(Base):
    """Inquiries per week, local weekday and hour of day, language and channel."""

    __tablename__ = "inquiry_weekly_clock"
    __table_args__ = _NO_ROWID

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = _key(8)
    channel: Mapped[str] = _key(16)
    count: Mapped[int] = mapped_column(Integer)


ROLLUPS: tuple[type[Base], ...] = (WeeklyTopics, WeeklyNeeds, WeeklyOutcomes, WeeklyClock)
# Every table of inquiry events (the waits of handovers are counted apart, in HourlyWaits).
TABLES: tuple[type[Base], ...] = (HourlyInquiries, *ROLLUPS)
