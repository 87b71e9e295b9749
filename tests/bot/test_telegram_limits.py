"""Telegram's limits: flood protection, the per-chat pace, and which failed requests are repeated."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.app import Assistant
from bot.channels.telegram import TelegramLimits
from core.flood import Admission, FloodGuard
from bot.channels.telegram.limits import SendAttempt, TelegramRateLimiter, safe_to_retry
from bot.channels.telegram.pace import LocalSendPace
from core.content import Content
from core.settings import Settings
from storage.telegram_updates import UpdateStatus
from tests.bot.conftest import running_bot, telegram_settings
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram_api import FakeTelegram, Person

FLOODER = Person(3001, "Flo", "uk")
OLENA = Person(3002, "Olena", "uk")


def test_flood_guard_answers_then_warns_once_then_skips_and_recovers() -> None:
    now = [0.0]
    guard = FloodGuard(max_messages=10, window=10.0, clock=lambda: now[0])
    decisions = []
    for _ in range(30):
        decisions.append(guard.admit("flooder"))
        now[0] += 0.3
    assert decisions == [Admission.ANSWER] * 10 + [Admission.SLOW_DOWN] + [Admission.SKIP] * 19
    assert guard.admit("someone else") is Admission.ANSWER
    now[0] += 10.0  # quiet for a while
    assert guard.admit("flooder") is Admission.ANSWER


def test_flood_guard_lets_a_steady_writer_through() -> None:
    now = [0.0]
    guard = FloodGuard(max_messages=10, window=10.0, clock=lambda: now[0])
    for _ in range(50):
        assert guard.admit("steady") is Admission.ANSWER
        now[0] += 1.5


async def test_someone_flooding_is_asked_once_to_slow_down_and_others_are_not_slowed(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, nlu: FakeNlu,
    tmp_path: Path, content: Content,
) -> None:
    api = telegram_api
    settings = telegram_settings(base_settings, api, "polling", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_bot(api, settings, wiring_assistant, TelegramLimits(chat_burst=100)) as bot:
        flood = [api.send_text(FLOODER, f"коли ви відкриті {number}") for number in range(30)]
        started = time.monotonic()
        api.send_text(OLENA, "hello")
        await api.wait_for_messages(OLENA.user_id, 1)
        # Not behind the flooder's thirty (paced, they would take half a minute); the bound is loose
        # because every message is a few database commits and this machine's disk is shared.
        assert time.monotonic() - started < 5.0
        texts = [m["text"] for m in await api.wait_for_messages(FLOODER.user_id, 11)]
        await api.wait_for(lambda: api.pending_updates == 0)
        await api.settle()
        texts = api.texts_to(FLOODER.user_id)
        assert len(texts) == 11
        assert texts[-1] == content.ui_text("slow_down", "uk")
        asked = [t for t in nlu.texts if t.startswith("коли ви відкриті ")]
        assert asked == [f"коли ви відкриті {n}" for n in range(10)]
        assert await bot.inbox.status(flood[-1]) == (UpdateStatus.HANDLED, None)


async def test_replies_to_one_chat_keep_about_one_a_second_after_a_short_burst(
    telegram_api: FakeTelegram, wiring_assistant: Assistant, base_settings: Settings, tmp_path: Path
) -> None:
    api = telegram_api
    settings = telegram_settings(base_settings, api, "webhook", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_bot(api, settings, wiring_assistant, TelegramLimits()):
        for _ in range(7):
            api.send_text(OLENA, "hello")
        await api.wait_for_messages(OLENA.user_id, 5, timeout=5.0)
        api.send_text(FLOODER, "hello")
        await api.wait_for_messages(FLOODER.user_id, 1, timeout=3.0)  # another chat is not held up
        await api.wait_for_messages(OLENA.user_id, 7, timeout=10.0)
    sent = [c.at for c in api.calls_of("sendMessage") if c.params["chat_id"] == OLENA.user_id]
    # (How fast the burst itself goes depends on the machine; the pace after it does not.)
    assert sent[5] - sent[0] >= 0.9 and sent[6] - sent[0] >= 1.9


async def test_the_pace_lets_a_burst_of_five_through_then_one_a_second() -> None:
    pace = LocalSendPace()
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(5):
        await pace.wait_turn(42)
    assert loop.time() - started < 0.2
    await pace.wait_turn(42)
    assert loop.time() - started >= 0.9
    await pace.wait_turn(43)  # another chat has its own burst
    assert loop.time() - started < 1.5


def not_sent_error() -> NetworkError:
    try:
        raise httpx.ConnectError("connection refused")
    except httpx.ConnectError as cause:
        error = NetworkError("httpx.ConnectError: connection refused")
        error.__cause__ = cause
        return error


def maybe_sent_error() -> TimedOut:
    error = TimedOut()
    error.__cause__ = httpx.ReadTimeout("no answer")
    return error


@pytest.mark.parametrize(
    ("method", "error", "expected"),
    [
        ("sendMessage", not_sent_error(), True),
        ("sendMessage", maybe_sent_error(), False),
        ("sendMessage", NetworkError("Bad Gateway"), False),
        ("sendMessage", BadRequest("chat not found"), False),
        ("answerCallbackQuery", maybe_sent_error(), True),
        ("setWebhook", NetworkError("Bad Gateway"), True),
        ("setMyCommands", BadRequest("BOT_COMMAND_INVALID"), False),
    ],
)
def test_only_requests_that_cannot_act_twice_are_repeated(method: str, error: NetworkError, expected: bool) -> None:
    assert safe_to_retry(method, error) is expected


class FlakyTelegram:
    """A request callback that fails with the given errors first, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"message_id": 1}


