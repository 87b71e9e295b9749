"""The inbox under attack: a colleague's conversation, malformed ids and bodies, sockets after logout, headers, bidi."""

from __future__ import annotations

import asyncio
import os
import sys

import aiohttp
import pytest

from accounts.service import AccountService
from accounts.web import SESSION_SOCKETS
from core.settings import PROJECT_ROOT
from tests.fakes.telegram_api import Person
from tests.handover.conftest import StaffedBot
from tests.handover.test_telegram_handover import handover_of, incoming
from tests.staff.conftest import PASSWORD, Colleague, base_url, log_in

OLENA = Person(1001, "Olena", "uk")
MALLORY = Person(1013, "Mal\u202elory", "en")
JSON = {"Accept": "application/json"}


async def test_close_and_erase_of_a_colleagues_conversation_need_a_recorded_take_over(
    bot: StaffedBot, olga: Colleague, jonas: Colleague
) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    bot.api.send_text(OLENA, "Мені потрібна допомога з листом")
    await incoming(bot, handover.id, 1)
    assert (await olga.post(f"/staff/c/{handover.id}/claim")).status == 200
    for action in ("close", "erase", "release"):
        refused = await jonas.post(f"/staff/c/{handover.id}/{action}")
        assert refused.status == 409 and "Olga" in (await refused.json())["error"], action
    kept = await bot.desk.get(handover.id)
    assert kept is not None and kept.active and kept.claimed_by_name == "Olga"
    assert any(message.text == "Мені потрібна допомога з листом" for message in await bot.desk.messages(handover.id))
    # Knowingly: Jonas takes it over (the history says so), then closes it.
    assert (await jonas.post(f"/staff/c/{handover.id}/close", force="1")).status == 200
    history = await bot.desk.messages(handover.id)
    events = [(message.kind, message.author_name) for message in history if message.direction.value == "event"]
    assert ("claimed", "Jonas") in events and ("closed_staff", "Jonas") in events


async def test_erase_with_a_take_over_erases(bot: StaffedBot, olga: Colleague, jonas: Colleague) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    assert (await olga.post(f"/staff/c/{handover.id}/claim")).status == 200
    assert (await jonas.post(f"/staff/c/{handover.id}/erase", force="1")).status == 200
    assert await bot.desk.get(handover.id) is None


async def test_malformed_ids_and_bodies_get_400_or_404_never_500(
    bot: StaffedBot, olga: Colleague, caplog: pytest.LogCaptureFixture
) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    huge = "1" + "0" * 20
    for method, path in (
        ("GET", f"/staff/c/{huge}"), ("GET", f"/staff/c/{huge}/parts"), ("POST", f"/staff/c/{huge}/reply"),
        ("POST", f"/staff/c/{huge}/claim"), ("POST", f"/staff/c/{huge}/release"), ("POST", f"/staff/c/{huge}/close"),
        ("POST", f"/staff/c/{huge}/erase"), ("POST", f"/staff/m/{huge}/retry"), ("GET", f"/staff/media/{huge}"),
        ("GET", "/staff/c/0"), ("GET", "/staff/c/2147483648"), ("GET", "/staff/c/%D9%A3"),
    ):
        headers = {**JSON, "X-CSRF-Token": olga.csrf}
        async with olga.http.request(method, olga.base + path, json={"text": "x", "key": "k"}, headers=headers) as response:
            assert response.status in (400, 404), (path, response.status)
    base = f"{olga.base}/staff/c/{handover.id}"
    for body, content_type in (
        (b"{not json", "application/json"), (b"[1, 2]", "application/json"), (b'{"text": {"a": 1}}', "application/json"),
        (b"\xff\xfe", "application/json"), (b"text=%ZZ%", "application/x-www-form-urlencoded; charset=bogus"),
    ):
        headers = {**JSON, "X-CSRF-Token": olga.csrf, "Content-Type": content_type}
        for action in ("reply", "claim", "close"):
            async with olga.http.post(f"{base}/{action}", data=body, headers=headers) as response:
                assert response.status == 400, (body, action, response.status)
        for path in ("/staff/availability/closures", "/staff/availability/notice", "/staff/presence", "/staff/templates/new"):
            async with olga.http.post(olga.base + path, data=body, headers=headers) as response:
                assert response.status == 400, (body, path, response.status)
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    assert (await bot.desk.get(handover.id)).active  # type: ignore[union-attr]


