"""Several `assistant serve` processes on one PostgreSQL database and one Redis server act as one assistant.

Real processes, started as an operator would (plain postgresql:// URL), on the fake NLU server.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from accounts.service import AccountService
from core.clock import utc_now
from core.messages import ConversationKey
from handover.models import Delivery
from handover.store import HandoverStore
from handover.views import StaffMember
from storage.leases import Leases
from storage.migrate import open_database
from tests.conftest import FAKE_RULES
from tests.fakes.nlu import FakeNlu, serve_fake_nlu
from tests.processes import ServeProcess, plain_url
from tests.staff.conftest import PASSWORD, log_in
from tests.storage.databases import fresh_database_url
from tests.storage.redis_server import REDIS_URL, redis_client

pytestmark = pytest.mark.slow


@pytest.fixture
async def postgres_url(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database_url("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
async def nlu_url() -> AsyncIterator[tuple[str, str]]:
    nlu = FakeNlu(FAKE_RULES)
    async with serve_fake_nlu(nlu) as url:
        yield url, nlu.token


@pytest.fixture
async def pair(postgres_url: str, nlu_url: tuple[str, str], tmp_path: Path) -> AsyncIterator[list[ServeProcess]]:
    """Two processes on the same database and Redis, with a colleague's account ready."""
    async with redis_client():  # skips without Redis
        pass
    async with open_database(postgres_url) as database:
        await AccountService(database).create("olga", PASSWORD, ["staff"], "Olga", ["uk", "ru", "en"])
    environ = {
        "ASSISTANT_DATABASE_URL": plain_url(postgres_url),
        "ASSISTANT_REDIS_URL": REDIS_URL,
        "NLU_URL": nlu_url[0],
        "NLU_TOKEN": nlu_url[1],
    }
    processes = [
        ServeProcess(name, {**environ, "ASSISTANT_VAR_DIR": str(tmp_path / name)}, tmp_path / f"{name}.log")
        for name in ("a", "b")
    ]
    try:
        for process in processes:
            process.start()
        await asyncio.gather(*(process.ready() for process in processes))
        yield processes
    finally:
        for process in processes:
            process.stop()


async def frame(socket: aiohttp.ClientWebSocketResponse, timeout: float = 10.0) -> dict[str, object]:
    message = await socket.receive(timeout)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    return dict(json.loads(message.data))


async def said(chat: aiohttp.ClientWebSocketResponse, timeout: float = 5.0) -> dict[str, object]:
    """Return the next frame that shows a message, past those that tell whether staff look after the chat."""
    while (found := await frame(chat, timeout=timeout))["type"] == "handover":
        pass
    return found


async def test_a_handover_started_on_one_is_answered_from_the_other_live(pair: list[ServeProcess]) -> None:
    a, b = pair
    async with aiohttp.ClientSession() as person, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as staff:
        csrf = await log_in(staff, b.url, "olga")
        async with staff.ws_connect(f"{b.url}/staff/ws", origin=b.url) as inbox:
            assert (await frame(inbox))["type"] == "hello"
            async with person.ws_connect(f"{a.url}/chat/ws?lang=en") as chat:
                await frame(chat)  # history
                await frame(chat)  # welcome
                await chat.send_str(json.dumps({"type": "message", "text": "I want to talk to a person"}))
                confirmation = await said(chat)
                assert confirmation["buttons"] == [{"label": "Back to the assistant", "payload": "handover:cancel"}]
                # The inbox on the other process hears of it at once.
                started = await frame(inbox)
                assert started["type"] == "change" and started["what"] == "started"
                handover = started["handover"]
                headers = {"Accept": "application/json", "X-CSRF-Token": csrf}
                claimed = await staff.post(f"{b.url}/staff/c/{handover}/claim", json={}, headers=headers)
                assert claimed.status == 200, await claimed.text()
                joined = await said(chat, timeout=10)
                assert joined["from"] == "assistant", "a colleague has joined"
                replied = await staff.post(
                    f"{b.url}/staff/c/{handover}/reply", json={"text": "Hello, Olga here.", "key": "r1"}, headers=headers
                )
                assert replied.status == 200, await replied.text()
                # The reply, written on b, reaches the person's open chat on a, live.
                reply = await said(chat, timeout=10)
                assert reply["from"] == "staff" and reply["text"] == "Hello, Olga here."
                closed = await staff.post(f"{b.url}/staff/c/{handover}/close", json={}, headers=headers)
                assert closed.status == 200
                handback = await said(chat, timeout=10)
                assert handback["from"] == "assistant" and handback["buttons"]


