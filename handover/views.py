"""What the desk hands out about handovers and their messages: plain values, no database rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handover.models import Delivery, Direction, Handover, HandoverMessage, HandoverStatus
from core.messages import ConversationKey


@dataclass(frozen=True)
class StaffMember:
    """Who acts for the office: a web inbox account ("account:<id>") or a staff group member."""

    key: str
    name: str
    languages: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HandoverView:
    """A handover as staff and the desk see it; the conversation key is for delivering, never for showing."""

    id: int
    conversation: ConversationKey
    first_name: str | None
    language: str
    topic: str | None
    reason: str
    status: HandoverStatus
    claimed_by: str | None
    claimed_by_name: str | None
    created_at: datetime
    waiting_since: datetime | None
    first_answered_at: datetime | None
    last_activity_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    staff_thread_id: int | None

    @property
    def active(self) -> bool:
        return self.status is not HandoverStatus.CLOSED

    @classmethod
    def of(cls, row: Handover) -> HandoverView:
        return cls(
            id=row.id,
            conversation=ConversationKey(row.channel, row.conversation_id),
            first_name=row.first_name,
            language=row.language,
            topic=row.topic,
            reason=row.reason,
            status=HandoverStatus(row.status),
            claimed_by=row.claimed_by,
            claimed_by_name=row.claimed_by_name,
            created_at=row.created_at,
            waiting_since=row.waiting_since,
            first_answered_at=row.first_answered_at,
            last_activity_at=row.last_activity_at,
            closed_at=row.closed_at,
            closed_by=row.closed_by,
            staff_thread_id=row.staff_thread_id,
        )


@dataclass(frozen=True)
class MessageView:
    """One message of a handover as staff see it."""

    id: int
    handover_id: int
    direction: Direction
    kind: str
    text: str | None
    has_media: bool
    media_name: str | None
    media_mime: str | None
    author_name: str | None
    source_id: str | None
    delivery: Delivery | None
    created_at: datetime

    @classmethod
    def of(cls, row: HandoverMessage) -> MessageView:
        return cls(
            id=row.id,
            handover_id=row.handover_id,
            direction=Direction(row.direction),
            kind=row.kind,
            text=row.text,
            has_media=row.media_ref is not None,
            media_name=row.media_name,
            media_mime=row.media_mime,
            author_name=row.author_name,
            source_id=row.source_id,
            delivery=Delivery(row.delivery) if row.delivery else None,
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class Incoming:
    """What a person sent during a handover, ready to be stored."""

    kind: str
    text: str | None = None
    media_ref: str | None = None
    media_name: str | None = None
    media_mime: str | None = None
    source_id: str | None = None


@dataclass(frozen=True)
class Forwarded:
    """Where a person's message went: its handover, and the stored message (None if stored before)."""

    handover_id: int
    language: str
    message_id: int | None


@dataclass(frozen=True)
class Outgoing:
    """A message to the person taken for sending: who to, what, in which language."""

    message_id: int
    handover_id: int
    conversation: ConversationKey
    language: str
    kind: str
    text: str | None
