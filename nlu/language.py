"""Detect the language of a message: script cues first, then a statistical detector, then context."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

# Letters that only one of two languages sharing a script uses.
_UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
_RUSSIAN_ONLY = frozenset("ыэъёЫЭЪЁ")
_PERSIAN_ONLY = frozenset("پچژگیکۀ")  # ی U+06CC and ک U+06A9, not Arabic ي ك
_ARABIC_ONLY = frozenset("ةيكىإ")  # ؤ ئ أ also occur in Persian loanwords
_TURKISH_ONLY = frozenset("ğışİĞŞ")
_GERMAN_ONLY = frozenset("äßÄ")

# Latin-script languages we do not speak but that people in Hameln may write in; used only to
# tell "not one of ours" apart from a German, English or Turkish message.
OTHER_LATIN_LANGUAGES: tuple[str, ...] = ("fr", "es", "it", "pl", "pt", "nl", "ro", "sq", "so", "hr", "vi", "id")

LATIN_LETTER_CUE_WEIGHT = 0.6

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


class StatisticalDetector(Protocol):
    """Any detector that scores a text against a fixed set of languages."""

    def scores(self, text: str, candidates: Sequence[str]) -> dict[str, float]:
        """Return a probability-like score per candidate language."""
        ...


@dataclass(frozen=True)
class LanguageGuess:
    """The detected language, or `supported=False` for a language the assistant does not speak."""

    language: str | None
    supported: bool
    confidence: float
    reason: str


class LinguaDetector:
    """Lingua restricted to the given languages, models loaded once at start-up."""

    def __init__(self, languages: Iterable[str]) -> None:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        self._codes = tuple(dict.fromkeys(languages))
        wanted = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in self._codes]
        self._detector = LanguageDetectorBuilder.from_languages(*wanted).with_preloaded_language_models().build()

    def scores(self, text: str, candidates: Sequence[str]) -> dict[str, float]:
        values = {
            c.language.iso_code_639_1.name.lower(): c.value
            for c in self._detector.compute_language_confidence_values(text)
        }
        picked = {code: values.get(code, 0.0) for code in candidates}
        total = sum(picked.values())
        return {code: value / total for code, value in picked.items()} if total else picked


class LanguageDetector:
    """Decide a message's language from its script, a statistical model, its words and the context."""

    def __init__(
        self,
        languages: Sequence[str],
        statistical: StatisticalDetector,
        vocabulary: Mapping[str, Iterable[str]] | None = None,
        names: Iterable[str] = (),
    ) -> None:
        self.languages = tuple(languages)
        self._statistical = statistical
        # Words people used in each language's examples: they settle one-word messages like "termin".
        self._vocabulary = _word_language_table(vocabulary or {})
        # Names every language uses alike ("Integrationsbericht", "Kastanienwall") say nothing about
        # the language of the sentence around them.
        self._names = frozenset(name.casefold() for name in names)

    def detect(self, text: str, hint: str | None = None, previous: str | None = None) -> LanguageGuess:
        """Guess the language of `text`; `hint` is the channel's, `previous` the conversation's."""
        words = _WORD.findall(unicodedata.normalize("NFC", text))
        context = previous if previous in self.languages else hint if hint in self.languages else None
        if not words:
            return LanguageGuess(context, True, 0.0, "no letters")
        words = [word for word in words if word.casefold() not in self._names] or words
        script, words = _main_script(words)
        letters = "".join(words)
        candidates = [code for code in _SCRIPT_LANGUAGES.get(script, ()) if code in self.languages]
        if not candidates:
            return LanguageGuess(None, False, 1.0, f"script {script}")
        if len(candidates) == 1:
            return LanguageGuess(candidates[0], True, 1.0, f"script {script}")
        cue = _letter_cue(letters, candidates)
        # In Latin script a German term ("Ausländerbehörde") often sits in an English or Turkish
        # sentence, so its letters only count as evidence; other scripts' letters are decisive.
        if cue is not None and script != "latin":
            return LanguageGuess(cue, True, 1.0, "letters")
        scores = self._statistical.scores(" ".join(words), [*candidates, *self._others(script)])
        ours = {code: scores.get(code, 0.0) for code in candidates}
        foreign_code, foreign = max(
            ((c, v) for c, v in scores.items() if c not in candidates), key=lambda cv: cv[1], default=(None, 0.0)
        )
        known = self._known_words(words, candidates)
        if script == "latin" and len(words) >= 3 and foreign > 0.6 and max(known.values(), default=0) < 0.34:
            return LanguageGuess(foreign_code, False, foreign, "other latin language")
        total = sum(ours.values()) or 1.0
        combined = {code: ours[code] / total + known.get(code, 0.0) for code in candidates}
        if cue is not None:
            combined[cue] += LATIN_LETTER_CUE_WEIGHT
        short = len(letters) < 12
        for code, weight in ((hint, 0.15), (previous, 0.3)):
            if code in combined:
                combined[code] += weight * (2.0 if short else 1.0)
        best = max(combined, key=lambda code: combined[code])
        confidence = combined[best] / (sum(combined.values()) or 1.0)
        return LanguageGuess(best, True, confidence, "statistical")

    def _others(self, script: str) -> tuple[str, ...]:
        return OTHER_LATIN_LANGUAGES if script == "latin" else ()

    def _known_words(self, words: Sequence[str], candidates: Sequence[str]) -> dict[str, float]:
        """Return, per candidate, how typical the words are of that language's examples (0..1)."""
        if not self._vocabulary or not words:
            return {}
        totals = dict.fromkeys(candidates, 0.0)
        for word in words:
            uses = self._vocabulary.get(word.casefold())
            seen = sum(uses.get(code, 0) for code in candidates) if uses else 0
            if not uses or not seen:
                continue
            for code in candidates:
                totals[code] += uses.get(code, 0) / seen
        return {code: totals[code] / len(words) for code in candidates}


