"""Fixtures for the staff inbox: the whole app on the fake Telegram API, staff accounts, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from accounts.service import AccountService
from bot.keys import DATABASE
from tests.bot.conftest import nlu, telegram_api, wiring_assistant, wiring_nlu  # noqa: F401  (fixtures)
from tests.handover.conftest import StaffedBot, bot, bot_settings, clock  # noqa: F401  (fixtures)

PASSWORD = "correct horse battery"


@dataclass
class Colleague:
    """A logged-in browser session of a colleague (or an analyst)."""

    http: aiohttp.ClientSession
    base: str
    csrf: str

    async def post(self, path: str, **data: str) -> aiohttp.ClientResponse:
        return await self.http.post(
            self.base + path,
            json=data,
            headers={"Accept": "application/json", "X-CSRF-Token": self.csrf},
        )


@pytest.fixture
async def accounts(bot: StaffedBot) -> AccountService:  # noqa: F811
    service = AccountService(bot.app[DATABASE])
    await service.create("olga", PASSWORD, ["staff"], "Olga", ["uk", "ru"])
    await service.create("jonas", PASSWORD, ["staff"], "Jonas", ["de", "en"])
    await service.create("ana", PASSWORD, ["analyst"], "Ana")
    return service


def base_url(bot: StaffedBot) -> str:  # noqa: F811
    return f"http://{bot.settings.http_host}:{bot.settings.http_port}"


async def log_in(http: aiohttp.ClientSession, base: str, username: str, password: str = PASSWORD) -> str:
    """Log in through the login form; return the CSRF token the inbox pages carry."""
    async with http.get(f"{base}/login") as page:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert csrf is not None
    form = {"username": username, "password": password, "csrf_token": csrf.group(1), "next": ""}
    async with http.post(f"{base}/login", data=form, allow_redirects=False) as response:
        assert response.status == 302, await response.text()
    async with http.get(f"{base}/staff/") as inbox:
        token = re.search(r'<meta name="csrf-token" content="([^"]+)">', await inbox.text())
    return token.group(1) if token else ""


@pytest.fixture
async def olga(bot: StaffedBot, accounts: AccountService) -> AsyncIterator[Colleague]:  # noqa: F811
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield Colleague(http, base_url(bot), await log_in(http, base_url(bot), "olga"))


@pytest.fixture
async def jonas(bot: StaffedBot, accounts: AccountService) -> AsyncIterator[Colleague]:  # noqa: F811
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield Colleague(http, base_url(bot), await log_in(http, base_url(bot), "jonas"))
