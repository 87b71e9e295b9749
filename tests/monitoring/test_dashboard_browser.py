"""The dashboard in real headless Chromium: German date fields, no sideways scrolling at 1366 px or
on a phone, the priority list whole, scroll areas reachable by keyboard, and no serious axe finding."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page

import accounts.models  # noqa: F401  (registers the tables)
from accounts.web import ACCOUNTS, install_accounts
from monitoring.analysis import AnalysisConfig
from monitoring.dashboard import install_analytics
from monitoring.store import add_counts, tally
from storage.db import Database
from storage.migrate import open_database
from tests.accessibility import axe_available, axe_violations, describe
from tests.browser import CHROMIUM, chromium
from tests.monitoring.test_queries import keyed, random_events, random_waits

pytestmark = [
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.skipif(not axe_available(), reason="axe-core is missing: run make setup (it fetches it with npm)"),
]

DATABASE = web.AppKey("database", Database)
NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
PASSWORD = "0123456789ab"
QUERY = "from=2026-02-01&to=2026-04-15"
# A laptop of the county's offices, and a phone.
SIZES = {"1366": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory, analysis_config: AnalysisConfig) -> AsyncIterator[str]:
    folder: Path = tmp_path_factory.mktemp("dashboard-browser")
    async with open_database(f"sqlite+aiosqlite:///{folder / 'stats.db'}") as database:
        events = [*keyed(random_events(3, date(2026, 2, 20), 60, 4000), 5), *keyed(random_waits(4, date(2026, 2, 20), 60, 300), 6)]
        await add_counts(database, tally(events))
        app = web.Application()
        app[DATABASE] = database
        install_accounts(app, DATABASE)
        install_analytics(app, DATABASE, analysis_config, clock=lambda: NOW)
        runner = web.AppRunner(app)
        await runner.setup()
        tcp = web.TCPSite(runner, "127.0.0.1", 0)
        await tcp.start()
        await app[ACCOUNTS].create("ana", PASSWORD, ["analyst"], "Ana Analyse")
        port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}"
        await runner.cleanup()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def analyst_page(browser: Browser, site: str, size: str) -> Page:
    # An American browser: the date fields must still read and take German dates.
    context = await browser.new_context(viewport=SIZES[size], locale="en-US")  # type: ignore[arg-type]
    page = await context.new_page()
    await page.goto(f"{site}/login?next=/analytics/")
    await page.fill("#username", "ana")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/analytics/**")
    return page


@pytest.mark.parametrize("size", SIZES)
async def test_the_dashboard_fits_the_screen_and_passes_axe(browser: Browser, site: str, size: str) -> None:
    page = await analyst_page(browser, site, size)
    await page.goto(f"{site}/analytics/?{QUERY}")
    # Open every table, so that they are checked too.
    await page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    width = await page.evaluate("() => document.documentElement.clientWidth")
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    # Anything that scrolls on its own can be reached (and so scrolled) by keyboard.
    stuck = await page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => {
            const style = getComputedStyle(e);
            return ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1 && e.tabIndex < 0;
        }).map(e => e.outerHTML.slice(0, 80))"""
    )
    assert stuck == []
    last = page.locator("table.priorities thead th").last
    assert await last.text_content() == "außerhalb der Sprechzeiten"
    if size == "1366":
        # The priority list fits whole: its last column is on screen without scrolling anything.
        box = await last.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        region = page.locator("div.scroll:has(table.priorities)")
        assert await region.evaluate("e => e.scrollWidth <= e.clientWidth")
    else:
        region = page.locator("div.scroll:has(table.priorities)")
        await region.focus()
        for _ in range(8):  # a keyboard user scrolls the list sideways to its last column
            await page.keyboard.press("ArrowRight")
        assert await region.evaluate("e => document.activeElement === e && e.scrollLeft > 0")
    violations = await axe_violations(page)
    assert not violations, describe(violations)
    await page.context.close()


async def test_the_date_fields_are_german_in_an_american_browser(browser: Browser, site: str) -> None:
    page = await analyst_page(browser, site, "1366")
    await page.goto(f"{site}/analytics/?{QUERY}")
    assert await page.input_value("#from") == "01.02.2026" and await page.input_value("#to") == "15.04.2026"
    assert await page.get_attribute("#from", "type") == "text"
    await page.fill("#from", "01.03.2026")
    await page.fill("#to", "31.03.2026")
    await page.click("form.filters button[type=submit]")
    await page.wait_for_load_state()
    assert await page.locator("h1").text_content() == "Monatsbericht März 2026"
    assert "01.03.2026 bis 31.03.2026" in (await page.locator(".masthead dl").text_content() or "")
    await page.context.close()


async def test_axe_finds_what_is_wrong(browser: Browser) -> None:
    """The check itself: a field without a label and grey-on-grey text are found."""
    page = await browser.new_page()
    await page.set_content(
        '<!doctype html><html lang="de"><head><title>t</title></head><body><main>'
        '<input type="text"><p style="color:#bbb;background:#ccc">kaum lesbar</p></main></body></html>'
    )
    found = {v["id"] for v in await axe_violations(page)}
    assert {"label", "color-contrast"} <= found
    await page.close()
