"""Telegram with two real `assistant serve` processes on one PostgreSQL database and one Redis server.

Both receive by webhook, as behind a reverse proxy that spreads Telegram's requests: the test posts
each update to one of them, and measures at the Bot API fake what both together sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from core.content import load_content
from core.settings import PROJECT_ROOT
from bot.channels.telegram.channel import STAFF_GROUP_CHORE
from bot.channels.telegram.custody import DEFAULT_LEASE
from bot.channels.telegram.receive import POLLER_LEASE
from storage.chores import CHORE_PREFIX
from storage.leases import Leases
from storage.migrate import open_database
from storage.telegram_outbox import TelegramOutbox
from tests.bot.faults import RULES, People, settle_answers
from tests.bot.test_several_processes import postgres_url  # noqa: F401  (a fixture)
from tests.fakes.nlu import FakeNlu, serve_fake_nlu
from tests.fakes.telegram_api import SECRET_HEADER, ApiCall, FakeTelegram, Json, Person, serve_fake_telegram
from tests.processes import ServeProcess, free_port, plain_url
from tests.storage.redis_server import REDIS_URL, redis_client

pytestmark = pytest.mark.slow

SECRET = "two-processes-secret_0123456789"
# Telegram's limits as the app keeps them (bot/channels/telegram/channel.py, TelegramLimits).
CHAT_BURST, CHAT_SECONDS, OVERALL_PER_SECOND = 5, 1.0, 30
LEASE_SECONDS = DEFAULT_LEASE.total_seconds()


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    async with serve_fake_telegram(fake):
        yield fake


@asynccontextmanager
async def two_processes(
    postgres_url: str, api: FakeTelegram, tmp_path: Path, webhook: bool, **more: str
) -> AsyncIterator[list[ServeProcess]]:
    """Two processes on one database and Redis; by webhook, each takes Telegram's requests at its own address."""
    async with redis_client():  # skips without Redis
        pass
    nlu = FakeNlu({**RULES, "person": "human_handover"})
    async with serve_fake_nlu(nlu) as nlu_url:
        processes = []
        for name in ("a", "b"):
            port = free_port()
            environ = {
                "ASSISTANT_DATABASE_URL": plain_url(postgres_url),
                "ASSISTANT_REDIS_URL": REDIS_URL,
                "ASSISTANT_VAR_DIR": str(tmp_path / name),
                "NLU_URL": nlu_url,
                "NLU_TOKEN": nlu.token,
                "NLU_TIMEOUT": "30",
                "TELEGRAM_BOT_TOKEN": api.token,
                "TELEGRAM_API_URL": api.url,
                "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook" if webhook else "",
                "TELEGRAM_WEBHOOK_SECRET": SECRET if webhook else "",
                **more,
            }
            processes.append(ServeProcess(name, environ, tmp_path / f"{name}.log", port=port))
        try:
            # One after the other: two first starts on an empty database race to fill it (issue: seeding
            # the reply templates is not safe against a second process starting at the same moment).
            for process in processes:
                process.start()
                await process.ready()
            yield processes
        finally:
            for process in processes:
                process.stop()


@pytest.fixture
async def webhook_pair(postgres_url: str, api: FakeTelegram, tmp_path: Path) -> AsyncIterator[list[ServeProcess]]:  # noqa: F811
    async with two_processes(postgres_url, api, tmp_path, webhook=True) as processes:
        await api.wait_for(lambda: len(api.calls_of("setWebhook")) >= 2, timeout=30)
        yield processes


async def post(session: aiohttp.ClientSession, process: ServeProcess, update: Json) -> None:
    """Deliver an update to one process, as Telegram does through the proxy: again until it answers 2xx."""
    for _ in range(100):
        async with session.post(f"{process.url}/telegram/hook", json=update, headers={SECRET_HEADER: SECRET}) as response:
            if response.status == 200:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{process.name} did not take update {update['update_id']}")


def message(api: FakeTelegram, person: Person, text: str, sent_at: float) -> Json:
    update = api.text_update(person, text)
    update["message"]["date"] = int(sent_at)
    return update


def sends(api: FakeTelegram, chat_id: int | None = None) -> list[ApiCall]:
    """The messages Telegram accepted (to one chat, or all), in the order they arrived."""
    return [
        call for call in api.calls_of("sendMessage")
        if call.status == 200 and (chat_id is None or call.params.get("chat_id") == chat_id)
    ]


