"""Talk to the bot through the fake Bot API as people would, by polling and by webhook."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from core.content import Content
from core.messages import ConversationKey
from storage.telegram_updates import UpdateStatus
from tests.bot.conftest import RunningBot
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram_api import Person

OLENA = Person(1001, "Olena", "uk")
AHMAD = Person(1002, "Ahmad", "ar")
MARYAM = Person(1003, "Maryam", "fa")
JONAS = Person(1004, "Jonas", "de")
NO_LANGUAGE = Person(1005, "Sam", None)


def payloads(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


async def test_start_greets_in_the_telegram_language_with_topics_and_languages(bot: RunningBot, content: Content) -> None:
    bot.api.send_text(OLENA, "/start")
    [greeting] = await bot.api.wait_for_messages(OLENA.user_id, 1)
    assert greeting["text"].startswith(content.answer("greeting", "uk")[:40])
    assert content.ui_text("choose_language", "uk") in greeting["text"]
    assert {"topic:office_hours", "topic:ukraine_support", "topic:human_handover"} <= set(payloads(greeting))
    assert {f"language:{code}" for code in content.languages} <= set(payloads(greeting))
    assert all("parse_mode" not in call.params for call in bot.api.calls_of("sendMessage"))


async def test_start_without_a_known_language_greets_in_german(bot: RunningBot, content: Content) -> None:
    bot.api.send_text(NO_LANGUAGE, "/start")
    [greeting] = await bot.api.wait_for_messages(NO_LANGUAGE.user_id, 1)
    assert greeting["text"].startswith(content.answer("greeting", "de")[:40])


async def test_commands_answer_like_their_topics_in_the_persons_language(bot: RunningBot, content: Content) -> None:
    for command in ("/help", "/language", "/privacy", "/human"):
        bot.api.send_text(AHMAD, command)
    help_, language, privacy, human = await bot.api.wait_for_messages(AHMAD.user_id, 4)
    assert help_["text"] == content.answer("help", "ar")
    assert language["text"] == content.ui_text("choose_language", "ar")
    assert "language:uk" in payloads(language)
    assert privacy["text"].startswith(content.answer("privacy", "ar"))
    assert content.ui_text("privacy_telegram", "ar") in privacy["text"]
    assert privacy["text"].endswith(content.ui_text("privacy_handover", "ar").format(days=content.count("days", 30, "ar")))
    assert content.ui_text("handover_meanwhile", "ar") in human["text"], "/human hands over to staff"


async def test_pressed_buttons_are_acknowledged_and_act_like_the_topic(bot: RunningBot, content: Content) -> None:
    bot.api.send_text(OLENA, "/start")
    [greeting] = await bot.api.wait_for_messages(OLENA.user_id, 1)
    bot.api.press(OLENA, greeting, "topic:location")
    [_, location] = await bot.api.wait_for_messages(OLENA.user_id, 2)
    assert location["text"].startswith(content.answer("location", "uk")[:30])
    [answered] = bot.api.calls_of("answerCallbackQuery")
    assert answered.status == 200

    bot.api.press(OLENA, greeting, "language:en")
    *_, switched = await bot.api.wait_for_messages(OLENA.user_id, 3)
    assert switched["text"].startswith(content.ui_text("language_switched", "en"))
    bot.api.send_text(OLENA, "/help")
    *_, help_ = await bot.api.wait_for_messages(OLENA.user_id, 4)
    assert help_["text"] == content.answer("help", "en"), "the chosen language outranks Telegram's"
    assert [call.status for call in bot.api.calls_of("answerCallbackQuery")] == [200, 200]


async def test_sticker_and_voice_get_a_kind_answer_and_nothing_is_downloaded(bot: RunningBot, content: Content) -> None:
    bot.api.send_sticker(MARYAM)
    bot.api.send_voice(MARYAM)
    sticker, voice = await bot.api.wait_for_messages(MARYAM.user_id, 2)
    assert sticker["text"] == voice["text"] == content.ui_text("non_text", "fa")
    assert "topic:office_hours" in payloads(sticker)
    assert not bot.api.calls_of("getFile") and bot.api.file_downloads == 0


async def test_other_things_that_are_not_text_are_answered_too(bot: RunningBot, content: Content) -> None:
    kinds: list[dict[str, Any]] = [
        {"location": {"latitude": 52.1037, "longitude": 9.3561}},
        {"contact": {"phone_number": "+49 5151 000000", "first_name": "Ahmad"}},
        {"document": {"file_id": "doc1", "file_unique_id": "d1", "file_name": "Bescheid.pdf", "mime_type": "application/pdf"}},
        {"video_note": {"file_id": "vn1", "file_unique_id": "v1", "length": 240, "duration": 5}},
        {"poll": {"id": "p1", "persistent_id": "pp1", "question": "?", "options": [{"text": "a", "voter_count": 0}, {"text": "b", "voter_count": 0}],
                  "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                  "allows_multiple_answers": False}},
    ]
    for fields in kinds:
        bot.api.send(AHMAD, **fields)
    answers = await bot.api.wait_for_messages(AHMAD.user_id, len(kinds))
    assert {answer["text"] for answer in answers} == {content.ui_text("non_text", "ar")}


async def test_an_album_of_photos_is_answered_once(bot: RunningBot) -> None:
    for _ in range(3):
        bot.api.send_photo(AHMAD, album="13579")
    await bot.api.wait_for_messages(AHMAD.user_id, 1)
    await bot.api.settle()
    assert len(bot.api.messages_to(AHMAD.user_id)) == 1


async def test_an_edited_message_is_not_answered_again(bot: RunningBot, nlu: FakeNlu) -> None:
    bot.api.send_text(JONAS, "hours please")
    [original] = await bot.api.wait_for_messages(JONAS.user_id, 1)
    asked = nlu.requests
    edit = bot.api.edit_text(JONAS, message_id=1, text="hours please, today")
    await bot.api.wait_for(lambda: bot.api.pending_updates == 0)
    await bot.api.settle()
    assert bot.api.messages_to(JONAS.user_id) == [original]
    assert nlu.requests == asked
    assert await bot.inbox.status(edit) == (UpdateStatus.HANDLED, None)


async def test_a_duplicate_delivery_is_answered_once(bot: RunningBot, nlu: FakeNlu) -> None:
    asked = nlu.texts.count("hello")
    first = bot.api.send_text(JONAS, "hello")
    bot.api.deliver_again(first)  # before it is handled
    await bot.api.wait_for_messages(JONAS.user_id, 1)
    bot.api.deliver_again(first)  # after it is handled
    await bot.api.wait_for(lambda: bot.api.pending_updates == 0)
    await bot.api.settle()
    assert len(bot.api.messages_to(JONAS.user_id)) == 1
    assert nlu.texts.count("hello") == asked + 1


async def test_a_handled_update_keeps_no_text(bot: RunningBot) -> None:
    update_id = bot.api.send_text(OLENA, "hours for Olena Kovalenko?")
    await bot.api.wait_for_messages(OLENA.user_id, 1)
    await bot.api.wait_for(lambda: True)
    for _ in range(100):
        if (await bot.inbox.status(update_id)) == (UpdateStatus.HANDLED, None):
            break
        await asyncio.sleep(0.02)
    assert await bot.inbox.status(update_id) == (UpdateStatus.HANDLED, None)


async def test_messages_from_one_chat_are_answered_in_order(bot: RunningBot, nlu: FakeNlu, content: Content) -> None:
    nlu.delay = 0.05
    try:
        # (Asking for a person would hand the chat to staff; tests/handover covers that.)
        for text in ("hello", "hours?", "hello again", "hours again", "hello at last"):
            bot.api.send_text(JONAS, text)
        answers = await bot.api.wait_for_messages(JONAS.user_id, 5)
    finally:
        nlu.delay = 0.0
    topics = [topic_of(answer["text"], content) for answer in answers]
    assert topics == ["greeting", "office_hours", "greeting", "office_hours", "greeting"]


def topic_of(text: str, content: Content) -> str | None:
    """Tell which topic's answer a text is, by its longest fixed words in any language."""
    for topic in content.topics.values():
        for answer in topic.answers.values():
            fixed = max((part.strip() for part in re.split(r"\{\w+\}", answer)), key=len)[:30]
            if fixed and fixed in text:
                return topic.id
    return None


