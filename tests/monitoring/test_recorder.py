"""The recorder counts events in the background: replies never wait for it, failures never reach them."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from actions.inquiries import HandledMessage, HandoverWait, Outcome
from core.schedule import OfficeSchedule
from monitoring.recorder import DatabaseInquiryRecorder
from monitoring.retention import purge_before
from monitoring.tables import (
    TABLES,
    HourlyInquiries,
    HourlyWaits,
    WeeklyClock,
    WeeklyTopics,
)
from storage.db import Database, connect

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY_EVENING = datetime(2026, 11, 22, 21, 40, tzinfo=BERLIN)


def handled(at: datetime = SUNDAY_EVENING, **changes: object) -> HandledMessage:
    values: dict[str, object] = {"at": at, "channel": "telegram", "topic": "ukraine_support", "language": "uk", "outcome": Outcome.ANSWERED}
    values.update(changes)
    return HandledMessage(**values)  # type: ignore[arg-type]


async def total(database: Database, model: type) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.coalesce(func.sum(model.count), 0))) or 0)


async def test_events_are_counted_per_kind_in_every_table(database: Database, office_hours: OfficeSchedule) -> None:
    async with DatabaseInquiryRecorder(database, office_hours) as recorder:
        for minute in (1, 15, 59):
            await recorder.record(handled(SUNDAY_EVENING.replace(minute=minute)))
        await recorder.record(handled(topic="office_hours", outcome=Outcome.CLARIFIED))
        await recorder.flush()
    for model in TABLES:
        assert await total(database, model) == 4, model.__name__
    async with database.sessions() as session:
        rows = (await session.execute(select(HourlyInquiries.topic, HourlyInquiries.count, HourlyInquiries.hour))).all()
        clock = (await session.execute(select(WeeklyClock.weekday, WeeklyClock.hour))).all()
    assert sorted((topic, n) for topic, n, _ in rows) == [("office_hours", 1), ("ukraine_support", 3)]
    assert {hour for _, _, hour in rows} == {datetime(2026, 11, 22, 20, 0, tzinfo=UTC)}
    assert set(clock) == {(6, 21)}  # Sunday, 21:00 local


async def test_handover_waits_are_counted_apart_from_messages(database: Database, office_hours: OfficeSchedule) -> None:
    async with DatabaseInquiryRecorder(database, office_hours) as recorder:
        await recorder.record_wait(HandoverWait(SUNDAY_EVENING, "web", "ar", 3600 * 5))
        await recorder.record_wait(HandoverWait(SUNDAY_EVENING, "web", "ar", 3600 * 6))
        await recorder.record(handled(outcome=Outcome.HANDED_OVER, topic=None))
    async with database.sessions() as session:
        waits = (await session.execute(select(HourlyWaits.language, HourlyWaits.waited, HourlyWaits.count))).all()
    assert waits == [("ar", "4to24h", 2)]
    assert await total(database, HourlyInquiries) == 1


async def test_recording_returns_before_the_database_is_written(database: Database, office_hours: OfficeSchedule) -> None:
    recorder = DatabaseInquiryRecorder(database, office_hours)
    started = asyncio.get_running_loop().time()
    for _ in range(200):
        await recorder.record(handled())
    assert asyncio.get_running_loop().time() - started < 0.5
    await recorder.close()
    assert await total(database, WeeklyTopics) == 200


async def test_a_broken_database_costs_no_reply_and_logs_no_content(
    tmp_path: Path, office_hours: OfficeSchedule, caplog: pytest.LogCaptureFixture
) -> None:
    broken = connect(f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}")  # no tables: every write fails
    recorder = DatabaseInquiryRecorder(broken, office_hours, retry_delays=(0.01,))
    caplog.set_level(logging.INFO)
    await recorder.record(handled(topic="office_hours"))
    await recorder.flush()
    await recorder.close()
    await broken.close()
    assert recorder.failed == 1
    failures = [r for r in caplog.records if r.name == "monitoring.recorder"]
    assert failures and all("OperationalError" in r.getMessage() for r in failures)
    assert not any(r.exc_info for r in failures)
    assert "office_hours" not in caplog.text and "inquiry_hourly" not in caplog.text


async def test_a_full_queue_drops_events_instead_of_waiting(database: Database, office_hours: OfficeSchedule) -> None:
    recorder = DatabaseInquiryRecorder(database, office_hours, max_pending=3)
    for _ in range(10):
        await recorder.record(handled())
    assert recorder.dropped == 7
    await recorder.close()
    assert await total(database, WeeklyTopics) == 3


async def test_a_bad_handled_message_is_ignored(database: Database, office_hours: OfficeSchedule) -> None:
    async with DatabaseInquiryRecorder(database, office_hours) as recorder:
        await recorder.record(handled(at=datetime(2026, 11, 22, 21, 40)))  # naive: cannot be placed in time
        await recorder.record(handled())
    assert await total(database, WeeklyTopics) == 1


async def test_a_closed_recorder_drops_quietly(database: Database, office_hours: OfficeSchedule) -> None:
    recorder = DatabaseInquiryRecorder(database, office_hours)
    await recorder.close()
    await recorder.record(handled())
    assert recorder.dropped == 1


async def test_retention_deletes_whole_weeks_from_every_table(database: Database, office_hours: OfficeSchedule) -> None:
    old, recent = datetime(2016, 3, 2, 12, tzinfo=BERLIN), datetime(2026, 3, 2, 12, tzinfo=BERLIN)
    async with DatabaseInquiryRecorder(database, office_hours) as recorder:
        for at in (old, recent):
            await recorder.record(handled(at=at))
            await recorder.record_wait(HandoverWait(at, "web", "ar", 60))
    await purge_before(database, datetime(2020, 1, 1, tzinfo=UTC))
    for model in (*TABLES, HourlyWaits):
        assert await total(database, model) == 1, model.__name__


async def test_the_recorder_purges_expired_counts_itself(database: Database, office_hours: OfficeSchedule) -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    async with DatabaseInquiryRecorder(database, office_hours, clock=lambda: now) as first:
        await first.record(handled(at=now - timedelta(days=400)))
    async with DatabaseInquiryRecorder(database, office_hours, retention=timedelta(days=365), clock=lambda: now) as second:
        await second.record(handled(at=now - timedelta(hours=1)))
    for model in TABLES:
        assert await total(database, model) == 1, model.__name__
