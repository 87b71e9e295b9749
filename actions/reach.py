"""Reach a person later (a staff reply, "you are back with the assistant"), unless they cannot be reached."""

from __future__ import annotations

from actions.conversations import ConversationStore, set_reachable
from core.channels import Arrival, Outbound
from core.messages import ConversationKey, Reply


class Reach:
    """Send through the person's channel; skip people who blocked us, and note when a channel finds they did."""

    def __init__(self, conversations: ConversationStore, channels: Outbound) -> None:
        self._conversations = conversations
        self._channels = channels

    async def send(self, conversation: ConversationKey, reply: Reply) -> Arrival:
        """Send `reply`; UNREACHABLE, without trying, when the person is known to be unreachable."""
        if (await self._conversations.load(conversation)).closed:
            return Arrival.UNREACHABLE
        arrival = await self._channels.send(conversation, reply)
        if arrival is Arrival.UNREACHABLE:
            await set_reachable(self._conversations, conversation, False)
        return arrival
