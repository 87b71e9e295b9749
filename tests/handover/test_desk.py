"""The desk: staff replies reach the person once, closing hands back, unreachable people close the case."""

from __future__ import annotations

import asyncio

from actions.handover import HandoverReason, HandoverRequest
from core.content import Content
from core.messages import Attachment, ConversationKey, Message, MessageKind
from handover.models import ClosedBy, Delivery, Direction
from handover.views import StaffMember
from tests.handover.conftest import Desk

OLENA = ConversationKey("test", "olena")
OLGA = StaffMember("account:1", "Olga", frozenset({"uk", "ru"}))


async def started(desk: Desk, text: str = "Мені потрібна допомога з листом") -> int:
    asked = Message(OLENA, text=text, first_name="Olena")
    reply = await desk.desk.start(HandoverRequest(asked, "uk", "labour_market", HandoverReason.REQUESTED))
    assert reply is not None
    [handover] = await desk.desk.active()
    return handover.id


async def test_the_person_s_words_and_media_reach_staff(desk: Desk) -> None:
    handover_id = await started(desk)
    photo = Message(OLENA, kind=MessageKind.NON_TEXT, text="лист", attachment=Attachment("photo", "file-1", None, "image/jpeg"))
    assert await desk.desk.forward(photo) == "uk"
    messages = [m for m in await desk.desk.messages(handover_id) if m.direction is Direction.IN]
    assert [(m.kind, m.text, m.has_media) for m in messages] == [
        ("text", "Мені потрібна допомога з листом", False),
        ("photo", "лист", True),
    ]
    assert await desk.desk.forward(Message(ConversationKey("test", "someone else"), text="hi")) is None


async def test_a_staff_reply_reaches_the_person_once_and_counts_the_wait(desk: Desk) -> None:
    handover_id = await started(desk)
    for _ in range(3):  # a double click and a resent form
        await desk.desk.reply(handover_id, OLGA, "Добрий день! Чим можу допомогти?", key="one")
    await desk.desk.reply(handover_id, OLGA, "Надішліть, будь ласка, фото листа.", key="two")
    await desk.desk.settled()
    assert [reply.text for _, reply in desk.outbound.sent] == [
        "Добрий день! Чим можу допомогти?",
        "Надішліть, будь ласка, фото листа.",
    ]
    assert all(reply.topic is None and key == OLENA for key, reply in desk.outbound.sent)
    [wait] = desk.waits.recorded
    assert (wait.language, wait.channel, wait.waited_seconds) == ("uk", "test", 0.0)
    deliveries = [m.delivery for m in await desk.desk.messages(handover_id) if m.direction is Direction.OUT]
    assert deliveries == [Delivery.SENT, Delivery.SENT]


async def test_closing_tells_the_person_they_are_back_with_the_assistant(desk: Desk, content: Content) -> None:
    handover_id = await started(desk)
    assert await desk.desk.close(handover_id, OLGA)
    assert not await desk.desk.close(handover_id, OLGA)
    await desk.desk.settled()
    [(_, handback)] = desk.outbound.sent
    assert handback.text == content.ui_text("handover_closed", "uk") and handback.topic == "human_handover"
    assert await desk.desk.forward(Message(OLENA, text="А коли ви відчинені?")) is None


async def test_the_person_can_go_back_to_the_assistant(desk: Desk, content: Content) -> None:
    handover_id = await started(desk)
    back = await desk.desk.cancel(OLENA)
    assert back is not None and back.text == content.ui_text("handover_closed", "uk")
    closed = await desk.desk.get(handover_id)
    assert closed is not None and closed.closed_by == ClosedBy.PERSON
    assert await desk.desk.cancel(OLENA) is None


async def test_a_person_who_blocked_the_bot_closes_the_case(desk: Desk) -> None:
    handover_id = await started(desk)
    desk.outbound.reachable = False
    await desk.desk.reply(handover_id, OLGA, "Hallo?", key="k")
    await desk.desk.settled()
    closed = await desk.desk.get(handover_id)
    assert closed is not None and not closed.active and closed.closed_by == ClosedBy.UNREACHABLE
    [reply] = [m for m in await desk.desk.messages(handover_id) if m.direction is Direction.OUT]
    assert reply.delivery is Delivery.FAILED


async def test_a_reply_waits_while_its_channel_is_away_and_goes_out_once_it_is_back(desk: Desk) -> None:
    handover_id = await started(desk)
    desk.channels.unregister(desk.outbound)
    await desk.desk.reply(handover_id, OLGA, "Wir sind da.", key="k")
    await desk.desk.settled()
    [reply] = [m for m in await desk.desk.messages(handover_id) if m.direction is Direction.OUT]
    assert reply.delivery is Delivery.PENDING
    desk.channels.register(desk.outbound)
    await desk.desk.send_waiting()
    await desk.desk.send_waiting()
    assert [reply.text for _, reply in desk.outbound.sent] == ["Wir sind da."]


async def test_a_send_that_may_have_arrived_is_repeated_only_when_staff_say_so(desk: Desk) -> None:
    handover_id = await started(desk)
    desk.outbound.fail_with = ConnectionResetError("connection lost while sending")
    await desk.desk.reply(handover_id, OLGA, "Sind Sie noch da?", key="k")
    await desk.desk.settled()
    [reply] = [m for m in await desk.desk.messages(handover_id) if m.direction is Direction.OUT]
    assert reply.delivery is Delivery.UNKNOWN
    desk.outbound.fail_with = None
    await desk.desk.send_waiting()
    assert desk.outbound.sent == []
    assert await desk.desk.retry(reply.id) == handover_id
    await desk.desk.settled()
    assert [reply.text for _, reply in desk.outbound.sent] == ["Sind Sie noch da?"]


async def test_staff_erasing_a_running_handover_hand_the_person_back_first(desk: Desk, content: Content) -> None:
    handover_id = await started(desk)
    assert await desk.desk.erase(handover_id, OLGA)
    assert [reply.text for _, reply in desk.outbound.sent] == [content.ui_text("handover_closed", "uk")]
    assert await desk.desk.get(handover_id) is None and await desk.desk.messages(handover_id) == []


async def test_watchers_hear_of_every_change(desk: Desk) -> None:
    with desk.desk.events.watch() as changes:
        handover_id = await started(desk)
        await desk.desk.claim(handover_id, OLGA)
        await desk.desk.forward(Message(OLENA, text="ще питання"))
        await desk.desk.close(handover_id, OLGA)
        await desk.desk.settled()
        await asyncio.sleep(0)
        seen = []
        while not changes.empty():
            seen.append(changes.get_nowait().what)
    # Claiming sends "a colleague has joined": its delivery is a change too, in between.
    assert [what for what in seen if what != "delivery"][:4] == ["started", "claimed", "message", "closed"]
    assert "delivery" in seen
