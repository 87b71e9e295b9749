"""Handover storage on SQLite and PostgreSQL: one handover per conversation, each message once, each reply sent once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from core.messages import ConversationKey
from handover.models import ClosedBy, Delivery, Direction, Handover, HandoverStatus
from handover.errors import ClaimedByOther, HandoverClosed
from handover.store import HandoverStore
from handover.views import Incoming, StaffMember
from storage.db import Database
from storage.leases import Leases, instance_lease
from tests.handover.conftest import THURSDAY_AFTERNOON

NOW = THURSDAY_AFTERNOON


class Clock:
    """The leases' clock, moved by hand."""

    def __init__(self) -> None:
        self.now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now
OLENA = ConversationKey("telegram", "1001")
OLGA = StaffMember("account:1", "Olga", frozenset({"uk", "ru"}))


async def test_messages_arriving_together_open_one_handover(database: Database) -> None:
    store = HandoverStore(database)
    opened = await asyncio.gather(*(store.open(OLENA, "Olena", "uk", None, "requested", NOW) for _ in range(8)))
    assert sum(created for _, created in opened) == 1
    assert len({handover.id for handover, _ in opened}) == 1
    assert [h.id for h in await store.active()] == [opened[0][0].id]


async def test_the_database_itself_refuses_a_second_active_handover(database: Database) -> None:
    await HandoverStore(database).open(OLENA, "Olena", "uk", None, "requested", NOW)
    with pytest.raises(IntegrityError):
        async with database.sessions() as session, session.begin():
            session.add(Handover(channel=OLENA.channel, conversation_id=OLENA.conversation_id, language="uk",
                                 reason="requested", status=HandoverStatus.OPEN, created_at=NOW, last_activity_at=NOW))


async def test_a_closed_handover_makes_room_for_a_new_one(database: Database) -> None:
    store = HandoverStore(database)
    first, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    assert await store.close(first.id, ClosedBy.STAFF, "Olga", True, NOW) is not None
    assert await store.close(first.id, ClosedBy.STAFF, "Olga", True, NOW) is None, "closed once only"
    second, created = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    assert created and second.id != first.id


async def test_messages_sent_together_are_each_stored_once(database: Database) -> None:
    store = HandoverStore(database)
    handover, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    # Six deliveries of three messages (the same message handled again after a restart, say).
    stored = await asyncio.gather(
        *(store.append_incoming(OLENA, Incoming("text", f"message {i % 3}", source_id=f"m{i % 3}"), NOW) for i in range(6))
    )
    assert all(item is not None and item.handover_id == handover.id for item in stored)
    texts = sorted(m.text or "" for m in await store.messages(handover.id) if m.direction is Direction.IN)
    assert texts == ["message 0", "message 1", "message 2"]


async def test_no_message_goes_into_a_closed_handover(database: Database) -> None:
    store = HandoverStore(database)
    handover, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    await store.close(handover.id, ClosedBy.STAFF, "Olga", False, NOW)
    assert await store.append_incoming(OLENA, Incoming("text", "still there?"), NOW) is None
    with pytest.raises(HandoverClosed):
        await store.add_reply(handover.id, OLGA, "Hallo", "k1", NOW)


async def test_a_reply_sent_twice_by_the_browser_is_stored_once(database: Database) -> None:
    store = HandoverStore(database)
    handover, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    replies = await asyncio.gather(*(store.add_reply(handover.id, OLGA, "Добрий день!", "same-key", NOW) for _ in range(4)))
    assert len({reply.message.id for reply in replies}) == 1
    assert sum(reply.first_answer for reply in replies) == 1
    outgoing = [m for m in await store.messages(handover.id) if m.direction is Direction.OUT]
    assert len(outgoing) == 1 and outgoing[0].delivery is Delivery.PENDING


async def test_only_one_sender_takes_a_pending_reply(database: Database) -> None:
    store = HandoverStore(database)
    handover, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    await store.add_reply(handover.id, OLGA, "Добрий день!", "k1", NOW)
    taken = await asyncio.gather(*(store.take_next_outgoing(handover.id) for _ in range(5)))
    assert len([item for item in taken if item is not None]) == 1


