"""Handovers on Telegram, through the fake Bot API and the real python-telegram-bot client.

Olena asks for a person; the assistant confirms honestly and then stays silent; what she sends goes
to staff; a colleague answers; closing hands her back to the assistant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from actions.placeholders import moment
from bot.app import Assistant
from core.content import Content
from core.messages import ConversationKey
from core.settings import Settings
from handover.models import ClosedBy, Delivery, Direction
from handover.store import HandoverStore
from handover.views import HandoverView, StaffMember
from storage.migrate import open_database
from tests.fakes.telegram_api import FakeTelegram, Person
from tests.handover.conftest import BERLIN, SUNDAY_NIGHT, Clock, StaffedBot, staffed_bot

OLENA = Person(1001, "Olena", "uk")
AHMAD = Person(1002, "Ahmad", "ar")
OLGA = StaffMember("account:1", "Olga", frozenset({"uk", "ru"}))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until `check()` holds; fail after `timeout` seconds."""
    async def poll() -> None:
        while not await check():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def handover_of(bot: StaffedBot, person: Person) -> HandoverView:
    found: list[HandoverView] = []

    async def exists() -> bool:
        found[:] = [h for h in await bot.desk.active() if h.conversation == ConversationKey("telegram", str(person.user_id))]
        return bool(found)

    await eventually(exists)
    return found[0]


async def incoming(bot: StaffedBot, handover_id: int, count: int) -> list[Any]:
    async def arrived() -> bool:
        return len([m for m in await bot.desk.messages(handover_id) if m.direction is Direction.IN]) >= count

    await eventually(arrived)
    return [m for m in await bot.desk.messages(handover_id) if m.direction is Direction.IN]


def staff_text(content: Content, language: str, text: str) -> str:
    return f"💬 {content.ui_text('handover_staff_label', language)}:\n{text}"


async def test_during_the_hours_a_colleague_takes_over_and_hands_back(bot: StaffedBot, content: Content) -> None:
    bot.api.send_text(OLENA, "/human")
    [confirmation] = await bot.api.wait_for_messages(OLENA.user_id, 1)
    assert confirmation["text"].startswith(content.office_text("handover_open", "uk").format(until="17:00"))
    handover = await handover_of(bot, OLENA)
    assert (handover.first_name, handover.language, handover.reason) == ("Olena", "uk", "requested")

    bot.api.send_text(OLENA, "hours? Коли ви відкриті?")  # an ordinary question the assistant could answer
    [question] = await incoming(bot, handover.id, 1)
    await bot.api.settle(0.3)
    assert bot.api.texts_to(OLENA.user_id) == [confirmation["text"]], "the assistant stays silent"
    assert question.text == "hours? Коли ви відкриті?"

    await bot.desk.reply(handover.id, OLGA, "Добрий день! Ми відчинені в четвер до 17:00.", key="k1")
    answer = (await bot.api.wait_for_messages(OLENA.user_id, 2))[-1]
    assert answer["text"] == staff_text(content, "uk", "Добрий день! Ми відчинені в четвер до 17:00.")

    assert await bot.desk.close(handover.id, OLGA)
    back = (await bot.api.wait_for_messages(OLENA.user_id, 3))[-1]
    assert back["text"] == content.ui_text("handover_closed", "uk")
    bot.api.send_text(OLENA, "hours?")
    after = (await bot.api.wait_for_messages(OLENA.user_id, 4))[-1]
    assert "17:00" in after["text"] and not after["text"].startswith("💬"), "the assistant answers again"


async def test_outside_the_hours_the_person_learns_when_someone_answers(bot: StaffedBot, content: Content) -> None:
    bot.clock.now = SUNDAY_NIGHT
    bot.api.send_text(AHMAD, "أريد التحدث مع person")
    bot.api.send_text(OLENA, "/human")
    [ahmad] = await bot.api.wait_for_messages(AHMAD.user_id, 1)
    [olena] = await bot.api.wait_for_messages(OLENA.user_id, 1)
    # Both are answered from Tuesday 10:00: the open consultation serves Ukrainian speakers too.
    tuesday_10 = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    for person, language in ((ahmad, "ar"), (olena, "uk")):
        closed = content.office_text("closed_now", language)
        later = content.office_text("handover_closed", language).format(next=moment(tuesday_10, language))
        assert person["text"].startswith(f"{closed} {later}")
    # The person's message is kept for Tuesday.
    bot.api.send_text(OLENA, "Мені прийшов лист від Jobcenter")
    handover = await handover_of(bot, OLENA)
    await incoming(bot, handover.id, 1)
    await bot.api.settle(0.3)
    assert len(bot.api.messages_to(OLENA.user_id)) == 1