async def _exit_code(process: ServeProcess, timeout: float = 120.0) -> int:
    assert process.process is not None
    return await asyncio.to_thread(process.process.wait, timeout)


async def test_without_redis_a_second_instance_is_refused_and_a_killed_one_restarts_at_once(
    postgres_url: str, nlu_url: tuple[str, str], tmp_path: Path
) -> None:
    environ = {"ASSISTANT_DATABASE_URL": plain_url(postgres_url), "NLU_URL": nlu_url[0], "NLU_TOKEN": nlu_url[1]}
    first, second = (
        ServeProcess(name, {**environ, "ASSISTANT_VAR_DIR": str(tmp_path / name)}, tmp_path / f"{name}.log")
        for name in ("first", "second")
    )
    try:
        first.start()
        await first.ready()
        second.start()
        assert await _exit_code(second) != 0, "a second instance without Redis must not run"
        said = [line for line in second.log.read_text().splitlines() if line.strip()]
        assert "Traceback" not in "\n".join(said)
        assert len(said) == 1, said
        assert said[0].startswith("assistant: another live instance") and "ASSISTANT_REDIS_URL" in said[0]
        assert f":{first.port})" in said[0], "the refusal names the instance that holds the database"
        # The same address (an instance is named after it) cannot be started twice either.
        twin = ServeProcess("twin", {**environ, "ASSISTANT_VAR_DIR": str(tmp_path / "twin")}, tmp_path / "twin.log", port=first.port)
        twin.start()
        assert await _exit_code(twin) != 0
        said = [line for line in twin.log.read_text().splitlines() if line.strip()]
        assert len(said) == 1 and said[0].startswith("assistant: ASSISTANT_HTTP_HOST/ASSISTANT_HTTP_PORT"), said

        # Killed and restarted at the same address: it goes on at once, without waiting for its lease.
        first.kill()
        first.start()
        restarted_in = await first.ready()
        assert "another live instance" not in first.tail()

        # Killed for good: another instance is refused while the lease (15 s) runs, then starts.
        first.kill()
        killed = time.monotonic()
        refusals = 0
        while True:
            attempt = time.monotonic()
            second.start()
            try:
                await second.ready()
                break
            except AssertionError:
                assert "another live instance" in second.tail(1), second.tail()
                refusals += 1
                assert time.monotonic() - killed < 15 + 5, "the killed instance blocked the database past its lease"
        print(f"restart at the same address ready in {restarted_in:.1f} s; another instance refused {refusals} time(s), "
              f"then started by an attempt {attempt - killed:.1f} s after the kill")
        assert refusals >= 1, "the killed instance's lease was not respected"
        assert attempt - killed <= 15 + 3
    finally:
        first.stop()
        second.stop()


