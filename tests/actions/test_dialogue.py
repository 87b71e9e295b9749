"""Dialogue wiring through a fake NLU server: bad input, buttons, language switching, NLU outages."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from actions.conversation_store import DatabaseConversationStore
from actions.dialogue import Dialogue
from actions.inquiries import HandledMessage, Outcome
from actions.reach import Reach
from bot.app import Assistant, running_assistant
from core.channels import Arrival, Channels, Media, MediaUnavailable
from core.messages import ConversationKey, Message, MessageKind, Reply
from core.settings import Settings
from storage.migrate import open_database
from tests.fakes.nlu import FakeNlu

TUESDAY_MORNING = datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
KEY = ConversationKey("test", "42")


@pytest.fixture
async def assistant(fake_settings: Settings) -> AsyncIterator[Assistant]:
    async with running_assistant(fake_settings) as running:
        yield running


@pytest.fixture(autouse=True)
async def forget_test_conversations(base_settings: Settings) -> None:
    """Start each test with the test conversations unknown: the state lives in the session's database."""
    async with open_database(base_settings.database_url) as database:
        await DatabaseConversationStore(database).forget([KEY, ConversationKey("test", "new")])


async def fresh_conversations(assistant: Assistant) -> DatabaseConversationStore:
    """The conversation store of the assistant's database (the tests' conversations are forgotten)."""
    return DatabaseConversationStore(assistant.database)


@pytest.fixture
async def dialogue(assistant: Assistant) -> Dialogue:
    return Dialogue(assistant.content, assistant.understanding, await fresh_conversations(assistant), lambda: TUESDAY_MORNING)


def text(body: str, hint: str | None = None) -> Message:
    return Message(KEY, text=body, language_hint=hint)


@pytest.mark.parametrize("body", ["", "   \n\t ", "\u202e\u200f\x00"])
async def test_empty_messages_get_a_polite_answer_with_the_menu(dialogue: Dialogue, body: str) -> None:
    reply = await dialogue.handle(text(body, hint="uk"))
    assert reply.language == "uk"
    assert reply.text and reply.buttons


async def test_emoji_only_message_gets_an_answer_in_the_known_language(dialogue: Dialogue) -> None:
    await dialogue.handle(text("hello there, what are your hours?"))
    reply = await dialogue.handle(text("👍🙏😊"))
    assert reply.language == "en" and reply.buttons


async def test_huge_message_is_answered_from_its_beginning(dialogue: Dialogue, fake_nlu: tuple[FakeNlu, str]) -> None:
    nlu, _ = fake_nlu
    reply = await dialogue.handle(text("What are your hours? " + "blah " * 4000))
    assert reply.topic == "office_hours"
    assert max(len(t) for t in nlu.texts) <= 600
    assert reply.text.startswith(dialogue._content.ui_text("message_too_long", "en"))


async def test_non_text_message_is_answered_kindly(dialogue: Dialogue) -> None:
    reply = await dialogue.handle(Message(KEY, kind=MessageKind.NON_TEXT, language_hint="ar"))
    assert reply.language == "ar" and reply.rtl and reply.buttons


async def test_unsupported_language_gets_english_and_german(dialogue: Dialogue) -> None:
    reply = await dialogue.handle(text("Bonjour, quand est-ce que le bureau est ouvert aujourd'hui ?"))
    assert "Deutsch" in reply.text and "Українська" in reply.text
    assert "languages" in reply.text and "Sprachen" in reply.text


async def test_ukrainian_speaker_asking_for_hours_also_gets_the_ukraine_team(dialogue: Dialogue) -> None:
    reply = await dialogue.handle(text("hours? Коли ви відкриті?"))
    assert reply.topic == "office_hours" and reply.language == "uk"
    assert "14:00–16:00" in reply.text  # the Ukraine team's Tuesday hours
    assert "10:00–12:00" in reply.text


async def test_open_now_is_computed(dialogue: Dialogue) -> None:
    reply = await dialogue.handle(text("What are your opening hours?"))
    assert "12:00" in reply.text.splitlines()[0]


async def test_unsure_offers_topics_and_a_person(dialogue: Dialogue) -> None:
    reply = await dialogue.handle(text("something quite unclear to the model"))
    payloads = [b.payload for b in reply.buttons]
    assert payloads[-1] == "topic:human_handover"
    assert "topic:office_hours" in payloads and len(payloads) <= 3


async def test_button_press_acts_like_the_topic(dialogue: Dialogue) -> None:
    reply = await dialogue.handle(Message(KEY, kind=MessageKind.BUTTON, payload="topic:location", language_hint="tr"))
    assert reply.topic == "location" and reply.language == "tr"
    assert "Kastanienwall" in reply.text


async def test_language_switch_holds_for_the_rest_of_the_conversation(dialogue: Dialogue) -> None:
    reply = await dialogue.handle(text("hello, please answer in english"))
    assert reply.language == "en"
    reply = await dialogue.handle(Message(KEY, kind=MessageKind.BUTTON, payload="language:fa"))
    assert reply.language == "fa" and reply.rtl
    reply = await dialogue.handle(text("hours please"))
    assert reply.language == "fa" and reply.topic == "office_hours"


async def test_forged_button_payload_is_harmless(dialogue: Dialogue) -> None:
    reply = await dialogue.handle(Message(KEY, kind=MessageKind.BUTTON, payload="topic:../../etc/passwd"))
    assert reply.buttons and reply.topic is None


