"""Fetch a person's attachment from its channel when staff open it; nothing is kept on disk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.errors import AssistantError


class MediaUnavailable(AssistantError):
    """The channel cannot hand out this attachment (gone, too big, or the channel is not running)."""


@dataclass(frozen=True)
class Media:
    """The bytes of one attachment, held in memory only while they are sent to a browser."""

    content: bytes
    mime_type: str | None = None


class MediaSource(Protocol):
    """A channel's way to fetch an attachment by the reference it put into a Message."""

    async def fetch(self, reference: str) -> Media:
        """Return the attachment's bytes; raise MediaUnavailable when that is not possible."""
        ...


class MediaSources:
    """The media side of every running channel, by channel name."""

    def __init__(self) -> None:
        self._sources: dict[str, MediaSource] = {}

    def register(self, channel: str, source: MediaSource) -> None:
        self._sources[channel] = source

    def unregister(self, channel: str) -> None:
        self._sources.pop(channel, None)

    async def fetch(self, channel: str, reference: str) -> Media:
        """Fetch an attachment through the channel it came from."""
        source = self._sources.get(channel)
        if source is None:
            raise MediaUnavailable(f"no running channel {channel!r} to fetch media from")
        return await source.fetch(reference)
