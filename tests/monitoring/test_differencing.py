"""The attack of issue 13, replayed: subtract two published reports whose periods differ by one day.

Three inquiries are planted on one day (Farsi, web chat, discrimination), with a thank-you. Before,
the two CSV reports 01.12.2025-18.11.2026 and 01.12.2025-17.11.2026, filtered to Farsi and web,
published exact counts whose differences were that day's counts, though the day's own report
showed "<5". Now every published count carries the noise of its cell key, so the difference
equals the planted count only when both noises happen to be equal: with the stated probability.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from actions.inquiries import Outcome
from monitoring.analysis import Analysis, AnalysisConfig, Filter
from monitoring.cellkey import KEY_MODULUS
from monitoring.csv_export import render_report_csv
from monitoring.events import BERLIN, InquiryEvent, start_of_hour
from monitoring.queries import Period
from monitoring.report import build_report
from monitoring.service import AnalysisService
from monitoring.store import Counted, add_counts, tally
from storage.db import Database
from tests.monitoring.test_cellkey import STATED_BOUND, TABLE, exact_difference_probability
from tests.monitoring.test_queries import expected

DAY = date(2026, 11, 18)
LONGER = Period(date(2025, 12, 1), DAY)
SHORTER = Period(date(2025, 12, 1), DAY - timedelta(days=1))
ONLY_THE_DAY = Period(DAY, DAY)
FARSI_WEB = Filter(channel="web", language="fa")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# What the attacker reads in each report (section, row, column of the CSV), and the day's true count.
DISCRIMINATION = ("Prioritätenliste", "Diskriminierung, Rassismus, Gewalt", "Anfragen")
THANKS = ("Nachrichten, die keine Anfragen sind", "Dank", "Nachrichten")
ANSWERED = ("Kennzahlen", "direkt beantwortet", "Anzahl")
PLANTED = {DISCRIMINATION: 3, THANKS: 1, ANSWERED: 3}


def background(seed: int) -> Iterator[InquiryEvent]:
    """A year of inquiries before the day, Farsi on the web chat among them."""
    rng = random.Random(seed)
    topics = ["discrimination_support", "office_hours", "labour_market", "thanks", "courses"]
    start = datetime.combine(LONGER.first, time(0), BERLIN)
    for _ in range(1800):
        at = start + timedelta(minutes=rng.randrange((DAY - LONGER.first).days * 24 * 60))
        yield InquiryEvent(
            hour=start_of_hour(at),
            topic=rng.choices(topics, weights=[1, 6, 5, 3, 4])[0],
            language=rng.choice(["fa", "fa", "ar", "uk"]),
            channel=rng.choice(["web", "telegram"]),
            outcome=rng.choices([Outcome.ANSWERED, Outcome.CLARIFIED], weights=[9, 1])[0],
            in_hours=False,
        )


def planted() -> list[InquiryEvent]:
    hour = start_of_hour(datetime.combine(DAY, time(21, 10), BERLIN))
    return [
        *(InquiryEvent(hour, "discrimination_support", "fa", "web", Outcome.ANSWERED, False) for _ in range(3)),
        InquiryEvent(hour, "thanks", "fa", "web", Outcome.ANSWERED, False),
    ]


def keyed(events: list[InquiryEvent], seed: int) -> list[Counted]:
    rng = random.Random(seed)
    return [(event, 1, rng.randrange(KEY_MODULUS)) for event in events]


def read(csv_text: str) -> dict[tuple[str, str, str], str]:
    rows = csv.reader(io.StringIO(csv_text.lstrip("\ufeff")), delimiter=";")
    next(rows)
    return {(section, row, column): value for section, row, column, value in rows}


def number(text: str) -> int | None:
    return None if text.startswith("<") else int(text.replace(".", ""))


async def published(service: AnalysisService, period: Period) -> dict[tuple[str, str, str], str]:
    report = build_report(await service.analysis(period), FARSI_WEB, NOW)
    return read(render_report_csv(report))


async def test_the_differencing_attack_no_longer_reads_off_the_planted_counts(
    database: Database, analysis_config: AnalysisConfig
) -> None:
    events = [*background(1), *planted()]
    await add_counts(database, tally(keyed(events, 2)))
    service = AnalysisService(database, analysis_config)
    day, longer, shorter = [await published(service, p) for p in (ONLY_THE_DAY, LONGER, SHORTER)]
    truth = {(cell, period): _true_count(events, cell, period) for cell in PLANTED for period in (LONGER, SHORTER)}
    differences = {}
    for cell, count in PLANTED.items():
        assert day[cell] == "<5", cell  # the day alone shows nothing
        a, b = number(longer[cell]), number(shorter[cell])
        assert a is not None and b is not None
        # Each published count is near the truth (at most D off), but not the truth itself as a rule.
        assert abs(a - truth[(cell, LONGER)]) <= TABLE.parameters.max_deviation
        assert abs(b - truth[(cell, SHORTER)]) <= TABLE.parameters.max_deviation
        assert truth[(cell, LONGER)] - truth[(cell, SHORTER)] == count
        differences[cell] = a - b
    # The attacker's reading: the differences. Each equals the planted count only by chance
    # (about 8 %, see below); that all three do would be a chance of about 1 in 2,000.
    assert differences != PLANTED, differences
    # And the same cell always has the same value: asking again changes nothing.
    assert await published(AnalysisService(database, analysis_config), LONGER) == longer


def _true_count(events: list[InquiryEvent], cell: tuple[str, str, str], period: Period) -> int:
    topic = {DISCRIMINATION: "discrimination_support", THANKS: "thanks"}.get(cell)
    return sum(
        1
        for e in events
        if e.language == "fa"
        and e.channel == "web"
        and period.first <= e.hour.astimezone(BERLIN).date() <= period.last
        and (e.topic == topic if topic else e.topic not in ("thanks",) and e.outcome is Outcome.ANSWERED)
    )


def test_reading_off_the_planted_count_succeeds_only_with_the_stated_probability(analysis_config: AnalysisConfig) -> None:
    """Replay the attack with fresh random record keys many times: how often is the difference exact?"""
    events = [*background(1), *planted()]
    trials, exact = 400, 0
    for seed in range(trials):
        counted = keyed(events, 1000 + seed)
        values = []
        for period in (LONGER, SHORTER):
            analysis = Analysis(period, expected(counted, period), analysis_config)
            values.append(analysis.get("needs", **analysis.where("needs", FARSI_WEB), topic="discrimination_support"))
        assert all(v.value is not None for v in values)
        exact += values[0].value - values[1].value == 3  # type: ignore[operator]
    rate = exact / trials
    stated = exact_difference_probability(TABLE, 19, 3)  # 19 inquiries before the day, 22 with it
    assert stated <= STATED_BOUND
    margin = 4 * (stated * (1 - stated) / trials) ** 0.5
    assert abs(rate - stated) <= margin, (rate, stated)


@pytest.fixture(autouse=True)
def _check_the_background_is_as_in_the_issue() -> None:
    """The planted cell has 19 inquiries before the day, as in the issue's reports."""
    before = sum(1 for e in background(1) if (e.topic, e.language, e.channel) == ("discrimination_support", "fa", "web"))
    assert before == 19, before