async def test_nlu_down_apologises_with_the_menu_and_recovers(
    dialogue: Dialogue, fake_nlu: tuple[FakeNlu, str]
) -> None:
    nlu, _ = fake_nlu
    nlu.available = False
    reply = await dialogue.handle(text("Коли ви відкриті?"))
    assert reply.language == "uk" and reply.buttons
    assert reply.text == dialogue._content.ui_text("nlu_unavailable", "uk")
    nlu.available = True
    reply = await dialogue.handle(text("Коли ви відкриті? hours"))
    assert reply.topic == "office_hours"


async def test_slow_nlu_is_answered_within_five_seconds(
    fake_settings: Settings, fake_nlu: tuple[FakeNlu, str]
) -> None:
    nlu, _ = fake_nlu
    async with running_assistant(replace(fake_settings, nlu_timeout=3.0)) as running:
        nlu.delay = 30
        started = time.monotonic()
        reply = await running.dialogue.handle(text("hours?"))
        assert time.monotonic() - started < 5
        assert reply.text == running.content.ui_text("nlu_unavailable", "en")


class Counted:
    """The statistics' side of the dialogue: what it counted."""

    def __init__(self) -> None:
        self.handled: list[HandledMessage] = []

    async def record(self, handled: HandledMessage) -> None:
        self.handled.append(handled)


class Terminal:
    """A channel that notes what reaches it later."""

    name = "test"

    def __init__(self) -> None:
        self.sent: list[Reply] = []

    async def send(self, conversation: ConversationKey, reply: Reply) -> Arrival:
        self.sent.append(reply)
        return Arrival.SHOWN

    async def media(self, reference: str) -> Media:
        raise MediaUnavailable("none")


async def test_a_greeting_with_a_language_picker_is_one_answer_and_counted_once(assistant: Assistant) -> None:
    counted = Counted()
    dialogue = Dialogue(assistant.content, assistant.understanding, await fresh_conversations(assistant), lambda: TUESDAY_MORNING, counted)
    reply = await dialogue.greet(Message(KEY, text="/start", language_hint="uk"), language_picker=True)
    assert reply is not None and reply.language == "uk" and reply.topic == "greeting"
    assert reply.text.endswith(assistant.content.ui_text("choose_language", "uk"))
    payloads = [button.payload for button in reply.buttons]
    assert "topic:office_hours" in payloads and "language:fa" in payloads
    assert [(h.topic, h.outcome) for h in counted.handled] == [("greeting", Outcome.ANSWERED)]
    plain = await dialogue.welcome(ConversationKey("test", "new"), "ar")
    assert plain.language == "ar" and not any(b.payload.startswith("language:") for b in plain.buttons)
    assert len(counted.handled) == 1, "a greeting shown before anyone writes is not counted"


async def test_notices_and_the_privacy_note_follow_the_chosen_language(dialogue: Dialogue) -> None:
    await dialogue.handle(Message(KEY, kind=MessageKind.BUTTON, payload="language:tr", language_hint="de"))
    notice = await dialogue.notice(KEY, "de", "slow_down")
    assert notice.language == "tr" and notice.text == dialogue._content.ui_text("slow_down", "tr")
    privacy = await dialogue.privacy(Message(KEY, text="/privacy", language_hint="de"), channel_note="privacy_telegram")
    assert privacy is not None and privacy.language == "tr"
    assert privacy.text.startswith(dialogue._content.answer("privacy", "tr"))
    assert privacy.text.endswith(dialogue._content.ui_text("privacy_telegram", "tr"))
    erased = await dialogue.erase(Message(KEY, text="/delete", language_hint="de"))
    assert erased.text == dialogue._content.ui_text("delete_confirmed", "tr")


async def test_nobody_is_reached_who_cannot_be_until_they_write_again(assistant: Assistant) -> None:
    conversations = await fresh_conversations(assistant)
    channels, terminal = Channels(), Terminal()
    channels.register(terminal)
    reach = Reach(conversations, channels)
    dialogue = Dialogue(assistant.content, assistant.understanding, conversations, lambda: TUESDAY_MORNING)
    await dialogue.unreachable(KEY)
    assert await reach.send(KEY, Reply("Hallo", "de")) is Arrival.UNREACHABLE and terminal.sent == []
    await dialogue.handle(text("hello"))
    assert await reach.send(KEY, Reply("Hallo", "de")) is Arrival.SHOWN and len(terminal.sent) == 1


async def test_gibberish_is_not_understood_and_twice_offers_a_person(assistant: Assistant) -> None:
    dialogue = assistant.dialogue
    first = await dialogue.handle(text("asdkj qwe zzz", hint="fa"))
    assert first.language == "fa" and first.rtl and first.topic == "out_of_scope"
    assert first.text == assistant.content.ui_text("not_understood", "fa")
    second = await dialogue.handle(text("blub blub ???", hint="fa"))
    assert second.language == "fa"
    assert second.text == assistant.content.ui_text("handover_offer", "fa")
    assert "topic:human_handover" in [b.payload for b in second.buttons]


async def test_an_unsupported_language_keeps_the_conversations_language_and_layout(dialogue: Dialogue) -> None:
    await dialogue.handle(text("مرحبا، متى تفتحون؟ hours"))
    reply = await dialogue.handle(text("Bonjour, est-ce que le bureau est ouvert aujourd'hui ?"))
    assert reply.language == "ar" and reply.rtl
    assert "Deutsch" in reply.text and "Sprachen" in reply.text and "languages" in reply.text
