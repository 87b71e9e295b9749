"""The web chat's pure parts: the pace of a chat, the browser's languages, and colours that meet WCAG AA."""

from __future__ import annotations

import re

import pytest

from bot.channels.web.language import accepted_languages
from core.flood import Admission, FloodGuard
from bot.channels.web.pages import STATIC


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_chat_may_send_a_few_frames_then_is_asked_once_to_slow_down_then_cut_off() -> None:
    clock = Clock()
    pace = FloodGuard(max_messages=3, window=10, hang_up_after=6, clock=clock)
    assert [pace.admit("a") for _ in range(6)] == [
        Admission.ANSWER, Admission.ANSWER, Admission.ANSWER, Admission.SLOW_DOWN, Admission.SKIP, Admission.HANG_UP,
    ]
    assert pace.admit("b") is Admission.ANSWER, "other chats are not slowed down"
    clock.now += 10.5
    assert pace.admit("a") is Admission.ANSWER, "after a calm window the chat is answered again"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7", ["uk", "uk", "en", "en"]),
        ("en;q=0.5, fa-IR", ["fa", "en"]),
        ("de;q=0, tr", ["tr"]),
        ("*;q=bad, ar", ["ar"]),
        ("", []),
    ],
)
def test_the_browsers_languages_are_read_most_wanted_first(header: str, expected: list[str]) -> None:
    assert [code for code in accepted_languages(header) if code != "*"] == expected


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_text_and_controls_of_the_widget_meet_wcag_aa_contrast() -> None:
    css = (STATIC / "widget.css").read_text(encoding="utf-8")
    colour = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", css))
    text_pairs = [
        ("ink", "paper"),  # messages, labels
        ("ink", "bubble"),  # the assistant's messages
        ("ink", "staff"),  # staff messages
        ("staff-edge", "staff"),  # the staff name above their message
        ("ink", "notice"),  # polite error notices
        ("brand-ink", "brand"),  # header, own messages, send button
        ("brand", "paper"),  # suggestion and language buttons
        ("muted", "paper"),  # status and privacy note
    ]
    for text, background in text_pairs:
        assert contrast(colour[text], colour[background]) >= 4.5, (text, background)
    # Focus ring (ink on paper, paper on brand) and control borders need 3:1.
    assert contrast(colour["ink"], colour["paper"]) >= 3 and contrast(colour["paper"], colour["brand"]) >= 3
    assert contrast("#595959", colour["paper"]) >= 3, "the input's border"
