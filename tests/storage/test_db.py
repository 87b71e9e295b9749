"""The database layer: timezone-aware timestamps, the group notices table on both databases, lost connections."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from storage.db import Database, connect
from storage.telegram_groups import GroupNotices, TelegramGroupNotice
from tests.storage.databases import POSTGRES_SERVER, fresh_database_url


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


async def _cut_connections(url: str) -> int:
    """End every server process of the database at `url` (as a restart of PostgreSQL would); return how many."""
    name = make_url(url).database
    admin = await asyncpg.connect(f"postgresql://{POSTGRES_SERVER}/test", timeout=5)
    try:
        ended = len(await admin.fetch("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name))
        # pg_terminate_backend only signals: wait until they are gone, or a connection might still answer once.
        for _ in range(100):
            if not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name):
                break
            await asyncio.sleep(0.05)
        return ended
    finally:
        await admin.close()


async def _answers(database: Database) -> bool:
    try:
        async with database.sessions() as session:
            return (await session.execute(text("SELECT 1"))).scalar_one() == 1
    except DBAPIError:
        return False


async def test_postgresql_going_away_costs_at_most_one_transaction(tmp_path: Path) -> None:
    """Connections that rested are checked before use; a broken one in steady use fails once, then the pool is renewed."""
    async with fresh_database_url("postgresql", tmp_path) as url:
        database = connect(url, ping_after_idle=0.3)
        try:
            assert all(await asyncio.gather(*(_answers(database) for _ in range(4))))
            assert await _cut_connections(url) >= 1
            await asyncio.sleep(0.5)
            assert await _answers(database), "a connection that rested is checked and replaced"
            assert all(await asyncio.gather(*(_answers(database) for _ in range(4))))
            # Cut again and use at once: no check, one failure at most, then fresh connections.
            assert await _cut_connections(url) >= 1
            outcomes = [await _answers(database) for _ in range(4)]
            assert outcomes[1:] == [True] * 3, outcomes
        finally:
            await database.close()
