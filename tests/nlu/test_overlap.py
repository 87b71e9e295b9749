"""The evaluation sets share no message with the training data, word for word or nearly."""

from __future__ import annotations

import pytest

from core.content import Content
from core.settings import PROJECT_ROOT
from nlu.evaluate import load_labelled, trained_texts
from nlu.overlap import overlaps

SETS = sorted(p.name for p in (PROJECT_ROOT / "data" / "eval").glob("*.yml"))


@pytest.mark.parametrize("name", SETS)
def test_no_evaluation_message_repeats_a_training_example(content: Content, name: str) -> None:
    messages = [m.text for m in load_labelled(PROJECT_ROOT / "data" / "eval" / name)]
    found = overlaps(messages, trained_texts(content))
    assert not found, "\n".join(f"{o.message!r} ~ {o.example!r} ({o.similarity:.2f})" for o in found[:20])


@pytest.mark.parametrize(
    ("message", "example"),
    [
        ("Brauche ich einen Termin?", "brauche ich einen termin"),
        ("Öffnungszeiten??? 🙏", "offnungszeiten"),
        ("bdi doctor bye7ki 3arabi", "bde doktor bye7ki 3arabi"),
        ("gde uchit nemeckiy yazyk", "gde uchit nemetskii iazyk"),
        ("Wie bekomme ich einen Termin beim Bürgeramt?", "Wie bekomme ich einen Termin beim Bürgeramt"),
        ("khodahafez", "khodafez"),
    ],
)
def test_near_duplicates_are_found(message: str, example: str) -> None:
    assert overlaps([message], ["Ganz etwas anderes", example])


@pytest.mark.parametrize(
    ("message", "example"),
    [
        ("Do you speak Turkish?", "Do you speak English?"),
        ("Wann habt ihr offen?", "Wann haben Sie heute geöffnet?"),
        ("Yabancılar dairesi nerede?", "yabancılar dairesi randevu"),
        ("کار", "همکار"),
    ],
)
def test_different_questions_in_similar_words_are_not(message: str, example: str) -> None:
    assert not overlaps([message], [example])
