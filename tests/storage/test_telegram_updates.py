"""The durable update inbox: stored once, claimed once, erased when handled, kept across restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.leases import Leases, instance_lease
from storage.migrate import open_database
from storage.telegram_outbox import OutgoingMessage, TelegramOutbox
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


async def test_an_update_received_for_handling_at_once_needs_no_claim(database_url: str) -> None:
    """The receiver stores it as being handled by its process; after a crash the restarted owner takes it back."""
    async with open_database(database_url) as first_run:
        inbox = UpdateInbox(first_run, owner="me")
        assert await inbox.receive(7, PAYLOAD, handling=True)
        assert not await inbox.receive(7, PAYLOAD, handling=True), "stored once however often it arrives"
        assert await inbox.status(7) == (UpdateStatus.PROCESSING, PAYLOAD)
        assert await inbox.claim(7) is None, "nobody else claims it"
        assert await inbox.receive(8, PAYLOAD, handling=True)
        assert await inbox.complete(7)
        assert await inbox.status(7) == (UpdateStatus.HANDLED, None)
    async with open_database(database_url) as second_run:  # the process died while handling 8
        taken = await UpdateInbox(second_run, owner="me").take_over(Leases(second_run).live_instances(), restarted=True)
        assert [stored.update_id for stored in taken] == [8]


async def test_handling_erases_the_text_and_keeps_id_and_status(database: Database) -> None:
    inbox = UpdateInbox(database)
    await inbox.receive(7, PAYLOAD)
    await inbox.claim(7)
    await inbox.complete(7)
    assert await inbox.status(7) == (UpdateStatus.HANDLED, None)
    assert not await inbox.receive(7, PAYLOAD), "a handled update delivered again is not stored again"
    assert await inbox.claim(7) is None


async def test_unhandled_updates_of_a_dead_owner_are_taken_over_in_order(database_url: str) -> None:
    async with open_database(database_url) as first_run:
        dead, alive = UpdateInbox(first_run, owner="dead"), UpdateInbox(first_run, owner="alive")
        leases = Leases(first_run)
        await leases.acquire(instance_lease("dead"), "dead", timedelta(seconds=-1))  # expired already
        await leases.acquire(instance_lease("alive"), "alive", timedelta(minutes=1))
        for update_id in (12, 10, 11, 13):
            await dead.receive(update_id, f'{{"update_id": {update_id}}}')
        await alive.receive(14, '{"update_id": 14}')
        await dead.claim(11)  # being handled when the process died
        await dead.claim(13)
        await dead.complete(13)
    async with open_database(database_url) as second_run:
        new = UpdateInbox(second_run, owner="new")
        taken = await new.take_over(Leases(second_run).live_instances())
        assert [stored.update_id for stored in taken] == [10, 11, 12]
        assert taken[1].payload == '{"update_id": 11}'
        assert await UpdateInbox(second_run, owner="dead").claim(11) is None, "the dead owner's claim no longer counts"
        assert await new.claim(11) is not None
        assert await new.claim(14) is None, "a live owner's work is left alone"


async def test_handling_queues_the_replies_with_the_handled_mark_only_for_the_owner(database: Database) -> None:
    a, b = UpdateInbox(database, owner="a"), UpdateInbox(database, owner="b")
    outbox = TelegramOutbox(database)
    await a.receive(7, PAYLOAD)
    await a.claim(7)
    # Taken over by b while a was still handling it (a was thought dead): a's answer is dropped.
    await b.take_over(Leases(database).live_instances())
    assert not await a.complete(7, [OutgoingMessage(42, "Dienstag 10–12 Uhr")])
    assert (await outbox.figures()).by_status == {}

    await b.claim(7)
    assert await b.complete(7, [OutgoingMessage(42, "Dienstag 10–12 Uhr"), OutgoingMessage(42, "…")])
    assert await b.status(7) == (UpdateStatus.HANDLED, None)
    assert (await outbox.figures()).by_status == {"pending": 2}
    assert await outbox.chats_waiting("b") == [42]


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
