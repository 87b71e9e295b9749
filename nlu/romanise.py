"""Write Ukrainian and Russian in Latin letters the ways people do, to learn from romanised messages."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

# People write Cyrillic in Latin letters by several habits: the passport standard ("kh", "ts",
# "iu"), an English-like one ("h", "ts", "yu") and a Polish/German-like one ("h", "c", "ju").
# Each maps a letter to its Latin spelling; letters not listed keep their first scheme's spelling.
_COMMON: Mapping[str, str] = {
    "а": "a", "б": "b", "в": "v", "д": "d", "е": "e", "з": "z", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "ч": "ch",
    "ш": "sh", "ь": "", "ъ": "", "'": "", "’": "",
}  # fmt: skip

_SCHEMES: Mapping[str, tuple[Mapping[str, str], ...]] = {
    "uk": (
        {"г": "h", "ґ": "g", "є": "ie", "ж": "zh", "и": "y", "і": "i", "ї": "i", "й": "i", "х": "kh",
         "ц": "ts", "щ": "shch", "ю": "iu", "я": "ia"},
        {"г": "h", "ґ": "g", "є": "ye", "ж": "zh", "и": "y", "і": "i", "ї": "yi", "й": "y", "х": "kh",
         "ц": "ts", "щ": "sch", "ю": "yu", "я": "ya"},
        {"г": "h", "ґ": "g", "є": "je", "ж": "z", "и": "y", "і": "i", "ї": "ji", "й": "j", "х": "h",
         "ц": "c", "щ": "sch", "ю": "ju", "я": "ja"},
    ),
    "ru": (
        {"г": "g", "е": "e", "ё": "e", "ж": "zh", "и": "i", "й": "i", "х": "kh", "ц": "ts", "щ": "shch",
         "ы": "y", "э": "e", "ю": "iu", "я": "ia"},
        {"г": "g", "е": "e", "ё": "yo", "ж": "zh", "и": "i", "й": "y", "х": "h", "ц": "ts", "щ": "sch",
         "ы": "y", "э": "e", "ю": "yu", "я": "ya"},
        {"г": "g", "е": "e", "ё": "jo", "ж": "j", "и": "i", "й": "j", "х": "h", "ц": "c", "щ": "sch",
         "ы": "i", "э": "e", "ю": "ju", "я": "ja"},
    ),
}  # fmt: skip


def romanisable(language: str) -> bool:
    """Return True when this module can write `language` in Latin letters."""
    return language in _SCHEMES


def romanise(text: str, language: str, scheme: int | None = None) -> str:
    """Write `text` in Latin letters by one of the common habits (chosen from the text when not given)."""
    schemes = _SCHEMES[language]
    if scheme is None:
        # Stable across runs (unlike hash()), so the generated training data and its model are too.
        scheme = hashlib.sha256(text.encode()).digest()[0] % len(schemes)
    table = {**_COMMON, **schemes[scheme % len(schemes)]}
    out = []
    for char in text:
        latin = table.get(char.lower())
        if latin is None:
            out.append(char)
        else:
            out.append(latin.capitalize() if char.isupper() and latin else latin)
    return "".join(out)