def most_in_window(times: Sequence[float], seconds: float) -> int:
    ordered = sorted(times)
    return max((sum(1 for t in ordered if start <= t < start + seconds) for start in ordered), default=0)


async def test_one_chats_pace_and_the_flood_guard_hold_across_both_processes(
    webhook_pair: list[ServeProcess], api: FakeTelegram
) -> None:
    a, b = webhook_pair
    steady, flooder = Person(71_001, "Steady", "en"), Person(71_002, "Flooder", "en")
    now = time.time()
    async with aiohttp.ClientSession() as session:
        # Sixteen messages written 2 s apart (no flood), reaching the two processes in turn.
        for n in range(16):
            await post(session, (a, b)[n % 2], message(api, steady, "hello", now - 32 + 2 * n))
        # Fourteen messages within a few seconds: more than 10 in 10 s, however they are spread.
        for n in range(14):
            await post(session, (a, b)[n % 2], message(api, flooder, "hello", now))
        await api.wait_for(lambda: len(sends(api, steady.user_id)) >= 16, timeout=60)
        await api.wait_for(lambda: len(sends(api, flooder.user_id)) >= 11, timeout=30)
        await api.settle(1.5)

    times = [call.at for call in sends(api, steady.user_id)]
    assert len(times) == 16
    # A burst of five, then one a second, counted for both processes together (a little slack for
    # the time between Redis's decision and the request reaching the fake).
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            allowed = CHAT_BURST + (times[j] - times[i]) / CHAT_SECONDS + 0.5
            assert j - i + 1 <= allowed, f"{j - i + 1} messages to one chat within {times[j] - times[i]:.2f} s"

    content = load_content(PROJECT_ROOT / "data")
    flooded = [str(call.params.get("text")) for call in sends(api, flooder.user_id)]
    assert flooded.count(content.ui_text("slow_down", "en")) == 1, "asked once to slow down, by one of the two"
    assert len(flooded) == 11, "ten answered, one asked to slow down, the rest skipped: one count for both"


async def test_thirty_a_second_overall_and_a_429_hold_both_processes(
    webhook_pair: list[ServeProcess], api: FakeTelegram
) -> None:
    a, b = webhook_pair
    people = [Person(72_000 + n, f"P{n}", "en") for n in range(60)]
    now = time.time()
    updates = [message(api, person, "hello", now - 10 + 5 * round_) for round_ in range(2) for person in people]
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(post(session, (a, b)[n % 2], update) for n, update in enumerate(updates)))
        await api.wait_for(lambda: len(sends(api)) >= 20, timeout=60)
        # One 429 (retry after 2 s) to whichever process sends next: both must hold off.
        api.rate_limit("sendMessage", retry_after=2, times=1)
        await api.wait_for(lambda: any(call.status == 429 for call in api.calls_of("sendMessage")), timeout=30)
        await api.wait_for(lambda: len(sends(api)) >= len(updates), timeout=120)
        await api.settle(1.0)

    accepted = sends(api)
    assert len(accepted) == len(updates)
    # Redis gives each send its turn, 1/30 s apart, and checks again when it really goes; the fake
    # sees each request after its process's own delay (its event loop, a connection), so arrivals
    # can bunch a little: 30 in one second and 87-88 in three were seen here, also with both cores
    # kept busy. Two processes pacing themselves alone sent 54 to 70 in one second. All 120 take
    # at least 119/30 s plus the 2 s held off, whenever each arrived.
    times = [call.at for call in accepted]
    print(f"most sends in 1 s: {most_in_window(times, 1.0)}, in 3 s: {most_in_window(times, 3.0)}")
    assert most_in_window(times, 1.0) <= OVERALL_PER_SECOND * 1.25, times
    assert most_in_window(times, 3.0) <= OVERALL_PER_SECOND * 3 * 1.1, times
    assert times[-1] - times[0] >= (len(times) - 1) / OVERALL_PER_SECOND + 1.0, times
    [refused] = [call for call in api.calls_of("sendMessage") if call.status == 429]
    # The hold begins when the refused process has read the 429 and written the hold to Redis;
    # requests that passed their check before that may still arrive. On a loaded machine (two
    # apps, Rasa and the suite on two cores) one was seen 0.32 s after the 429. Then nothing
    # until the hold ends.
    during = [call.at - refused.at for call in accepted if 0.8 <= call.at - refused.at < 1.9]
    assert during == [], f"sent during the hold-off: {during}"
    assert any(call.at - refused.at >= 1.9 for call in accepted), "sending went on after the hold-off"


