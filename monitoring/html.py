"""The report as HTML: a standalone document, and the body the dashboard shows."""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path

from monitoring.analysis import Estimate, Grid, Priority
from monitoring.figures import to_svg
from monitoring.report import PUBLISHER, Report

STATIC = Path(__file__).resolve().parent / "static"


@cache
def stylesheet() -> str:
    return (STATIC / "analytics.css").read_text(encoding="utf-8")


def render_report_html(report: Report) -> str:
    """Render the report as one self-contained HTML file (styles inline, charts as SVG)."""
    return (
        '<!doctype html>\n<html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)} – {escape(PUBLISHER)}</title>"
        f"<style>{stylesheet()}</style></head>\n<body><main>\n{report_body(report)}\n</main></body></html>\n"
    )


def report_body(report: Report) -> str:
    """Render the report's masthead and sections (shared by the HTML report and the dashboard)."""
    parts = [_masthead(report), _overview(report), _priorities(report)]
    for section in report.sections:
        parts.append(f'<section id="{section.key}" aria-labelledby="{section.key}-h">')
        parts.append(f'<h2 id="{section.key}-h">{escape(section.title)}</h2>')
        if section.text:
            parts.append(f"<p>{escape(section.text)}</p>")
        if section.figure is not None:
            parts.append(f"<figure>{to_svg(section.figure, 'chart-' + section.key)}")
            parts.append(f"<figcaption>{escape(section.figure.description)}</figcaption></figure>")
        if section.table is not None:
            parts.append(f"<details><summary>Tabelle: {escape(section.title)}</summary><div class=\"scroll\">")
            parts.append(grid_table(section.table, section.title))
            parts.append("</div></details>")
        parts.append("</section>")
    parts.append('<section id="methodik" aria-labelledby="methodik-h"><h2 id="methodik-h">Methodik und Datenschutz</h2><ul>')
    parts += [f"<li>{escape(note)}</li>" for note in report.method]
    parts.append("</ul></section>")
    return "\n".join(parts)


def grid_table(grid: Grid, caption: str) -> str:
    """Render a table of protected counts, with totals where they are published."""
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
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr><td></td>{head}{total_head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody>{foot}</table>"
    )


def _cell(value: Estimate) -> str:
    if value.exact:
        return f'<td class="n">{value.text()}</td>'
    meaning = "aus Datenschutzgründen ausgeblendet"
    return f'<td class="n hidden" title="{meaning}">{escape(value.text())}</td>'


def _masthead(report: Report) -> str:
    return (
        '<div class="masthead">'
        f'<p class="publisher">{escape(PUBLISHER)}</p>'
        f"<h1>{escape(report.title)}</h1>"
        f'<p class="subtitle">{escape(report.subtitle)}</p>'
        "<dl>"
        f"<dt>Zeitraum</dt><dd>{escape(report.period_text)}</dd>"
        f"<dt>Auswahl</dt><dd>{escape(report.filter_text)}</dd>"
        f"<dt>Erstellt</dt><dd>{escape(report.generated)}</dd>"
        f"<dt>Datenschutz</dt><dd>anonyme Zählungen; Zahlen unter {report.k} ausgeblendet (siehe Methodik)</dd>"
        "</dl></div>"
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
        f'<ul class="figures">{cards}</ul><ul>{summary}</ul></section>'
    )


def _priorities(report: Report) -> str:
    rows = "".join(_priority_row(p) for p in report.priorities)
    return (
        '<section id="prioritaeten" aria-labelledby="prioritaeten-h"><h2 id="prioritaeten-h">'
        "Prioritätenliste: Handlungsbedarf nach Thema</h2>"
        "<p>Die Themen, geordnet nach ungedecktem Bedarf – Anfragen, die der Assistent nicht (sicher) verstand, "
        "bei denen eine Person gewünscht wurde oder die außerhalb der Sprechzeiten kamen. Daneben der Rang nach "
        "Nachfrage. Grundlage für die Prioritätenliste des Integrationsmonitorings.</p>"
        '<div class="scroll"><table><caption>Prioritätenliste</caption><thead><tr>'
        '<th scope="col" class="n">Rang</th><th scope="col">Thema</th><th scope="col" class="n">Anfragen</th>'
        '<th scope="col" class="n">Rang Nachfrage</th><th scope="col" class="n">ungedeckter Bedarf</th>'
        '<th scope="col" class="n">nicht (sicher) verstanden</th><th scope="col" class="n">außerhalb der Sprechzeiten</th>'
        '<th scope="col" class="n">Person gewünscht / weitergeleitet</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _priority_row(p: Priority) -> str:
    return (
        f'<tr><td class="n rank">{p.unmet_rank}</td><th scope="row">{escape(p.name)}</th>{_cell(p.demand)}'
        f'<td class="n rank-demand">{p.demand_rank}</td>{_cell(p.unmet)}{_cell(p.not_understood)}{_cell(p.outside_hours)}{_cell(p.handovers)}</tr>'
    )