async def test_logout_closes_the_inbox_socket_at_once(bot: StaffedBot, olga: Colleague) -> None:
    async with olga.http.ws_connect(f"{olga.base}/staff/ws", headers={"Origin": olga.base}) as socket:
        assert (await socket.receive_json())["type"] == "hello"
        assert bot.app[SESSION_SOCKETS].count() == 1
        async with olga.http.post(f"{olga.base}/logout", data={"csrf_token": olga.csrf}, allow_redirects=False):
            pass
        closing = await socket.receive(timeout=2)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
        bot.api.send_text(OLENA, "/human")
        await handover_of(bot, OLENA)
        assert socket.closed


async def test_removing_an_account_or_changing_its_password_closes_its_sockets(
    bot: StaffedBot, olga: Colleague, jonas: Colleague, accounts: AccountService
) -> None:
    async with olga.http.ws_connect(f"{olga.base}/staff/ws", headers={"Origin": olga.base}) as olga_socket, \
            jonas.http.ws_connect(f"{jonas.base}/staff/ws", headers={"Origin": jonas.base}) as jonas_socket:
        for socket in (olga_socket, jonas_socket):
            assert (await socket.receive_json())["type"] == "hello"
        # Olga changes her password on another device: this browser's session and socket end.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
            csrf = await log_in(other, olga.base, "olga")
            form = {"csrf_token": csrf, "current_password": PASSWORD, "new_password": "another-long-one",
                    "repeat_password": "another-long-one"}
            async with other.post(f"{olga.base}/account/password", data=form, allow_redirects=False) as changed:
                assert changed.status == 303
        assert (await olga_socket.receive(timeout=2)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        # Jonas's account is removed with the command line (another process): his socket hears nothing more.
        env = {**os.environ, "ASSISTANT_DATABASE_URL": bot.settings.database_url}
        removal = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "staff", "remove", "jonas", env=env, cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(removal.communicate(), 60)
        assert removal.returncode == 0, err
        assert b"removed staff account 'jonas'; 1 login(s) ended" in out
        bot.api.send_text(OLENA, "/human")
        message = await jonas_socket.receive(timeout=10)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message


async def test_staff_pages_and_their_errors_carry_the_security_headers(bot: StaffedBot, olga: Colleague) -> None:
    async with aiohttp.ClientSession() as anonymous:
        for path, status in (("/login", 200), ("/staff/c/1/parts", 401), ("/nothing", 404)):
            async with anonymous.get(base_url(bot) + path, headers=JSON if "parts" in path else {}) as response:
                assert response.status == status
                assert response.headers["Referrer-Policy"] == "no-referrer"
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.headers["Cache-Control"] == "no-store"
                assert "Server" not in response.headers
    async with olga.http.get(f"{olga.base}/staff/") as response:
        assert response.headers["Cache-Control"] == "no-store" and "Server" not in response.headers


async def test_bidi_controls_in_a_name_and_a_message_reorder_nothing(bot: StaffedBot, olga: Colleague) -> None:
    bot.api.send_text(MALLORY, "/human")
    handover = await handover_of(bot, MALLORY)
    bot.api.send_text(MALLORY, "my invoice \u202egpj.exe\u202c and \u2066isolate\u2069 \u200fmark")
    await incoming(bot, handover.id, 1)
    for path in ("/staff/", f"/staff/c/{handover.id}"):
        async with olga.http.get(olga.base + path) as response:
            html = await response.text()
        assert not any(control in html for control in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), path
        assert "<bdi>Mallory</bdi>" in html
    assert "my invoice gpj.exe and isolate \u200fmark" in html
    # What was written is kept as it was: only the display loses the controls.
    stored = [message.text for message in await bot.desk.messages(handover.id) if message.text]
    assert any("\u202e" in text for text in stored)
    await asyncio.sleep(0)
