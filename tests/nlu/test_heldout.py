"""CI thresholds on the held-out set, with the real Rasa model."""

from __future__ import annotations

import pytest

from bot.app import running_assistant
from core.settings import PROJECT_ROOT, Settings
from nlu.evaluate import evaluate, load_labelled, trained_texts

pytestmark = pytest.mark.slow

# Below what we measure (see docs/evaluation.md), so noise does not fail CI, but a real regression does.
MIN_TOPIC_ACCURACY = 0.94
MIN_TOPIC_ACCURACY_PER_LANGUAGE = 0.92
# Common short messages ("danke", "wo ist das büro?") also occur among the training examples;
# the accuracy on the rest must hold too.
MIN_NOVEL_TOPIC_ACCURACY = 0.92
MIN_LANGUAGE_ACCURACY = 0.985
MAX_OUT_OF_SCOPE_ANSWERED = 0.10


SETS = sorted(p.name for p in (PROJECT_ROOT / "data" / "eval").glob("*.yml"))


@pytest.mark.parametrize("name", SETS)
async def test_heldout_accuracy(rasa_settings: Settings, name: str) -> None:
    messages = load_labelled(rasa_settings.data_dir / "eval" / name)
    async with running_assistant(rasa_settings) as assistant:
        result = await evaluate(assistant.understanding, messages, trained_texts(assistant.content))
    assert result.total >= 5 * 20 * 7
    assert {m.language for m in messages} == set(assistant.content.languages)
    assert {m.topic for m in messages} == set(assistant.content.topics)
    assert result.topic_accuracy >= MIN_TOPIC_ACCURACY, result.confusions.most_common(10)
    assert result.novel_total >= 0.7 * result.total
    assert result.novel_accuracy >= MIN_NOVEL_TOPIC_ACCURACY
    for language, (correct, total) in result.by_language.items():
        assert correct / total >= MIN_TOPIC_ACCURACY_PER_LANGUAGE, language
    assert result.language_accuracy >= MIN_LANGUAGE_ACCURACY, result.language_confusions.most_common(10)
    assert result.out_of_scope_answered / result.out_of_scope_total <= MAX_OUT_OF_SCOPE_ANSWERED