async def test_the_bot_stays_quiet_in_groups_after_saying_so_once(bot: RunningBot, content: Content) -> None:
    group = -1001234567890
    bot.api.add_to_group(OLENA, group)
    [notice] = await bot.api.wait_for_messages(group, 1)
    assert notice["text"] == content.ui_text("group_not_supported", "uk")
    for text in ("/start", "hello", "hours?"):
        bot.api.send_in_group(JONAS, group, text)
    bot.api.send_text(OLENA, "hello")
    await bot.api.wait_for_messages(OLENA.user_id, 1)
    await bot.api.wait_for(lambda: bot.api.pending_updates == 0)
    await bot.api.settle()
    assert len(bot.api.messages_to(group)) == 1


async def test_a_group_that_never_announced_the_bot_is_told_once(bot: RunningBot, content: Content) -> None:
    group = -1009876543210
    for text in ("/help", "hello"):
        bot.api.send_in_group(JONAS, group, text)
    [notice] = await bot.api.wait_for_messages(group, 1)
    assert notice["text"] == content.ui_text("group_not_supported", "de")
    await bot.api.settle()
    assert len(bot.api.messages_to(group)) == 1


async def test_telegram_gets_commands_and_description_in_every_language(bot: RunningBot, content: Content) -> None:
    await bot.api.wait_for(lambda: len(bot.api.descriptions) == len(content.languages) + 1)
    assert set(bot.api.commands) == {"", *content.languages}
    assert [c["command"] for c in bot.api.commands["uk"]] == ["start", "language", "help", "privacy", "human", "delete"]
    assert bot.api.commands["uk"][0]["description"] == content.ui_text("command_start", "uk")
    assert bot.api.commands[""] == bot.api.commands["de"]
    assert bot.api.descriptions["tr"] == content.answer("greeting", "tr")