async def test_after_a_restart_an_interrupted_send_is_never_repeated(database: Database) -> None:
    store = HandoverStore(database)
    handover, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    await store.add_reply(handover.id, OLGA, "sent?", "k1", NOW)
    await store.add_reply(handover.id, OLGA, "not yet", "k2", NOW)
    assert await store.take_next_outgoing(handover.id) is not None  # ... and the process died here
    assert await store.mark_interrupted() == [handover.id]
    deliveries = [m.delivery for m in await store.messages(handover.id) if m.direction is Direction.OUT]
    assert deliveries == [Delivery.UNKNOWN, Delivery.PENDING]
    nxt = await store.take_next_outgoing(handover.id)
    assert nxt is not None and nxt.text == "not yet"


async def test_a_starting_instance_marks_only_stopped_senders_sends_as_interrupted(database: Database) -> None:
    clock = Clock()
    leases = Leases(database, clock)
    store = HandoverStore(database)
    handover, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    for key in ("live", "dead", "mine", "legacy"):
        await store.add_reply(handover.id, OLGA, key, key, NOW)
    for sender in ("host:8081", "host:8082", "host:8080", None):
        assert await store.take_next_outgoing(handover.id, sender) is not None
    for owner in ("host:8081", "host:8080"):  # alive; host:8082 was killed and its lease ran out
        assert await leases.acquire(instance_lease(owner), owner, timedelta(seconds=15))

    async def deliveries() -> dict[str, Delivery]:
        return {m.text or "": m.delivery for m in await store.messages(handover.id) if m.delivery is not None}

    # A round of a running instance: only the dead sender's.
    assert await store.mark_interrupted(leases.live_instances(), "host:8080", restarted=False) == [handover.id]
    assert await deliveries() == {
        "live": Delivery.SENDING, "dead": Delivery.UNKNOWN, "mine": Delivery.SENDING, "legacy": Delivery.SENDING
    }
    # host:8080 restarted after a crash: its own from before and the unnamed one too; never a live one's.
    assert await store.mark_interrupted(leases.live_instances(), "host:8080", restarted=True) == [handover.id]
    assert await deliveries() == {
        "live": Delivery.SENDING, "dead": Delivery.UNKNOWN, "mine": Delivery.UNKNOWN, "legacy": Delivery.UNKNOWN
    }
    # Once host:8081's lease runs out, its send is interrupted too.
    clock.now += timedelta(seconds=16)
    assert await store.mark_interrupted(leases.live_instances(), "host:8080", restarted=False) == [handover.id]
    assert set((await deliveries()).values()) == {Delivery.UNKNOWN}


async def test_a_colleague_cannot_reply_in_a_conversation_another_has_taken(database: Database) -> None:
    store = HandoverStore(database)
    handover, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    await store.claim(handover.id, OLGA, False, NOW)
    ahmet = StaffMember("account:2", "Ahmet")
    with pytest.raises(ClaimedByOther) as refused:
        await store.add_reply(handover.id, ahmet, "Hallo", "k1", NOW)
    assert refused.value.name == "Olga"
    taken = await store.claim(handover.id, ahmet, True, NOW)
    assert taken.claimed_by_name == "Ahmet"


async def test_erasure_deletes_every_handover_of_the_person_at_once(database: Database) -> None:
    store = HandoverStore(database)
    old, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    await store.append_incoming(OLENA, Incoming("photo", "мій лист", media_ref="file-1"), NOW)
    await store.close(old.id, ClosedBy.STAFF, "Olga", True, NOW)
    current, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW)
    other, _ = await store.open(ConversationKey("telegram", "2002"), "Ahmad", "ar", None, "requested", NOW)
    await store.add_post(current.id, -100, 77, None)
    erased = await store.erase_conversation(OLENA)
    assert {item.id for item in erased} == {old.id, current.id}
    assert [item.staff_posts for item in erased if item.id == current.id] == [(77,)]
    assert await store.get(old.id) is None and await store.get(current.id) is None
    assert await store.messages(old.id) == [] and await store.handover_of_post(-100, 77) is None
    assert await store.get(other.id) is not None


async def test_retention_deletes_only_handovers_closed_long_enough_ago(database: Database) -> None:
    store = HandoverStore(database)
    expired, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW - timedelta(days=40))
    await store.close(expired.id, ClosedBy.STAFF, "Olga", False, NOW - timedelta(days=31))
    recent, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW - timedelta(days=3))
    await store.close(recent.id, ClosedBy.STAFF, "Olga", False, NOW - timedelta(days=2))
    running, _ = await store.open(OLENA, "Olena", "uk", None, "requested", NOW - timedelta(days=60))
    erased = await store.closed_before(NOW - timedelta(days=30))
    assert [item.id for item in erased] == [expired.id]
    assert await store.messages(expired.id) == []
    assert await store.get(recent.id) is not None and await store.get(running.id) is not None