async def test_photos_voice_and_documents_go_to_staff_and_are_fetched_only_when_opened(bot: StaffedBot) -> None:
    bot.api.send_text(AHMAD, "/human")
    await bot.api.wait_for_messages(AHMAD.user_id, 1)
    handover = await handover_of(bot, AHMAD)
    bot.api.send_photo(AHMAD, caption="رسالة من مكتب العمل", album="a1")
    bot.api.send_photo(AHMAD, album="a1")
    bot.api.send_voice(AHMAD)
    bot.api.send(AHMAD, document={"file_id": "doc-1", "file_unique_id": "d1", "file_name": "Bescheid.pdf",
                                  "mime_type": "application/pdf"})
    bot.api.send(AHMAD, contact={"phone_number": "+49 5151 000000", "first_name": "Ahmad"})
    messages = await incoming(bot, handover.id, 5)
    assert [(m.kind, m.has_media) for m in messages] == [
        ("photo", True), ("photo", True), ("voice", True), ("document", True), ("contact", False)
    ]
    assert messages[0].text == "رسالة من مكتب العمل" and messages[3].media_name == "Bescheid.pdf"
    assert all("5151" not in (m.text or "") for m in messages), "no phone number reaches staff"
    assert bot.api.file_downloads == 0, "nothing is downloaded until a colleague opens it"
    media, name = await bot.desk.media(messages[3].id)
    assert media.content == b"\x00" * 16 and media.mime_type == "application/pdf" and name == "Bescheid.pdf"
    assert bot.api.file_downloads == 1
    await bot.api.settle(0.3)
    assert len(bot.api.messages_to(AHMAD.user_id)) == 1, "no 'I can only read text' during a handover"


async def test_a_restart_in_the_middle_loses_no_message_in_either_direction(
    telegram_api: FakeTelegram, bot_settings: Settings, wiring_assistant: Assistant, clock: Clock, content: Content
) -> None:
    async with staffed_bot(telegram_api, bot_settings, wiring_assistant, clock) as first:
        telegram_api.send_text(OLENA, "/human")
        await telegram_api.wait_for_messages(OLENA.user_id, 1)
        handover = await handover_of(first, OLENA)
    # While the app is down: Olena writes; one reply was being sent as it stopped, another was queued.
    telegram_api.send_text(OLENA, "Ви ще тут?")
    async with open_database(bot_settings.database_url) as database:
        store = HandoverStore(database)
        await store.add_reply(handover.id, OLGA, "Maybe sent before the crash", "k1", clock())
        assert await store.take_next_outgoing(handover.id) is not None  # the process died while sending this
        await store.add_reply(handover.id, OLGA, "Так, я тут.", "k2", clock())

    async with staffed_bot(telegram_api, bot_settings, wiring_assistant, clock) as third:
        replies = await telegram_api.wait_for_messages(OLENA.user_id, 2)
        assert replies[-1]["text"] == staff_text(content, "uk", "Так, я тут.")
        [question] = await incoming(third, handover.id, 1)
        assert question.text == "Ви ще тут?"
        outgoing = [m for m in await third.desk.messages(handover.id) if m.direction is Direction.OUT]
        assert [m.delivery for m in outgoing] == [Delivery.UNKNOWN, Delivery.SENT], "never sent twice"
        await third.desk.close(handover.id, OLGA)
        await telegram_api.wait_for_messages(OLENA.user_id, 3)
        await telegram_api.settle(0.3)
    texts = telegram_api.texts_to(OLENA.user_id)
    assert len(texts) == 3 and texts[-1] == content.ui_text("handover_closed", "uk")