_SCRIPT_LANGUAGES: Mapping[str, tuple[str, ...]] = {
    "cyrillic": ("uk", "ru"),
    "arabic": ("ar", "fa"),
    "latin": ("de", "en", "tr"),
}


def _main_script(words: Sequence[str]) -> tuple[str, list[str]]:
    """Return the script the message is written in and its words in that script.

    A sentence in Cyrillic or Arabic script with a German term in it ("Сколько стоит
    Deutschlandticket?") is not a German sentence: a non-Latin script wins once it carries
    at least a fifth of the words.
    """
    by_script: dict[str, list[str]] = {}
    for word in words:
        by_script.setdefault(_dominant_script(word), []).append(word)
    non_latin = [s for s in by_script if s != "latin"]
    if non_latin:
        script = max(non_latin, key=lambda s: sum(map(len, by_script[s])))
        if len(by_script[script]) * 5 >= len(words):
            return script, by_script[script]
    script = max(by_script, key=lambda s: sum(map(len, by_script[s])))
    return script, by_script[script]


def _dominant_script(letters: str) -> str:
    counts: Counter[str] = Counter()
    for char in letters:
        name = unicodedata.name(char, "")
        counts[name.split(" ", 1)[0].lower() if name else "unknown"] += 1
    script, _ = counts.most_common(1)[0]
    return script


def _letter_cue(letters: str, candidates: Sequence[str]) -> str | None:
    """Return the only candidate whose letters appear, when exactly one language's letters do."""
    cues = {
        "uk": _UKRAINIAN_ONLY,
        "ru": _RUSSIAN_ONLY,
        "fa": _PERSIAN_ONLY,
        "ar": _ARABIC_ONLY,
        "tr": _TURKISH_ONLY,
        "de": _GERMAN_ONLY,
    }
    present = [code for code in candidates if code in cues and any(ch in cues[code] for ch in letters)]
    if len(present) == 1:
        return present[0]
    if set(present) == {"ar", "fa"}:
        # Persian text often carries an Arabic loanword letter; Persian-only letters are decisive.
        persian = sum(ch in _PERSIAN_ONLY for ch in letters)
        arabic = sum(ch in _ARABIC_ONLY for ch in letters)
        return "fa" if persian >= arabic else "ar"
    return None


def _word_language_table(vocabulary: Mapping[str, Iterable[str]]) -> dict[str, Counter[str]]:
    """Count, per word, how often each language's examples use it."""
    uses: dict[str, Counter[str]] = {}
    for code, texts in vocabulary.items():
        for text in texts:
            for word in _WORD.findall(text.casefold()):
                if len(word) > 1:
                    uses.setdefault(word, Counter())[code] += 1
    return uses
