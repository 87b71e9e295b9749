"""The reply outbox: in order per chat, one sender at a time, cut-off sends counted, erased when sent."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from storage.db import Database
from storage.leases import Leases, instance_lease
from storage.telegram_outbox import OutboxStatus, OutgoingMessage, TelegramOutbox, TelegramOutboxRecord

OLENA, AHMAD = 1001, 1002


async def test_a_chats_replies_go_one_at_a_time_in_order(database: Database) -> None:
    outbox = TelegramOutbox(database)
    await outbox.add([OutgoingMessage(OLENA, "eins"), OutgoingMessage(OLENA, "zwei")], "a")
    await outbox.add([OutgoingMessage(AHMAD, "one")], "a")
    first = await outbox.take_next(OLENA, "a")
    assert first is not None and first.message.text == "eins"
    assert await outbox.take_next(OLENA, "a") is None, "the second waits until the first is sent"
    other = await outbox.take_next(AHMAD, "a")
    assert other is not None and other.message.text == "one", "another chat is not held up"
    await outbox.sent(first.id)
    second = await outbox.take_next(OLENA, "a")
    assert second is not None and second.message.text == "zwei"


async def test_only_one_of_several_senders_takes_a_message(database: Database) -> None:
    outbox = TelegramOutbox(database)
    await outbox.add([OutgoingMessage(OLENA, "eins")], "a")
    taken = await asyncio.gather(*(outbox.take_next(OLENA, "a") for _ in range(5)))
    assert sum(t is not None for t in taken) == 1


async def test_another_owners_messages_are_not_taken_while_it_lives(database: Database) -> None:
    outbox = TelegramOutbox(database)
    leases = Leases(database)
    await leases.acquire(instance_lease("a"), "a", timedelta(minutes=1))
    await outbox.add([OutgoingMessage(OLENA, "eins")], "a")
    assert await outbox.take_next(OLENA, "b") is None
    assert await outbox.take_over("b", leases.live_instances()) == 0
    assert await outbox.chats_waiting("b") == []


async def test_a_send_cut_off_by_a_dead_owner_is_counted_and_sent_again(database: Database) -> None:
    outbox = TelegramOutbox(database)
    leases = Leases(database)
    await outbox.add([OutgoingMessage(OLENA, "eins"), OutgoingMessage(OLENA, "zwei")], "dead")
    await outbox.add([OutgoingMessage(AHMAD, "one")], "dead")
    assert await outbox.take_next(OLENA, "dead") is not None  # its request was under way when it died
    assert await outbox.take_over("b", leases.live_instances()) == 3
    assert await outbox.chats_waiting("b") == [OLENA, AHMAD]
    again = await outbox.take_next(OLENA, "b")
    assert again is not None and again.message.text == "eins" and again.cut_off == 1
    assert (await outbox.figures()).cut_off == 1


async def test_a_retry_counts_only_a_request_that_may_have_arrived(database: Database) -> None:
    outbox = TelegramOutbox(database)
    await outbox.add([OutgoingMessage(OLENA, "eins")], "a")
    taken = await outbox.take_next(OLENA, "a")
    assert taken is not None
    await outbox.retry(taken.id, cut_off=False)  # refused before it was sent (429, no connection)
    taken = await outbox.take_next(OLENA, "a")
    assert taken is not None and taken.cut_off == 0
    await outbox.retry(taken.id, cut_off=True)  # the answer never came
    taken = await outbox.take_next(OLENA, "a")
    assert taken is not None and taken.cut_off == 1


async def test_sent_and_given_up_messages_keep_no_text_nor_chat(database: Database) -> None:
    outbox = TelegramOutbox(database)
    await outbox.add([OutgoingMessage(OLENA, "Kastanienwall", '{"inline_keyboard": []}')], "a")
    await outbox.add([OutgoingMessage(AHMAD, "one"), OutgoingMessage(AHMAD, "two")], "a")
    taken = await outbox.take_next(OLENA, "a")
    assert taken is not None
    await outbox.sent(taken.id)
    assert await outbox.give_up_chat(AHMAD, "a") == 2
    async with database.sessions() as session:
        rows = (await session.execute(TelegramOutboxRecord.__table__.select())).all()
    assert {row.status for row in rows} == {OutboxStatus.SENT, OutboxStatus.FAILED}
    assert all(row.text is None and row.markup is None and row.chat_id is None for row in rows)
    assert (await outbox.figures()).by_status == {"sent": 1, "failed": 2}
