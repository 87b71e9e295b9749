"""What the reports say: computed from published values only, inquiries without small talk or test
traffic, unmet need as what went unmet, demand outside the hours with its hours of the week,
timelines from the first data, new topics treated as inquiries, and the annual report."""

from __future__ import annotations

import io
import random
import re
from datetime import UTC, date, datetime, time, timedelta

from pypdf import PdfReader

from actions.inquiries import Outcome
from monitoring.analysis import ALL, Analysis, AnalysisConfig, Filter, Published
from monitoring.csv_export import render_report_csv
from monitoring.events import BERLIN, InquiryEvent, WaitEvent, start_of_hour
from monitoring.html import render_report_html
from monitoring.labels import percent
from monitoring.pdf import render_report_pdf
from monitoring.queries import Period
from monitoring.report import build_report
from tests.monitoring.test_queries import expected, keyed

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
TOPICS = ["office_hours", "ukraine_support", "labour_market", "courses", "referral", "discrimination_support", "location"]


def inquiries(seed: int, first: date, days: int, n: int, channel: str = "telegram", **fixed: object) -> list[InquiryEvent]:
    rng = random.Random(seed)
    start = datetime.combine(first, time(0), BERLIN)
    events = []
    for _ in range(n):
        at = start + timedelta(minutes=rng.randrange(days * 24 * 60))
        values: dict[str, object] = {
            "hour": start_of_hour(at),
            "topic": rng.choices(TOPICS, weights=[9, 7, 5, 4, 3, 1, 2])[0],
            "language": rng.choice(["uk", "ar", "de", "fa"]),
            "channel": channel,
            "outcome": rng.choices([Outcome.ANSWERED, Outcome.CLARIFIED, Outcome.NOT_UNDERSTOOD], weights=[8, 1, 1])[0],
            "in_hours": rng.random() < 0.2,
        }
        values.update(fixed)
        events.append(InquiryEvent(**values))  # type: ignore[arg-type]
    return events


def analyse(events: list[InquiryEvent | WaitEvent], config: AnalysisConfig, period: Period = MARCH, seed: int = 7) -> Analysis:
    return Analysis(period, expected(keyed(events, seed), period), config)  # type: ignore[arg-type]


def every_published(analysis: Analysis, where: Filter) -> list[Published]:
    report = build_report(analysis, where, NOW)
    values = [f.count for f in report.key_figures]
    for p in report.priorities:
        values += [p.demand, p.unmet, p.not_understood, p.person_wanted, p.outside_hours]
    for section in report.sections:
        for _, grid in section.tables:
            values += [cell for row in grid.cells for cell in row]
    return values


def test_every_number_is_a_count_of_at_least_k_or_said_to_be_below_it(analysis_config: AnalysisConfig) -> None:
    analysis = analyse([*inquiries(1, date(2026, 3, 1), 31, 900)], analysis_config)
    csv_text = render_report_csv(build_report(analysis, Filter(), NOW))
    rows = [line.split(";") for line in csv_text.splitlines()[1:]]
    values = [row[3] for row in rows if row[0] != "Bericht" and not row[2].startswith("Rang")]
    counts = [v for v in values if re.fullmatch(r"[\d.]+|<\d+", v)]
    assert counts, "no counts in the CSV"
    for value in counts:
        assert value == "<5" or int(value.replace(".", "")) >= 5, value
    # No ranges ("34–34") and no other marks: a hidden count is only ever "<5".
    assert not any(re.fullmatch(r"[\d.]+[–-][\d.]+", v) for v in values)
    assert "×" not in csv_text


def test_sentences_and_rankings_follow_the_published_values(analysis_config: AnalysisConfig) -> None:
    analysis = analyse([*inquiries(2, date(2026, 3, 1), 31, 1500)], analysis_config)
    report = build_report(analysis, Filter(), NOW)
    total = report.key_figures[0].count
    assert total.value is not None
    # "Am häufigsten ging es um …": the three largest published demands, with shares of the published total.
    top = sorted((p for p in report.priorities if p.demand.shown), key=lambda p: -(p.demand.value or 0))[:3]
    sentence = next(line for line in report.summary if line.startswith("Am häufigsten"))
    for p in top:
        assert f"„{p.name}“ ({percent((p.demand.value or 0) / total.value)})" in sentence
    # The priority list is ordered by the published unmet need; its ranks follow the published values.
    shown = [p for p in report.priorities if p.unmet_rank is not None]
    assert [p.unmet.value for p in shown] == sorted((p.unmet.value for p in shown), reverse=True)  # type: ignore[misc]
    for p in report.priorities:
        larger = {q.demand.value for q in report.priorities if (q.demand.value or -1) > (p.demand.value or -1)}
        if p.demand.shown:
            assert p.demand_rank == 1 + sum(1 for q in report.priorities if (q.demand.value or -1) > (p.demand.value or -1)), larger
    # The same events give the same number everywhere: the key figure, the table total, the chart text.
    topics_table = report.sections[0].tables[0][1]
    assert topics_table.total == total
    assert f"Anfragen insgesamt: {total.text()}" in (report.sections[0].figure.description if report.sections[0].figure else "")


