"""Delivery that keeps its promise: a backlog is no flood, a 429 never drops an answer, a cut-off send is counted."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.app import Assistant
from bot.channels.telegram import TelegramLimits
from bot.keys import DATABASE
from core.content import Content
from core.settings import Settings
from storage.telegram_outbox import TelegramOutbox
from storage.telegram_updates import UpdateStatus
from tests.bot.conftest import FAST, RunningBot, running_bot, telegram_settings
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram_api import FakeTelegram, Person

OLENA = Person(8001, "Olena", "uk")
AHMAD = Person(8002, "Ahmad", "ar")


async def test_a_backlog_after_an_outage_is_answered_in_full_and_in_order(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, nlu: FakeNlu,
    tmp_path: Path, content: Content,
) -> None:
    api = telegram_api
    # While the app was down for two minutes, Olena wrote every 10 s; all twelve arrive at once.
    now, asked_before = time.time(), len(nlu.texts)
    texts = [f"коли можна прийти, питання {n}" for n in range(12)]
    for number, text in enumerate(texts):
        api.send_text(OLENA, text, sent_at=now - 120 + 10 * number)
    settings = telegram_settings(base_settings, api, "polling", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_bot(api, settings, wiring_assistant):
        await api.wait_for_messages(OLENA.user_id, 12)
        await api.settle()
    replies = api.texts_to(OLENA.user_id)
    assert len(replies) == 12 and content.ui_text("slow_down", "uk") not in replies
    assert nlu.texts[asked_before:] == texts


async def test_someone_sending_fast_now_is_still_asked_to_slow_down(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, tmp_path: Path,
    content: Content,
) -> None:
    api = telegram_api
    now = time.time()
    for number in range(14):  # fourteen messages within four seconds
        api.send_text(OLENA, f"коли {number}", sent_at=now - 4 + number * 0.3)
    settings = telegram_settings(base_settings, api, "polling", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_bot(api, settings, wiring_assistant):
        await api.wait_for_messages(OLENA.user_id, 11)
        await api.settle()
    replies = api.texts_to(OLENA.user_id)
    assert len(replies) == 11 and replies[-1] == content.ui_text("slow_down", "uk")


async def test_an_answer_waits_out_any_number_of_429s(bot: RunningBot) -> None:
    api = bot.api
    api.rate_limit("sendMessage", retry_after=1, times=4)  # four in a row: PTB's limiter gave up after three
    update_id = api.send_text(OLENA, "hello")
    await api.wait_for_messages(OLENA.user_id, 1, timeout=15)
    calls = api.calls_of("sendMessage")
    assert [call.status for call in calls] == [429, 429, 429, 429, 200]
    assert all(later.at - earlier.at >= 0.95 for earlier, later in zip(calls, calls[1:]))
    await api.settle()
    assert len(api.messages_to(OLENA.user_id)) == 1
    assert await bot.inbox.status(update_id) == (UpdateStatus.HANDLED, None)


async def test_a_send_cut_off_mid_request_is_counted_and_sent_again(bot: RunningBot) -> None:
    api = bot.api
    api.drop_response("sendMessage")  # Telegram takes it, the answer never comes back
    api.send_text(OLENA, "hello")
    await api.wait_for_messages(OLENA.user_id, 2, timeout=15)
    await api.settle()
    assert len(api.messages_to(OLENA.user_id)) == 2, "the one duplicate a cut-off send may cause"
    figures = await TelegramOutbox(bot.app[DATABASE]).figures()
    assert figures.cut_off == 1 and figures.by_status == {"sent": 1}


async def test_replies_are_stored_with_the_handled_mark_and_erased_once_sent(bot: RunningBot) -> None:
    api = bot.api
    api.rate_limit("sendMessage", retry_after=2)
    update_id = api.send_text(OLENA, "hours?")
    outbox = TelegramOutbox(bot.app[DATABASE])
    await api.wait_for(lambda: bool(api.calls_of("sendMessage")))
    # Telegram said "wait": the update is handled, its answer waits in the outbox.
    assert await bot.inbox.status(update_id) == (UpdateStatus.HANDLED, None)
    assert (await outbox.figures()).by_status == {"sending": 1}
    await api.wait_for_messages(OLENA.user_id, 1, timeout=10)
    await api.settle()
    assert (await outbox.figures()).by_status == {"sent": 1}


async def test_one_slow_chat_does_not_hold_up_the_others(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, tmp_path: Path
) -> None:
    api = telegram_api
    settings = telegram_settings(base_settings, api, "webhook", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_bot(api, settings, wiring_assistant, TelegramLimits()):
        for _ in range(8):
            api.send_text(OLENA, "hello")
        await api.wait_for_messages(OLENA.user_id, 5, timeout=3)
        started = asyncio.get_running_loop().time()
        api.send_text(AHMAD, "hello")
        await api.wait_for_messages(AHMAD.user_id, 1, timeout=3)
        assert asyncio.get_running_loop().time() - started < 1.0
        await api.wait_for_messages(OLENA.user_id, 8, timeout=10)
    assert FAST.chat_burst == 100
