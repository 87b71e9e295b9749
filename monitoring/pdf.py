"""The report as a tagged, accessible PDF (PDF/UA-1), laid out by Typst.

The same report model as the HTML (monitoring/report.py), the same charts (SVG, with their text
alternative) and the same tables go into one Typst template (static/report.typ). Typst writes the
structure tree (headings, lists, tables with header rows, figures with alternative text), the
document language de-DE and title, and marks page headers and footers as artifacts; with the
PDF/UA-1 standard switched on it refuses to write a PDF that misses any of it.

Why not WeasyPrint from the HTML (one template): measured on this machine, it took 1.2-1.4 s for
the annual report alone, where the whole request must stay under 1 s; Typst takes a tenth of
that (bench/results/monitoring.md). reportlab, used before, cannot tag at all.
"""

from __future__ import annotations

import json
from typing import Any

from monitoring.analysis import Grid, Priority
from monitoring.figures import to_svg
from monitoring.html import STATIC
from monitoring.report import PUBLISHER, Comparison, Report, Section

TEMPLATE = STATIC / "report.typ"


def render_report_pdf(report: Report) -> bytes:
    """Render the report as a tagged PDF (PDF/UA-1) and return its bytes."""
    import typst  # the compiler is loaded only when a PDF is asked for

    charts: dict[str, str] = {}
    content = report_content(report, charts)
    inputs = {"report": json.dumps(content, ensure_ascii=False), **charts}
    pdf = typst.compile(str(TEMPLATE), sys_inputs=inputs, pdf_standards=["ua-1"], ignore_system_fonts=False)
    assert isinstance(pdf, bytes)
    return pdf


def report_content(report: Report, charts: dict[str, str]) -> dict[str, Any]:
    """Turn the report into plain data for the template; put each chart's SVG into `charts`."""
    return {
        "title": report.title,
        "subtitle": report.subtitle,
        "publisher": PUBLISHER,
        "period": report.period_text,
        "meta": [
            ["Zeitraum", report.period_text],
            ["Auswahl", report.filter_text],
            ["Erstellt", report.generated],
            ["Datenschutz", f"anonyme Zählungen; alle Zahlen leicht zufällig verändert, Zahlen unter {report.k} nicht genannt (siehe Methodik)"],
        ],
        "figures": [{"value": f.count.text(), "label": f.label, "share": f.share} for f in report.key_figures],
        "summary": report.summary,
        "priorities": {
            "title": "Prioritätenliste: Handlungsbedarf nach Thema",
            "intro": (
                "Die Anfragen nach Thema, geordnet nach ungedecktem Bedarf – nicht (sicher) verstanden oder Wunsch "
                "nach einer Person –, daneben der Rang nach Nachfrage und die Anfragen außerhalb der Sprechzeiten. "
                "Gleiche Zahlen teilen sich einen Rang; ohne Rang („–“) bleiben Themen, deren Zahl nicht genannt wird."
            ),
            "table": _priority_table(report.priorities),
        },
        "sections": [_section(section, charts) for section in report.sections],
        "method": report.method,
    }


def _section(section: Section, charts: dict[str, str]) -> dict[str, Any]:
    chart = None
    if section.figure is not None:
        key = f"chart-{section.key}"
        charts[key] = to_svg(section.figure, key)
        chart = {"key": key, "alt": f"{section.figure.title}. {section.figure.description}", "caption": section.figure.description}
    tables = [_grid_table(caption, grid) for caption, grid in section.tables]
    tables += [_comparison_table(comparison) for comparison in section.comparisons]
    return {"title": section.title, "text": section.text, "findings": list(section.findings), "chart": chart, "tables": tables}


def _grid_table(caption: str, grid: Grid) -> dict[str, Any]:
    with_totals = grid.row_totals is not None and len(grid.columns) > 1
    header = [grid.row_header, *grid.columns, *(["Summe"] if with_totals else [])]
    rows = []
    for r, label in enumerate(grid.rows):
        cells = [cell.text() for cell in grid.cells[r]]
        if with_totals and grid.row_totals is not None:
            cells.append(grid.row_totals[r].text())
        rows.append([label, *cells])
    foot: list[str] = []
    if grid.column_totals is not None:
        foot = ["Summe", *(cell.text() for cell in grid.column_totals)]
        if with_totals and grid.total is not None:
            foot.append(grid.total.text())
    return _table(caption, header, rows, foot)


def _comparison_table(comparison: Comparison) -> dict[str, Any]:
    header = [comparison.row_header, comparison.previous_label, comparison.current_label, "Veränderung"]
    rows = [[row.label, row.previous.text(), row.current.text(), row.change] for row in comparison.rows]
    return _table(comparison.caption, header, rows)


def _priority_table(priorities: list[Priority]) -> dict[str, Any]:
    header = ["Thema", "Rang", "Anfragen", "Rang Nachfrage", "ungedeckter Bedarf", "nicht (sicher) verstanden", "Person gewünscht", "außerhalb der Sprechzeiten"]
    rows = [
        [p.name, _rank(p.unmet_rank), p.demand.text(), _rank(p.demand_rank), *(v.text() for v in (p.unmet, p.not_understood, p.person_wanted, p.outside_hours))]
        for p in priorities
    ]
    return _table("Prioritätenliste", header, rows)


def _table(caption: str, header: list[str], rows: list[list[str]], foot: list[str] | None = None) -> dict[str, Any]:
    """A table for the template. Each value column is as wide as its longest word or number needs
    (headers wrap between words, never inside one); the names get the rest (0 stands for that)."""
    foot = foot or []
    widths = [0.0]
    for column in range(1, len(header)):
        words = [len(word) * _HEADER_CHAR for word in header[column].split()]
        values = [len(row[column]) * _CELL_CHAR for row in (*rows, foot) if len(row) > column]
        widths.append(round(max([*words, *values, 12.0]) + 2 * _INSET, 1))
    return {"caption": caption, "header": header, "rows": rows, "foot": foot, "widths": widths}


# Widths in points of a character (bold header at 7.5 pt, cells at 8.5 pt, DejaVu Sans) and the cells' inset.
_HEADER_CHAR = 5.2
_CELL_CHAR = 5.5
_INSET = 3.5


def _rank(rank: int | None) -> str:
    return str(rank) if rank is not None else "–"
