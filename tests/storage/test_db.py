"""The database layer: timezone-aware timestamps and the group notices table on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.telegram_groups import GroupNotices, TelegramGroupNotice


async def test_timestamps_come_back_timezone_aware_and_equal(database: Database) -> None:
    told = datetime(2026, 11, 22, 21, 40, tzinfo=timezone(timedelta(hours=1)))
    notices = GroupNotices(database, clock=lambda: told)
    assert await notices.first_time(-100123)
    async with database.sessions() as session:
        stored = (await session.execute(select(TelegramGroupNotice.told_at))).scalar_one()
    assert stored.tzinfo is not None and stored == told


async def test_naive_timestamps_are_refused(database: Database) -> None:
    notices = GroupNotices(database, clock=lambda: datetime(2026, 11, 22, 21, 40))
    with pytest.raises(Exception, match="naive"):
        await notices.first_time(-100123)


async def test_a_group_is_told_once_until_the_assistant_leaves_it(database: Database) -> None:
    notices = GroupNotices(database)
    assert await notices.first_time(-100123)
    assert not await notices.first_time(-100123)
    assert await notices.first_time(-100456)
    await notices.forget(-100123)
    assert await notices.first_time(-100123)
