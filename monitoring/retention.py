"""Delete counts older than the configured retention period, in whole weeks."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from monitoring.events import BERLIN, week_of
from monitoring.tables import ROLLUPS, HourlyInquiries, HourlyWaits
from storage.db import Database


async def purge_before(database: Database, cutoff: datetime, zone: ZoneInfo = BERLIN) -> None:
    """Delete the counts of every week that ended before `cutoff`, from every table alike."""
    # Whole weeks only, so the hourly table and the weekly roll-ups always agree.
    keep_from = week_of(cutoff.astimezone(zone).date())
    keep_from_instant = datetime.combine(keep_from, time(0), zone).astimezone(UTC)
    async with database.sessions() as session, session.begin():
        await session.execute(delete(HourlyInquiries).where(HourlyInquiries.hour < keep_from_instant))
        await session.execute(delete(HourlyWaits).where(HourlyWaits.hour < keep_from_instant))
        for model in ROLLUPS:
            await session.execute(delete(model).where(model.week < keep_from))  # type: ignore[attr-defined]
