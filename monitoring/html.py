"""The report as HTML: one template for the dashboard, the HTML report and the PDF (monitoring/pdf.py).

Tables have captions and scoped header cells, charts are SVG with a title, a description and the
same numbers as a table, and wide tables sit in labelled scroll regions that a keyboard can reach.
"""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path

from monitoring.analysis import Grid, Priority, Published
from monitoring.figures import to_svg
from monitoring.report import PUBLISHER, Comparison, Report, Section

STATIC = Path(__file__).resolve().parent / "static"


@cache
def stylesheet() -> str:
    return (STATIC / "analytics.css").read_text(encoding="utf-8")


def render_report_html(report: Report) -> str:
    """Render the report as one self-contained HTML document (styles inline, charts as SVG); the PDF
    is rendered from this same document."""
    return (
        '<!doctype html>\n<html lang="de-DE"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="author" content="{escape(PUBLISHER)}">'
        f'<meta name="description" content="{escape(report.subtitle)}">'
        f"<title>{escape(report.title)} – {escape(PUBLISHER)}</title>"
        f"<style>{stylesheet()}</style></head>\n<body class=\"report\"><main>\n{report_body(report)}\n</main></body></html>\n"
    )


def report_body(report: Report) -> str:
    """Render the report's masthead and sections (shared by the dashboard, the HTML and the PDF)."""
    parts = [_masthead(report), _overview(report), _priorities(report)]
    parts += [_section(section) for section in report.sections]
    parts.append('<section id="methodik" aria-labelledby="methodik-h"><h2 id="methodik-h">Methodik und Datenschutz</h2><ul>')
    parts += [f"<li>{escape(note)}</li>" for note in report.method]
    parts.append("</ul></section>")
    return "\n".join(parts)


def _section(section: Section) -> str:
    parts = [f'<section id="{section.key}" aria-labelledby="{section.key}-h">', f'<h2 id="{section.key}-h">{escape(section.title)}</h2>']
    if section.text:
        parts.append(f"<p>{escape(section.text)}</p>")
    if section.findings:
        parts.append('<ul class="findings">' + "".join(f"<li>{escape(line)}</li>" for line in section.findings) + "</ul>")
    if section.figure is not None:
        parts.append(f"<figure>{to_svg(section.figure, 'chart-' + section.key)}")
        parts.append(f"<figcaption>{escape(section.figure.description)}</figcaption></figure>")
    for caption, grid in section.tables:
        parts.append(_collapsible(caption, grid_table(grid, caption)))
    for comparison in section.comparisons:
        parts.append(_wide(comparison.caption, comparison_table(comparison)))
    parts.append("</section>")
    return "\n".join(parts)


def _collapsible(caption: str, table: str) -> str:
    """A table behind a "Tabelle:" toggle on screen; printed (and in the PDF) it is always shown."""
    return f'<details class="table"><summary>Tabelle: {escape(caption)}</summary>{_wide(caption, table)}</details>'


def _wide(label: str, table: str) -> str:
    """Wrap a table in a scroll region a keyboard can reach, for narrow screens."""
    return f'<div class="scroll" role="region" aria-label="{escape(label)}" tabindex="0">{table}</div>'


def grid_table(grid: Grid, caption: str) -> str:
    """Render a table of published counts, with totals where there are any."""
    head = "".join(f'<th scope="col" class="n">{escape(column)}</th>' for column in grid.columns)
    total_head = '<th scope="col" class="n">Summe</th>' if grid.row_totals is not None and len(grid.columns) > 1 else ""
    rows = []
    for r, label in enumerate(grid.rows):
        cells = "".join(_cell(value) for value in grid.cells[r])
        if total_head and grid.row_totals is not None:
            cells += _cell(grid.row_totals[r])
        rows.append(f'<tr><th scope="row">{escape(label)}</th>{cells}</tr>')
    foot = ""
    if grid.column_totals is not None:
        cells = "".join(_cell(value) for value in grid.column_totals)
        if total_head and grid.total is not None:
            cells += _cell(grid.total)
        foot = f'<tfoot><tr><th scope="row">Summe</th>{cells}</tr></tfoot>'
    corner = f'<th scope="col">{escape(grid.row_header)}</th>'
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{corner}{head}{total_head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody>{foot}</table>"
    )


