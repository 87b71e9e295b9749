"""The dashboard through real HTTP: analysts only, German dates, filters, downloads, no small count shown."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import aiohttp
import pytest
from aiohttp import web
from pypdf import PdfReader

from accounts.web import ACCOUNTS, install_accounts
from bot.edge import install_edge
from monitoring.analysis import AnalysisConfig
from monitoring.dashboard import install_analytics
from monitoring.store import add_counts, tally
from storage.db import Database
from tests.monitoring.test_queries import keyed, random_events, random_waits

DATABASE = web.AppKey("database", Database)
NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
PASSWORD = "0123456789ab"


@pytest.fixture
async def site(database: Database, analysis_config: AnalysisConfig) -> AsyncIterator[str]:
    events = [*keyed(random_events(3, date(2026, 2, 20), 60, 1500), 5), *keyed(random_waits(4, date(2026, 2, 20), 60, 300), 6)]
    await add_counts(database, tally(events))
    app = web.Application()
    install_edge(app)
    app[DATABASE] = database
    install_accounts(app, DATABASE)
    install_analytics(app, DATABASE, analysis_config, clock=lambda: NOW)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    await app[ACCOUNTS].create("ana", PASSWORD, ["analyst"], "Ana Analyse")
    await app[ACCOUNTS].create("olga", PASSWORD, ["staff"], "Olga")
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def log_in(client: aiohttp.ClientSession, base: str, username: str) -> None:
    page = await (await client.get(f"{base}/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = await client.post(
        f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf, "next": ""}, allow_redirects=False
    )
    assert response.status == 302


def client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def test_only_analysts_see_the_dashboard(site: str) -> None:
    async with client() as anonymous:
        response = await anonymous.get(f"{site}/analytics/", allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/login?next=")
        response = await anonymous.get(f"{site}/analytics/report.pdf", allow_redirects=False)
        assert response.status == 302
    async with client() as staff:
        await log_in(staff, site, "olga")
        assert (await staff.get(f"{site}/analytics/")).status == 403
        assert (await staff.get(f"{site}/analytics/report.csv")).status == 403
    async with client() as analyst:
        await log_in(analyst, site, "ana")
        response = await analyst.get(f"{site}/analytics/")
        assert response.status == 200
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        page = await response.text()
        assert "Ana Analyse" in page and "Prioritätenliste" in page


async def test_the_dashboard_shows_charts_figures_and_the_filters(site: str) -> None:
    async with client() as analyst:
        await log_in(analyst, site, "ana")
        page = await (await analyst.get(f"{site}/analytics/?from=2026-03-01&to=2026-03-31")).text()
        assert page.count("<svg") == 5 and page.count('role="img"') == 5
        assert "Monatsbericht März 2026" in page
        # German date fields: text the analyst reads and types as TT.MM.JJJJ, whatever the browser's language.
        assert 'value="01.03.2026"' in page and 'value="31.03.2026"' in page and 'type="date"' not in page
        german = await (await analyst.get(f"{site}/analytics/?from=01.03.2026&to=31.03.2026")).text()
        assert "Monatsbericht März 2026" in german
        for heading in ("Themen im Zeitverlauf", "Sprachen im Zeitverlauf", "Ungedeckter Bedarf", "außerhalb der Sprechzeiten", "Wartezeit"):
            assert heading in page
        assert "<style" not in page and "<script" not in page  # the CSP allows neither inline
        css = await analyst.get(f"{site}/analytics/static/analytics.css")
        assert css.status == 200 and "svg.chart" in await css.text()
        filtered = await (await analyst.get(f"{site}/analytics/?from=2026-03-01&to=2026-03-31&channel=web&language=uk")).text()
        assert "Kanal Web-Chat, Sprache Ukrainisch" in filtered
        assert '<option value="uk" selected>' in filtered and '<option value="web" selected>' in filtered
        assert _key_figure(filtered) != _key_figure(page)


async def test_small_counts_never_appear(site: str) -> None:
    async with client() as analyst:
        await log_in(analyst, site, "ana")
        page = await (await analyst.get(f"{site}/analytics/?from=2026-03-04&to=2026-03-05&language=fr")).text()
    # Every number in a table cell is 5 or more, or "<5"; there are no ranges and no other marks.
    for cell in re.findall(r'<td class="n">([^<]*)</td>', page):
        assert cell in ("–",) or "%" in cell or int(cell.replace(".", "")) >= 5, cell
    assert "&lt;5" in page and "×" not in page


async def test_a_bad_period_is_explained(site: str) -> None:
    async with client() as analyst:
        await log_in(analyst, site, "ana")
        page = await (await analyst.get(f"{site}/analytics/?from=2026-03-31&to=2026-03-01")).text()
        assert 'role="alert"' in page and "vor seinem Anfang" in page
        page = await (await analyst.get(f"{site}/analytics/?from=31.02.2026&to=01.03.2026")).text()
        assert 'role="alert"' in page and "TT.MM.JJJJ" in page
        assert (await analyst.get(f"{site}/analytics/report.csv?from=2020-01-01&to=2026-03-01")).status == 400
        assert (await analyst.get(f"{site}/analytics/report.csv?from=garbage")).status == 400
        # Year 1 has no year before it to compare with: a 400, not a 500.
        assert (await analyst.get(f"{site}/analytics/report.csv?from=0001-01-01&to=0001-12-31")).status == 400
        page = await (await analyst.get(f"{site}/analytics/?from=0001-01-01&to=0001-12-31")).text()
        assert 'role="alert"' in page


async def test_reports_download_in_three_formats(site: str) -> None:
    query = "from=2026-03-01&to=2026-03-31"
    async with client() as analyst:
        await log_in(analyst, site, "ana")
        csv = await analyst.get(f"{site}/analytics/report.csv?{query}")
        assert csv.headers["Content-Disposition"] == 'attachment; filename="bericht-2026-03-01-bis-2026-03-31.csv"'
        text = await csv.text()
        assert text.startswith("\ufeffAbschnitt;Zeile;Spalte;Wert") and "Prioritätenliste;" in text
        html = await (await analyst.get(f"{site}/analytics/report.html?{query}")).text()
        assert html.startswith("<!doctype html>") and "<style>" in html and "Methodik und Datenschutz" in html
        pdf = await analyst.get(f"{site}/analytics/report.pdf?{query}")
        assert pdf.content_type == "application/pdf"
        body = await pdf.read()
        assert body.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(body))
        assert len(reader.pages) >= 3
        words = " ".join(page.extract_text() for page in reader.pages)
        assert "Monatsbericht März 2026" in words and "Prioritätenliste" in words and "Seite 1 von" in words
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "de-DE"


def _key_figure(page: str) -> str:
    match = re.search(r'<span class="value">([^<]+)</span><span class="label">Anfragen</span>', page)
    assert match
    return match.group(1)
