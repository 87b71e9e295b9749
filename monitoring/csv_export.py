"""The report as CSV for further work in a spreadsheet: one row per published number, German labels."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from monitoring.analysis import Grid
from monitoring.report import Report, with_week_spans

Row = tuple[str, str, str, str]


def render_report_csv(report: Report) -> str:
    """Render every table of the report as rows "Abschnitt;Zeile;Spalte;Wert" (UTF-8 with BOM, ';')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(("Abschnitt", "Zeile", "Spalte", "Wert"))
    writer.writerows(_rows(report))
    # The byte order mark makes spreadsheet programs read the umlauts right.
    return "\ufeff" + buffer.getvalue()


def _rows(report: Report) -> Iterator[Row]:
    analysis, where = report.analysis, report.where
    yield ("Bericht", "Titel", "", report.title)
    yield ("Bericht", "Zeitraum", "", report.period_text)
    yield ("Bericht", "Auswahl", "", report.filter_text)
    yield ("Bericht", "Erstellt", "", report.generated)
    yield (
        "Bericht",
        "Geheimhaltung",
        "",
        f"Cell-Key-Methode: alle Zahlen leicht zufällig verändert; Zahlen unter {report.k} als <{report.k}; Summen eigenständig",
    )
    for figure in report.key_figures:
        yield ("Kennzahlen", figure.label, "Anzahl", figure.count.text())
        if figure.share:
            yield ("Kennzahlen", figure.label, "Anteil", figure.share)
    for p in report.priorities:
        section = "Prioritätenliste"
        yield (section, p.name, "Rang ungedeckter Bedarf", str(p.unmet_rank or "–"))
        yield (section, p.name, "Anfragen", p.demand.text())
        yield (section, p.name, "Rang Nachfrage", str(p.demand_rank or "–"))
        yield (section, p.name, "ungedeckter Bedarf", p.unmet.text())
        yield (section, p.name, "nicht (sicher) verstanden", p.not_understood.text())
        yield (section, p.name, "Person gewünscht", p.person_wanted.text())
        yield (section, p.name, "außerhalb der Sprechzeiten", p.outside_hours.text())
    missed, asked = analysis.understanding(where)
    tables = [
        ("Anfragen je Woche und Thema", with_week_spans(analysis.topics_by_week(where), analysis)),
        ("Anfragen je Woche und Sprache", with_week_spans(analysis.languages_by_week(where), analysis)),
        ("Anfragen je Thema und Sprache", asked),
        ("Nicht (sicher) verstanden je Thema und Sprache", missed),
        ("Anfragen nach Wochentag und Stunde", analysis.clock(where)),
        ("Anfragen außerhalb der Sprechzeiten nach Wochentag und Stunde", analysis.clock(where, in_hours=False)),
        ("Übergaben je Woche", with_week_spans(analysis.handovers_by_week(where), analysis)),
        ("Wartezeit bis zur ersten Antwort von Mitarbeitenden", analysis.waiting_times(where)),
        ("Nachrichten, die keine Anfragen sind", analysis.non_inquiries(where)),
    ]
    for title, grid in tables:
        yield from _grid_rows(title, grid)
    for part in report.sections:
        for comparison in part.comparisons:
            for change in comparison.rows:
                yield (comparison.caption, change.label, comparison.previous_label, change.previous.text())
                yield (comparison.caption, change.label, comparison.current_label, change.current.text())
                yield (comparison.caption, change.label, "Veränderung", change.change)


def _grid_rows(title: str, grid: Grid) -> Iterator[Row]:
    for r, (label, cells) in enumerate(zip(grid.rows, grid.cells, strict=True)):
        for column, cell in zip(grid.columns, cells, strict=True):
            yield (title, label, column, cell.text())
        if grid.row_totals is not None:
            yield (title, label, "Summe", grid.row_totals[r].text())
    if grid.column_totals is not None:
        for column, cell in zip(grid.columns, grid.column_totals, strict=True):
            yield (title, "Summe", column, cell.text())
    if grid.total is not None:
        yield (title, "Summe", "Summe", grid.total.text())
