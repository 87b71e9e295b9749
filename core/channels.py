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
from enum import StrEnum
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


class Arrival(StrEnum):
    """Where a message sent later ended up: what staff may honestly be told about its delivery."""

    # In front of the person: an open chat showed it, or Telegram accepted it for their phone.
    SHOWN = "shown"
    # Kept for the person (e.g. a web chat with no page open): they see it when they come back.
    KEPT = "kept"
    # Nothing can reach them (they blocked the bot, their chat is gone).
    UNREACHABLE = "unreachable"


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

    async def send(self, conversation: ConversationKey, reply: Reply) -> Arrival:
        """Send `reply` and say where it arrived."""
        ...


class Channel(Outbound, Protocol):
    """What every running channel offers the assistant: its name, sending later, and attachments."""

    @property
    def name(self) -> str: ...

    async def media(self, reference: str) -> Media:
        """Return an attachment's bytes by the reference the channel put into a Message; else MediaUnavailable."""
        ...


@runtime_checkable
class Forgetting(Protocol):
    """A channel that keeps people's words itself (e.g. the web chat's transcript) and erases them when asked."""

    async def forget(self, conversation: ConversationKey) -> int:
        """Erase what the channel keeps of `conversation` now; return how many items went."""


class Invitable(Protocol):
    """A channel a conversation can move to: it makes the link that carries a move token to it."""

    def invitation(self, token: str) -> str | None:
        """Return a link that opens this channel with `token` (e.g. a Telegram deep link); None if it cannot yet."""
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

    async def send(self, conversation: ConversationKey, reply: Reply) -> Arrival:
        """Send `reply` to `conversation` through its channel; raise UnknownChannel when it is not running."""
        channel = self._running.get(conversation.channel)
        if channel is None:
            raise UnknownChannel(f"no running channel {conversation.channel!r}")
        return await channel.send(conversation, reply)

    async def forget(self, conversation: ConversationKey) -> int:
        """Erase what the conversation's channel keeps of it (nothing, for channels that keep nothing)."""
        channel = self._running.get(conversation.channel)
        if isinstance(channel, Forgetting):
            return await channel.forget(conversation)
        return 0

    def accepts_moves(self, channel_name: str) -> bool:
        """Tell whether a conversation can move to this channel now (it runs and makes invitations)."""
        channel = self._running.get(channel_name)
        return callable(getattr(channel, "invitation", None)) and channel.invitation("probe") is not None  # type: ignore[union-attr]

    def invitation(self, channel_name: str, token: str) -> str | None:
        """Return the link that moves a conversation to a running channel with `token`; None if it cannot."""
        channel = self._running.get(channel_name)
        invite = getattr(channel, "invitation", None)
        return invite(token) if callable(invite) else None

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