async def test_only_handled_update_kinds_are_asked_for(bot: RunningBot) -> None:
    await bot.api.wait_for(lambda: bot.api.allowed_updates is not None)
    assert sorted(bot.api.allowed_updates or []) == ["callback_query", "message", "my_chat_member"]
    if bot.mode == "webhook":
        assert bot.api.webhook is not None and bot.api.webhook.url == bot.webhook_url
        assert bot.api.webhook.secret_token == bot.settings.telegram_webhook_secret
    else:
        assert bot.api.webhook is None and bot.api.calls_of("deleteWebhook")


async def test_a_429_with_retry_after_is_obeyed(bot: RunningBot) -> None:
    bot.api.rate_limit("sendMessage", retry_after=1)
    bot.api.send_text(JONAS, "hello")
    await bot.api.wait_for_messages(JONAS.user_id, 1)
    refused, sent = bot.api.calls_of("sendMessage")
    assert (refused.status, sent.status) == (429, 200)
    assert sent.at - refused.at >= 1.0
    await bot.api.settle()
    assert len(bot.api.messages_to(JONAS.user_id)) == 1


async def test_a_person_who_blocked_the_bot_causes_no_retries(bot: RunningBot) -> None:
    bot.api.blocked.add(JONAS.user_id)
    update_id = bot.api.send_text(JONAS, "hello")
    await bot.api.wait_for(lambda: len(bot.api.calls_of("sendMessage")) == 1)
    await bot.api.settle()
    [refused] = bot.api.calls_of("sendMessage")
    assert refused.status == 403
    assert await bot.inbox.status(update_id) == (UpdateStatus.HANDLED, None)
    key = ConversationKey("telegram", str(JONAS.user_id))
    assert (await bot.conversations.load(key)).closed

    bot.api.blocked.discard(JONAS.user_id)  # unblocked, and writes again
    bot.api.send_text(JONAS, "hello")
    await bot.api.wait_for_messages(JONAS.user_id, 1)
    assert not (await bot.conversations.load(key)).closed


async def test_blocking_is_noticed_from_telegrams_membership_update(bot: RunningBot) -> None:
    bot.api.send_text(JONAS, "hello")
    await bot.api.wait_for_messages(JONAS.user_id, 1)
    bot.api.block(JONAS)
    await bot.api.wait_for(lambda: bot.api.pending_updates == 0)
    await bot.api.settle()
    key = ConversationKey("telegram", str(JONAS.user_id))
    assert (await bot.conversations.load(key)).closed
    assert len(bot.api.calls_of("sendMessage")) == 1


async def test_an_update_in_a_shape_ptb_cannot_read_is_answered_and_stops_nothing(bot: RunningBot, content: Content) -> None:
    # A poll as older Bot API versions send it (no persistent_id), which this PTB refuses to parse.
    bot.api.send(AHMAD, poll={"id": "p2", "question": "?", "options": [{"text": "a", "voter_count": 0}],
                              "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
                              "type": "regular", "allows_multiple_answers": False})
    bot.api.send_text(AHMAD, "/help")
    unreadable, help_ = await bot.api.wait_for_messages(AHMAD.user_id, 2)
    assert unreadable["text"] == content.ui_text("non_text", "ar")
    assert help_["text"] == content.answer("help", "ar")


async def test_a_command_without_its_entity_still_works(bot: RunningBot, content: Content) -> None:
    bot.api.send(OLENA, text="/privacy")
    [privacy] = await bot.api.wait_for_messages(OLENA.user_id, 1)
    assert content.ui_text("privacy_telegram", "uk") in privacy["text"]


async def test_a_button_that_cannot_be_acknowledged_is_still_answered(bot: RunningBot, content: Content) -> None:
    bot.api.meet(OLENA)
    # An old press: the query id is no longer valid and the message it was under is not included.
    bot.api.inject({"callback_query": {"id": "123", "from": OLENA.user, "chat_instance": "1", "data": "topic:help"}})
    [help_] = await bot.api.wait_for_messages(OLENA.user_id, 1)
    assert help_["text"] == content.answer("help", "uk")
    assert [call.status for call in bot.api.calls_of("answerCallbackQuery")] == [400]
