"""Name the classifier's intents: one per topic, and one per variant of a topic (e.g. courses__german)."""

from __future__ import annotations

# Rasa reads "/" in an intent name as a retrieval intent; two underscores appear in no topic id.
VARIANT_SEPARATOR = "__"


def intent_name(topic: str, variant: str | None = None) -> str:
    """Return the intent the classifier learns for a topic or one of its variants."""
    return f"{topic}{VARIANT_SEPARATOR}{variant}" if variant else topic


def split_intent(name: str) -> tuple[str, str | None]:
    """Return the topic and the variant (or None) an intent stands for."""
    topic, _, variant = name.partition(VARIANT_SEPARATOR)
    return topic, variant or None