async def test_two_requests_at_once_open_one_handover(bot: StaffedBot, content: Content) -> None:
    for text in ("/human", "person please", "/human"):
        bot.api.send_text(OLENA, text)
    await bot.api.wait_for_messages(OLENA.user_id, 1)
    handover = await handover_of(bot, OLENA)
    await incoming(bot, handover.id, 2)
    await bot.api.settle(0.3)
    assert len(bot.api.messages_to(OLENA.user_id)) == 1
    assert len(await bot.desk.active()) == 1


async def test_a_person_who_blocked_the_bot_closes_the_case(bot: StaffedBot) -> None:
    bot.api.send_text(OLENA, "/human")
    await bot.api.wait_for_messages(OLENA.user_id, 1)
    handover = await handover_of(bot, OLENA)
    bot.api.block(OLENA)

    async def closed() -> bool:
        found = await bot.desk.get(handover.id)
        return found is not None and not found.active

    await eventually(closed)
    found = await bot.desk.get(handover.id)
    assert found is not None and found.closed_by == ClosedBy.UNREACHABLE


async def test_a_reply_to_a_person_who_blocked_the_bot_closes_the_case(bot: StaffedBot) -> None:
    bot.api.send_text(AHMAD, "/human")
    await bot.api.wait_for_messages(AHMAD.user_id, 1)
    handover = await handover_of(bot, AHMAD)
    bot.api.blocked.add(AHMAD.user_id)  # Telegram's notice of the block got lost
    await bot.desk.reply(handover.id, OLGA, "مرحباً", key="k")
    await bot.desk.settled()
    found = await bot.desk.get(handover.id)
    assert found is not None and found.closed_by == ClosedBy.UNREACHABLE
    [reply] = [m for m in await bot.desk.messages(handover.id) if m.direction is Direction.OUT]
    assert reply.delivery is Delivery.FAILED


async def test_delete_erases_what_the_person_said_with_staff_at_once(bot: StaffedBot, content: Content) -> None:
    bot.api.send_text(OLENA, "/human")
    await bot.api.wait_for_messages(OLENA.user_id, 1)
    handover = await handover_of(bot, OLENA)
    bot.api.send_text(OLENA, "Мій номер справи 123/456")
    await incoming(bot, handover.id, 1)
    bot.api.send_text(OLENA, "/delete")
    confirmed = (await bot.api.wait_for_messages(OLENA.user_id, 2))[-1]
    assert confirmed["text"] == content.ui_text("delete_confirmed", "uk")
    assert await bot.desk.get(handover.id) is None and await bot.desk.messages(handover.id) == []
    bot.api.send_text(OLENA, "hours?")
    after = (await bot.api.wait_for_messages(OLENA.user_id, 3))[-1]
    assert "17:00" in after["text"], "the assistant answers again"


async def test_after_two_misunderstandings_a_person_is_offered_and_accepted(bot: StaffedBot, content: Content) -> None:
    bot.api.send_text(AHMAD, "ممكن مساعدة بخصوص الورقة")
    bot.api.send_text(AHMAD, "الورقة من البلدية")
    first, offer = await bot.api.wait_for_messages(AHMAD.user_id, 2)
    assert first["text"] != offer["text"]
    assert offer["text"] == content.ui_text("handover_offer", "ar")
    bot.api.press(AHMAD, offer, "topic:human_handover")
    confirmation = (await bot.api.wait_for_messages(AHMAD.user_id, 3))[-1]
    assert content.ui_text("handover_meanwhile", "ar") in confirmation["text"]
    handover = await handover_of(bot, AHMAD)
    assert handover.reason == "not_understood"
    passed_on = await incoming(bot, handover.id, 2)
    assert [m.text for m in passed_on] == ["ممكن مساعدة بخصوص الورقة", "الورقة من البلدية"], "the question is passed on"


async def test_the_person_can_go_back_to_the_assistant_with_a_button(bot: StaffedBot, content: Content) -> None:
    bot.api.send_text(OLENA, "/human")
    [confirmation] = await bot.api.wait_for_messages(OLENA.user_id, 1)
    handover = await handover_of(bot, OLENA)
    bot.api.press(OLENA, confirmation, "handover:cancel")
    back = (await bot.api.wait_for_messages(OLENA.user_id, 2))[-1]
    assert back["text"] == content.ui_text("handover_closed", "uk")
    found = await bot.desk.get(handover.id)
    assert found is not None and found.closed_by == ClosedBy.PERSON
