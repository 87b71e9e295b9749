"""The analysts' dashboard at /analytics/: filters, charts, priority list and report downloads."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from html import escape
from urllib.parse import urlencode

from aiohttp import web

from accounts.service import SessionInfo
from accounts.web import require_role
from monitoring.analysis import ALL, AnalysisConfig, Filter
from monitoring.csv_export import render_report_csv
from monitoring.html import render_report_html, report_body, stylesheet
from monitoring.queries import Period
from monitoring.report import PUBLISHER, Report, build_report, is_calendar_year
from monitoring.service import AnalysisService
from storage.db import Database

ANALYTICS = web.AppKey("analytics", AnalysisService)
ROLE = "analyst"
# Longest period one view covers; longer ones would make every chart unreadable anyway.
MAX_DAYS = 3 * 366


class PeriodError(ValueError):
    """The asked period cannot be shown."""


def install_analytics(
    app: web.Application,
    database_key: web.AppKey[Database],
    config: AnalysisConfig,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Add the dashboard and the report downloads under /analytics/ (analyst role only)."""

    async def analytics(app: web.Application) -> AsyncIterator[None]:
        app[ANALYTICS] = AnalysisService(app[database_key], config)
        yield

    async def dashboard(request: web.Request) -> web.Response:
        info = require_role(request, ROLE)
        today = clock().astimezone(config.office_hours.timezone).date()
        service = request.app[ANALYTICS]
        error = ""
        try:
            period, where = parse_query(request, today)
        except PeriodError as problem:
            error = str(problem)
            period, where = default_period(today), Filter()
        compare = wants_comparison(request, period)
        report = await _report(service, period, where, compare, clock().astimezone(config.office_hours.timezone))
        page = _page(info, report, today, compare, error)
        response = web.Response(text=page, content_type="text/html")
        _protect(response, "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
        return response

    async def download(request: web.Request) -> web.Response:
        require_role(request, ROLE)
        kind = request.match_info["kind"]
        today = clock().astimezone(config.office_hours.timezone).date()
        try:
            period, where = parse_query(request, today)
        except PeriodError as problem:
            raise web.HTTPBadRequest(text=str(problem)) from problem
        compare = wants_comparison(request, period)
        report = await _report(request.app[ANALYTICS], period, where, compare, clock().astimezone(config.office_hours.timezone))
        name = f"bericht-{period.first:%Y-%m-%d}-bis-{period.last:%Y-%m-%d}"
        if kind == "pdf":
            from monitoring.pdf import render_report_pdf  # the Typst compiler is only loaded when a PDF is asked for

            # Rendering is CPU work; a thread keeps the event loop (and people's replies) moving.
            response = web.Response(body=await asyncio.to_thread(render_report_pdf, report), content_type="application/pdf")
        elif kind == "html":
            response = web.Response(text=render_report_html(report), content_type="text/html")
        else:
            response = web.Response(text=render_report_csv(report), content_type="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
        _protect(response, "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        return response

    async def css(request: web.Request) -> web.Response:
        response = web.Response(text=stylesheet(), content_type="text/css")
        response.headers["Cache-Control"] = "max-age=3600"
        return response

    async def to_dashboard(request: web.Request) -> web.Response:
        raise web.HTTPFound("/analytics/")

    app.cleanup_ctx.append(analytics)
    app.router.add_get("/analytics", to_dashboard)
    app.router.add_get("/analytics/", dashboard)
    app.router.add_get(r"/analytics/report.{kind:csv|html|pdf}", download)
    app.router.add_get("/analytics/static/analytics.css", css)


async def _report(service: AnalysisService, period: Period, where: Filter, compare: bool, now: datetime) -> Report:
    """Build the report of a period (with the same period a year earlier, when compared)."""
    analysis = await service.analysis(period)
    previous = await service.analysis(period.year_before()) if compare else None
    return build_report(analysis, analysis.normalise(where), now, previous)


def wants_comparison(request: web.Request, period: Period) -> bool:
    """Compare with the year before for an annual report (a calendar year), or when asked to."""
    return is_calendar_year(period.first, period.last) or request.query.get("vergleich") == "1"


def default_period(today: date) -> Period:
    """The last twelve months up to today, starting on the first of a month."""
    first = date(today.year - 1, today.month, 1) + timedelta(days=32)
    return Period(first.replace(day=1), today)


_GERMAN_DATE = re.compile(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*")
# The browser checks the same form before sending (and says what is wrong in the page's language).
_DATE_PATTERN = r"\s*\d{1,2}\.\d{1,2}\.\d{4}\s*"


def parse_day(text: str) -> date:
    """Read a day written the German way (31.03.2026) or as in links (2026-03-31)."""
    german = _GERMAN_DATE.fullmatch(text)
    if german:
        day, month, year = (int(part) for part in german.groups())
        return date(year, month, day)
    return date.fromisoformat(text.strip())


def german_day(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def parse_query(request: web.Request, today: date) -> tuple[Period, Filter]:
    """Read period and filters from the query string; raise PeriodError for an unusable period."""
    query = request.query
    default = default_period(today)
    try:
        first = parse_day(query["from"]) if query.get("from") else default.first
        last = parse_day(query["to"]) if query.get("to") else default.last
    except ValueError as error:
        raise PeriodError("Bitte die Tage als TT.MM.JJJJ angeben, z. B. 01.03.2026.") from error
    if last < first:
        raise PeriodError("Das Ende des Zeitraums liegt vor seinem Anfang.")
    if first.year < 2000 or last.year > 2999:
        # The comparison with the year before and week arithmetic need room on both sides (year 1 would fail).
        raise PeriodError("Bitte einen Zeitraum ab dem Jahr 2000 wählen.")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError("Bitte einen Zeitraum von höchstens drei Jahren wählen.")
    return Period(first, last), Filter(query.get("channel") or ALL, query.get("language") or ALL)


def presets(today: date) -> list[tuple[str, Period]]:
    """Periods one click away: this and last month, the last twelve months, this year, last year's annual report."""
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    return [
        ("Dieser Monat", Period(month_start, today)),
        ("Letzter Monat", Period(last_month_end.replace(day=1), last_month_end)),
        ("Letzte 12 Monate", default_period(today)),
        ("Dieses Jahr", Period(date(today.year, 1, 1), today)),
        (f"Jahresbericht {today.year - 1}", Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))),
    ]


def _query(period: Period, where: Filter, compare: bool = False) -> str:
    values = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    if where.channel != ALL:
        values["channel"] = where.channel
    if where.language != ALL:
        values["language"] = where.language
    if compare and not is_calendar_year(period.first, period.last):
        values["vergleich"] = "1"
    return urlencode(values)


def _protect(response: web.StreamResponse, policy: str) -> None:
    # The app's edge adds the other security headers and keeps the figures out of every cache.
    response.headers["Content-Security-Policy"] = policy


def _options(choices: list[tuple[str, str]], chosen: str, everything: str) -> str:
    options = [f'<option value=""{" selected" if chosen == ALL else ""}>{escape(everything)}</option>']
    for key, label in choices:
        selected = " selected" if key == chosen else ""
        options.append(f'<option value="{escape(key)}"{selected}>{escape(label)}</option>')
    return "".join(options)


def _page(info: SessionInfo, report: Report, today: date, compare: bool, error: str) -> str:
    analysis, where = report.analysis, report.where
    period = analysis.period
    query = _query(period, where, compare)
    preset_links = " ".join(
        f'<a href="/analytics/?{escape(_query(p, where))}">{escape(label)}</a>' for label, p in presets(today)
    )
    alert = f'<p role="alert" class="error">{escape(error)}</p>' if error else ""
    checked = " checked" if compare else ""
    return f"""<!doctype html>
<html lang="de-DE"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title)} – Monitoring der Anfragen – {escape(PUBLISHER)}</title>
<link rel="stylesheet" href="/analytics/static/analytics.css"></head>
<body>
<header class="top"><p class="app">Monitoring der Anfragen</p>
<span class="who">Angemeldet: {escape(info.account.display_name)} (Analyse)</span>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{escape(info.csrf_token)}">
<button type="submit" class="quiet">Abmelden</button></form></header>
<main>
{alert}
<form class="filters" method="get" action="/analytics/" aria-label="Zeitraum und Auswahl">
<label for="from">Von <span class="hint">TT.MM.JJJJ</span><input id="from" class="date" type="text" name="from" value="{german_day(period.first)}" inputmode="numeric" pattern="{_DATE_PATTERN}" autocomplete="off" required></label>
<label for="to">Bis <span class="hint">TT.MM.JJJJ</span><input id="to" class="date" type="text" name="to" value="{german_day(period.last)}" inputmode="numeric" pattern="{_DATE_PATTERN}" autocomplete="off" required></label>
<label for="channel">Kanal<select id="channel" name="channel">{_options(analysis.channels_present(), where.channel, "alle Kanäle")}</select></label>
<label for="language">Sprache<select id="language" name="language">{_options(analysis.languages_present(), where.language, "alle Sprachen")}</select></label>
<label class="check" for="vergleich"><input id="vergleich" type="checkbox" name="vergleich" value="1"{checked}> mit dem Vorjahr vergleichen</label>
<button type="submit">Anzeigen</button>
<div class="presets">Schnellwahl: {preset_links}</div>
</form>
<div class="downloads">Bericht für den Ausschuss herunterladen:
<a class="button" href="/analytics/report.pdf?{escape(query)}">PDF</a>
<a class="button" href="/analytics/report.html?{escape(query)}">HTML</a>
<a class="button" href="/analytics/report.csv?{escape(query)}">CSV (Tabellen)</a></div>
{report_body(report)}
</main></body></html>
"""
