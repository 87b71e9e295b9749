"""The durable update inbox: stored once, claimed once, erased when handled, kept across restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.migrate import open_database
from storage.telegram_updates import UpdateInbox, UpdateStatus

PAYLOAD = '{"update_id": 7, "message": {"text": "Коли можна прийти?"}}'


async def test_an_update_is_stored_once_however_often_it_arrives(database: Database) -> None:
    inbox = UpdateInbox(database)
    results = await asyncio.gather(*(inbox.receive(7, PAYLOAD) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    assert await inbox.status(7) == (UpdateStatus.PENDING, PAYLOAD)


async def test_an_update_is_claimed_by_one_handler_only(database: Database) -> None:
    inbox = UpdateInbox(database)
    await inbox.receive(7, PAYLOAD)
    claims = await asyncio.gather(*(inbox.claim(7) for _ in range(4)))
    assert claims.count(PAYLOAD) == 1 and claims.count(None) == 3
    assert await inbox.claim(8) is None


async def test_handling_erases_the_text_and_keeps_id_and_status(database: Database) -> None:
    inbox = UpdateInbox(database)
    await inbox.receive(7, PAYLOAD)
    await inbox.claim(7)
    await inbox.complete(7)
    assert await inbox.status(7) == (UpdateStatus.HANDLED, None)
    assert not await inbox.receive(7, PAYLOAD), "a handled update delivered again is not stored again"
    assert await inbox.claim(7) is None


async def test_unfinished_updates_survive_a_restart_in_order(database_url: str) -> None:
    async with open_database(database_url) as first_run:
        inbox = UpdateInbox(first_run)
        for update_id in (12, 10, 11, 13):
            await inbox.receive(update_id, f'{{"update_id": {update_id}}}')
        await inbox.claim(11)  # being handled when the process died
        await inbox.claim(13)
        await inbox.complete(13)
    async with open_database(database_url) as second_run:
        inbox = UpdateInbox(second_run)
        unfinished = await inbox.unfinished()
        assert [stored.update_id for stored in unfinished] == [10, 11, 12]
        assert unfinished[1].payload == '{"update_id": 11}'
        assert await inbox.claim(11) is not None


async def test_old_handled_updates_are_forgotten(database: Database) -> None:
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    clock = [now - timedelta(days=40)]
    inbox = UpdateInbox(database, clock=lambda: clock[0])
    for update_id in (1, 2):
        await inbox.receive(update_id, "{}")
        await inbox.claim(update_id)
    await inbox.complete(1)
    clock[0] = now
    await inbox.complete(2)
    await inbox.receive(3, "{}")
    assert await inbox.forget_handled(now - timedelta(days=30)) == 1
    assert await inbox.status(1) is None
    assert await inbox.status(2) == (UpdateStatus.HANDLED, None)
    assert await inbox.status(3) == (UpdateStatus.PENDING, "{}")
