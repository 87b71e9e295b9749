"""The webhook: Telegram's secret, durable receipt before 200, and nothing lost when the process stops."""

from __future__ import annotations

import json
from dataclasses import replace
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import Assistant
from bot.channels.telegram.convert import conversation_key
from bot.keys import ASSISTANT
from core.channels import Arrival
from core.messages import Reply
from core.settings import Settings
from storage.telegram_updates import UpdateStatus
from tests.bot.conftest import MODES, WEBHOOK_SECRET, RunningBot, running_bot, telegram_settings
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegram, Person
from tests.storage.databases import DATABASE_KINDS, fresh_database_url

OLENA = Person(2001, "Olena", "uk")


@pytest.fixture
async def webhook_bot(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    settings = telegram_settings(base_settings, telegram_api, "webhook", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_bot(telegram_api, settings, wiring_assistant) as running:
        yield running


async def post(url: str, body: str, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(
        url, data=body, headers={"Content-Type": "application/json", **headers}
    ) as response:
        return response.status


@pytest.mark.parametrize(
    "headers",
    [{}, {SECRET_HEADER: ""}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: WEBHOOK_SECRET + "x"}, {SECRET_HEADER: WEBHOOK_SECRET[:-1]}],
    ids=["missing", "empty", "wrong", "longer", "shorter"],
)
async def test_a_request_without_the_right_secret_gets_403_and_is_not_processed(
    webhook_bot: RunningBot, nlu: FakeNlu, headers: dict[str, str]
) -> None:
    asked = nlu.requests
    update = webhook_bot.api.text_update(OLENA, "hello, when are you open?")
    assert await post(webhook_bot.webhook_url, json.dumps(update), headers) == 403
    await webhook_bot.api.settle(0.3)
    assert await webhook_bot.inbox.status(update["update_id"]) is None
    assert nlu.requests == asked and not webhook_bot.api.messages_to(OLENA.user_id)

    assert await post(webhook_bot.webhook_url, json.dumps(update), {SECRET_HEADER: WEBHOOK_SECRET}) == 200
    await webhook_bot.api.wait_for_messages(OLENA.user_id, 1)


@pytest.mark.parametrize("body", ["not json", "[]", '{"message": {}}', '{"update_id": "7"}', '{"update_id": true}'])
async def test_a_body_that_is_not_an_update_gets_400(webhook_bot: RunningBot, body: str) -> None:
    assert await post(webhook_bot.webhook_url, body, {SECRET_HEADER: WEBHOOK_SECRET}) == 400


async def test_each_update_is_stored_before_the_webhook_answers(webhook_bot: RunningBot, nlu: FakeNlu) -> None:
    nlu.delay = 1.0  # handling takes a while; receipt must not wait for it
    try:
        update = webhook_bot.api.text_update(OLENA, "hours?")
        assert await post(webhook_bot.webhook_url, json.dumps(update), {SECRET_HEADER: WEBHOOK_SECRET}) == 200
        status = await webhook_bot.inbox.status(update["update_id"])
        assert status is not None and status[0] in (UpdateStatus.PENDING, UpdateStatus.PROCESSING)
        assert status[1] == json.dumps(update)
        assert not webhook_bot.api.messages_to(OLENA.user_id)
    finally:
        nlu.delay = 0.0
    await webhook_bot.api.wait_for_messages(OLENA.user_id, 1)


@pytest.mark.parametrize("database", DATABASE_KINDS)
@pytest.mark.parametrize("mode", MODES)
async def test_an_update_received_before_a_crash_is_answered_once_after_the_restart(
    telegram_api: FakeTelegram,
    wiring_assistant: Assistant,
    base_settings: Settings,
    nlu: FakeNlu,
    tmp_path: Path,
    mode: str,
    database: str,
) -> None:
    api = telegram_api
    async with fresh_database_url(database, tmp_path) as database_url:
        settings = telegram_settings(base_settings, api, mode, database_url)
        nlu.delay = 5.0  # the first run dies while the update is being handled
        try:
            async with running_bot(api, settings, wiring_assistant, shutdown_grace=0.05) as first:
                asked_before = len(nlu.texts)
                update_id = api.send_text(OLENA, "hours?")
                await api.wait_for(lambda: api.pending_updates == 0)  # Telegram considers it delivered
                await api.wait_for(lambda: nlu.texts[asked_before:] == ["hours?"])
                status = await first.inbox.status(update_id)
                assert status is not None and status[0] is UpdateStatus.PROCESSING
        finally:
            nlu.delay = 0.0
        assert not api.messages_to(OLENA.user_id)

        async with running_bot(api, settings, wiring_assistant) as second:
            [reply] = await api.wait_for_messages(OLENA.user_id, 1)
            assert "12:00" in reply["text"] or "17:00" in reply["text"]
            api.deliver_again(update_id)  # a late duplicate from Telegram
            await api.wait_for(lambda: api.pending_updates == 0)
            await api.settle()
            assert len(api.messages_to(OLENA.user_id)) == 1
            assert await second.inbox.status(update_id) == (UpdateStatus.HANDLED, None)


async def test_the_staff_group_is_not_told_that_the_bot_stays_quiet(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, tmp_path: Path
) -> None:
    staff, other = -1001111111111, -1002222222222
    settings = telegram_settings(base_settings, telegram_api, "webhook", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_bot(telegram_api, replace(settings, telegram_staff_chat_id=str(staff)), wiring_assistant):
        telegram_api.add_to_group(OLENA, staff)
        telegram_api.add_to_group(OLENA, other)
        await telegram_api.wait_for_messages(other, 1)
        await telegram_api.settle()
    assert not telegram_api.messages_to(staff)


async def test_later_replies_reach_the_person_until_they_block_the_bot(webhook_bot: RunningBot) -> None:
    reach = webhook_bot.app[ASSISTANT].reach
    webhook_bot.api.send_text(OLENA, "hello")
    await webhook_bot.api.wait_for_messages(OLENA.user_id, 1)
    key = conversation_key(OLENA.user_id)
    assert await reach.send(key, Reply("Вітаю, це Марія з бюро.", "uk")) is Arrival.SHOWN
    # A reply without a topic is a colleague's: Telegram shows whose words they are.
    assert webhook_bot.api.texts_to(OLENA.user_id)[-1] == "💬 Команда бюро:\nВітаю, це Марія з бюро."

    webhook_bot.api.blocked.add(OLENA.user_id)
    assert await reach.send(key, Reply("Ви ще тут?", "uk")) is Arrival.UNREACHABLE
    assert await reach.send(key, Reply("Ви ще тут?", "uk")) is Arrival.UNREACHABLE
    assert [c.status for c in webhook_bot.api.calls_of("sendMessage")][-1:] == [403]
    assert len(webhook_bot.api.calls_of("sendMessage")) == 3, "a closed conversation is not tried again"
