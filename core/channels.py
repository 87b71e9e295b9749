"""The contract between the assistant and its channels, and the running channels by name.

A channel is an adapter, like opsdroid's connectors: it receives its platform's updates, turns each
into a platform-free Message and asks the dialogue (`Dialogue.handle` for what a person sends,
`Dialogue.greet` when they open the conversation, and the dialogue's other operations), then
turns the Reply back into its platform's form. That is the inbound half. The outbound half is
`Channel` below: the assistant reaches a person later through `send` (a staff reply, "you are back
with the assistant") and fetches what they attached through `media`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from core.errors import AssistantError
from core.messages import ConversationKey, Reply

TELEGRAM = "telegram"
WEB = "web"
CONSOLE = "console"
# How staff and analysts read each channel's name (German, the office's language).
CHANNEL_LABELS = {TELEGRAM: "Telegram", WEB: "Web-Chat", CONSOLE: "Terminal (Test)"}


def channel_label(channel: str) -> str:
    """Name a channel for the office's pages and reports, e.g. "web" -> "Web-Chat"."""
    return CHANNEL_LABELS.get(channel, channel.capitalize() or "Unbekannt")


class UnknownChannel(AssistantError):
    """No channel is running under a conversation's channel name."""


class MediaUnavailable(AssistantError):
    """The channel cannot hand out this attachment (gone, too big, or the channel is not running)."""


@dataclass(frozen=True)
class Media:
    """The bytes of one attachment, held in memory only while they are sent to a browser."""

    content: bytes
    mime_type: str | None = None


@dataclass(frozen=True)
class EarlierLine:
    """One line of what a person and the assistant said, as the channel still keeps it; `repr` hides the text."""

    author: str  # "person", "assistant" or "staff"
    text: str
    at: datetime

    def __repr__(self) -> str:
        return f"EarlierLine({self.author}, {len(self.text)} chars, {self.at.isoformat()})"


@runtime_checkable
class KeepsTranscript(Protocol):
    """A channel that keeps the conversation for a while (the web chat), so staff can read what came before."""

    async def earlier(self, conversation_id: str, before: datetime) -> list[EarlierLine]:
        """Return the lines written before `before` that the channel still keeps, oldest first."""
        ...


class Outbound(Protocol):
    """A way to reach a person later, outside anything they sent."""

    async def send(self, conversation: ConversationKey, reply: Reply) -> bool:
        """Send `reply`; return False when the person cannot be reached (e.g. blocked the bot)."""
        ...


class Channel(Outbound, Protocol):
    """What every running channel offers the assistant: its name, sending later, and attachments."""

    @property
    def name(self) -> str: ...

    async def media(self, reference: str) -> Media:
        """Return an attachment's bytes by the reference the channel put into a Message; else MediaUnavailable."""
        ...


class Channels:
    """The running channels by name: where later replies go and where attachments come from."""

    def __init__(self) -> None:
        self._running: dict[str, Channel] = {}

    def register(self, channel: Channel) -> None:
        self._running[channel.name] = channel

    def unregister(self, channel: Channel) -> None:
        if self._running.get(channel.name) is channel:
            del self._running[channel.name]

    async def send(self, conversation: ConversationKey, reply: Reply) -> bool:
        """Send `reply` to `conversation` through its channel; raise UnknownChannel when it is not running."""
        channel = self._running.get(conversation.channel)
        if channel is None:
            raise UnknownChannel(f"no running channel {conversation.channel!r}")
        return await channel.send(conversation, reply)

    async def earlier(self, conversation: ConversationKey, before: datetime) -> list[EarlierLine] | None:
        """Return what the conversation's channel still keeps from before `before`; None if it keeps nothing."""
        channel = self._running.get(conversation.channel)
        if not isinstance(channel, KeepsTranscript):
            return None
        return await channel.earlier(conversation.conversation_id, before)

    async def media(self, channel_name: str, reference: str) -> Media:
        """Fetch an attachment through the channel it came from."""
        channel = self._running.get(channel_name)
        if channel is None:
            raise MediaUnavailable(f"no running channel {channel_name!r} to fetch media from")
        return await channel.media(reference)
