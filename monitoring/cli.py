"""`assistant report`: write the committee report of a period as CSV, HTML or PDF."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from core.settings import Settings
from monitoring.analysis import ALL, Filter
from monitoring.config import analysis_config
from monitoring.csv_export import render_report_csv
from monitoring.html import render_report_html
from monitoring.queries import Period
from monitoring.report import build_report, is_calendar_year
from monitoring.service import AnalysisService
from storage.migrate import open_database


async def write_report(
    settings: Settings, first: date, last: date, kind: str, output: Path | None, channel: str = "", language: str = ""
) -> int:
    """Build the report from the settings' database and write it to `output` (or stdout)."""
    config = analysis_config(settings)
    period = Period(first, last)
    async with open_database(settings.database_url) as database:
        service = AnalysisService(database, config)
        analysis = await service.analysis(period)
        # An annual report (a calendar year) compares with the year before.
        previous = await service.analysis(period.year_before()) if is_calendar_year(first, last) else None
    now = datetime.now(UTC).astimezone(config.office_hours.timezone)
    report = build_report(analysis, Filter(channel or ALL, language or ALL), now, previous)
    if kind == "pdf":
        from monitoring.pdf import render_report_pdf

        data = render_report_pdf(report)
    elif kind == "html":
        data = render_report_html(report).encode("utf-8")
    else:
        data = render_report_csv(report).encode("utf-8")
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        print(f"{report.title}: {output} ({len(data):,} bytes)", file=sys.stderr)
    return 0
