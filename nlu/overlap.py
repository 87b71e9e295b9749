"""Find evaluation messages that equal or nearly equal a training example, so the evaluation stays honest."""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlu.normalise import normalise_for_nlu

# Two texts whose letter triples overlap this much (Jaccard) say the same thing in the same words:
# "Brauche ich einen Termin?" and "brauch ich einen termin" (0.8), not "Wann habt ihr offen?" and
# "Wann haben Sie offen?" (0.5).
NEAR_DUPLICATE = 0.75
# Or they have the same number of words and each word is nearly the other's ("bdi doctor bye7ki
# 3arabi" and "bde doktor bye7ki 3arabi", "gde uchit nemeckiy yazyk" and "gde uchit nemetskii
# iazyk"), but not "Do you speak Turkish?" and "Do you speak English?".
SAME_WORD = 0.6
ONE_WORD = 0.75
# Below this Jaccard two texts are not compared word by word at all.
CANDIDATE = 0.3

_NOT_A_LETTER = re.compile(r"[^\w]+|_")


@dataclass(frozen=True)
class Overlap:
    """An evaluation message and the training example it (nearly) repeats."""

    message: str
    example: str
    similarity: float


def comparable(text: str) -> str:
    """Reduce a text to what the classifier sees, without punctuation and emoji."""
    return " ".join(_NOT_A_LETTER.sub(" ", normalise_for_nlu(text)).split())


def triples(text: str) -> frozenset[str]:
    padded = f" {comparable(text)} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def overlaps(messages: Iterable[str], examples: Sequence[str], threshold: float = NEAR_DUPLICATE) -> list[Overlap]:
    """Return every message equal to an example after normalisation, or whose triples nearly are."""
    exact = {comparable(example): example for example in examples}
    example_triples = [triples(example) for example in examples]
    index: dict[str, list[int]] = {}
    for number, found in enumerate(example_triples):
        for triple in found:
            index.setdefault(triple, []).append(number)
    result = []
    for message in messages:
        key = comparable(message)
        if key in exact:
            result.append(Overlap(message, exact[key], 1.0))
            continue
        mine = triples(message)
        shared: Counter[int] = Counter()
        for triple in mine:
            shared.update(index.get(triple, ()))
        best, similarity = None, 0.0
        for number, count in shared.items():
            jaccard = count / (len(mine) + len(example_triples[number]) - count)
            if jaccard >= CANDIDATE and _same_words(key, comparable(examples[number])):
                jaccard = max(jaccard, threshold)
            if jaccard > similarity:
                best, similarity = number, jaccard
        if best is not None and similarity >= threshold:
            result.append(Overlap(message, examples[best], similarity))
    return result


def _same_words(first: str, second: str) -> bool:
    """Return True when both texts have the same words in the same order, up to small misspellings."""
    mine, theirs = first.split(), second.split()
    if len(mine) != len(theirs):
        return False
    if len(mine) == 1:
        # One word alone must be nearly the same word: "hiii" and "hii", not "کار" (work) and "همکار".
        return SequenceMatcher(None, first, second).ratio() > ONE_WORD
    return all(a == b or SequenceMatcher(None, a, b).ratio() >= SAME_WORD for a, b in zip(mine, theirs, strict=True))
