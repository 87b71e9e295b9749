"""From Telegram to platform-free and back: language hints, long texts, keyboards, reading updates."""

from __future__ import annotations

import pytest
from telegram import Bot, User

from bot.channels.telegram.convert import keyboard, language_hint, split_text
from bot.channels.telegram.outbound import send_reply
from bot.channels.telegram.parse import parse_update
from core.messages import Button, Reply
from tests.fakes.telegram_api import FakeTelegram, Person

NADIA = Person(4001, "Nadia", "ru")


@pytest.mark.parametrize(
    ("code", "hint"), [("uk", "uk"), ("pt-br", "pt"), ("en_US", "en"), ("DE", "de"), (None, None), ("", None)]
)
def test_the_language_hint_is_the_apps_language(code: str | None, hint: str | None) -> None:
    assert language_hint(User(1, "A", False, language_code=code)) == hint


def test_a_short_text_is_sent_whole() -> None:
    assert split_text("Коли можна прийти?") == ["Коли можна прийти?"]


def test_a_long_text_is_cut_at_paragraphs_within_the_limit() -> None:
    paragraphs = [f"Абзац {n}. " + "слово " * 300 for n in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_text(text)
    assert len(parts) > 1 and all(len(part) <= 4096 for part in parts)
    assert all(part.startswith("Абзац") for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    text = "🙂" * 3000
    parts = split_text(text)
    assert [len(part) for part in parts] == [2048, 952]


def test_a_text_without_spaces_is_cut_hard() -> None:
    parts = split_text("x" * 9000)
    assert [len(part) for part in parts] == [4096, 4096, 808]


def test_buttons_are_laid_out_by_kind_and_label_length() -> None:
    buttons = [Button("Öffnungszeiten", "topic:office_hours"), Button("Ort", "topic:location"),
               Button("Hilfe für Menschen aus der Ukraine", "topic:ukraine_support"),
               *(Button(name, f"language:{code}") for code, name in
                 [("de", "Deutsch"), ("en", "English"), ("uk", "Українська"), ("ar", "العربية")])]
    markup = keyboard(buttons)
    assert markup is not None
    rows = [[button.callback_data for button in row] for row in markup.inline_keyboard]
    assert rows == [["topic:office_hours", "topic:location"], ["topic:ukraine_support"],
                    ["language:de", "language:en", "language:uk"], ["language:ar"]]
    assert keyboard([]) is None


async def test_a_long_reply_reaches_telegram_in_parts_with_the_buttons_last(telegram_api: FakeTelegram) -> None:
    telegram_api.meet(NADIA)
    text = "\n".join(f"Строка {n}: " + "текст " * 40 for n in range(60))
    reply = Reply(text, "ru", (Button("Часы работы", "topic:office_hours"),))
    async with Bot(telegram_api.token, base_url=f"{telegram_api.url}/bot") as bot:
        await send_reply(bot, NADIA.user_id, reply)
    sent = telegram_api.messages_to(NADIA.user_id)
    assert len(sent) == 4 and all(call.status == 200 for call in telegram_api.calls_of("sendMessage"))
    assert [("reply_markup" in message) for message in sent] == [False, False, False, True]
    assert " ".join(" ".join(m["text"] for m in sent).split()) == " ".join(text.split())


async def test_a_message_that_may_have_arrived_is_not_sent_twice(telegram_api: FakeTelegram) -> None:
    from telegram.error import NetworkError
    from telegram.ext import ExtBot

    from bot.channels.telegram.limits import TelegramRateLimiter

    telegram_api.meet(NADIA)
    telegram_api.drop_response("sendMessage")
    async with ExtBot(telegram_api.token, base_url=f"{telegram_api.url}/bot",
                      rate_limiter=TelegramRateLimiter(network_delay=0.01)) as bot:
        with pytest.raises(NetworkError):
            await send_reply(bot, NADIA.user_id, Reply("Здравствуйте", "ru"))
        telegram_api.drop_response("setMyCommands")
        assert await bot.set_my_commands([("help", "Помощь")])  # the same twice is harmless: repeated
    assert len(telegram_api.messages_to(NADIA.user_id)) == 1
    assert len(telegram_api.calls_of("sendMessage")) == 1
    assert len(telegram_api.calls_of("setMyCommands")) == 2


async def test_an_update_in_an_unknown_shape_keeps_who_and_where(telegram_api: FakeTelegram) -> None:
    async with Bot(telegram_api.token, base_url=f"{telegram_api.url}/bot") as bot:
        update = parse_update({"update_id": 9, "message": {
            "message_id": 3, "date": 1764000000, "chat": {"id": 4001, "type": "private", "first_name": "Nadia"},
            "from": {"id": 4001, "is_bot": False, "first_name": "Nadia", "language_code": "ru"},
            "text": "/start", "entities": [{"type": "bot_command", "offset": "zero"}]}}, bot)
        assert update is not None and update.message is not None
        assert update.message.text == "/start" and update.message.entities[0].type == "bot_command"
        assert update.effective_user is not None and update.effective_user.language_code == "ru"
        assert parse_update({"update_id": 10, "message": "nonsense"}, bot) is None
        assert parse_update({"update_id": 11, "something_new": {}}, bot) is not None
