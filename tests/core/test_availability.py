"""Who can help a person now: a pure function of a moment, the office's rules and what it has set.

Every case the issue measured is here with a fixed clock, and what the person is told about it.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from actions.context import ActionContext
from actions.placeholders import fill, moment
from core.availability import (
    CONSULTATION,
    UKRAINE,
    Closure,
    Notice,
    OfficeState,
    availability,
    can_answer,
    team_availability,
)
from core.content import Content
from core.localise import foreign_digits
from handover.notices import confirmation

BERLIN = ZoneInfo("Europe/Berlin")
LANGUAGES = ("de", "en", "uk", "ru", "ar", "fa", "tr")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def hours_answer(content: Content, language: str, now: datetime, office: OfficeState = OfficeState()) -> str:
    return ActionContext(content, "office_hours", language, now, office=office).answer_text()


# --- Tuesday 15:00: the Ukraine team is in, the open consultation is not ---------------------------


def test_tuesday_afternoon_the_ukraine_team_helps_ukrainian_speakers(content: Content) -> None:
    found = availability(content.office, OfficeState(), "uk", at(2026, 11, 24, 15, 0))
    assert found.open_team == UKRAINE and found.until == at(2026, 11, 24, 16, 0)
    answer = hours_answer(content, "uk", at(2026, 11, 24, 15, 0))
    assert answer.startswith("Зараз працює українська команда, до 16:00.")
    assert "зачинені" not in answer


def test_tuesday_afternoon_others_are_told_the_consultation_is_closed(content: Content) -> None:
    found = availability(content.office, OfficeState(), "ar", at(2026, 11, 24, 15, 0))
    assert not found.open_now and found.next_opening == at(2026, 11, 26, 14, 0) and found.next_team == CONSULTATION


# --- Tuesday 10:30: the open consultation serves Russian speakers too ------------------------------


def test_tuesday_morning_a_russian_speaker_is_answered_in_the_open_consultation(content: Content) -> None:
    found = availability(content.office, OfficeState(), "ru", at(2026, 11, 24, 10, 30))
    assert found.open_team == CONSULTATION and found.until == at(2026, 11, 24, 12, 0)
    reply = confirmation(content, "ru", at(2026, 11, 24, 10, 30))
    assert reply.text.startswith(content.office_text("handover_open", "ru").format(until="12:00"))
    assert "14:00" not in reply.text


def test_tuesday_lunchtime_ukrainian_speakers_hear_the_ukraine_team_comes_today(content: Content) -> None:
    answer = hours_answer(content, "uk", at(2026, 11, 24, 12, 30))
    assert answer.startswith("Зараз ми зачинені. Наступного разу українська команда працює: сьогодні о 14:00.")


# --- Thursday 16:50: the last minutes -----------------------------------------------------------


def test_thursday_ten_to_five_says_when_it_closes_and_what_happens_next(content: Content) -> None:
    now = at(2026, 11, 26, 16, 50)
    found = availability(content.office, OfficeState(), "de", now)
    assert found.open_now and found.closing_soon and found.next_opening == at(2026, 12, 1, 10, 0)
    reply = confirmation(content, "de", now)
    next_tuesday = moment(at(2026, 12, 1, 10, 0), "de")
    assert reply.text.startswith(
        content.office_text("handover_closing", "de").format(until="17:00", next=next_tuesday)
    )
    assert "gerade geschlossen" not in reply.text
    answer = hours_answer(content, "de", now)
    assert answer.startswith(f"Wir haben heute nur noch bis 17:00 geöffnet. Die nächste offene Sprechstunde: {next_tuesday}.")


def test_a_quarter_of_an_hour_before_closing_is_still_within_the_hours(content: Content) -> None:
    found = availability(content.office, OfficeState(), "de", at(2026, 11, 26, 16, 45))
    assert found.open_now and not found.closing_soon


# --- 24 and 31 December: yearly closures from the content -----------------------------------------


@pytest.mark.parametrize(
    ("day", "reason", "next_opening"),
    [(date(2026, 12, 24), "christmas_eve", at(2026, 12, 29, 10, 0)), (date(2026, 12, 31), "new_years_eve", at(2027, 1, 5, 10, 0))],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_24_and_31_december_are_closed_in_every_language(
    content: Content, day: date, reason: str, next_opening: datetime, language: str
) -> None:
    now = datetime.combine(day, time(14, 30), BERLIN)  # a Thursday, within the usual hours
    found = availability(content.office, OfficeState(), language, now)
    assert not found.open_now and found.day_off is not None and found.day_off.reason == reason
    assert found.next_opening == next_opening
    answer = hours_answer(content, language, now)
    assert content.closure_reason(reason, language) in answer
    assert fill("{open_status}", content, language, now).startswith(
        fill(content.office_text("closed_today", language).format(reason=content.closure_reason(reason, language)), content, language, now)
    )
    reply = confirmation(content, language, now)
    assert content.closure_reason(reason, language) in reply.text
    assert content.office_text("handover_open", language).split("{")[0] not in reply.text


# --- A public holiday, named in the person's language ------------------------------------------------


@pytest.mark.parametrize(
    ("language", "name"),
    [("de", "Christi Himmelfahrt"), ("en", "Ascension Day"), ("uk", "Вознесіння Господнє"), ("ar", "عيد الصعود")],
)
def test_a_public_holiday_is_named_in_the_persons_language(content: Content, language: str, name: str) -> None:
    ascension = at(2026, 5, 14, 15, 0)  # a Thursday
    found = availability(content.office, OfficeState(), language, ascension)
    assert found.day_off is not None and found.day_off.holiday == "Christi Himmelfahrt"
    assert hours_answer(content, language, ascension).startswith(
        content.office_text("closed_today", language).format(reason=name)
    )


def test_the_office_hours_answer_says_public_holidays_close_the_office(content: Content) -> None:
    assert "An Feiertagen und am 24. Dezember und 31. Dezember ist das Büro geschlossen." in hours_answer(
        content, "de", at(2026, 11, 24, 10, 30)
    )


# --- Closures the office sets itself, and the notice ---------------------------------------------------


def test_a_staff_set_closure_closes_the_day_with_its_reason(content: Content) -> None:
    training = OfficeState(closures={date(2026, 11, 26): Closure(date(2026, 11, 26), "team_training", "Fortbildung Recht")})
    now = at(2026, 11, 26, 15, 0)
    found = availability(content.office, training, "tr", now)
    assert not found.open_now and found.day_off is not None and found.day_off.reason == "team_training"
    assert found.next_opening == at(2026, 12, 1, 10, 0)
    answer = hours_answer(content, "tr", now, training)
    assert answer.startswith("Büro bugün kapalı: personel eğitimi.")
    # The note is for colleagues; people are told only the translated reason.
    assert "Fortbildung Recht" not in answer
    # The Ukraine team's own status follows the same closure.
    assert not team_availability(content.office, training, UKRAINE, now).open_now


def test_a_closure_moves_the_next_opening(content: Content) -> None:
    closed_tuesday = OfficeState(closures={date(2026, 12, 1): Closure(date(2026, 12, 1), "staff_shortage")})
    found = availability(content.office, closed_tuesday, "de", at(2026, 11, 27, 9, 0))
    assert found.next_opening == at(2026, 12, 3, 14, 0)


def test_a_notice_applies_only_on_its_days(content: Content) -> None:
    notice = Notice("opens_later_today", date(2026, 11, 26), date(2026, 11, 26), time(15, 0))
    state = OfficeState(notice=notice)
    assert availability(content.office, state, "de", at(2026, 11, 26, 9, 0)).notice == notice
    assert availability(content.office, state, "de", at(2026, 11, 27, 9, 0)).notice is None


# --- Presence -------------------------------------------------------------------------------------


def test_a_present_colleague_who_speaks_the_language_answers_shortly(content: Content) -> None:
    olga = OfficeState(present=(frozenset({"uk", "ru"}),))
    wednesday = at(2026, 11, 25, 11, 0)  # no hours at all
    assert availability(content.office, olga, "uk", wednesday).colleague_present
    assert confirmation(content, "uk", wednesday, olga).text.startswith(content.office_text("handover_present", "uk"))
    # Olga does not write Arabic: an Arabic speaker is told the next opening, not "shortly".
    assert not availability(content.office, olga, "ar", wednesday).colleague_present
    assert not confirmation(content, "ar", wednesday, olga).text.startswith(content.office_text("handover_present", "ar"))
    # Every colleague speaks German.
    assert availability(content.office, olga, "de", wednesday).colleague_present


def test_nobody_present_means_no_promise_of_shortly(content: Content) -> None:
    for language in LANGUAGES:
        reply = confirmation(content, language, at(2026, 11, 26, 15, 0))
        assert not reply.text.startswith(content.office_text("handover_present", language))


def test_can_answer_is_about_languages() -> None:
    assert can_answer(frozenset(), "de")
    assert can_answer(frozenset({"ar"}), "ar")
    assert not can_answer(frozenset({"uk"}), "ru")


# --- Never a placeholder -------------------------------------------------------------------------------


def test_no_opening_in_sight_is_said_in_words(content: Content) -> None:
    first = date(2026, 11, 23)
    closed = {first + timedelta(days=n): Closure(first + timedelta(days=n), "building_work") for n in range(200)}
    state = OfficeState(closures=closed)
    now = at(2026, 11, 24, 10, 30)
    for language in LANGUAGES:
        found = availability(content.office, state, language, now)
        assert found.next_opening is None
        status = fill("{open_status}", content, language, now, state)
        assert status.endswith(content.office_text("no_next", language)) and "—" not in status
        assert content.office_text("handover_later", language) in confirmation(content, language, now, state).text
        assert content.office_text("ukraine_no_next", language) in fill("{ukraine_status}", content, language, now, state)


def test_every_moment_of_a_year_gets_words_not_placeholders(content: Content) -> None:
    rng = random.Random(11)
    start = at(2026, 1, 1, 0, 0)
    for _ in range(300):
        now = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        language = rng.choice(LANGUAGES)
        texts = [
            fill("{open_status} {ukraine_status} {closed_days}", content, language, now),
            confirmation(content, language, now).text,
        ]
        for text in texts:
            assert "—" not in text and "{" not in text and "}" not in text, (now, language, text)
            assert foreign_digits(text, language) == [], (now, language, text)


def test_summer_time_moments_are_local(content: Content) -> None:
    # 12:30 UTC in June is 14:30 in Berlin: Thursday's hours.
    found = availability(content.office, OfficeState(), "en", datetime(2026, 6, 4, 12, 30, tzinfo=ZoneInfo("UTC")))
    assert found.open_now and found.until == at(2026, 6, 4, 17, 0)
