"""Numbers meet nouns in their CLDR plural form, in the language's digits; RTL text isolates embedded names."""

from __future__ import annotations

import pytest

from core.content import Content
from core.localise import FSI, PDI, isolate_ltr_runs, localise_digits, plural_category


@pytest.mark.parametrize(
    ("language", "number", "expected"),
    [
        ("uk", 1, "1 день"),
        ("uk", 3, "3 дні"),
        ("uk", 30, "30 днів"),
        ("uk", 21, "21 день"),
        ("ru", 30, "30 дней"),
        ("ru", 2, "2 дня"),
        ("ar", 1, "يوم واحد"),
        ("ar", 2, "يومين"),
        ("ar", 3, "3 أيام"),
        ("ar", 30, "30 يوماً"),
        ("ar", 100, "100 يوم"),
        ("fa", 30, "۳۰ روز"),
        ("de", 1, "1 Tag"),
        ("de", 30, "30 Tage"),
    ],
)
def test_days_take_the_plural_form_of_their_number(content: Content, language: str, number: int, expected: str) -> None:
    assert content.count("days", number, language) == expected


def test_hours_in_ukrainian_after_a_preposition(content: Content) -> None:
    assert [content.count("hours", n, "uk") for n in (1, 2, 24)] == ["1 годину", "2 години", "24 години"]
    assert plural_category(24, "uk") == "few"


def test_persian_uses_persian_digits_and_arabic_latin_ones() -> None:
    assert localise_digits("10:00–12:00", "fa") == "۱۰:۰۰–۱۲:۰۰"
    assert localise_digits("10:00–12:00", "ar") == "10:00–12:00"


def test_latin_names_inside_arabic_are_isolated_but_times_are_not() -> None:
    text = isolate_ltr_runs("في مكتب شؤون الاندماج (Büro für Integrationsfragen): الثلاثاء 10:00–12:00.")
    assert f"({FSI}Büro für Integrationsfragen{PDI})" in text
    assert f"{FSI}10" not in text


def test_isolated_lines_and_names_are_not_isolated_twice() -> None:
    line = f"{FSI}Sorry, I cannot read this language yet.{PDI}"
    assert isolate_ltr_runs(f"عذراً\n{line}") == f"عذراً\n{line}"
    assert isolate_ltr_runs(f"اللغات: {FSI}Deutsch{PDI}") == f"اللغات: {FSI}Deutsch{PDI}"
