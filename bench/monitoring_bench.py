"""Monitoring at scale: 1,000,000 inquiry events, then the dashboard and the reports on SQLite and PostgreSQL,
measured next to the code before issue 13 (the baseline revision) in the same run.

Writes bench/results/monitoring.md. Run: .venv/bin/python bench/monitoring_bench.py [--events N] [--baseline REV|none]
A small smoke run (CI): --smoke (or --events 20000) measures only the current code and writes
build/bench/monitoring.md instead (or --output).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from sqlalchemy import Table, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import accounts.models  # noqa: E402,F401  (registers the tables)
from accounts.web import ACCOUNTS, install_accounts  # noqa: E402
from bench.monitoring_data import synthetic_events  # noqa: E402
from monitoring.analysis import (
    AnalysisConfig,  # noqa: E402
    Filter,  # noqa: E402
)
from monitoring.config import load_languages, load_office_hours  # noqa: E402
from monitoring.csv_export import render_report_csv  # noqa: E402
from monitoring.dashboard import install_analytics  # noqa: E402
from monitoring.html import render_report_html  # noqa: E402
from monitoring.pdf import render_report_pdf  # noqa: E402
from monitoring.queries import Period  # noqa: E402
from monitoring.report import build_report  # noqa: E402
from monitoring.service import AnalysisService  # noqa: E402
from monitoring.report import is_calendar_year  # noqa: E402
from monitoring.store import Tallies, rows, tally  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import open_database  # noqa: E402

POSTGRES = "postgres@127.0.0.1:5432"
FIRST_DAY, DAYS = date(2024, 12, 1), 730
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
YEAR = Period(date(2025, 12, 1), date(2026, 11, 30))
MONTH = Period(date(2026, 3, 1), date(2026, 3, 31))
TWO_YEARS = Period(FIRST_DAY, date(2026, 11, 30))
ODD = Period(date(2025, 6, 17), date(2026, 2, 11))  # starts and ends mid-week: edges read hourly
CALENDAR_YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))  # the "Jahresbericht": compared with 2024
REPEAT = 3
# The code before issue 13 (k-anonymity with secondary suppression, reportlab PDF).
BASELINE = "4f426ae"
FULL_SIZE = 500_000
DATABASE = web.AppKey("database", Database)


async def main(events: int, output: Path, baseline: dict[str, dict[str, str]] | None, baseline_name: str) -> None:
    config = AnalysisConfig(load_office_hours(ROOT / "data"), load_languages(ROOT / "data"))
    started = time.perf_counter()
    generated = synthetic_events(events, FIRST_DAY, DAYS, config.office_hours)
    tallies = tally(generated, config.office_hours.timezone)
    stored_rows = {model.__tablename__: len(counts) for model, counts in tallies.items()}  # type: ignore[attr-defined]
    counted = sum(n for e, n, _ in generated if hasattr(e, "topic"))
    del generated
    print(f"generated {counted:,} events in {time.perf_counter() - started:.1f} s; rows {stored_rows}", flush=True)
    results: dict[str, dict[str, list[float]]] = {}
    loads: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("sqlite", "postgresql"):
            async with _database_url(kind, Path(folder)) as url, open_database(url) as database:
                loaded = time.perf_counter()
                await _bulk_load(database, tallies)
                loads[kind] = time.perf_counter() - loaded
                print(f"{kind}: loaded in {loads[kind]:.1f} s", flush=True)
                gc.collect()
                gc.freeze()  # the generated data is gone; don't let the collector walk what is left
                results[kind] = await _measure(database, config)
                gc.unfreeze()
    _write(results, loads, counted, stored_rows, output, baseline, baseline_name)


async def _measure(database: Database, config: AnalysisConfig) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}

    async def timed(name: str, action: Callable[[], Awaitable[Any]]) -> None:
        for _ in range(REPEAT):
            begin = time.perf_counter()
            await action()
            times.setdefault(name, []).append(time.perf_counter() - begin)
        print(f"  {name}: {max(times[name]) * 1000:.0f} ms (max of {REPEAT})", flush=True)

    async def report(period: Period, kind: str) -> None:
        # A fresh service every time: nothing cached, as for a cold `assistant report`. A calendar
        # year is an annual report: it reads the year before as well, side by side.
        service = AnalysisService(database, config)
        if is_calendar_year(period.first, period.last):
            analysis, previous = await asyncio.gather(service.analysis(period), AnalysisService(database, config).analysis(period.year_before()))
        else:
            analysis, previous = await service.analysis(period), None
        built = build_report(analysis, Filter(), NOW, previous)
        {"pdf": render_report_pdf, "html": render_report_html, "csv": render_report_csv}[kind](built)

    async with _dashboard(database, config) as (client, base):

        async def page(query: str, fresh: bool) -> None:
            if fresh:
                _APP[0][_SERVICE_KEY[0]]._cache.clear()  # type: ignore[attr-defined]
            response = await client.get(f"{base}/analytics/?{query}")
            assert response.status == 200, response.status
            await response.read()

        year = f"from={YEAR.first}&to={YEAR.last}"
        await timed("dashboard, 12 months, cold (HTTP)", lambda: page(year, True))
        await timed("dashboard, 12 months, other filter, cached (HTTP)", lambda: page(year + "&language=uk&channel=web", False))
        await timed("dashboard, one month, cold (HTTP)", lambda: page(f"from={MONTH.first}&to={MONTH.last}", True))
        await timed("dashboard, two years, cold (HTTP)", lambda: page(f"from={TWO_YEARS.first}&to={TWO_YEARS.last}", True))
        await timed("dashboard, 17.06.2025–11.02.2026, cold (HTTP)", lambda: page(f"from={ODD.first}&to={ODD.last}", True))
    await timed("annual report, PDF", lambda: report(YEAR, "pdf"))
    await timed("annual report, HTML", lambda: report(YEAR, "html"))
    await timed("annual report, CSV", lambda: report(YEAR, "csv"))
    await timed("monthly report, PDF", lambda: report(MONTH, "pdf"))
    await timed("Jahresbericht 2025 against 2024, PDF", lambda: report(CALENDAR_YEAR, "pdf"))
    return times


_APP: list[web.Application] = []
_SERVICE_KEY: list[Any] = []


@asynccontextmanager
async def _dashboard(database: Database, config: AnalysisConfig) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    from monitoring.dashboard import ANALYTICS

    app = web.Application()
    app[DATABASE] = database
    install_accounts(app, DATABASE)
    install_analytics(app, DATABASE, config, clock=lambda: NOW)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    _APP[:] = [app]
    _SERVICE_KEY[:] = [ANALYTICS]
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    username = f"bench{secrets.token_hex(3)}"
    await app[ACCOUNTS].create(username, "bench-password-123", ["analyst"])
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            login = await (await client.get(f"{base}/login")).text()
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)  # type: ignore[union-attr]
            await client.post(f"{base}/login", data={"username": username, "password": "bench-password-123", "csrf_token": csrf})
            yield client, base
    finally:
        await runner.cleanup()


async def _bulk_load(database: Database, tallies: Tallies) -> None:
    """Insert the pre-counted rows directly: COPY on PostgreSQL, batched INSERTs on SQLite."""
    async with database.engine.begin() as connection:
        for model, counts in tallies.items():
            table: Table = model.__table__  # type: ignore[assignment]
            batch = list(rows(model, counts))
            if connection.dialect.name == "postgresql":
                raw = (await connection.get_raw_connection()).driver_connection
                columns = [column.name for column in table.columns]
                await raw.copy_records_to_table(  # type: ignore[union-attr]
                    table.name, records=[tuple(row[c] for c in columns) for row in batch], columns=columns
                )
            else:
                for start in range(0, len(batch), 20_000):
                    await connection.execute(insert(table), batch[start : start + 20_000])
        await connection.execute(text("ANALYZE"))


@asynccontextmanager
async def _database_url(kind: str, folder: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'monitoring-bench.db'}"
        return
    name = f"assistant_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"postgresql://{POSTGRES}/test")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+asyncpg://{POSTGRES}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _write(
    results: dict[str, dict[str, list[float]]],
    loads: dict[str, float],
    events: int,
    stored: dict[str, int],
    output: Path,
    baseline: dict[str, dict[str, str]] | None,
    baseline_name: str,
) -> None:
    lines = [
        "# Monitoring at scale",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {_cores()} cores, Python {platform.python_version()}.",
        f"{events:,} synthetic inquiry events over {DAYS} days ({FIRST_DAY:%d.%m.%Y}–{TWO_YEARS.last:%d.%m.%Y}), "
        "shaped like the assistant's traffic (bench/monitoring_data.py); loaded by bulk insert / COPY.",
        "",
        "Rows stored: " + ", ".join(f"`{name}` {n:,}" for name, n in stored.items()) + ".",
        "",
        f"Times are the slowest of {REPEAT} runs. *Cold*: nothing cached, so the counts are read, every cube is "
        "published (cell key perturbation) and the page or report is rendered from scratch. The dashboard is "
        "measured through real HTTP with a logged-in analyst. The annual report of 12 months is the period "
        f"{YEAR.first:%d.%m.%Y}–{YEAR.last:%d.%m.%Y}; the Jahresbericht (a calendar year) also reads the year before.",
        "",
    ]
    if baseline is not None:
        lines += [
            f"*Before*: the code before issue 13 (revision `{baseline_name}`: small-count suppression with secondary "
            "suppression, PDF by reportlab), measured in the same run on the same data by its own benchmark.",
            "",
            "| what | SQLite before | SQLite now | PostgreSQL before | PostgreSQL now |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
    else:
        lines += ["| what | SQLite | PostgreSQL |", "| --- | ---: | ---: |"]
    for name in results["sqlite"]:
        now = [f"{max(results[kind][name]) * 1000:.0f} ms (median {statistics.median(results[kind][name]) * 1000:.0f})" for kind in ("sqlite", "postgresql")]
        if baseline is not None:
            before = [baseline.get(kind, {}).get(name, "–") for kind in ("sqlite", "postgresql")]
            lines.append(f"| {name} | {before[0]} | {now[0]} | {before[1]} | {now[1]} |")
        else:
            lines.append(f"| {name} | {now[0]} | {now[1]} |")
    load = f"{loads['sqlite']:.1f} s | {loads['postgresql']:.1f} s"
    if baseline is not None:
        before_load = [baseline.get(kind, {}).get("loading the rows (not part of any answer)", "–") for kind in ("sqlite", "postgresql")]
        lines.append(f"| loading the rows (not part of any answer) | {before_load[0]} | {loads['sqlite']:.1f} s | {before_load[1]} | {loads['postgresql']:.1f} s |")
    else:
        lines.append(f"| loading the rows (not part of any answer) | {load} |")
    lines += [
        "",
        "How: every event is counted once per hour and kind (`inquiry_hourly`) and, in the same transaction, in four "
        "weekly roll-ups keyed by what the dashboard groups by, each row with the sum of its events' random record "
        "keys. A period reads whole weeks from the roll-ups and only the days at its edges from the hourly table, so "
        "the rows read grow with the number of weeks, not of events. Every cell of the period's cubes is then "
        "perturbed by a table lookup on its cell key (no search, unlike secondary suppression). Filters (channel, "
        "language) are slices of the cached cubes. The PDF is laid out by Typst (tagged PDF/UA-1).",
        "",
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {output}")


def run_baseline(revision: str, events: int) -> dict[str, dict[str, str]]:
    """Run the benchmark of an earlier revision (its own code and data) and read its table."""
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "baseline"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        # The baseline made its PDF with reportlab, which the current code no longer needs.
        deps = ROOT / "build" / "bench" / "baseline-deps"
        if not (deps / "reportlab").is_dir():
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(deps), "reportlab==5.1.0"], check=True)
        environment = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{deps}"}
        subprocess.run([sys.executable, str(tree / "bench" / "monitoring_bench.py"), "--events", str(events)], check=True, cwd=tree, env=environment)
        return _read_table((tree / "bench" / "results" / "monitoring.md").read_text(encoding="utf-8"))


def _read_table(markdown: str) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {"sqlite": {}, "postgresql": {}}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("what", "---") and not cells[1].startswith("--"):
            table["sqlite"][cells[0]], table["postgresql"][cells[0]] = cells[1], cells[2]
    return table


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=int(os.environ.get("MONITORING_BENCH_EVENTS", 1_000_000)))
    parser.add_argument("--baseline", default=None, help=f"revision to measure next to this one (default {BASELINE} for full runs; none: skip)")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true", help="20,000 events, no baseline (CI); pass --output too")
    arguments = parser.parse_args(sys.argv[1:] if sys.argv[0].endswith("monitoring_bench.py") else [])
    if arguments.smoke:
        arguments.events, arguments.baseline = 20_000, "none"
    full = arguments.events >= FULL_SIZE
    revision = arguments.baseline or (BASELINE if full else "none")
    output = arguments.output or (ROOT / "bench" / "results" / "monitoring.md" if full else ROOT / "build" / "bench" / "monitoring.md")
    before = None if revision == "none" else run_baseline(revision, arguments.events)
    asyncio.run(main(arguments.events, output, before, revision))
