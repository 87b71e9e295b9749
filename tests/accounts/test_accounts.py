"""Accounts: hashed passwords, a throttled login, sessions and CSRF, through real HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

import accounts.models  # noqa: F401  (registers the tables)
from accounts.passwords import hash_password, verify_password
from accounts.service import AccountError, AccountService
from accounts.throttle import LoginThrottle, ThrottleRules
from accounts.web import ACCOUNTS, SessionPolicy, install_accounts, require_role, safe_next
from core.addresses import client_address, trusted_networks
from storage.db import Database
from storage.migrate import open_database

DATABASE = web.AppKey("database", Database)


def test_password_hash_is_salted_and_verifies() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second and "correct" not in first
    assert verify_password("correct horse battery", first)
    assert not verify_password("wrong horse battery", first)
    assert not verify_password("anything", "not-a-hash")


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}") as db:
        yield db


async def test_accounts_refuse_bad_input(database: Database) -> None:
    service = AccountService(database)
    await service.create("Olga", "0123456789ab", ["staff"], "Olga", ["uk", "ru"])
    with pytest.raises(AccountError):
        await service.create("olga", "0123456789ab", ["staff"])
    with pytest.raises(AccountError):
        await service.create("short", "123", ["staff"])
    with pytest.raises(AccountError):
        await service.create("boss", "0123456789ab", ["admin"])
    assert await service.authenticate("OLGA", "0123456789ab", "1.2.3.4") is not None
    assert await service.authenticate("olga", "wrong-password", "1.2.3.4") is None


@pytest.fixture
async def site(database: Database) -> AsyncIterator[str]:
    async def staff_page(request: web.Request) -> web.Response:
        info = require_role(request, "staff")
        return web.Response(text=f"hello {info.account.display_name} csrf={info.csrf_token}")

    async def staff_action(request: web.Request) -> web.Response:
        require_role(request, "staff")
        return web.Response(text="done")

    app = web.Application()
    app[DATABASE] = database
    # The tests play several clients through one trusted proxy (127.0.0.1) that names them.
    install_accounts(app, DATABASE, SessionPolicy(trusted_proxies=trusted_networks(["127.0.0.1"])))
    app.router.add_get("/staff/", staff_page)
    app.router.add_post("/staff/act", staff_action)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    await app[ACCOUNTS].create("olga", "0123456789ab", ["staff"], "Olga")
    await app[ACCOUNTS].create("ana", "0123456789ab", ["analyst"], "Ana")
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def log_in(
    client: aiohttp.ClientSession, base: str, username: str, password: str, address: str = "", next: str = ""
) -> aiohttp.ClientResponse:
    page = await (await client.get(f"{base}/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return await client.post(
        f"{base}/login", data={"username": username, "password": password, "csrf_token": csrf, "next": next},
        headers={"X-Forwarded-For": address} if address else {},
        allow_redirects=False,
    )


async def test_login_protects_staff_pages_and_forms(site: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        response = await client.get(f"{site}/staff/", allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/login")
        assert (await log_in(client, site, "olga", "nope-nope-nope")).status == 401
        response = await log_in(client, site, "olga", "0123456789ab")
        assert response.status == 302 and response.headers["Location"] == "/staff/"
        cookie = response.cookies["assistant_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        page = await (await client.get(f"{site}/staff/")).text()
        assert page.startswith("hello Olga")
        csrf = page.split("csrf=")[1]
        assert (await client.post(f"{site}/staff/act")).status == 403
        assert (await client.post(f"{site}/staff/act", headers={"X-CSRF-Token": "forged"})).status == 403
        assert (await client.post(f"{site}/staff/act", headers={"X-CSRF-Token": csrf})).status == 200
        await client.post(f"{site}/logout", data={"csrf_token": csrf}, allow_redirects=False)
        assert (await client.get(f"{site}/staff/", allow_redirects=False)).status == 302


async def test_analyst_cannot_open_staff_pages(site: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await log_in(client, site, "ana", "0123456789ab")
        assert (await client.get(f"{site}/staff/")).status == 403


async def test_login_without_csrf_is_refused(site: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        response = await client.post(f"{site}/login", data={"username": "olga", "password": "0123456789ab"})
        assert response.status == 403


async def test_a_guesser_is_throttled_but_the_owner_gets_in_from_elsewhere(
    site: str, caplog: pytest.LogCaptureFixture
) -> None:
    guesser, owner = "203.0.113.7", "198.51.100.20"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        statuses = [(await log_in(client, site, "olga", f"wrong-{i}-xxxxx", guesser)).status for i in range(6)]
        assert statuses[:5] == [401] * 5 and statuses[5] == 429
        refused = await log_in(client, site, "olga", "0123456789ab", guesser)
        # From the guesser's address even the right password waits (the guesser may have found it).
        assert refused.status == 429 and 0 < int(refused.headers["Retry-After"]) <= 30
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        assert (await log_in(client, site, "olga", "0123456789ab", owner)).status == 302
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        # A colleague behind the guesser's address is not locked out by someone else's guessing.
        assert (await log_in(client, site, "ana", "0123456789ab", guesser)).status == 302
    throttled = [record.getMessage() for record in caplog.records if "throttled" in record.getMessage()]
    assert throttled and all("wrong-" not in line and "0123456789ab" not in line for line in throttled)
    assert all("wrong-" not in record.getMessage() for record in caplog.records)


async def test_the_wait_grows_per_name_and_address_and_per_address(database: Database) -> None:
    now = [datetime(2026, 12, 3, 9, 0, tzinfo=UTC)]
    rules = ThrottleRules(per_name_and_address=3, per_address=6, first_wait=timedelta(seconds=10))
    throttle = LoginThrottle(database, rules, clock=lambda: now[0])
    for _ in range(3):
        assert await throttle.wait("olga", "a") == timedelta(0)
        await throttle.failed("olga", "a")
    assert await throttle.wait("olga", "a") == timedelta(seconds=10)
    assert await throttle.wait("olga", "b") == timedelta(0)  # never by the name alone
    now[0] += timedelta(seconds=10)
    await throttle.failed("olga", "a")
    assert await throttle.wait("olga", "a") == timedelta(seconds=20)  # doubles with every further failure
    # Many names from one address: the address itself waits, for every name.
    for name in ("x", "y"):
        await throttle.failed(name, "a")
    assert await throttle.wait("someone", "a") == timedelta(seconds=10)
    assert await throttle.wait("someone", "c") == timedelta(0)
    await throttle.succeeded("olga", "a")
    assert await throttle.wait("olga", "a") == timedelta(seconds=10)  # the address's count stays
    now[0] += rules.window + timedelta(seconds=1)
    assert await throttle.wait("olga", "a") == timedelta(0)


def test_only_trusted_proxies_name_the_client() -> None:
    proxies = trusted_networks(["10.0.0.0/8"])
    assert client_address("203.0.113.7", "1.2.3.4", proxies) == "203.0.113.7"  # not a proxy: header ignored
    assert client_address("10.0.0.2", "1.2.3.4, 203.0.113.7", proxies) == "203.0.113.7"  # the first untrusted hop
    assert client_address("10.0.0.2", "203.0.113.7, 10.0.0.9", proxies) == "203.0.113.7"
    assert client_address("10.0.0.2", "garbage", proxies) == "10.0.0.2"
    assert client_address("10.0.0.2", "1.2.3.4", ()) == "10.0.0.2"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "/\t/evil.example/x", "/\n/evil.example", "\\/evil.example", "/\\evil.example",
     "https://evil.example/", "javascript:alert(1)", " //evil.example", "/\u2028/evil.example", "evil.example"],
)
def test_next_never_leaves_the_site(target: str) -> None:
    assert safe_next(target, "127.0.0.1:8080") == ""


def test_next_keeps_paths_of_the_site() -> None:
    assert safe_next("/staff/c/7?x=1", "h") == "/staff/c/7?x=1"
    assert safe_next("/analytics/", "h") == "/analytics/"


async def test_login_with_a_tab_in_next_stays_on_the_site(site: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        page = await (await client.get(f"{site}/login?next=%2F%09%2Fevil.example%2Fx")).text()
        assert 'name="next" value=""' in page
        response = await log_in(client, site, "olga", "0123456789ab", next="/\t/evil.example/x")
        assert response.status == 302 and response.headers["Location"] == "/staff/"
        response = await log_in(client, site, "olga", "0123456789ab", next="/staff/c/3")
        assert response.headers["Location"] == "/staff/c/3"


async def test_sessions_end_when_idle_and_at_their_absolute_limit(database: Database) -> None:
    now = [datetime(2026, 12, 3, 9, 0, tzinfo=UTC)]
    service = AccountService(database, lifetime=timedelta(hours=2), idle=timedelta(minutes=30), clock=lambda: now[0])
    account = await service.create("olga", "0123456789ab", ["staff"])
    token, _ = await service.start_session(account)
    for _ in range(4):  # busy: used every 25 minutes ...
        now[0] += timedelta(minutes=25)
        assert await service.session_for(token) is not None
    now[0] += timedelta(minutes=25)  # ... still ends two hours after login
    assert await service.session_for(token) is None
    token, _ = await service.start_session(account)
    now[0] += timedelta(minutes=31)
    assert await service.session_for(token) is None


async def test_password_change_ends_the_other_sessions(site: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as phone, aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as desk:
        await log_in(phone, site, "olga", "0123456789ab")
        await log_in(desk, site, "olga", "0123456789ab")
        csrf = (await (await desk.get(f"{site}/staff/")).text()).split("csrf=")[1]
        form = {"csrf_token": csrf, "current_password": "0123456789ab", "new_password": "a-new-secret-1", "repeat_password": "a-new-secret-1"}
        wrong = await desk.post(f"{site}/account/password", data={**form, "current_password": "nope-nope-nope"}, allow_redirects=False)
        assert wrong.status == 400
        changed = await desk.post(f"{site}/account/password", data=form, allow_redirects=False)
        assert changed.status == 303
        assert (await desk.get(f"{site}/staff/", allow_redirects=False)).status == 200
        assert (await phone.get(f"{site}/staff/", allow_redirects=False)).status == 302
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        assert (await log_in(client, site, "olga", "a-new-secret-1")).status == 302
