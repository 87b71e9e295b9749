"""What the assistant remembers about a conversation between messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from core.messages import ConversationKey


@dataclass(frozen=True)
class ConversationState:
    """The language a person writes in or chose, and how often in a row we failed to understand."""

    language: str | None = None
    chosen_language: str | None = None
    misunderstood_in_a_row: int = 0
    # The last question topic answered, shown to staff if the person then asks for a person.
    last_topic: str | None = None
    # What the person wrote that was not understood, in a row: passed on if they then accept a
    # person ("shall I pass your question on?"), forgotten as soon as a message is understood.
    unclear: tuple[str, ...] = ()
    # The person cannot be reached (e.g. blocked the bot); a channel reopens it when they write again.
    closed: bool = False
    # Another language the last messages were confidently in, and how many in a row: the
    # conversation's language follows only after several (actions.language.settle_language).
    switch_to: str | None = None
    switch_votes: int = 0


class ConversationStore(Protocol):
    """Keeps ConversationState per conversation (actions.conversation_store keeps it in the database)."""

    async def load(self, key: ConversationKey) -> ConversationState: ...

    async def save(self, key: ConversationKey, state: ConversationState) -> None: ...

    async def forget(self, keys: Iterable[ConversationKey]) -> int:
        """Delete the state of these conversations; return how many were remembered."""
        ...


async def set_reachable(conversations: ConversationStore, key: ConversationKey, reachable: bool) -> ConversationState:
    """Note whether the person can be reached (not when they blocked the bot); return the state."""
    state = await conversations.load(key)
    if state.closed == reachable:
        state = replace(state, closed=not reachable)
        await conversations.save(key, state)
    return state
