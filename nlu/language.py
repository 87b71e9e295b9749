"""Detect the language of a message: script cues first, then a statistical detector, then context."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from nlu.normalise import MAX_NLU_CHARS, normalise_for_nlu

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
# Arabic chat alphabet: digits for letters Latin lacks ("3" ع, "7" ح, "2" ء) inside a word.
ARABIZI_WEIGHT = 0.8
_ARABIZI = re.compile(r"[a-z][235679]|[235679][a-z]", re.IGNORECASE)
# A word of at least this many letters used in the examples of this many languages is a shared term.
SHARED_TERM_LETTERS = 4
SHARED_TERM_LANGUAGES = 4
# Letter triples vote with 0.8 of the weight of the statistical detector, which knows de/en/tr
# better; for romanised messages the words of the romanised examples add the rest. 0.8 since lingua
# runs in its low-accuracy mode (trigrams only, a tenth of the memory): with 0.5 three romanised
# messages of everyday.yml more went to de/en/tr (bench/results/lean.md).
TRIPLES_WEIGHT = 0.8
TRIPLES_FULL_WEIGHT_LETTERS = 12
# How many triples' worth of weight the pooled distribution gets in each language's model.
SMOOTHING = 2000.0
# Below this mean log-probability per letter triple, text that contains no known word is taken for
# keyboard mashing ("asdkj qwe zzz") rather than a language: see GibberishCheck.
GIBBERISH_LOGPROB = -12.5
# Keyboard rows (Latin, Turkish, Cyrillic, Arabic, Persian): three neighbouring keys typed in a
# row ("asd", "фыв", "ضصث") are how random typing looks.
_KEYBOARD_ROWS = (
    "qwertzuiopü", "asdfghjklöä", "yxcvbnm", "qwertyuiop", "asdfghjkl", "zxcvbnm", "ğüşiı",
    "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "фівапролджє", "йцукенгшщзхї",
    "ضصثقفغعهخحج", "شسيبلاتنمكط", "ئءؤرلاىةوزظ", "ضصثقفغعهخحجچ", "شسیبلاتنمکگ", "ظطزرذدپو",
)  # fmt: skip
_NEIGHBOURS = frozenset(pair for row in _KEYBOARD_ROWS for pair in zip(row, row[1:]))
_VOWELS = frozenset("aeiouyäöüıаеёиоуыэюяіїєاویآ")

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Latin words that may carry Arabic chat-alphabet digits ("3ndkon", "ba7es").
_LATIN_WITH_DIGITS = re.compile(r"[A-Za-z0-9]+")


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
    # Written in Latin letters although the language has its own script ("koly vy pratsiuiete").
    romanised: bool = False
    # No word of any language, only letters typed at random ("asdkj qwe zzz"): not understood.
    gibberish: bool = False
    # How many words the guess rests on: one word is rarely enough to change a conversation's language.
    words: int = 0


class LetterTriples:
    """How typical a text's letter triples are of each language's examples (a character trigram model)."""

    def __init__(self, texts: Mapping[str, Iterable[str]]) -> None:
        self._counts: dict[str, Counter[str]] = {}
        for code, written in texts.items():
            counts = self._counts.setdefault(code, Counter())
            for text in written:
                counts.update(_triples(text))
        self._all: Counter[str] = sum(self._counts.values(), Counter())
        self._size = len(self._all) + 1
        self._all_total = sum(self._all.values())
        self._totals = {code: sum(counts.values()) for code, counts in self._counts.items()}

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._counts)

    def log_likelihood(self, triples: Sequence[str], code: str) -> float:
        """Return the summed log-probability of a text's letter triples under `code`."""
        counts, total = self._counts[code], self._totals[code]
        # Dirichlet smoothing towards all languages together: a language with few examples (Persian
        # in Latin letters) falls back on what text looks like in general, not on a uniform guess
        # that would favour it for every rare triple.
        logp = 0.0
        for triple in triples:
            background = (self._all[triple] + 0.5) / (self._all_total + 0.5 * self._size)
            logp += math.log((counts[triple] + SMOOTHING * background) / (total + SMOOTHING))
        return logp

    def posterior(self, text: str, candidates: Sequence[str]) -> dict[str, float]:
        """Return, per candidate, the probability that the text is in it (equal priors)."""
        known = [code for code in candidates if code in self._counts]
        if not known:
            return {}
        triples = _triples(text)
        scores = {code: self.log_likelihood(triples, code) for code in known}
        top = max(scores.values())
        weights = {code: math.exp(score - top) for code, score in scores.items()}
        total = sum(weights.values())
        return {code: weight / total for code, weight in weights.items()}

    def plausibility(self, text: str) -> float:
        """Return the best mean log-probability per triple over all languages (low: no language)."""
        triples = _triples(text)
        if not triples:
            return -math.inf
        return max(self.log_likelihood(triples, code) / len(triples) for code in self._counts)


