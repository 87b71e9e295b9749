"""Locale rules for the words around numbers: digits, plural forms, punctuation and bidi isolation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel import Locale

# Digits of the numbering systems CLDR uses as a default for our languages.
_DIGITS = {
    "latn": "0123456789",
    "arab": "٠١٢٣٤٥٦٧٨٩",
    "arabext": "۰۱۲۳۴۵۶۷۸۹",
}
_ALL_DIGITS = frozenset("".join(_DIGITS.values()))

# First-strong isolate and pop directional isolate (Unicode 6.3): the text between them is laid out
# on its own, so a German name or a list of language names keeps its order inside Arabic text.
FSI = "\u2068"
PDI = "\u2069"

# A run of left-to-right words inside right-to-left text: it starts and ends with a Latin or Cyrillic
# letter or a digit and may contain spaces and the punctuation names and times use.
_LTR_RUN = re.compile(r"[A-Za-zÀ-ɏЀ-ӿ0-9](?:[A-Za-zÀ-ɏЀ-ӿ0-9 .,:/'’&()–-]*[A-Za-zÀ-ɏЀ-ӿ0-9])?")


@lru_cache(maxsize=None)
def numbering_system(language: str) -> str:
    """Return the numbering system CLDR uses by default for `language` (latn, arab, arabext)."""
    system = Locale.parse(language).default_numbering_system
    return system if system in _DIGITS else "latn"


def localise_digits(text: str, language: str) -> str:
    """Write every digit of `text` in the language's own digits."""
    digits = _DIGITS[numbering_system(language)]
    return "".join(digits[int(unicodedata.digit(ch))] if ch in _ALL_DIGITS else ch for ch in text)


def foreign_digits(text: str, language: str) -> list[str]:
    """Return the digits of `text` written in another system than the language's, ignoring codes like "B1"."""
    own = set(_DIGITS[numbering_system(language)])
    found = []
    for match in re.finditer(r"\d+", text):
        latin_code = match.start() > 0 and text[match.start() - 1].isascii() and text[match.start() - 1].isalpha()
        if not latin_code and not set(match.group()) <= own:
            found.append(match.group())
    return found


@lru_cache(maxsize=None)
def plural_categories(language: str) -> frozenset[str]:
    """Return the CLDR plural categories a noun needs in `language` ("other" always among them)."""
    return frozenset(Locale.parse(language).plural_form.tags) | {"other"}


def plural_category(count: int, language: str) -> str:
    """Return the CLDR plural category of `count` in `language`, e.g. "few" for 3 in Ukrainian."""
    return str(Locale.parse(language).plural_form(count))


def isolate_ltr_runs(text: str) -> str:
    """Wrap each run of left-to-right words in right-to-left text in FSI…PDI so it keeps its order.

    A line that is already isolated as a whole (an English paragraph in an Arabic reply) stays as it is.
    """
    return "\n".join(
        line if line.startswith(FSI) else _LTR_RUN.sub(_isolate_run, line) for line in text.split("\n")
    )


def _isolate_run(match: re.Match[str]) -> str:
    already = match.start() > 0 and match.string[match.start() - 1] == FSI
    return match.group() if already or _only_digits(match.group()) else f"{FSI}{match.group()}{PDI}"


def isolate(item: str) -> str:
    """Isolate one item of a list (a name, a language) from the direction of the text around it."""
    return f"{FSI}{item}{PDI}"


def _only_digits(run: str) -> bool:
    # Times and dates ("10:00–12:00") read the same in both directions; isolating them adds nothing.
    return not any(ch.isalpha() for ch in run)
