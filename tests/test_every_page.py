"""Every page of the product in real Chromium, on a phone (390 px) and at 1366 px: no sideways
scrolling, no script error or refused content, and no serious or critical axe-core finding.

A new page is one line in PAGES (and, if it needs data, a line in `site`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, ConsoleMessage, ViewportSize

from accounts.web import ACCOUNTS
from core.settings import Settings
from nlu.runtime import RunningNlu
from tests.accessibility import axe_available, axe_violations, describe
from tests.browser import CHROMIUM
from tests.web.conftest import chat_settings, fake_understanding, next_frame, running_chat, visitor, web_nlu  # noqa: F401

pytestmark = [
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.skipif(not axe_available(), reason="axe-core is missing: run make setup (it fetches it with npm)"),
]

PASSWORD = "every-page-password-1"
SIZES: dict[str, ViewportSize] = {"phone": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 768}}


@dataclass(frozen=True)
class ProductPage:
    """One page: where it is (`{handover}` is a conversation's id), who looks at it, and what shows it is ready."""

    name: str
    path: str
    login: str | None
    ready: str


PAGES = [
    ProductPage("chat", "/?lang=de", None, "li.message"),
    ProductPage("chat-ar", "/?lang=ar", None, "li.message"),
    ProductPage("login", "/login", None, "#username"),
    ProductPage("inbox", "/staff/", "olga", "tr.handover"),
    # With the exchange before the handover (the web chat keeps it), marked apart from the messages.
    ProductPage("conversation", "/staff/c/{handover}", "olga", "#earlier li.msg"),
    ProductPage("templates", "/staff/templates", "olga", "article.template-card"),
    ProductPage("template-editor", "/staff/templates/1", "olga", "#title"),
    ProductPage("availability", "/staff/availability", "olga", "#notice-template"),
    ProductPage("analytics", "/analytics/", "ana", "h1"),
]


@dataclass
class Site:
    url: str
    handover: int
    # Cookies of each logged-in account, for new browser contexts.
    logins: dict[str, list[dict[str, object]]]


@pytest.fixture(scope="module")
async def site(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
) -> AsyncIterator[Site]:
    """The whole app (web chat, staff inbox, analytics) with a person handed to staff from the web chat."""
    folder: Path = tmp_path_factory.mktemp("every-page")
    async with running_chat(chat_settings(base_settings, folder), fake_understanding) as chat:
        accounts = chat.app[ACCOUNTS]
        await accounts.create("olga", PASSWORD, ["staff"], "Olga", ["uk", "ru"])
        await accounts.create("ana", PASSWORD, ["analyst"], "Ana")
        async with visitor() as person, person.ws_connect(f"{chat.url}/chat/ws?lang=en") as socket:
            for _ in range(2):
                await next_frame(socket)
            for text in ("hello", "I need a person please"):
                await socket.send_str(json.dumps({"type": "message", "text": text}))
                await next_frame(socket)
        desk = chat.assistant.handovers
        assert desk is not None
        (handover,) = await desk.active()
        logins = {name: await _cookies(chat.url, name) for name in ("olga", "ana")}
        yield Site(chat.url, handover.id, logins)


async def _cookies(url: str, username: str) -> list[dict[str, object]]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{url}/login") as page:
            text = await page.text()
        csrf = text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"username": username, "password": PASSWORD, "csrf_token": csrf, "next": ""}
        async with http.post(f"{url}/login", data=form, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
        return [{"name": c.key, "value": c.value, "url": url} for c in http.cookie_jar]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("product_page", PAGES, ids=[p.name for p in PAGES])
async def test_every_page_fits_the_screen_and_passes_axe(
    browser: Browser, site: Site, product_page: ProductPage, size: str
) -> None:
    context = await browser.new_context(viewport=SIZES[size], locale="de-DE")
    try:
        if product_page.login:
            await context.add_cookies(site.logins[product_page.login])  # type: ignore[arg-type]
        page = await context.new_page()
        problems: list[str] = []

        def note(message: ConsoleMessage) -> None:
            if message.type == "error" and "favicon" not in message.location.get("url", ""):
                problems.append(message.text)

        page.on("console", note)
        page.on("pageerror", lambda error: problems.append(str(error)))
        await page.goto(site.url + product_page.path.format(handover=site.handover))
        await page.locator(product_page.ready).first.wait_for()
        # Open every folded part, so that it is checked too.
        await page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        width = await page.evaluate("() => document.documentElement.clientWidth")
        scroll = await page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"{product_page.name} scrolls sideways at {size}: {scroll} > {width}"
        # One main heading: the page says what it is (axe counts this only as a best practice).
        assert await page.locator("h1").count() == 1
        # Before axe runs: axe itself sets inline styles, which the pages' CSP rightly refuses.
        assert problems == []
        violations = await axe_violations(page)
        assert not violations, describe(violations)
    finally:
        await context.close()