def _triples(text: str) -> list[str]:
    found: list[str] = []
    for word in _WORD.findall(normalise_for_nlu(text)):
        padded = f"<{word}>"
        found += [padded[i : i + 3] for i in range(len(padded) - 2)]
    return found


class LinguaDetector:
    """Lingua restricted to the given languages, models loaded once at start-up.

    `low_accuracy` keeps only lingua's trigram models: a quarter of the memory (bench/results/lean.md
    measures what it costs; the words of our examples and the letter triples make up for it).
    """

    def __init__(self, languages: Iterable[str], low_accuracy: bool = False) -> None:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        self._codes = tuple(dict.fromkeys(languages))
        wanted = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in self._codes]
        builder = LanguageDetectorBuilder.from_languages(*wanted)
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        self._detector = builder.with_preloaded_language_models().build()

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
        romanised: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.languages = tuple(languages)
        self._statistical = statistical
        vocabulary = {code: list(texts) for code, texts in (vocabulary or {}).items()}
        romanised = {code: list(texts) for code, texts in (romanised or {}).items() if code in self.languages}
        # Languages people also write in Latin letters, learnt from their romanised examples.
        self._romanised = tuple(code for code in romanised if code not in _SCRIPT_LANGUAGES["latin"])
        # Words people used in each language's examples: they settle one-word messages like "termin".
        self._vocabulary = _word_language_table(
            {code: [*vocabulary.get(code, []), *romanised.get(code, [])] for code in {*vocabulary, *romanised}}
        )
        # Names every language uses alike ("Integrationsbericht", "Kastanienwall") say nothing about
        # the language of the sentence around them.
        names = {name.casefold() for name in names}
        # German terms people put into every language ("Ausländerbehörde", "Jobcenter", "Anmeldung")
        # say nothing about the language around them, like names.
        self._names = frozenset(names) | {
            word for word, uses in self._vocabulary.items() if len(word) >= SHARED_TERM_LETTERS and len(uses) >= SHARED_TERM_LANGUAGES
        }
        latin = [code for code in _SCRIPT_LANGUAGES["latin"] if code in vocabulary]
        self._latin_triples = LetterTriples(
            {**{code: vocabulary[code] for code in latin}, **{code: romanised[code] for code in self._romanised}}
        )
        # Every language in every script it is written in: what "some language" looks like.
        self._all_triples = LetterTriples(
            {code: [*vocabulary.get(code, []), *romanised.get(code, [])] for code in {*vocabulary, *romanised}}
        )

    def detect(self, text: str, hint: str | None = None, previous: str | None = None) -> LanguageGuess:
        """Guess the language of `text`; `hint` is the channel's, `previous` the conversation's."""
        # The beginning of a long message tells its language as well as all of it, and faster.
        text = text[:MAX_NLU_CHARS]
        words = _WORD.findall(unicodedata.normalize("NFC", text))
        context = previous if previous in self.languages else hint if hint in self.languages else None
        if not words:
            return LanguageGuess(context, True, 0.0, "no letters")
        words = [word for word in words if word.casefold() not in self._names] or words
        script, script_words = _main_script(words)
        candidates = [code for code in _SCRIPT_LANGUAGES.get(script, ()) if code in self.languages]
        if not candidates:
            return LanguageGuess(None, False, 1.0, f"script {script}", words=len(words))
        if self._gibberish(words):
            return LanguageGuess(context, True, 0.0, "gibberish", gibberish=True, words=len(words))
        words = script_words
        letters = "".join(words)
        if len(candidates) == 1:
            return LanguageGuess(candidates[0], True, 1.0, f"script {script}", words=len(words))
        cue = _letter_cue(letters, candidates)
        if len(letters) < 3 and cue is None and context in candidates:
            # "ok", "hi": two letters say nothing about a language; the conversation's (or channel's) does.
            return LanguageGuess(context, True, 0.5, "context", words=len(words))
        # In Latin script a German term ("Ausländerbehörde") often sits in an English or Turkish
        # sentence, so its letters only count as evidence; other scripts' letters are decisive.
        if cue is not None and script != "latin":
            return LanguageGuess(cue, True, 1.0, "letters", words=len(words))
        scores = self._statistical.scores(" ".join(words), [*candidates, *self._others(script)])
        ours = {code: scores.get(code, 0.0) for code in candidates}
        foreign_code, foreign = max(
            ((c, v) for c, v in scores.items() if c not in candidates), key=lambda cv: cv[1], default=(None, 0.0)
        )
        total = sum(ours.values()) or 1.0
        combined = {code: ours[code] / total for code in candidates}
        if script == "latin":
            # Ukrainian, Russian, Arabic or Persian typed in Latin letters compete with de/en/tr on
            # their words and letter triples; the statistical detector does not know them.
            candidates = [*candidates, *self._romanised]
            triples = self._latin_triples.posterior(" ".join(words), candidates)
            # A few letters ("ok") say little: the triples count fully from about a dozen on.
            weight = TRIPLES_WEIGHT * min(1.0, len(letters) / TRIPLES_FULL_WEIGHT_LETTERS)
            combined = {code: combined.get(code, 0.0) + weight * triples.get(code, 0.0) for code in candidates}
            if "ar" in combined and any(_ARABIZI.search(word) for word in _LATIN_WITH_DIGITS.findall(text)):
                combined["ar"] += ARABIZI_WEIGHT
        # Words of our languages' examples, romanised ones included, keep a message ours.
        known = self._known_words(words, candidates)
        if script == "latin" and len(words) >= 3 and foreign > 0.6 and max(known.values(), default=0) < 0.34:
            return LanguageGuess(foreign_code, False, foreign, "other latin language", words=len(words))
        combined = {code: combined[code] + known.get(code, 0.0) for code in candidates}
        if cue is not None:
            combined[cue] += LATIN_LETTER_CUE_WEIGHT
        short = len(letters) < 12
        for code, weight in ((hint, 0.15), (previous, 0.3)):
            if code in combined:
                combined[code] += weight * (2.0 if short else 1.0)
        best = max(combined, key=lambda code: combined[code])
        confidence = combined[best] / (sum(combined.values()) or 1.0)
        romanised = script == "latin" and best in self._romanised
        return LanguageGuess(best, True, confidence, "statistical", romanised=romanised, words=len(words))

    def _gibberish(self, words: Sequence[str]) -> bool:
        """Return True for keyboard mashing: no known word, and typed at random rather than written.

        A word nobody used in the examples may still be real ("Fremdenfeindlichkeit", "GDPR"), so
        unknown words alone are not enough: the words must look mashed (keys next to each other,
        one letter again and again, no vowel), one word repeated ("blub blub"), or lowercase Latin
        letters in triples no language of ours writes.
        """
        if not self._vocabulary or any(_fold(word) in self._vocabulary for word in words if len(word) >= 2):
            return False
        folded = [_fold(word) for word in words]
        if all(_looks_mashed(word) for word in words):
            return True
        if len(folded) >= 2 and len(set(folded)) == 1:
            return True
        lowercase_latin = all(word.isascii() and word.islower() for word in words)
        return lowercase_latin and self._all_triples.plausibility(" ".join(words)) < GIBBERISH_LOGPROB

    def _others(self, script: str) -> tuple[str, ...]:
        return OTHER_LATIN_LANGUAGES if script == "latin" else ()

    def _known_words(self, words: Sequence[str], candidates: Sequence[str]) -> dict[str, float]:
        """Return, per candidate, how typical the words are of that language's examples (0..1)."""
        if not self._vocabulary or not words:
            return {}
        totals = dict.fromkeys(candidates, 0.0)
        for word in words:
            uses = self._vocabulary.get(word.casefold()) or self._vocabulary.get(_fold(word))
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
                    folded = _fold(word)
                    if folded != word:
                        # "calisma" and "buero" meet "çalışma" and "büro", typed without special letters.
                        uses.setdefault(folded, Counter())[code] += 1
    return uses


def _fold(word: str) -> str:
    return normalise_for_nlu(word)


def _looks_mashed(word: str) -> bool:
    """Return True for a word typed at random: neighbouring keys, one key held, or no vowel at all."""
    if len(word) < 3:
        return False
    if any(char.isupper() for char in word):
        # "GDPR", "KVKK": acronyms are typed on purpose (Arabic script has no capitals at all).
        return False
    word = _fold(word)
    if len(set(word)) == 1:
        return True  # "aaaa", "zzz"; "hallooo" and "hiii" have more letters than that
    if word.isascii() and not any(char in _VOWELS for char in word):
        return True  # "hmm", "xyz", "sdfg"
    neighbours = [(a, b) in _NEIGHBOURS or (b, a) in _NEIGHBOURS for a, b in zip(word, word[1:])]
    # Most of the word is a walk along a keyboard row.
    return sum(neighbours) >= 0.6 * len(neighbours) and any(
        neighbours[i] and neighbours[i + 1] for i in range(len(neighbours) - 1)
    )