async def test_background_work_runs_once_and_a_live_instances_sends_are_left_alone(
    pair: list[ServeProcess], postgres_url: str
) -> None:
    a, b = pair
    host = socket.gethostname()[:80]
    chores = ("chore:conversation-retention", "chore:handover-retention", "chore:lease-cleanup", "chore:web-chat-retention")
    async with open_database(postgres_url) as database:
        leases, store = Leases(database), HandoverStore(database)

        async def holders() -> dict[str, str | None]:
            return {name: await leases.holder(name) for name in chores}

        # Each chore is held by exactly one of the two.
        held = await holders()
        assert all(held.values()) and set(held.values()) <= {f"{host}:{a.port}", f"{host}:{b.port}"}, held

        # A reply a is sending right now, and one of an instance that died long ago.
        handover, _ = await store.open(ConversationKey("web", "staged"), "Olena", "uk", None, "requested", utc_now())
        colleague = StaffMember("account:1", "Olga")
        for text in ("in flight on a", "in flight on a dead one"):
            await store.add_reply(handover.id, colleague, text, text, utc_now())
        assert await store.take_next_outgoing(handover.id, f"{host}:{a.port}") is not None
        assert await store.take_next_outgoing(handover.id, "gone:1") is not None

        async def deliveries() -> dict[str, Delivery | None]:
            return {m.text or "": m.delivery for m in await store.messages(handover.id) if m.delivery is not None}

        # b restarts: it takes the dead one's send as interrupted, never a's.
        b.stop()
        b.start()
        await b.ready()
        assert (await deliveries()) == {"in flight on a": Delivery.SENDING, "in flight on a dead one": Delivery.UNKNOWN}

        # a is killed: its send becomes "delivery unclear" on b, and its chores move to b.
        a.kill()
        killed = time.monotonic()
        while (await deliveries())["in flight on a"] is not Delivery.UNKNOWN:
            assert time.monotonic() - killed < 15 + 15 + 10, "b never took over the killed instance's send"
            await asyncio.sleep(0.5)
        marked_after = time.monotonic() - killed
        while set((await holders()).values()) != {f"{host}:{b.port}"}:
            assert time.monotonic() - killed < 15 + 5 + 10, await holders()
            await asyncio.sleep(0.5)
        print(f"the killed instance's send marked unclear after {marked_after:.1f} s, its chores moved after {time.monotonic() - killed:.1f} s")


async def _ask(a: ServeProcess, text: str) -> tuple[str, float]:
    """Open a new chat on `a`, say `text`, and return the answer's text and how long it took."""
    async with aiohttp.ClientSession() as person, person.ws_connect(f"{a.url}/chat/ws?lang=en") as chat:
        await frame(chat)  # history
        await frame(chat)  # welcome
        started = time.monotonic()
        await chat.send_str(json.dumps({"type": "message", "text": text}))
        answer = await said(chat, timeout=10)
        return str(answer["text"]), time.monotonic() - started


async def test_presence_and_closures_set_on_one_process_are_used_by_the_other_at_once(pair: list[ServeProcess]) -> None:
    a, b = pair
    here_now = "A colleague is here now"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as staff:
        csrf = await log_in(staff, b.url, "olga")
        headers = {"Accept": "application/json", "X-CSRF-Token": csrf}

        async def choose(state: str) -> None:
            async with staff.post(f"{b.url}/staff/presence", json={"state": state}, headers=headers) as chosen:
                assert chosen.status == 200, await chosen.text()

        await choose("away")
        async with staff.ws_connect(f"{b.url}/staff/ws", origin=b.url) as inbox:
            assert (await frame(inbox))["type"] == "hello"
            # Olga's inbox is open on b, but she set herself away: a person on a is not promised her.
            text, _ = await _ask(a, "I want to talk to a person")
            assert here_now not in text, text
            # She switches to available on b; the very next person on a hears that someone is here.
            await choose("available")
            text, took = await _ask(a, "I want to talk to a person")
            assert here_now in text, text
            print(f"presence: switched on b, answered on a {took * 1000:.0f} ms later with a colleague present")
            await choose("away")
            text, _ = await _ask(a, "I want to talk to a person")
            assert here_now not in text, text
            await choose("available")
        # Her last inbox page closed on b: nobody is promised on a either.
        for _ in range(20):
            text, _ = await _ask(a, "I want to talk to a person")
            if here_now not in text:
                break
            await asyncio.sleep(0.1)
        assert here_now not in text, "a still counts a page closed on b"

        # A closure for today, entered on b, is what a's very next answer about the hours says.
        today = datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()
        text, _ = await _ask(a, "opening hours?")
        assert "closed today" not in text, text
        async with staff.post(
            f"{b.url}/staff/availability/closures", json={"day": today, "reason": "team_training"}, headers=headers
        ) as closed:
            assert closed.status == 200, await closed.text()
        entered = time.monotonic()
        text, took = await _ask(a, "opening hours?")
        assert "The office is closed today: staff training." in text, text
        print(f"closure: entered on b, answered on a {(time.monotonic() - entered) * 1000:.0f} ms later (the answer took {took * 1000:.0f} ms)")
        assert time.monotonic() - entered < 1.0 + took
