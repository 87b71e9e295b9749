"""Understand a message: its language, its topic and how sure we are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.topics import OUT_OF_SCOPE
from nlu.client import NluResult, TopicScore
from nlu.language import LanguageDetector, LanguageGuess
from nlu.normalise import normalise_for_nlu


class TopicClassifier(Protocol):
    """Anything that ranks topics for a normalised text (the Rasa client, or a fake in tests)."""

    async def parse(self, text: str) -> NluResult: ...


@dataclass(frozen=True)
class Understanding:
    """What a message is about; `sure` is False when the best topic is below the threshold."""

    language: LanguageGuess
    topic: str
    confidence: float
    ranking: tuple[TopicScore, ...]
    sure: bool
    # The topic's sub-case with its own answer (e.g. German courses), when the model found one.
    variant: str | None = None

    @property
    def likely_topics(self) -> list[str]:
        return [score.topic for score in self.ranking]


class MessageUnderstanding:
    """Detect the language and classify the topic, refusing to guess below a confidence threshold."""

    def __init__(self, detector: LanguageDetector, classifier: TopicClassifier, threshold: float) -> None:
        self.detector = detector
        self._classifier = classifier
        self._threshold = threshold

    def detect_language(self, text: str, hint: str | None = None, previous: str | None = None) -> LanguageGuess:
        return self.detector.detect(text, hint=hint, previous=previous)

    async def understand(
        self, text: str, hint: str | None = None, previous: str | None = None
    ) -> Understanding:
        """Detect the language of `text` and classify it; raises NluUnavailable when the classifier cannot be asked."""
        return await self.classify(text, self.detect_language(text, hint, previous))

    async def classify(self, text: str, language: LanguageGuess) -> Understanding:
        """Classify `text` whose language is already detected (once per message); may raise NluUnavailable."""
        normalised = normalise_for_nlu(text)
        if not normalised or language.gibberish:
            # Keyboard mashing is not a question: the classifier would still find a topic in it.
            return Understanding(language, OUT_OF_SCOPE, 0.0, (), False)
        result = await self._classifier.parse(normalised)
        best = result.best
        sure = best.confidence >= self._threshold
        topic = best.topic if sure else OUT_OF_SCOPE
        return Understanding(language, topic, best.confidence, result.ranking, sure, best.variant if sure else None)
