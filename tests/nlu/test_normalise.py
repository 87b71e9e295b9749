"""Normalisation folds typing habits together and strips what could confuse or attack."""

from nlu.normalise import MAX_NLU_CHARS, clean_text, normalise_for_nlu


def test_missing_umlauts_and_case_meet() -> None:
    assert normalise_for_nlu("Öffnungszeiten?") == normalise_for_nlu("offnungszeiten?")


def test_turkish_dotless_and_dotted_i_fold() -> None:
    assert normalise_for_nlu("İŞ ARIYORUM") == normalise_for_nlu("is ariyorum")


def test_ukrainian_letters_are_kept() -> None:
    assert "ї" in normalise_for_nlu("Їжак") and "й" in normalise_for_nlu("Йти")


def test_arabic_keyboard_persian_meets_persian_letters() -> None:
    assert normalise_for_nlu("كار پيدا كنم") == normalise_for_nlu("کار پیدا کنم")
    assert normalise_for_nlu("می‌خواهم") == normalise_for_nlu("می خواهم")


def test_bidi_overrides_and_control_characters_are_removed() -> None:
    assert clean_text("he\u202ello\x00 \u2066there\u2069\x07") == "hello there"


def test_long_text_is_cut() -> None:
    assert len(normalise_for_nlu("a" * 20_000)) == MAX_NLU_CHARS


def test_numbers_addresses_and_links_do_not_reach_the_classifier() -> None:
    text = "Ich bin Ahmad, Tel +49 151 23456789, ahmad@example.org, IBAN DE89370400440532013000, https://x.de/a"
    normalised = normalise_for_nlu(text)
    for secret in ("23456789", "ahmad@example.org", "de89370400440532013000", "https://x.de/a"):
        assert secret not in normalised
    assert normalise_for_nlu("wann um 14:00 offen?") == "wann um 14:00 offen?"
