"""Send a reply into a conversation on whichever channel it lives, outside the request that started it."""

from __future__ import annotations

from typing import Protocol

from core.errors import AssistantError
from core.messages import ConversationKey, Reply


class UnknownChannel(AssistantError):
    """No channel is registered under a conversation's channel name."""


class Outbound(Protocol):
    """A channel's way to reach a person later (a staff reply, a "you are back with the assistant")."""

    async def deliver(self, conversation: ConversationKey, reply: Reply) -> bool:
        """Send `reply`; return False when the person cannot be reached (e.g. blocked the bot)."""
        ...


class Deliveries:
    """The outbound side of every running channel, by channel name."""

    def __init__(self) -> None:
        self._channels: dict[str, Outbound] = {}

    def register(self, channel: str, outbound: Outbound) -> None:
        self._channels[channel] = outbound

    def unregister(self, channel: str) -> None:
        self._channels.pop(channel, None)

    async def deliver(self, conversation: ConversationKey, reply: Reply) -> bool:
        """Send `reply` to `conversation` through its channel."""
        outbound = self._channels.get(conversation.channel)
        if outbound is None:
            raise UnknownChannel(f"no running channel {conversation.channel!r}")
        return await outbound.deliver(conversation, reply)
