"""What counts as an inquiry, and which traffic is people's: the rules every figure follows."""

from __future__ import annotations

from actions.inquiries import Outcome
from core.channels import TELEGRAM, WEB

# Small talk says nothing about needs: it is reported on its own, never as inquiries.
SMALL_TALK: tuple[str, ...] = ("greeting", "thanks", "goodbye", "help", "bot_challenge")
# Questions unrelated to the office and to settling in (weather, football, ...): reported on their own.
OUT_OF_SCOPE = "out_of_scope"
NOT_INQUIRIES: frozenset[str] = frozenset({*SMALL_TALK, OUT_OF_SCOPE})

# Channels people write on. Anything else (the terminal chat, tests, benchmarks) is left out of
# every figure unless the analyst picks that channel; a new public channel is added here.
PEOPLE_CHANNELS: tuple[str, ...] = (TELEGRAM, WEB)


def is_inquiry(topic: str) -> bool:
    """Tell whether messages of a topic are inquiries: every topic but small talk and out of scope,
    including topics added later and messages without a topic (photos, other languages)."""
    return topic not in NOT_INQUIRIES


def handled_by_assistant(outcome: str) -> bool:
    """Tell whether the assistant handled the message (rather than relaying it to staff)."""
    return outcome != Outcome.HANDED_OVER.value
