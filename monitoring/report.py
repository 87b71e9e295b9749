"""The committee report's content, in German, from protected figures: one model for CSV, HTML and PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from monitoring.analysis import (
    ALL,
    Analysis,
    Estimate,
    Filter,
    Grid,
    KeyFigure,
    Priority,
    share,
    week_span,
)
from monitoring.charts import (
    demand_by_hour,
    handovers_by_week,
    languages_by_week,
    topics_by_week,
    unmet_by_topic_and_language,
    waiting_times,
)
from monitoring.figures import Figure
from monitoring.labels import (
    MONTH_NAMES,
    SMALL_TALK,
    channel_name,
    language_name,
    number,
    percent,
)

PUBLISHER = "Stadt Hameln · Büro für Integrationsfragen"
WEEKDAY_ADVERBS = ("montags", "dienstags", "mittwochs", "donnerstags", "freitags", "samstags", "sonntags")
COMMITTEE = "Ausschuss für Gesundheit und Soziales des Landkreises Hameln-Pyrmont"


@dataclass(frozen=True)
class Section:
    """One part of the report: a heading, a short explanation, a chart and its table."""

    key: str
    title: str
    text: str
    figure: Figure | None = None
    table: Grid | None = None


@dataclass(frozen=True)
class Report:
    """Everything a report shows, already protected and worded."""

    title: str
    subtitle: str
    period_text: str
    filter_text: str
    generated: str
    k: int
    total: Estimate
    key_figures: list[KeyFigure]
    summary: list[str]
    priorities: list[Priority]
    sections: list[Section]
    method: list[str]
    analysis: Analysis
    where: Filter


def report_title(first: date, last: date) -> str:
    """Name a report by its period: month, quarter, year, or the dates."""
    month_end = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if first.day == 1 and last == month_end:
        return f"Monatsbericht {MONTH_NAMES[first.month - 1]} {first.year}"
    if first == date(first.year, 1, 1) and last == date(first.year, 12, 31):
        return f"Jahresbericht {first.year}"
    if first.day == 1 and first.month in (1, 4, 7, 10):
        quarter_end = date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1) - timedelta(days=1)
        if last == quarter_end:
            return f"Quartalsbericht {first.month // 3 + 1}. Quartal {first.year}"
    return f"Bericht {first:%d.%m.%Y}–{last:%d.%m.%Y}"


def build_report(analysis: Analysis, where: Filter, now: datetime) -> Report:
    """Assemble the report of an analysis for a filter."""
    where = analysis.normalise(where)
    period = analysis.period
    figures = analysis.key_figures(where)
    priorities = analysis.priorities(where)
    topics = analysis.topics_by_week(where)
    languages = analysis.languages_by_week(where)
    missed, asked = analysis.understanding(where)
    clock = analysis.clock(where)
    handovers = analysis.handovers_by_week(where)
    waits = analysis.waiting_times(where)
    weeks = with_week_spans(topics, analysis)
    sections = [
        Section(
            "themen",
            "Themen im Zeitverlauf",
            "Wofür sich die Menschen interessieren, Woche für Woche. Die sieben häufigsten Themen sind farbig, "
            "alle übrigen zusammen als „weitere Themen“.",
            topics_by_week(topics),
            _transpose_totals(weeks, "Thema"),
        ),
        Section(
            "sprachen",
            "Sprachen im Zeitverlauf",
            "In welchen Sprachen geschrieben wird. „Unbestimmt“ sind Nachrichten ohne erkennbare Sprache "
            "(z. B. Fotos), „weitere Sprachen“ alle, die der Assistent nicht spricht.",
            languages_by_week(languages),
            _transpose_totals(with_week_spans(languages, analysis), "Sprache"),
        ),
        Section(
            "bedarf",
            "Ungedeckter Bedarf nach Thema und Sprache",
            "Anteil der Anfragen, die der Assistent nicht verstand oder nur mit einer Rückfrage beantworten konnte. "
            "Hohe Anteile zeigen, wo Antworten oder Sprachangebote fehlen.",
            unmet_by_topic_and_language(missed, asked),
            None,
        ),
        Section(
            "zeiten",
            "Nachfrage außerhalb der Sprechzeiten",
            "Wann geschrieben wird, nach Wochentag und Stunde, verglichen mit den Sprechzeiten des Büros "
            f"({hours_text(analysis)}).",
            demand_by_hour(clock, open_cells(analysis)),
            None,
        ),
        Section(
            "uebergaben",
            "Übergaben an Mitarbeitende und Wartezeiten",
            "Wie oft Menschen eine Person sprechen wollten, und wie viele ihrer Nachrichten während einer Übergabe "
            "an Mitarbeitende weitergeleitet wurden.",
            handovers_by_week(handovers),
            None,
        ),
        Section(
            "wartezeiten",
            "Wartezeit bis zur ersten Antwort von Mitarbeitenden",
            "Wie lange Menschen nach ihrer Bitte um eine Person auf die erste Antwort warteten, je Übergabe.",
            waiting_times(waits),
            waits,
        ),
    ]
    return Report(
        title=report_title(period.first, period.last),
        subtitle=f"Anfragen an den digitalen Assistenten des Büros für Integrationsfragen – Bericht für den {COMMITTEE}",
        period_text=f"{period.first:%d.%m.%Y} bis {period.last:%d.%m.%Y}",
        filter_text=filter_text(where),
        generated=f"{now:%d.%m.%Y, %H:%M} Uhr",
        k=analysis.k,
        total=analysis.get("needs", **_at(where)),
        key_figures=figures,
        summary=_summary(analysis, where, figures, priorities),
        priorities=priorities,
        sections=sections,
        method=method_notes(analysis.k),
        analysis=analysis,
        where=where,
    )


def filter_text(where: Filter) -> str:
    channel = "alle Kanäle" if where.channel == ALL else f"Kanal {channel_name(where.channel)}"
    language = "alle Sprachen" if where.language == ALL else f"Sprache {language_name(where.language)}"
    return f"{channel}, {language}"


def open_cells(analysis: Analysis) -> set[tuple[int, int]]:
    """Return the (weekday, hour) cells the office is open in, at least partly."""
    cells = set()
    for slot in analysis.config.office_hours.slots:
        last = slot.end.hour if slot.end.minute == 0 else slot.end.hour + 1
        for hour in range(slot.start.hour, last):
            cells.add((slot.weekday, hour))
    return cells


def hours_text(analysis: Analysis) -> str:
    """Say the office hours in words, e.g. "dienstags 10–12 und 14–16 Uhr, donnerstags 14–17 Uhr"."""
    days: dict[int, list[str]] = {}
    for slot in sorted(analysis.config.office_hours.slots, key=lambda s: (s.weekday, s.start)):
        days.setdefault(slot.weekday, []).append(f"{_clock(slot.start)}–{_clock(slot.end)}")
    return ", ".join(f"{WEEKDAY_ADVERBS[day]} {_join(spans)} Uhr" for day, spans in days.items())


def _clock(moment: time) -> str:
    return f"{moment.hour}" if moment.minute == 0 else f"{moment.hour}:{moment.minute:02d}"


def method_notes(k: int) -> list[str]:
    return [
        "Gezählt wird jede Nachricht, die der Assistent bearbeitet hat: Stunde des Eingangs (Ortszeit Hameln), Thema, "
        "Sprache, Kanal (Telegram, Web-Chat), Ergebnis (beantwortet, nachgefragt, nicht verstanden, Person gewünscht, "
        "an Mitarbeitende weitergeleitet) und ob das Büro gerade Sprechzeit hatte. Bei Übergaben an Mitarbeitende "
        "zählt außerdem, wie lange bis zur ersten Antwort gewartet wurde – nur als Klasse (z. B. 15–60 Min.).",
        "Nicht gespeichert werden Namen, Telefonnummern, Chat- oder Nutzerkennungen, Nachrichtentexte oder irgendetwas, "
        "das zwei Nachrichten derselben Person verbindet. Es gibt keine Einzeldatensätze: gleichartige Nachrichten "
        "einer Stunde werden nur gezählt. Niemand kann aus diesen Zahlen erkennen, wer gefragt hat.",
        f"Kleine Zahlen werden nicht veröffentlicht: „<{k}“ steht für weniger als {k} Anfragen (auch keine). "
        "„×“ steht für eine Zahl, die ausgeblendet ist, damit sich keine kleine Zahl aus Summen zurückrechnen lässt "
        "(sekundäre Geheimhaltung). Spannen wie „40–45“ sind das, was sich aus den veröffentlichten Zahlen ergibt.",
        "Ungedeckter Bedarf: Anfragen, die der Assistent nicht verstand oder nur mit Rückfrage beantworten konnte, "
        "bei denen eine Person gewünscht oder die an Mitarbeitende weitergeleitet wurden, oder die außerhalb der "
        "Sprechzeiten kamen.",
        "Wochen sind Kalenderwochen (Montag bis Sonntag); Wochen am Rand des Zeitraums zählen nur dessen Tage.",
    ]


def _summary(analysis: Analysis, where: Filter, figures: list[KeyFigure], priorities: list[Priority]) -> list[str]:
    total = figures[0].count
    if not total.exact or not total.value:
        return [f"Im Zeitraum gab es {total.text()} Anfragen – zu wenige für eine Auswertung."]
    lines = [f"Im Zeitraum bearbeitete der Assistent {number(total.value)} Anfragen."]
    needs = [p for p in priorities if p.topic and p.topic not in SMALL_TALK and p.demand.exact]
    by_demand = sorted(needs, key=lambda p: -(p.demand.value or 0))[:3]
    if by_demand:
        parts = [f"{p.name} ({percent((p.demand.value or 0) / total.value)})" for p in by_demand]
        lines.append("Am häufigsten ging es um " + _join(parts) + ".")
    channel = {"channel": where.channel} if where.channel != ALL else {}
    languages = [(analysis.get("needs", **channel, language=code), name) for code, name in analysis.languages_present()]
    languages = sorted((item for item in languages if item[0].exact and item[0].value), key=lambda item: -(item[0].value or 0))[:3]
    if languages and where.language == ALL:
        lines.append("Am meisten geschrieben wurde auf " + _join([f"{name} ({percent((e.value or 0) / total.value)})" for e, name in languages]) + ".")
    outside = figures[3]
    if outside.count.exact:
        lines.append(f"{outside.share} der Anfragen kamen außerhalb der Sprechzeiten des Büros.")
    if priorities:
        first = priorities[0]
        ratio = share(first.unmet, first.demand)
        tail = f" ({percent(ratio)} der Anfragen zu diesem Thema)" if ratio is not None else ""
        lines.append(f"Der größte ungedeckte Bedarf besteht beim Thema „{first.name}“{tail}.")
    return lines


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]


def _at(where: Filter) -> dict[str, str]:
    at = {}
    if where.channel != ALL:
        at["channel"] = where.channel
    if where.language != ALL:
        at["language"] = where.language
    return at


def with_week_spans(grid: Grid, analysis: Analysis) -> Grid:
    """Label the rows of a weekly table with their days, e.g. "KW 10 (02.03.–08.03.2026)"."""
    rows = tuple(f"{label} ({week_span(key, analysis.period)})" for label, key in zip(grid.rows, grid.row_keys, strict=True))
    return Grid(rows, grid.columns, grid.cells, grid.row_totals, grid.column_totals, grid.total, grid.row_keys, grid.column_keys)


def _transpose_totals(grid: Grid, label: str) -> Grid:
    """Return the column totals of a weekly table as a one-column table (the compact form for print)."""
    totals = grid.column_totals or ()
    return Grid(
        rows=grid.columns,
        columns=("Anfragen",),
        cells=tuple((total,) for total in totals),
        row_totals=None,
        column_totals=(grid.total,) if grid.total else None,
        total=grid.total,
        row_keys=grid.column_keys,
        column_keys=(label,),
    )
