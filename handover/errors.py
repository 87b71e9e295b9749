"""What can go wrong when staff act on a handover; the edge turns each into an answer staff read."""

from __future__ import annotations

from core.errors import AssistantError


class HandoverError(AssistantError):
    """Staff asked for something the handover's state does not allow."""


class HandoverClosed(HandoverError):
    """The handover is closed (or erased): nothing more can be said in it."""


class ClaimedByOther(HandoverError):
    """Another colleague has the handover; they must release it or it must be taken over knowingly."""

    def __init__(self, name: str | None) -> None:
        super().__init__("claimed by a colleague")
        self.name = name


class EmptyReply(HandoverError):
    """A reply (or a note) with nothing in it."""


class UnknownColleague(HandoverError):
    """A conversation was to be handed to someone who is not (or no longer) a colleague."""


class NotResendable(HandoverError):
    """Only a message whose delivery is unknown can be sent again, once."""
