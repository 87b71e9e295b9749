"""The handover confirmation is honest about when someone answers, per team and language."""

from __future__ import annotations

from datetime import datetime

import pytest

from actions.handover import CANCEL_PAYLOAD
from actions.placeholders import moment, upcoming
from core.content import Content
from core.localise import localise_digits
from handover.notices import confirmation, handback, written_right_to_left
from tests.handover.conftest import BERLIN, SUNDAY_NIGHT, THURSDAY_AFTERNOON, TUESDAY_MORNING

NEXT_TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
NEXT_TUESDAY_14 = datetime(2026, 11, 24, 14, 0, tzinfo=BERLIN)
THURSDAY_14 = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)


@pytest.mark.parametrize("language", ["de", "en", "uk", "ru", "ar", "fa", "tr"])
def test_in_the_hours_a_colleague_replies_within_them(content: Content, language: str) -> None:
    reply = confirmation(content, language, THURSDAY_AFTERNOON)
    assert reply.text.startswith(localise_digits(content.office_text("handover_open", language).format(until="17:00"), language))
    assert content.ui_text("handover_meanwhile", language) in reply.text
    assert [button.payload for button in reply.buttons] == [CANCEL_PAYLOAD]
    assert reply.language == language and reply.rtl is (language in ("ar", "fa"))


def test_outside_the_hours_the_next_opening_is_named(content: Content) -> None:
    reply = confirmation(content, "de", SUNDAY_NIGHT)
    assert reply.text.startswith("Wir haben gerade geschlossen. Ihre Nachricht bleibt gespeichert")
    assert moment(NEXT_TUESDAY_10, "de") in reply.text


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_ukrainian_and_russian_speakers_are_served_by_the_open_consultation_too(content: Content, language: str) -> None:
    # Tuesday 10:30: the open consultation is on (until 12:00); the Ukraine team comes at 14:00.
    reply = confirmation(content, language, TUESDAY_MORNING)
    assert reply.text.startswith(content.office_text("handover_open", language).format(until="12:00"))
    # After the consultation, the Ukraine team is the next to answer them the same day.
    lunchtime = datetime(2026, 11, 24, 12, 30, tzinfo=BERLIN)
    expected = content.office_text("handover_closed", language).format(next=upcoming(NEXT_TUESDAY_14, lunchtime, content, language))
    assert expected in confirmation(content, language, lunchtime).text


def test_just_before_closing_time_shortly_would_not_be_true(content: Content) -> None:
    reply = confirmation(content, "de", datetime(2026, 11, 24, 11, 50, tzinfo=BERLIN))
    assert reply.text.startswith("Ich gebe Ihr Anliegen an das Büro weiter. Das Büro schließt heute um 12:00.")
    assert moment(THURSDAY_14, "de") in reply.text


def test_a_public_holiday_closes_the_office(content: Content) -> None:
    # German Unity Day falls on a Thursday in 2030, in the middle of the usual hours.
    unity_day = datetime(2030, 10, 3, 15, 0, tzinfo=BERLIN)
    assert confirmation(content, "de", unity_day).text.startswith("Heute ist das Büro geschlossen: Tag der Deutschen Einheit.")


def test_handback_says_the_assistant_answers_again_with_the_menu(content: Content) -> None:
    reply = handback(content, "fa", SUNDAY_NIGHT)
    assert reply.text == content.ui_text("handover_closed", "fa") and reply.rtl
    assert "topic:office_hours" in [button.payload for button in reply.buttons]


def test_a_colleague_writing_arabic_is_shown_right_to_left() -> None:
    assert written_right_to_left("  مرحباً، كيف يمكنني مساعدتك؟")
    assert not written_right_to_left("Hallo! مرحباً")
