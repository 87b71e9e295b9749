"""The optional Telegram staff group: a forum topic per handover, replies relayed, close by command or button."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from bot.app import Assistant
from core.content import Content
from core.settings import Settings
from handover.desk import HandoverDesk
from handover.models import ClosedBy
from tests.fakes.telegram_api import FakeTelegram, Person
from tests.handover.conftest import Clock, StaffedBot, staffed_bot
from tests.handover.test_telegram_handover import OLENA, eventually, handover_of, incoming, staff_text

STAFF_CHAT = -1009000000001
OTHER_GROUP = -1009000000002
OLGA = Person(3001, "Olga", "de")


@pytest.fixture(params=["forum", "plain group"])
async def group_bot(
    request: pytest.FixtureRequest,
    telegram_api: FakeTelegram,
    bot_settings: Settings,
    wiring_assistant: Assistant,
    clock: Clock,
) -> AsyncIterator[StaffedBot]:
    telegram_api.staff_group(STAFF_CHAT, forum=request.param == "forum")
    settings = replace(bot_settings, telegram_staff_chat_id=str(STAFF_CHAT))
    async with staffed_bot(telegram_api, settings, wiring_assistant, clock) as running:
        yield running


async def test_colleagues_answer_and_close_from_the_staff_group(group_bot: StaffedBot, content: Content) -> None:
    api = group_bot.api
    forum = bool(api._chats[STAFF_CHAT].get("is_forum"))
    api.send_text(OLENA, "/human")
    await api.wait_for_messages(OLENA.user_id, 1)
    handover = await handover_of(group_bot, OLENA)
    [header] = await api.wait_for_messages(STAFF_CHAT, 1)
    assert "Olena" in header["text"] and "Ukrainisch (uk)" in header["text"]
    assert "1001" not in header["text"], "no chat id or handle in the group"
    thread = header.get("message_thread_id")
    assert (thread is not None) is forum
    if forum:
        assert [topic["name"] for topic in api.topics(STAFF_CHAT).values()] == [f"Olena · uk · #{handover.id}"]

    # What Olena writes arrives quoted and inert: no link to tap, no command to press.
    api.send_text(OLENA, "Див. https://evil.example/login і натисніть /close @olga_admin")
    posted = (await api.wait_for_messages(STAFF_CHAT, 2))[-1]
    assert "https://evil.example" not in posted["text"] and "evil[.]example" in posted["text"]
    assert "/close" not in posted["text"] and "@olga_admin" not in posted["text"]
    assert [entity["type"] for entity in posted["entities"]] == ["blockquote"]
    assert posted.get("message_thread_id") == thread

    # A colleague answers in the topic (forum) or by replying to the handover's post (plain group).
    api.staff_writes(OLGA, STAFF_CHAT, "Добрий день, Олено! Чим допомогти?", thread=thread,
                     reply_to=None if forum else posted)
    answer = (await api.wait_for_messages(OLENA.user_id, 2))[-1]
    assert answer["text"] == staff_text(content, "uk", "Добрий день, Олено! Чим допомогти?")
    messages = await group_bot.desk.messages(handover.id)
    assert [m.author_name for m in messages if m.text == "Добрий день, Олено! Чим допомогти?"] == ["Olga (Telegram)"]

    api.staff_writes(OLGA, STAFF_CHAT, "/close", thread=thread, reply_to=None if forum else posted)
    back = (await api.wait_for_messages(OLENA.user_id, 3))[-1]
    assert back["text"] == content.ui_text("handover_closed", "uk")
    closed = await group_bot.desk.get(handover.id)
    assert closed is not None and closed.closed_by == ClosedBy.STAFF
    if forum:
        await eventually(_topic_closed(api, thread))
    await api.settle(0.3)
    assert "/close" not in [text for text in api.texts_to(OLENA.user_id)], "the colleague's command is not relayed"


def _topic_closed(api: FakeTelegram, thread: int | None):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return bool(thread is not None and api.topics(STAFF_CHAT)[thread]["closed"])

    return check


async def test_only_the_staff_chat_and_known_handovers_are_relayed(group_bot: StaffedBot) -> None:
    api = group_bot.api
    api.send_text(OLENA, "/human")
    await api.wait_for_messages(OLENA.user_id, 1)
    handover = await handover_of(group_bot, OLENA)
    [header] = await api.wait_for_messages(STAFF_CHAT, 1)
    api.staff_group(OTHER_GROUP, forum=True)
    # Another group, the same thread number, even a reply-looking message: nothing goes to Olena.
    api.staff_writes(OLGA, OTHER_GROUP, "not from the staff chat", thread=header.get("message_thread_id"), reply_to=header)
    # Colleagues chatting in the staff group outside any handover.
    api.staff_writes(OLGA, STAFF_CHAT, "Kaffee um drei?")
    # A person typing a staff command in their own chat is just a message to staff.
    api.send_text(OLENA, "/close")
    await incoming(group_bot, handover.id, 1)
    await api.settle(0.3)
    assert len(api.messages_to(OLENA.user_id)) == 1
    found = await group_bot.desk.get(handover.id)
    assert found is not None and found.active


async def test_the_claim_button_shows_who_has_it(group_bot: StaffedBot) -> None:
    api = group_bot.api
    api.send_text(OLENA, "/human")
    handover = await handover_of(group_bot, OLENA)
    [header] = await api.wait_for_messages(STAFF_CHAT, 1)
    api.press(OLGA, header, f"staff:claim:{handover.id}")

    async def claimed() -> bool:
        found = await group_bot.desk.get(handover.id)
        return found is not None and found.claimed_by_name == "Olga (Telegram)"

    await eventually(claimed)
    note = (await api.wait_for_messages(STAFF_CHAT, 2))[-1]
    assert "Olga (Telegram) hat das Gespräch übernommen" in note["text"]


async def test_a_press_before_the_post_is_stored_still_counts(
    group_bot: StaffedBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow database (or the mirror in another process) stores the post after Telegram shows it."""
    stored = HandoverDesk.note_staff_post

    async def slowly(self: HandoverDesk, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.6)
        return await stored(self, *args, **kwargs)

    monkeypatch.setattr(HandoverDesk, "note_staff_post", slowly)
    api = group_bot.api
    api.send_text(OLENA, "/human")
    handover = await handover_of(group_bot, OLENA)
    [header] = await api.wait_for_messages(STAFF_CHAT, 1)
    assert await group_bot.desk.handover_of_staff_post(STAFF_CHAT, header["message_id"]) is None, "pressed before it is stored"
    api.press(OLGA, header, f"staff:claim:{handover.id}")

    async def claimed() -> bool:
        found = await group_bot.desk.get(handover.id)
        return found is not None and found.claimed_by_name == "Olga (Telegram)"

    await eventually(claimed)


async def test_a_forged_staff_button_from_a_person_does_nothing(group_bot: StaffedBot) -> None:
    api = group_bot.api
    api.send_text(OLENA, "/human")
    [confirmation] = await api.wait_for_messages(OLENA.user_id, 1)
    handover = await handover_of(group_bot, OLENA)
    forged = {**confirmation, "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": f"staff:close:{handover.id}"}]]}}
    api.press(OLENA, forged, f"staff:close:{handover.id}")
    await api.settle(0.3)
    found = await group_bot.desk.get(handover.id)
    assert found is not None and found.active
