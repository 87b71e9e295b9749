"""Accounts: hashed passwords, a throttled login, sessions and CSRF, through real HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

import accounts.models  # noqa: F401  (registers the tables)
from accounts.passwords import hash_password, verify_password
from accounts.service import AccountError, AccountService, LoginThrottle
from accounts.web import ACCOUNTS, install_accounts, require_role
from storage.db import Database
from storage.migrate import open_database

DATABASE = web.AppKey("database", Database)


def test_password_hash_is_salted_and_verifies() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second and "correct" not in first
    assert verify_password("correct horse battery", first)
    assert not verify_password("wrong horse battery", first)
    assert not verify_password("anything", "not-a-hash")


def test_throttle_blocks_after_repeated_failures_and_forgets_later() -> None:
    now = [0.0]
    throttle = LoginThrottle(failures=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.allowed("user:x")
        throttle.failed("user:x")
    assert not throttle.allowed("user:x") and throttle.allowed("user:y")
    now[0] = 61
    assert throttle.allowed("user:x")


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
    install_accounts(app, DATABASE)
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


async def log_in(client: aiohttp.ClientSession, base: str, username: str, password: str) -> aiohttp.ClientResponse:
    page = await (await client.get(f"{base}/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return await client.post(
        f"{base}/login", data={"username": username, "password": password, "csrf_token": csrf, "next": ""},
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


async def test_repeated_wrong_passwords_are_throttled(site: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        statuses = [(await log_in(client, site, "olga", f"wrong-{i}-xxxxx")).status for i in range(6)]
        assert statuses[:5] == [401] * 5 and statuses[5] == 429
        # Even the right password is refused while throttled.
        assert (await log_in(client, site, "olga", "0123456789ab")).status == 429
