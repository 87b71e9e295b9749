"""The committee report's content, in German, from published figures: one model for CSV, HTML and PDF.

Every sentence, share and ranking here is computed from the published (perturbed) values that the
tables show, so text and tables never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from monitoring.analysis import (
    ALL,
    INQUIRIES,
    Analysis,
    Filter,
    Grid,
    KeyFigure,
    OutsideHour,
    Priority,
    Published,
    share,
    week_span,
)
from monitoring.charts import (
    demand_by_hour,
    handovers_by_week,
    languages_by_week,
    topics_by_week,
    unmet_by_topic_and_language,
    year_against_year,
)
from monitoring.figures import Figure
from monitoring.labels import (
    MONTH_NAMES,
    channel_name,
    language_name,
    number,
    percent,
)

PUBLISHER = "Stadt Hameln · Büro für Integrationsfragen"
WEEKDAY_ADVERBS = ("montags", "dienstags", "mittwochs", "donnerstags", "freitags", "samstags", "sonntags")
COMMITTEE = "Ausschuss für Gesundheit und Soziales des Landkreises Hameln-Pyrmont"


@dataclass(frozen=True)
class Change:
    """One line of a comparison with the previous year: both published values and the change."""

    label: str
    previous: Published
    current: Published

    @property
    def change(self) -> str:
        """Say the change in percent, from the published values only; "–" where one is hidden."""
        ratio = share(self.current, self.previous)
        if ratio is None:
            return "–"
        return ("+" if ratio >= 1 else "−") + percent(abs(ratio - 1)).replace("-", "")


@dataclass(frozen=True)
class Comparison:
    """A table comparing two periods line by line."""

    caption: str
    row_header: str
    previous_label: str
    current_label: str
    rows: tuple[Change, ...]


@dataclass(frozen=True)
class Section:
    """One part of the report: a heading, an explanation, findings, a chart and its tables."""

    key: str
    title: str
    text: str
    findings: tuple[str, ...] = ()
    figure: Figure | None = None
    tables: tuple[tuple[str, Grid], ...] = ()
    comparisons: tuple[Comparison, ...] = ()


@dataclass(frozen=True)
class Report:
    """Everything a report shows, already published and worded."""

    title: str
    subtitle: str
    period_text: str
    filter_text: str
    generated: str
    k: int
    total: Published
    key_figures: list[KeyFigure]
    summary: list[str]
    priorities: list[Priority]
    sections: list[Section]
    method: list[str]
    analysis: Analysis
    where: Filter
    previous: Analysis | None = None


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


def is_calendar_year(first: date, last: date) -> bool:
    return first == date(first.year, 1, 1) and last == date(first.year, 12, 31)


def build_report(analysis: Analysis, where: Filter, now: datetime, previous: Analysis | None = None) -> Report:
    """Assemble the report of an analysis for a filter (and, for an annual report, the year before)."""
    where = analysis.normalise(where)
    period = analysis.period
    figures = analysis.key_figures(where)
    priorities = analysis.priorities(where)
    topics = analysis.topics_by_week(where)
    languages = analysis.languages_by_week(where)
    missed, asked = analysis.understanding(where)
    waits = analysis.waiting_times(where)
    busiest = analysis.busiest_outside_hours(where, 3)
    outside = _figure(figures, "outside")
    sections = [
        Section(
            "themen",
            "Themen im Zeitverlauf",
            "Wofür sich die Menschen interessieren, Woche für Woche, ab der ersten Woche mit Daten im Zeitraum. "
            "Die häufigsten Themen sind farbig, alle übrigen zusammen als „weitere Themen“. Begrüßungen, Dank und "
            "Ähnliches zählen nicht als Anfragen (siehe „Nachrichten, die keine Anfragen sind“).",
            figure=topics_by_week(topics),
            tables=(("Anfragen je Thema im Zeitraum", _column_totals(topics, "Thema")),),
        ),
        Section(
            "sprachen",
            "Sprachen im Zeitverlauf",
            "In welchen Sprachen Anfragen kamen. „Unbestimmt“ sind Nachrichten ohne erkennbare Sprache "
            "(z. B. Fotos), „weitere Sprachen“ alle, die der Assistent nicht spricht.",
            figure=languages_by_week(languages),
            tables=(("Anfragen je Sprache im Zeitraum", _column_totals(languages, "Sprache")),),
        ),
        Section(
            "bedarf",
            "Ungedeckter Bedarf",
            "Ungedeckt ist der Bedarf, wenn der Assistent eine Anfrage nicht (sicher) verstand – er fragte nach oder "
            "konnte nicht helfen –, wenn eine Person gewünscht wurde, oder wenn jemand länger als eine Stunde auf "
            "die erste Antwort von Mitarbeitenden wartete. Die Farbfläche zeigt den Anteil nicht (sicher) "
            "verstandener Anfragen je Thema und Sprache.",
            findings=tuple(_unmet_findings(figures, priorities)),
            figure=unmet_by_topic_and_language(missed, asked),
            tables=(("Nicht (sicher) verstandene Anfragen je Thema", _understood_table(missed, asked)),),
        ),
        Section(
            "zeiten",
            "Nachfrage außerhalb der Sprechzeiten",
            f"Wann Anfragen kamen, nach Wochentag und Stunde, verglichen mit den Sprechzeiten des Büros ({hours_text(analysis)}). "
            "Anfragen außerhalb der Sprechzeiten beantwortet der Assistent; wer eine Person braucht, wartet bis zur "
            "nächsten Sprechzeit.",
            findings=tuple(_outside_findings(outside, busiest)),
            figure=demand_by_hour(analysis.clock(where), open_cells(analysis)),
            tables=(("Anfragen außerhalb der Sprechzeiten nach Wochentag und Uhrzeit", analysis.outside_hours_by_band(where)),),
        ),
        Section(
            "uebergaben",
            "Übergaben an Mitarbeitende und Wartezeiten",
            "Wie oft Menschen eine Person sprechen wollten, wie viele ihrer Nachrichten während einer Übergabe an "
            "Mitarbeitende gingen, und wie lange sie auf die erste Antwort warteten (je Übergabe).",
            findings=tuple(_wait_findings(_figure(figures, "long_wait"))),
            figure=handovers_by_week(analysis.handovers_by_week(where)),
            tables=(("Wartezeit bis zur ersten Antwort von Mitarbeitenden", waits),),
        ),
        Section(
            "gespraech",
            "Nachrichten, die keine Anfragen sind",
            "Begrüßungen, Dank, Verabschiedungen, Fragen nach dem Menü oder danach, ob hier ein Bot antwortet, "
            "sagen nichts über den Bedarf und zählen daher nicht als Anfragen; ebenso Fragen, die nichts mit dem "
            "Büro oder dem Ankommen zu tun haben, und Nachrichten, die während einer Übergabe an Mitarbeitende gingen.",
            tables=(("Nachrichten, die keine Anfragen sind", analysis.non_inquiries(where)),),
        ),
    ]
    if previous is not None:
        sections.append(_comparison(analysis, previous, where))
    return Report(
        title=report_title(period.first, period.last),
        subtitle=f"Anfragen an den digitalen Assistenten des Büros für Integrationsfragen – Bericht für den {COMMITTEE}",
        period_text=f"{period.first:%d.%m.%Y} bis {period.last:%d.%m.%Y}",
        filter_text=filter_text(where),
        generated=f"{now:%d.%m.%Y, %H:%M} Uhr",
        k=analysis.k,
        total=analysis.inquiries(where),
        key_figures=figures,
        summary=_summary(analysis, where, figures, priorities),
        priorities=priorities,
        sections=sections,
        method=method_notes(analysis),
        analysis=analysis,
        where=where,
        previous=previous,
    )


def filter_text(where: Filter) -> str:
    channel = "alle Kanäle (ohne Terminal- und Test-Nachrichten)" if where.channel == ALL else f"Kanal {channel_name(where.channel)}"
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


def hour_of_week(weekday: int, hour: int) -> str:
    """Say an hour of the week, e.g. "sonntags 20–21 Uhr"."""
    return f"{WEEKDAY_ADVERBS[weekday]} {hour}–{hour + 1} Uhr"


def _clock(moment: time) -> str:
    return f"{moment.hour}" if moment.minute == 0 else f"{moment.hour}:{moment.minute:02d}"


def method_notes(analysis: Analysis) -> list[str]:
    k = analysis.k
    parameters = analysis.config.perturbation.parameters
    return [
        "Gezählt wird jede Nachricht, die der Assistent bearbeitet hat: Stunde des Eingangs (Ortszeit Hameln), Thema, "
        "Sprache, Kanal (Telegram, Web-Chat), Ergebnis (beantwortet, nachgefragt, nicht verstanden, Person gewünscht) "
        "und ob das Büro gerade Sprechzeit hatte. Bei Übergaben an Mitarbeitende zählt außerdem, wie lange bis zur "
        "ersten Antwort gewartet wurde – nur als Klasse (z. B. 15–60 Min.).",
        "Anfragen sind Nachrichten zu einem Anliegen, auch solche ohne erkennbares Thema (Fotos, nicht unterstützte "
        "Sprachen). Nicht als Anfragen zählen Begrüßung, Dank, Verabschiedung, Fragen nach dem Menü oder dem Bot, "
        "Fragen ohne Bezug zum Büro und Nachrichten an Mitarbeitende während einer Übergabe; sie sind getrennt "
        "ausgewiesen. Nachrichten aus dem Terminal-Chat und aus Tests zählen nirgends mit, außer dieser Kanal ist "
        "ausdrücklich gewählt.",
        "Nicht gespeichert werden Namen, Telefonnummern, Chat- oder Nutzerkennungen, Nachrichtentexte oder irgendetwas, "
        "das zwei Nachrichten derselben Person verbindet. Es gibt keine Einzeldatensätze: gleichartige Nachrichten "
        "einer Stunde werden nur gezählt.",
        "Geheimhaltung nach der Cell-Key-Methode (wie im Zensus 2022): Jede veröffentlichte Zahl ist zufällig, aber "
        f"immer gleich leicht verändert (um höchstens {parameters.max_deviation}, im Mittel um etwa "
        f"{_mean_change(analysis):.1f}); dieselbe Zahl erscheint daher überall gleich, und Differenzen zwischen "
        "überlappenden Auswertungen verraten keine kleinen Zahlen. Originalwerte von 0 bleiben 0. Deshalb addieren "
        "sich Einzelwerte nicht immer genau zur ausgewiesenen Summe, und Anteile ergeben nicht immer genau 100 %. "
        f"Werte unter {k} werden nicht genannt („<{k}“).",
        "Ungedeckter Bedarf: Anfragen, die der Assistent nicht (sicher) verstand oder nur mit Rückfrage beantworten "
        "konnte, und Wünsche nach einer Person; dazu Übergaben, bei denen die erste Antwort von Mitarbeitenden "
        "länger als eine Stunde dauerte. Anfragen außerhalb der Sprechzeiten sind ein eigener Befund.",
        "Wochen sind Kalenderwochen (Montag bis Sonntag); Wochen am Rand des Zeitraums zählen nur dessen Tage. "
        "Zeitverläufe beginnen mit der ersten Woche, für die Daten ausgewiesen sind. Texte, Anteile und Rangfolgen "
        "sind aus den veröffentlichten Zahlen berechnet.",
    ]


def _mean_change(analysis: Analysis) -> float:
    noise = analysis.config.perturbation.noise(1_000)
    return sum(abs(v) * p for v, p in noise.items())


def _figure(figures: list[KeyFigure], key: str) -> KeyFigure:
    return next(figure for figure in figures if figure.key == key)


def _summary(analysis: Analysis, where: Filter, figures: list[KeyFigure], priorities: list[Priority]) -> list[str]:
    total = _figure(figures, "inquiries").count
    chat = _figure(figures, "small_talk").count
    if total.value is None or total.value == 0:
        return [f"Im Zeitraum gab es {total.text()} Anfragen – zu wenige für eine Auswertung."]
    lines = [f"Im Zeitraum stellten Menschen dem Assistenten {number(total.value)} Anfragen; dazu kamen {chat.text()} Begrüßungen, Danksagungen und Ähnliches."]
    by_demand = sorted((p for p in priorities if p.demand.shown), key=lambda p: (-p.demand.rank_value, p.name))[:3]
    if by_demand:
        lines.append("Am häufigsten ging es um " + _join([f"„{p.name}“ ({_share(p.demand, total)})" for p in by_demand]) + ".")
    if where.language == ALL:
        at = analysis.where("needs", where)
        spoken = [(analysis.get("needs", **at, topic=INQUIRIES, language=code), name) for code, name in analysis.languages_present()]
        top = sorted((item for item in spoken if item[0].shown), key=lambda item: (-item[0].rank_value, item[1]))[:3]
        if top:
            lines.append("Am meisten geschrieben wurde auf " + _join([f"{name} ({_share(count, total)})" for count, name in top]) + ".")
    unmet = _figure(figures, "unmet")
    if unmet.count.shown:
        lines.append(f"Ungedeckt blieb der Bedarf bei {unmet.count.text()} Anfragen ({unmet.share}).")
    ranked = [p for p in priorities if p.unmet_rank == 1]
    if ranked:
        first = ranked[0]
        lines.append(f"Am größten ist er beim Thema „{first.name}“: {first.unmet.text()} von {first.demand.text()} Anfragen.")
    outside = _figure(figures, "outside")
    if outside.count.shown:
        lines.append(f"{outside.count.text()} Anfragen ({outside.share}) kamen außerhalb der Sprechzeiten.")
    return lines


def _share(part: Published, whole: Published) -> str:
    ratio = share(part, whole)
    return percent(ratio) if ratio is not None else part.text()


def _unmet_findings(figures: list[KeyFigure], priorities: list[Priority]) -> list[str]:
    unmet, missed, person, long_wait = (_figure(figures, key) for key in ("unmet", "missed", "person", "long_wait"))
    lines = [
        f"Ungedeckter Bedarf: {unmet.count.text()} Anfragen ({unmet.share}) – davon nicht (sicher) verstanden "
        f"{missed.count.text()}, Person gewünscht {person.count.text()}.",
        f"Übergaben mit mehr als einer Stunde Wartezeit auf die erste Antwort: {long_wait.count.text()} ({long_wait.share} der Übergaben).",
    ]
    top = [p for p in priorities if p.unmet_rank is not None and p.unmet_rank <= 3]
    if top:
        lines.append("Am größten beim Thema " + _join([f"„{p.name}“ ({p.unmet.text()})" for p in top]) + ".")
    return lines


def _outside_findings(outside: KeyFigure, busiest: list[OutsideHour]) -> list[str]:
    lines = [f"{outside.count.text()} Anfragen ({outside.share}) kamen außerhalb der Sprechzeiten."]
    hours = [f"{hour_of_week(b.weekday, b.hour)} ({b.count.text()})" for b in busiest]
    if hours:
        lines.append("Die meisten davon kamen " + _join(hours) + ".")
    return lines


def _wait_findings(long_wait: KeyFigure) -> list[str]:
    return [f"Länger als eine Stunde auf die erste Antwort warteten {long_wait.count.text()} Übergaben ({long_wait.share})."]


def _comparison(analysis: Analysis, previous: Analysis, where: Filter) -> Section:
    """Compare the year with the year before: key figures, topics, languages, weeks."""
    now_label, then_label = _year_label(analysis), _year_label(previous)
    then_figures = {f.key: f for f in previous.key_figures(where)}
    figures = tuple(Change(f.label, then_figures[f.key].count, f.count) for f in analysis.key_figures(where))
    topics = tuple(
        Change(name, previous.get("needs", **previous.where("needs", where), topic=topic), analysis.get("needs", **analysis.where("needs", where), topic=topic))
        for topic, name in ((t, analysis.topics.label(t)) for t in analysis.inquiry_topics())
        if topic in previous.topics.keys
    )
    languages = tuple(
        Change(
            name,
            previous.get("needs", **previous.where("needs", where), topic=INQUIRIES, language=code),
            analysis.get("needs", **analysis.where("needs", where), topic=INQUIRIES, language=code),
        )
        for code, name in analysis.languages_present()
    )
    current, before = analysis.topics_by_week(where), previous.topics_by_week(where)
    return Section(
        "vorjahr",
        f"Vergleich mit dem Vorjahr ({then_label})",
        "Die Kennzahlen, Themen und Sprachen im Vergleich mit demselben Zeitraum des Vorjahres. Die Veränderung ist "
        "aus den veröffentlichten Zahlen berechnet; „–“, wo eine der beiden Zahlen nicht genannt wird.",
        figure=year_against_year(before, current, then_label, now_label),
        comparisons=(
            Comparison("Kennzahlen im Vergleich mit dem Vorjahr", "Kennzahl", then_label, now_label, figures),
            Comparison("Anfragen je Thema im Vergleich mit dem Vorjahr", "Thema", then_label, now_label, topics),
            Comparison("Anfragen je Sprache im Vergleich mit dem Vorjahr", "Sprache", then_label, now_label, languages),
        ),
    )


def _year_label(analysis: Analysis) -> str:
    first, last = analysis.period.first, analysis.period.last
    return str(first.year) if is_calendar_year(first, last) else f"{first:%d.%m.%Y}–{last:%d.%m.%Y}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]


def with_week_spans(grid: Grid, analysis: Analysis) -> Grid:
    """Label the rows of a weekly table with their days, e.g. "KW 10 (02.03.–08.03.2026)"."""
    rows = tuple(f"{label} ({week_span(key, analysis.period)})" for label, key in zip(grid.rows, grid.row_keys, strict=True))
    return replace(grid, rows=rows)


def _column_totals(grid: Grid, label: str) -> Grid:
    """Return the column totals of a weekly table as a one-column table, largest first (published values)."""
    totals = grid.column_totals or ()
    order = sorted(range(len(totals)), key=lambda i: (-totals[i].rank_value, grid.columns[i]))
    return Grid(
        rows=tuple(grid.columns[i] for i in order),
        columns=("Anfragen",),
        cells=tuple((totals[i],) for i in order),
        row_totals=None,
        column_totals=(grid.total,) if grid.total else None,
        total=grid.total,
        row_keys=tuple(grid.column_keys[i] for i in order),
        column_keys=(label,),
        row_header=label,
    )


def _understood_table(missed: Grid, asked: Grid) -> Grid:
    """Per topic: inquiries and those not (surely) understood (the heat map's row totals)."""
    rows = range(len(asked.rows))
    asked_totals, missed_totals = asked.row_totals or (), missed.row_totals or ()
    return Grid(
        rows=asked.rows,
        columns=("Anfragen", "nicht (sicher) verstanden"),
        cells=tuple((asked_totals[r], missed_totals[r]) for r in rows),
        row_totals=None,
        column_totals=(asked.total, missed.total) if asked.total and missed.total else None,
        total=None,
        row_keys=asked.row_keys,
        column_keys=("asked", "missed"),
        row_header="Thema",
    )