def comparison_table(comparison: Comparison) -> str:
    """Render a comparison with the previous year: both values and the change."""
    rows = "".join(
        f'<tr><th scope="row">{escape(row.label)}</th>{_cell(row.previous)}{_cell(row.current)}<td class="n">{escape(row.change)}</td></tr>'
        for row in comparison.rows
    )
    return (
        f"<table><caption>{escape(comparison.caption)}</caption><thead><tr>"
        f'<th scope="col">{escape(comparison.row_header)}</th><th scope="col" class="n">{escape(comparison.previous_label)}</th>'
        f'<th scope="col" class="n">{escape(comparison.current_label)}</th><th scope="col" class="n">Veränderung</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _cell(value: Published) -> str:
    if value.shown:
        return f'<td class="n">{value.text()}</td>'
    return f'<td class="n hidden"><abbr title="weniger als {value.k}, nicht genannt">{escape(value.text())}</abbr></td>'


def _masthead(report: Report) -> str:
    return (
        '<header class="masthead">'
        f'<p class="publisher">{escape(PUBLISHER)}</p>'
        f"<h1>{escape(report.title)}</h1>"
        f'<p class="subtitle">{escape(report.subtitle)}</p>'
        "<dl>"
        f"<dt>Zeitraum</dt><dd>{escape(report.period_text)}</dd>"
        f"<dt>Auswahl</dt><dd>{escape(report.filter_text)}</dd>"
        f"<dt>Erstellt</dt><dd>{escape(report.generated)}</dd>"
        f"<dt>Datenschutz</dt><dd>anonyme Zählungen; alle Zahlen leicht zufällig verändert, Zahlen unter {report.k} nicht genannt (siehe Methodik)</dd>"
        "</dl></header>"
    )


def _overview(report: Report) -> str:
    cards = "".join(
        f'<li><span class="value">{escape(figure.count.text())}</span>'
        f'<span class="label">{escape(figure.label)}</span>'
        + (f'<span class="share">{escape(figure.share)}</span>' if figure.share else "")
        + "</li>"
        for figure in report.key_figures
    )
    summary = "".join(f"<li>{escape(line)}</li>" for line in report.summary)
    return (
        '<section id="kurz" aria-labelledby="kurz-h"><h2 id="kurz-h">Das Wichtigste in Kürze</h2>'
        f'<ul class="figures">{cards}</ul><ul class="summary">{summary}</ul></section>'
    )


def _priorities(report: Report) -> str:
    rows = "".join(_priority_row(p) for p in report.priorities)
    table = (
        "<table class=\"priorities\"><caption>Prioritätenliste</caption><thead><tr>"
        '<th scope="col">Thema</th><th scope="col" class="n">Rang</th><th scope="col" class="n">Anfragen</th>'
        '<th scope="col" class="n">Rang Nachfrage</th><th scope="col" class="n">ungedeckter Bedarf</th>'
        '<th scope="col" class="n">nicht (sicher) verstanden</th><th scope="col" class="n">Person gewünscht</th>'
        '<th scope="col" class="n">außerhalb der Sprechzeiten</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    return (
        '<section id="prioritaeten" aria-labelledby="prioritaeten-h"><h2 id="prioritaeten-h">'
        "Prioritätenliste: Handlungsbedarf nach Thema</h2>"
        "<p>Die Anfragen nach Thema, geordnet nach ungedecktem Bedarf – nicht (sicher) verstanden oder Wunsch nach "
        "einer Person –, daneben der Rang nach Nachfrage und die Anfragen außerhalb der Sprechzeiten. Gleiche Zahlen "
        "teilen sich einen Rang; ohne Rang („–“) bleiben Themen, deren Zahl nicht genannt wird. Grundlage für die "
        "Prioritätenliste des Integrationsmonitorings.</p>"
        f"{_wide('Prioritätenliste', table)}</section>"
    )


def _priority_row(p: Priority) -> str:
    return (
        f'<tr><th scope="row">{escape(p.name)}</th><td class="n rank">{_rank(p.unmet_rank)}</td>{_cell(p.demand)}'
        f'<td class="n rank-demand">{_rank(p.demand_rank)}</td>{_cell(p.unmet)}{_cell(p.not_understood)}'
        f"{_cell(p.person_wanted)}{_cell(p.outside_hours)}</tr>"
    )


def _rank(rank: int | None) -> str:
    return str(rank) if rank is not None else "–"