async def send(limiter: TelegramRateLimiter, callback: FlakyTelegram, method: str = "sendMessage") -> object:
    return await limiter.process_request(callback, (), {}, method, {"chat_id": 42, "text": "x"}, None)


async def test_a_request_that_never_reached_telegram_is_repeated() -> None:
    flaky = FlakyTelegram(not_sent_error(), not_sent_error())
    assert await send(TelegramRateLimiter(network_delay=0.01), flaky) == {"message_id": 1}
    assert flaky.calls == 3


async def test_a_message_that_may_have_arrived_is_not_sent_again() -> None:
    flaky = FlakyTelegram(maybe_sent_error())
    with pytest.raises(TimedOut):
        await send(TelegramRateLimiter(network_delay=0.01), flaky)
    assert flaky.calls == 1


async def test_a_blocked_person_is_not_retried() -> None:
    flaky = FlakyTelegram(Forbidden("Forbidden: bot was blocked by the user"))
    with pytest.raises(Forbidden):
        await send(TelegramRateLimiter(network_delay=0.01), flaky)
    assert flaky.calls == 1


async def test_network_retries_give_up_eventually() -> None:
    flaky = FlakyTelegram(*(not_sent_error() for _ in range(10)))
    with pytest.raises(NetworkError):
        await send(TelegramRateLimiter(network_attempts=3, network_delay=0.01), flaky)
    assert flaky.calls == 3


async def test_retry_after_is_waited_out() -> None:
    flaky = FlakyTelegram(RetryAfter(1))
    started = asyncio.get_running_loop().time()
    await send(TelegramRateLimiter(), flaky)
    assert flaky.calls == 2 and asyncio.get_running_loop().time() - started >= 1.0


async def test_any_number_of_429s_is_waited_out_and_the_request_never_dropped() -> None:
    flaky = FlakyTelegram(*(RetryAfter(0.05) for _ in range(8)))
    attempt = SendAttempt()
    result = await TelegramRateLimiter().process_request(
        flaky, (), {}, "sendMessage", {"chat_id": 42, "text": "x"}, attempt
    )
    assert result == {"message_id": 1} and flaky.calls == 9 and attempt.retry_afters == 8


async def test_a_429_holds_off_every_chat_for_as_long_as_telegram_asks() -> None:
    pace = LocalSendPace()
    limiter = TelegramRateLimiter(pace)
    flaky = FlakyTelegram(RetryAfter(1))
    loop = asyncio.get_running_loop()
    first = asyncio.create_task(send(limiter, flaky))
    await asyncio.sleep(0.1)
    started = loop.time()
    other = FlakyTelegram()
    await limiter.process_request(other, (), {}, "sendMessage", {"chat_id": 43, "text": "y"}, None)
    assert loop.time() - started >= 0.8, "another chat waits too: Telegram's 429 may be for the whole bot"
    await first


async def test_a_group_gets_twenty_messages_a_minute() -> None:
    pace = LocalSendPace()
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(20):
        await pace.wait_turn(-100123)
    assert loop.time() - started < 0.5
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(pace.wait_turn(-100123), 1.0)