def test_terminal_and_test_traffic_changes_no_figure_unless_chosen(analysis_config: AnalysisConfig) -> None:
    people = inquiries(3, date(2026, 3, 1), 31, 800)
    tests = inquiries(4, date(2026, 3, 1), 31, 300, channel="console") + inquiries(5, date(2026, 3, 1), 31, 64, channel="test")
    without = analyse([*people], analysis_config)
    with_tests = analyse([*people, *tests], analysis_config)
    # Same events in every published cell, same keys: exactly the same numbers.
    assert every_published(with_tests, Filter()) == every_published(without, Filter())
    chosen = with_tests.inquiries(Filter(channel="console"))
    assert chosen.value is not None and abs(chosen.value - 300) <= 10
    assert ("console", "Terminal (Test) (nicht gezählt)") in with_tests.channels_present()
    assert "ohne Terminal- und Test-Nachrichten" in build_report(with_tests, Filter(), NOW).filter_text


def test_small_talk_is_reported_apart_from_inquiries(analysis_config: AnalysisConfig) -> None:
    asked = inquiries(6, date(2026, 3, 1), 31, 600)
    chat = [
        InquiryEvent(e.hour, topic, e.language, e.channel, Outcome.ANSWERED, e.in_hours)
        for e, topic in zip(asked, ["greeting", "thanks", "goodbye", "help", "bot_challenge"] * 60, strict=False)
    ]
    relayed = [InquiryEvent(e.hour, "", e.language, e.channel, Outcome.HANDED_OVER, e.in_hours) for e in asked[:50]]
    plain, chatty = analyse([*asked], analysis_config), analyse([*asked, *chat, *relayed], analysis_config)
    assert chatty.inquiries(Filter()) == plain.inquiries(Filter())
    report = build_report(chatty, Filter(), NOW)
    assert not {p.topic for p in report.priorities} & {"greeting", "thanks", "goodbye", "help", "bot_challenge", "out_of_scope"}
    others = chatty.non_inquiries(Filter())
    counts = dict(zip(others.rows, (row[0].value for row in others.cells), strict=True))
    assert abs((counts["Begrüßung"] or 0) - 60) <= 10 and abs((counts["Nachrichten an Mitarbeitende während einer Übergabe"] or 0) - 50) <= 10
    small_talk = next(f for f in report.key_figures if f.key == "small_talk").count
    assert small_talk.value is not None and abs(small_talk.value - 300) <= 10


def test_unmet_need_is_what_went_unmet_and_outside_hours_is_its_own_finding(analysis_config: AnalysisConfig) -> None:
    # Sunday evenings: many answered questions outside the hours, none of them unmet.
    sunday = datetime(2026, 3, 15, 20, 30, tzinfo=BERLIN)
    answered = [InquiryEvent(start_of_hour(sunday + timedelta(days=7 * (i % 2))), "office_hours", "uk", "web", Outcome.ANSWERED, False) for i in range(80)]
    unmet = [
        *(InquiryEvent(start_of_hour(sunday), "referral", "fa", "web", Outcome.NOT_UNDERSTOOD, False) for _ in range(30)),
        *(InquiryEvent(start_of_hour(sunday), "human_handover", "ar", "web", Outcome.HANDOVER_REQUESTED, False) for _ in range(25)),
    ]
    waits = [WaitEvent(start_of_hour(sunday), "ar", "web", "gt24h") for _ in range(20)]
    analysis = analyse([*answered, *unmet, *waits], analysis_config)
    report = build_report(analysis, Filter(), NOW)
    first = report.priorities[0]
    assert first.topic in ("referral", "human_handover") and first.unmet_rank == 1
    office_hours = next(p for p in report.priorities if p.topic == "office_hours")
    assert office_hours.unmet.value is None and office_hours.unmet_rank is None  # answered, though on a Sunday
    assert office_hours.outside_hours.value is not None and office_hours.outside_hours.value >= 70
    figures = {f.key: f for f in report.key_figures}
    assert figures["unmet"].count.value is not None and abs(figures["unmet"].count.value - 55) <= 10
    assert figures["long_wait"].count.value is not None and abs(figures["long_wait"].count.value - 20) <= 10
    busiest = analysis.busiest_outside_hours(Filter(), 1)[0]
    assert (busiest.weekday, busiest.hour) == (6, 20)
    findings = next(s for s in report.sections if s.key == "zeiten").findings
    assert any("sonntags 20–21 Uhr" in line for line in findings)


