"""Normalise text the same way for training and for parsing, so typing habits matter less."""

from __future__ import annotations

import re
import unicodedata

# The classifier sees at most this much of a message; the rest rarely changes the topic.
MAX_NLU_CHARS = 600

# Bidirectional overrides/embeddings/isolates and other format characters people can paste in.
_FORMAT_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})

_ARABIC_SCRIPT_UNIFY = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ة": "ه",
        "ـ": "",  # tatweel
        "\u200c": " ",  # zero-width non-joiner: "می‌خواهم" ~ "می خواهم"
    }
)

# E-mail addresses, links and anything with three or more digits in a row (phone numbers, IBANs,
# ids, postcodes) tell nothing about the topic and drown a short question in noise.
_NOISE = re.compile(r"\S+@\S+|https?://\S+|\S*\d{3,}\S*")

_LATIN_FOLD = str.maketrans({"ß": "ss", "ı": "i", "İ": "i", "ё": "е", "Ё": "Е"})


def clean_text(text: str) -> str:
    """Remove control and bidi-override characters and collapse whitespace; keep everything else."""
    text = unicodedata.normalize("NFC", text)
    kept = (" " if ch in "\t\n\r\x0b\x0c" else ch for ch in text)
    text = "".join(ch for ch in kept if ch == "\u200c" or unicodedata.category(ch) not in _FORMAT_CATEGORIES)
    return " ".join(text.split())


def normalise_for_nlu(text: str) -> str:
    """Fold case, accents and script variants so "offnungszeiten" meets "Öffnungszeiten"."""
    text = _NOISE.sub(" ", clean_text(text)[:MAX_NLU_CHARS])
    text = text.translate(_ARABIC_SCRIPT_UNIFY).translate(_LATIN_FOLD)
    decomposed = unicodedata.normalize("NFD", text.casefold())
    kept: list[str] = []
    base = ""
    for ch in decomposed:
        if not unicodedata.combining(ch):
            base = ch
            kept.append(ch)
        elif _is_cyrillic(base) and ch in "\u0306\u0308":
            # й and ї are letters of their own in Ukrainian and Russian, not accented и and і.
            kept.append(ch)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"
