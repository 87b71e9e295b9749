"""Several instances on one database: one poller at a time, in-flight work stays with its live owner."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.app import Assistant
from bot.keys import DATABASE
from core.settings import Settings
from storage.leases import Leases
from storage.telegram_updates import UpdateStatus
from tests.bot.conftest import running_bot, telegram_settings
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram_api import FakeTelegram, Person

OLENA = Person(7001, "Olena", "uk")
AHMAD = Person(7002, "Ahmad", "ar")
LEASE = timedelta(seconds=3)


async def test_two_instances_on_one_database_poll_one_at_a_time(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, tmp_path: Path
) -> None:
    api, url = telegram_api, f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    first_settings = telegram_settings(base_settings, api, "polling", url)
    second_settings = telegram_settings(base_settings, api, "polling", url)
    async with AsyncExitStack() as first_run:
        first = await first_run.enter_async_context(running_bot(api, first_settings, wiring_assistant, lease=LEASE))
        await api.wait_for(lambda: bool(api.calls_of("getUpdates")))
        async with running_bot(api, second_settings, wiring_assistant, lease=LEASE):
            api.send_text(OLENA, "hello")
            await api.wait_for_messages(OLENA.user_id, 1)
            await asyncio.sleep(2 * LEASE.total_seconds())  # the second has had time to try
            assert api.conflicts == 0, "never two getUpdates at once"
            leases = Leases(first.app[DATABASE])
            assert (await leases.holder("telegram:poller") or "").endswith(f":{first_settings.http_port}")

            # The poller stops: the other takes over polling, without waiting for the lease to expire.
            await first_run.aclose()
            api.send_text(AHMAD, "hello")
            await api.wait_for_messages(AHMAD.user_id, 1, timeout=LEASE.total_seconds() + 5)
            assert (await leases.holder("telegram:poller") or "").endswith(f":{second_settings.http_port}")
            await api.settle()
    assert len(api.messages_to(OLENA.user_id)) == 1 and len(api.messages_to(AHMAD.user_id)) == 1
    assert api.conflicts == 0


async def test_a_starting_instance_leaves_a_live_ones_work_alone(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, nlu: FakeNlu, tmp_path: Path
) -> None:
    api, url = telegram_api, f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    webhook = telegram_settings(base_settings, api, "webhook", url)
    polling = telegram_settings(base_settings, api, "polling", url)
    nlu.delay, asked_before = 2.0, len(nlu.texts)
    try:
        async with running_bot(api, webhook, wiring_assistant, lease=LEASE) as first:
            update_id = api.send_text(OLENA, "hours?")
            await api.wait_for(lambda: nlu.texts[-1:] == ["hours?"])
            async with running_bot(api, polling, wiring_assistant, lease=LEASE):
                status = await first.inbox.status(update_id)
                assert status is not None and status[0] is UpdateStatus.PROCESSING
                await api.wait_for_messages(OLENA.user_id, 1, timeout=10)
                await api.settle(1.0)
    finally:
        nlu.delay = 0.0
    assert len(api.messages_to(OLENA.user_id)) == 1
    assert nlu.texts[asked_before:] == ["hours?"], "the second instance did not handle it again"


async def test_a_poll_ended_by_another_poller_is_reported_as_such(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.channels.telegram.receive")
    api = telegram_api
    settings = telegram_settings(base_settings, api, "polling", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    # A foreign process (another database, the same token) polls too.
    async with running_bot(api, settings, wiring_assistant), aiohttp.ClientSession() as session:
        await api.wait_for(lambda: bool(api.calls_of("getUpdates")))
        await asyncio.sleep(0.3)
        async with session.post(f"{api.url}/bot{api.token}/getUpdates", json={"timeout": 0}):
            pass
        await api.wait_for(lambda: api.conflicts >= 1)
        await asyncio.sleep(0.2)
    warnings = [record.getMessage() for record in caplog.records]
    assert any("another instance is polling this bot" in warning for warning in warnings)
