"""What happened to each handled message, for the anonymous statistics (never who or what was said)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Outcome(StrEnum):
    """How the assistant dealt with one message."""

    ANSWERED = "answered"
    CLARIFIED = "clarified"
    NOT_UNDERSTOOD = "not_understood"
    HANDOVER_REQUESTED = "handover_requested"
    HANDED_OVER = "handed_over"


@dataclass(frozen=True)
class HandledMessage:
    """One handled message as statistics may see it: no text, no person, no conversation."""

    at: datetime
    channel: str
    topic: str | None
    language: str | None
    outcome: Outcome


class InquiryRecorder(Protocol):
    """Receives every handled message; must never raise into the dialogue or delay the reply much."""

    async def record(self, handled: HandledMessage) -> None: ...


@dataclass(frozen=True)
class HandoverWait:
    """How long one handover waited for its first staff answer; anonymous like HandledMessage."""

    at: datetime
    channel: str
    language: str | None
    waited_seconds: float


@runtime_checkable
class HandoverStatistics(Protocol):
    """Receives the waiting time of each handover once staff first answer it."""

    async def record_wait(self, wait: HandoverWait) -> None: ...