def test_timelines_start_at_the_first_data(analysis_config: AnalysisConfig) -> None:
    year = Period(date(2026, 1, 1), date(2026, 4, 30))
    analysis = analyse([*inquiries(8, date(2026, 3, 2), 40, 1200)], analysis_config, year)
    grid = analysis.topics_by_week(Filter())
    assert grid.row_keys[0] == date(2026, 3, 2)  # not the week of 1 January
    assert analysis.languages_by_week(Filter()).row_keys[0] == date(2026, 3, 2)


def test_new_topics_are_inquiries_with_a_readable_name(analysis_config: AnalysisConfig) -> None:
    events = [*inquiries(9, date(2026, 3, 1), 31, 300), *inquiries(10, date(2026, 3, 1), 31, 40, topic="housing_search")]
    report = build_report(analyse(events, analysis_config), Filter(), NOW)
    names = {p.topic: p.name for p in report.priorities}
    assert names["referral"] == "Weitervermittlung an andere Stellen"
    assert names["housing_search"] == "Housing search"


def test_the_annual_report_compares_with_the_year_before(analysis_config: AnalysisConfig) -> None:
    this, last = Period(date(2025, 1, 1), date(2025, 12, 31)), Period(date(2024, 1, 1), date(2024, 12, 31))
    events = [*inquiries(11, date(2024, 1, 1), 731, 3000)]
    current, previous = analyse(events, analysis_config, this), analyse(events, analysis_config, last)
    report = build_report(current, Filter(), NOW, previous)
    assert report.title == "Jahresbericht 2025"
    comparison = next(s for s in report.sections if s.key == "vorjahr")
    assert comparison.title == "Vergleich mit dem Vorjahr (2024)" and comparison.figure is not None
    figures = comparison.comparisons[0]
    assert (figures.previous_label, figures.current_label) == ("2024", "2025")
    first = figures.rows[0]
    assert first.previous == previous.inquiries(Filter()) and first.current == current.inquiries(Filter())
    ratio = (first.current.value or 0) / (first.previous.value or 1) - 1
    assert first.change == ("+" if ratio >= 0 else "−") + percent(abs(ratio))
    html = render_report_html(report)
    assert "Vergleich mit dem Vorjahr (2024)" in html and "Veränderung" in html


def test_the_pdf_is_tagged_with_language_structure_table_headers_and_alt_texts(analysis_config: AnalysisConfig) -> None:
    analysis = analyse([*inquiries(12, date(2026, 3, 1), 31, 900)], analysis_config)
    reader = PdfReader(io.BytesIO(render_report_pdf(build_report(analysis, Filter(ALL, ALL), NOW))))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "de-DE"
    assert reader.metadata is not None and reader.metadata.title == "Monatsbericht März 2026"
    roles: dict[str, int] = {}
    alts: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object()  # type: ignore[attr-defined]
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "get"):
            return
        role = node.get("/S")
        if role is not None:
            roles[str(role)] = roles.get(str(role), 0) + 1
            if role == "/Figure":
                alts.append(str(node.get("/Alt", "")))
        if "/K" in node:
            walk(node["/K"])

    walk(root["/StructTreeRoot"])
    assert roles.get("/H1") == 1 and roles.get("/H2", 0) >= 5
    assert roles.get("/Table", 0) >= 5 and roles.get("/TH", 0) >= 20
    assert len(alts) == 5 and all(alt.startswith(("Anfragen", "Sprachen", "Anteil", "Wann", "Übergaben")) for alt in alts), alts