async def poller(database_url: str) -> str:
    async with open_database(database_url) as database:
        return await Leases(database).holder(POLLER_LEASE) or ""


async def test_a_killed_poller_is_replaced_within_the_lease_and_nothing_is_lost_or_answered_twice(
    postgres_url: str, api: FakeTelegram, tmp_path: Path  # noqa: F811
) -> None:
    async with two_processes(postgres_url, api, tmp_path, webhook=False) as processes:
        await api.wait_for(lambda: bool(api.calls_of("getUpdates")), timeout=30)
        content = load_content(PROJECT_ROOT / "data")
        people = People(api, content, first_id=73_000, count=12)
        for person in people.people:
            for _ in range(3):
                people.write(person)
        await api.wait_for(lambda: people.received() >= people.expected // 3, timeout=60)
        holder = await poller(postgres_url)
        [killed] = [process for process in processes if holder.endswith(f":{process.port}")]
        [survivor] = [process for process in processes if process is not killed]
        killed.kill()
        killed_at = time.monotonic()
        # People go on writing while nobody polls; some of the dead one's updates are still unhandled.
        for person in people.people:
            people.write(person)
        while not (await poller(postgres_url)).endswith(f":{survivor.port}"):
            assert time.monotonic() - killed_at < LEASE_SECONDS + LEASE_SECONDS / 3 + 5, "polling did not move"
            await asyncio.sleep(0.25)
        took_over_after = time.monotonic() - killed_at
        await settle_answers(people, api, 120)
        async with open_database(postgres_url) as database:
            cut_off = (await TelegramOutbox(database).figures()).cut_off
    tally = people.tally("poller killed")
    assert took_over_after <= LEASE_SECONDS + LEASE_SECONDS / 3 + 2, took_over_after
    assert tally.messages == 48 and tally.lost == 0, tally
    assert tally.out_of_order == 0, tally
    assert tally.duplicated <= cut_off, (tally, cut_off)


STAFF_CHAT = -1009876543210


def assert_posted_once(api: FakeTelegram, thread: int) -> None:
    """The handover's introduction and the person's message, each posted once in its topic."""
    texts = [str(message.get("text")) for message in api.messages_in_thread(STAFF_CHAT, thread)]
    assert len(texts) == 2 and len(set(texts)) == 2, texts


async def test_the_staff_group_is_mirrored_by_one_process_and_by_the_other_once_it_dies(
    postgres_url: str, api: FakeTelegram, tmp_path: Path  # noqa: F811
) -> None:
    api.staff_group(STAFF_CHAT, forum=True)
    async with two_processes(
        postgres_url, api, tmp_path, webhook=False, TELEGRAM_STAFF_CHAT_ID=str(STAFF_CHAT)
    ) as processes:
        await api.wait_for(lambda: bool(api.calls_of("getUpdates")), timeout=30)
        first, second = Person(74_001, "Olena", "en"), Person(74_002, "Ahmad", "en")
        api.send_text(first, "I want to talk to a person")
        await api.wait_for(lambda: len(api.topics(STAFF_CHAT)) == 1, timeout=30)
        await api.settle(2.0)
        # Both processes hear of the handover (over Redis); only the holder of the lease posts it.
        assert len(api.topics(STAFF_CHAT)) == 1
        [thread] = api.topics(STAFF_CHAT)
        assert_posted_once(api, thread)

        async with open_database(postgres_url) as database:
            mirror = await Leases(database).holder(CHORE_PREFIX + STAFF_GROUP_CHORE) or ""
        [killed] = [process for process in processes if mirror.endswith(f":{process.port}")]
        killed.kill()
        killed_at = time.monotonic()
        api.send_text(second, "I want to talk to a person")
        # The other process takes the mirror over once the lease expired, and catches up.
        await api.wait_for(lambda: len(api.topics(STAFF_CHAT)) == 2, timeout=LEASE_SECONDS + LEASE_SECONDS / 3 + 30)
        took_over_after = time.monotonic() - killed_at
        await api.settle(2.0)
    assert len(api.topics(STAFF_CHAT)) == 2
    assert len(api.calls_of("createForumTopic")) == 2
    for thread in api.topics(STAFF_CHAT):
        assert_posted_once(api, thread)
    assert took_over_after <= LEASE_SECONDS + LEASE_SECONDS / 3 + 30
