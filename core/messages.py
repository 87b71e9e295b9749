"""Platform-free messages exchanged between the channels and the dialogue."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class MessageKind(StrEnum):
    """What a person sent: text we can read, or something we cannot (photo, voice, sticker, ...)."""

    TEXT = "text"
    BUTTON = "button"
    NON_TEXT = "non_text"


@dataclass(frozen=True)
class ConversationKey:
    """Identify one conversation on one channel; never leaves the process for statistics or logs."""

    channel: str
    conversation_id: str

    def __repr__(self) -> str:
        # Keep chat ids out of tracebacks and log lines that format this object.
        return f"ConversationKey(channel={self.channel!r}, conversation_id=<redacted>)"


@dataclass(frozen=True)
class Attachment:
    """Something a person sent besides text: its kind and the channel's own reference, never the file."""

    # photo, document, voice, audio, video, video_note, animation, sticker, location, contact, other
    kind: str
    # Opaque to everyone but its channel (e.g. a Telegram file_id); None when there is nothing to fetch.
    reference: str | None = None
    name: str | None = None
    mime_type: str | None = None

    def __repr__(self) -> str:
        # File names can be personal ("Bescheid_Ahmad.pdf"): keep them out of logs.
        return f"Attachment(kind={self.kind!r})"


@dataclass(frozen=True)
class Message:
    """One thing a person sent, as every channel turns it into."""

    conversation: ConversationKey
    text: str = ""
    kind: MessageKind = MessageKind.TEXT
    language_hint: str | None = None
    # For MessageKind.BUTTON: the pressed button's payload (see Button.payload).
    payload: str | None = None
    # For MessageKind.NON_TEXT: what was sent, so staff can see it during a handover.
    attachment: Attachment | None = None
    # The first name the channel knows the person by; shown to staff during a handover, nothing else.
    first_name: str | None = None
    # The channel's id of this message, so a message handled twice (e.g. after a restart) is kept once.
    source_id: str | None = None


@dataclass(frozen=True)
class Button:
    """A quick-reply button; the payload is `topic:<id>` or `language:<code>`."""

    label: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """What the assistant answers, in one language, with optional buttons."""

    text: str
    language: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    topic: str | None = None
    rtl: bool = False
    # Set on a reply sent later (a staff reply): the same key delivered twice reaches the person once.
    delivery_key: str | None = None
