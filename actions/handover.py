"""What the dialogue needs from the staff desk: is a person handed over, hand them over, take them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from core.messages import ConversationKey, Message, Reply

# The button under the handover confirmation that ends the handover from the person's side.
CANCEL_PAYLOAD = "handover:cancel"


class HandoverReason(StrEnum):
    """Why a conversation went to staff."""

    REQUESTED = "requested"
    NOT_UNDERSTOOD = "not_understood"


@dataclass(frozen=True)
class HandoverRequest:
    """A conversation to hand to staff: the message that asked, in which language, the last question's
    topic, why, and what the assistant did not understand just before (the person agreed to pass it on)."""

    message: Message
    language: str
    topic: str | None
    reason: HandoverReason
    earlier: Sequence[str] = ()


class Handovers(Protocol):
    """The staff desk as the dialogue sees it."""

    # How long what a person said with staff is kept after the handover ends.
    retention: timedelta

    async def forward(self, message: Message, data: bytes | None = None) -> str | None:
        """Pass the message (and a file the channel does not keep) to staff if handed over; return the handover's language."""
        ...

    async def handed_over(self, conversation: ConversationKey) -> bool:
        """Tell whether staff look after the conversation now."""
        ...

    async def move(self, source: ConversationKey, target: ConversationKey) -> bool:
        """Move the open handover of `source` to `target`; False when there is none to move."""
        ...

    async def start(self, request: HandoverRequest) -> Reply | None:
        """Hand the conversation (and the earlier unclear questions) to staff; None if it already was."""
        ...

    async def follow_language(self, conversation: ConversationKey, language: str) -> None:
        """The person now writes in `language`: staff see it, and their replies are labelled in it."""
        ...

    async def cancel(self, conversation: ConversationKey) -> Reply | None:
        """End the person's handover at their request; return the handback, or None if there was none."""
        ...

    async def person_unreachable(self, conversation: ConversationKey) -> None:
        """Close the handover of a person who cannot be reached any more."""
        ...

    async def erase_conversation(self, conversation: ConversationKey) -> int:
        """Erase everything the person said with staff, ending a running handover; return how many."""
        ...
