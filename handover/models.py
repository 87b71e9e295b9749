"""Tables of handovers to staff, what was said during them, and where they are mirrored for staff."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base


class HandoverStatus(StrEnum):
    """Waiting for a colleague, taken by one, or handed back to the assistant."""

    WAITING = "waiting"
    OPEN = "open"
    CLOSED = "closed"


class Direction(StrEnum):
    """Who a handover message is from: the person, staff, or the desk noting what happened."""

    IN = "in"
    OUT = "out"
    EVENT = "event"
    # An internal note of staff: shown to colleagues, never sent, erased with the conversation.
    NOTE = "note"


class Delivery(StrEnum):
    """Where a message to the person is on its way; each is sent at most once."""

    PENDING = "pending"
    SENDING = "sending"
    # In front of the person (an open chat showed it, Telegram took it): staff read "zugestellt".
    SENT = "sent"
    # Kept for the person, who has not seen it yet (a web chat with no page open): "wartet auf die Person".
    KEPT = "kept"
    # The person cannot be reached (e.g. blocked the bot).
    FAILED = "failed"
    # Sending was interrupted (a restart, a lost connection): it may or may not have arrived.
    UNKNOWN = "unknown"


class ClosedBy(StrEnum):
    """Who or what ended a handover."""

    STAFF = "staff"
    PERSON = "person"
    UNREACHABLE = "unreachable"


# The kind of the outgoing message that tells the person they are back with the assistant.
HANDBACK = "handback"
# The kind of the outgoing message that tells the person a colleague has joined.
JOINED = "joined"
# Outgoing messages the desk writes to the person (not a colleague's words).
NOTICES = frozenset({HANDBACK, JOINED})

# A conversation has at most one handover that is not closed; the database enforces it.
_ACTIVE = text("status <> 'closed'")


class Handover(Base):
    """One conversation handed to staff; the routing (channel, conversation id) is kept only here."""

    __tablename__ = "handovers"
    __table_args__ = (
        Index(
            "uq_handovers_one_active",
            "channel",
            "conversation_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_handovers_conversation", "channel", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(128))
    first_name: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # "account:<id>" for the web inbox, "telegram:<user id>" for the staff group.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_by_name: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime]
    # Since when the person's oldest unanswered message waits; None once staff answered it.
    waiting_since: Mapped[datetime | None]
    first_answered_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_by: Mapped[str | None] = mapped_column(String(16))
    # The forum topic of the Telegram staff group that mirrors this handover, if any.
    staff_thread_id: Mapped[int | None] = mapped_column(BigInteger)


class HandoverMessage(Base):
    """One message of a handover: from the person, from staff (with its delivery), or a desk event."""

    __tablename__ = "handover_messages"
    __table_args__ = (UniqueConstraint("handover_id", "source_id", name="uq_handover_messages_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    # text, photo, document, voice, ... for messages; started, claimed, released, closed, ... for events
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str | None] = mapped_column(Text)
    media_ref: Mapped[str | None] = mapped_column(String(255))
    media_name: Mapped[str | None] = mapped_column(String(255))
    media_mime: Mapped[str | None] = mapped_column(String(100))
    author_name: Mapped[str | None] = mapped_column(String(120))
    # The channel's message id (from the person) or the sender's own key (from staff): stored once.
    source_id: Mapped[str | None] = mapped_column(String(128))
    delivery: Mapped[str | None] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # The instance sending it (storage.instances), while `delivery` is "sending": only a dead one's is interrupted.
    sender: Mapped[str | None] = mapped_column(String(100))


class HandoverRead(Base):
    """How far a colleague has read a handover: what came after is marked unread in their inbox."""

    __tablename__ = "handover_reads"

    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id", ondelete="CASCADE"), primary_key=True)
    # The colleague's key, as in Handover.claimed_by.
    reader: Mapped[str] = mapped_column(String(40), primary_key=True)
    seen_message_id: Mapped[int]


class StaffChatPost(Base):
    """A message in the Telegram staff group that belongs to a handover: how staff replies find it."""

    __tablename__ = "handover_staff_posts"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_handover_staff_posts_message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    # The handover message this post shows; None for the post that introduces the handover.
    handover_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("handover_messages.id", ondelete="CASCADE"), index=True
    )


class HandoverFile(Base):
    """The bytes of a file a person sent where the channel keeps none (the web chat); deleted with its message."""

    __tablename__ = "handover_files"

    message_id: Mapped[int] = mapped_column(ForeignKey("handover_messages.id", ondelete="CASCADE"), primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id", ondelete="CASCADE"), index=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
