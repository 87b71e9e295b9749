"""Handovers and their messages in the database: every change in one transaction, safe to run at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, Text, and_, delete, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import ConversationKey
from handover.errors import ClaimedByOther, HandoverClosed
from handover.models import (
    HANDBACK,
    JOINED,
    ClosedBy,
    Delivery,
    Direction,
    Handover,
    HandoverFile,
    HandoverMessage,
    HandoverRead,
    HandoverStatus,
    StaffChatPost,
)
from handover.views import Forwarded, HandoverView, Incoming, MessageView, Outgoing, StaffMember
from storage.db import Database, UtcDateTime, dialect_insert


@dataclass(frozen=True)
class StoredReply:
    """A staff reply as stored; `first_answer` when it is the handover's first staff answer."""

    message: MessageView
    first_answer: bool
    handover: HandoverView


@dataclass(frozen=True)
class StoredMedia:
    """Where a person's attachment can be fetched: its conversation's channel and the channel's reference."""

    conversation: ConversationKey
    reference: str
    mime_type: str | None
    name: str | None
    # The file itself where the desk keeps it (the web chat's uploads); None: fetch it from the channel.
    data: bytes | None = None


@dataclass(frozen=True)
class Erased:
    """A handover whose data was erased, with what is needed to clean up after it."""

    id: int
    was_active: bool
    staff_thread_id: int | None
    # Messages in the Telegram staff group that showed it.
    staff_posts: tuple[int, ...] = ()


class HandoverStore:
    """All reads and writes of handovers; each method is one transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    # --- the person's side -----------------------------------------------------------------------

    async def open(
        self, key: ConversationKey, first_name: str | None, language: str, topic: str | None, reason: str, now: datetime
    ) -> tuple[HandoverView, bool]:
        """Open a handover for `key`; if one is open already (even one opened a moment ago), return it."""
        for _ in range(3):
            try:
                async with self._session() as session, session.begin():
                    row = Handover(
                        channel=key.channel,
                        conversation_id=key.conversation_id,
                        first_name=first_name,
                        language=language,
                        topic=topic,
                        reason=reason,
                        status=HandoverStatus.WAITING,
                        created_at=now,
                        waiting_since=now,
                        last_activity_at=now,
                    )
                    session.add(row)
                    await session.flush()
                    session.add(_event(row.id, "started", None, now))
                    return HandoverView.of(row), True
            except IntegrityError:
                existing = await self.active_for(key)
                if existing is not None:
                    return existing, False
        raise RuntimeError("could not open a handover")  # pragma: no cover - needs three races in a row

    async def append_incoming(
        self, key: ConversationKey, incoming: Incoming, now: datetime, data: bytes | None = None
    ) -> Forwarded | None:
        """Store a person's message (and the file it carries, if given) in their open handover, atomically; None if there is none."""
        async with self._session() as session, session.begin():
            source = (
                select(
                    Handover.id,
                    literal(Direction.IN.value, String),
                    literal(incoming.kind, String),
                    literal(incoming.text, Text),
                    literal(incoming.media_ref, String),
                    literal(incoming.media_name, String),
                    literal(incoming.media_mime, String),
                    literal(incoming.source_id, String),
                    literal(now, UtcDateTime()),
                )
                .where(*_active_for(key))
                # PostgreSQL: wait for a concurrent close, then see the handover as it is afterwards.
                .with_for_update()
            )
            columns = ["handover_id", "direction", "kind", "text", "media_ref", "media_name", "media_mime", "source_id", "created_at"]
            statement = (
                dialect_insert(HandoverMessage, self._database.engine.dialect)
                .from_select(columns, source)
                .on_conflict_do_nothing()
                .returning(HandoverMessage.id, HandoverMessage.handover_id)
            )
            inserted = (await session.execute(statement)).first()
            row = await session.scalar(select(Handover).where(*_active_for(key)))
            if row is None:
                return None
            if inserted is None:
                return Forwarded(row.id, row.language, None)  # the same message, handled a second time
            if data is not None:
                session.add(HandoverFile(message_id=int(inserted.id), handover_id=row.id, size=len(data), data=data))
            row.last_activity_at = now
            if row.waiting_since is None:
                row.waiting_since = now
            return Forwarded(row.id, row.language, int(inserted.id))

    async def set_language(self, key: ConversationKey, language: str) -> int | None:
        """Change the open handover's language; return its id if it changed."""
        async with self._session() as session, session.begin():
            row = await session.scalar(select(Handover).where(*_active_for(key)).with_for_update())
            if row is None or row.language == language:
                return None
            row.language = language
            return row.id

    async def active_for(self, key: ConversationKey) -> HandoverView | None:
        async with self._session() as session:
            row = await session.scalar(select(Handover).where(*_active_for(key)))
            return HandoverView.of(row) if row else None

    async def has_active(self, key: ConversationKey) -> bool:
        """Tell whether a handover waits or is open for the conversation (asked for every message, so kept cheap)."""
        async with self._session() as session:
            return await session.scalar(select(Handover.id).where(*_active_for(key)).limit(1)) is not None

    # --- staff's side ------------------------------------------------------------------------------

    async def get(self, handover_id: int) -> HandoverView | None:
        async with self._session() as session:
            row = await session.get(Handover, handover_id)
            return HandoverView.of(row) if row else None

    async def active(self) -> list[HandoverView]:
        """Return every waiting or open handover, oldest first."""
        async with self._session() as session:
            rows = await session.scalars(
                select(Handover).where(Handover.status != HandoverStatus.CLOSED).order_by(Handover.created_at, Handover.id)
            )
            return [HandoverView.of(row) for row in rows]

    async def recently_closed(self, limit: int) -> list[HandoverView]:
        async with self._session() as session:
            rows = await session.scalars(
                select(Handover)
                .where(Handover.status == HandoverStatus.CLOSED)
                .order_by(Handover.closed_at.desc(), Handover.id.desc())
                .limit(limit)
            )
            return [HandoverView.of(row) for row in rows]

    async def messages(self, handover_id: int, after: int = 0) -> list[MessageView]:
        """Return a handover's messages after message id `after`, in order."""
        async with self._session() as session:
            rows = await session.scalars(
                select(HandoverMessage)
                .where(HandoverMessage.handover_id == handover_id, HandoverMessage.id > after)
                .order_by(HandoverMessage.id)
            )
            return [MessageView.of(row) for row in rows]

    async def media_of(self, message_id: int) -> StoredMedia | None:
        """Return where an attachment came from and what it is, if it is still kept."""
        async with self._session() as session:
            found = (
                await session.execute(
                    select(
                        Handover.channel,
                        Handover.conversation_id,
                        HandoverMessage.media_ref,
                        HandoverMessage.media_mime,
                        HandoverMessage.media_name,
                        HandoverFile.data,
                    )
                    .join(Handover, Handover.id == HandoverMessage.handover_id)
                    .outerjoin(HandoverFile, HandoverFile.message_id == HandoverMessage.id)
                    .where(HandoverMessage.id == message_id, HandoverMessage.media_ref.is_not(None))
                )
            ).first()
        if found is None:
            return None
        return StoredMedia(
            ConversationKey(found.channel, found.conversation_id),
            str(found.media_ref),
            found.media_mime,
            found.media_name,
            found.data,
        )

    async def media_reference(self, message_id: int) -> str | None:
        found = await self.media_of(message_id)
        return found.reference if found else None

    async def claim(self, handover_id: int, staff: StaffMember, force: bool, now: datetime) -> HandoverView:
        """Give the handover to `staff`; refuse if closed, or if a colleague has it and `force` is not set."""
        async with self._session() as session, session.begin():
            row = await _locked(session, handover_id)
            if row.claimed_by not in (None, staff.key) and not force:
                raise ClaimedByOther(row.claimed_by_name)
            if row.claimed_by != staff.key:
                if row.claimed_by is None:
                    session.add(_notice(row.id, JOINED, now))
                row.claimed_by, row.claimed_by_name = staff.key, staff.name
                row.status = HandoverStatus.OPEN
                row.last_activity_at = now
                session.add(_event(row.id, "claimed", staff.name, now))
            return HandoverView.of(row)

    async def release(self, handover_id: int, staff: StaffMember, now: datetime) -> HandoverView:
        """Give the handover back to everyone (only its holder releases it)."""
        async with self._session() as session, session.begin():
            row = await _locked(session, handover_id)
            if row.claimed_by not in (None, staff.key):
                raise ClaimedByOther(row.claimed_by_name)
            if row.claimed_by is not None:
                row.claimed_by = row.claimed_by_name = None
                row.status = HandoverStatus.WAITING
                row.last_activity_at = now
                session.add(_event(row.id, "released", staff.name, now))
            return HandoverView.of(row)

    async def hand_to(
        self, handover_id: int, by: StaffMember, to: StaffMember, note: str | None, force: bool, now: datetime
    ) -> HandoverView:
        """Give the handover to the colleague `to`, with an optional note; refuse if a third colleague has it."""
        async with self._session() as session, session.begin():
            row = await _locked(session, handover_id)
            if row.claimed_by not in (None, by.key, to.key) and not force:
                raise ClaimedByOther(row.claimed_by_name)
            row.claimed_by, row.claimed_by_name = to.key, to.name
            row.status = HandoverStatus.OPEN
            row.last_activity_at = now
            handed = _event(row.id, "handed", by.name, now)
            handed.text = to.name
            session.add(handed)
            if note:
                session.add(_note(row.id, by.name, note, now))
            return HandoverView.of(row)

    async def add_note(self, handover_id: int, by: StaffMember, text: str, now: datetime) -> MessageView:
        """Keep an internal note on the handover (also on a closed one: it is erased with the conversation)."""
        async with self._session() as session, session.begin():
            row = await session.get(Handover, handover_id, with_for_update=True)
            if row is None:
                raise HandoverClosed()
            note = _note(row.id, by.name, text, now)
            session.add(note)
            await session.flush()
            return MessageView.of(note)

    async def add_reply(
        self, handover_id: int, staff: StaffMember, text: str, source_id: str, now: datetime, force: bool = False
    ) -> StoredReply:
        """Queue a staff reply for sending; the same `source_id` (a form sent twice) is stored once."""
        try:
            async with self._session() as session, session.begin():
                row = await _locked(session, handover_id)
                if row.claimed_by not in (None, staff.key) and not force:
                    raise ClaimedByOther(row.claimed_by_name)
                existing = await session.scalar(
                    select(HandoverMessage).where(
                        HandoverMessage.handover_id == handover_id, HandoverMessage.source_id == source_id
                    )
                )
                if existing is not None:
                    return StoredReply(MessageView.of(existing), False, HandoverView.of(row))
                first = row.first_answered_at is None
                if row.claimed_by != staff.key:
                    if row.claimed_by is not None:
                        session.add(_event(row.id, "claimed", staff.name, now))
                    row.claimed_by, row.claimed_by_name = staff.key, staff.name
                row.status = HandoverStatus.OPEN
                row.first_answered_at = row.first_answered_at or now
                row.waiting_since = None
                row.last_activity_at = now
                message = HandoverMessage(
                    handover_id=row.id,
                    direction=Direction.OUT,
                    kind="text",
                    text=text,
                    author_name=staff.name,
                    source_id=source_id,
                    delivery=Delivery.PENDING,
                    created_at=now,
                )
                session.add(message)
                await session.flush()
                return StoredReply(MessageView.of(message), first, HandoverView.of(row))
        except IntegrityError:
            # The same reply arrived twice at the same moment; the other one was stored.
            async with self._session() as session:
                stored = await session.scalar(
                    select(HandoverMessage).where(
                        HandoverMessage.handover_id == handover_id, HandoverMessage.source_id == source_id
                    )
                )
                handover = await session.get(Handover, handover_id)
                if stored is None or handover is None:
                    raise
                return StoredReply(MessageView.of(stored), False, HandoverView.of(handover))

    async def close(
        self, handover_id: int, by: ClosedBy, actor: str | None, handback: bool, now: datetime
    ) -> HandoverView | None:
        """Close the handover once; queue the "back with the assistant" notice if `handback`."""
        async with self._session() as session, session.begin():
            row = await session.get(Handover, handover_id, with_for_update=True)
            if row is None or row.status == HandoverStatus.CLOSED:
                return None
            _close(session, row, by, actor, handback, now)
            return HandoverView.of(row)

    async def close_held(self, handover_id: int, staff: StaffMember, force: bool, now: datetime) -> HandoverView | None:
        """Close the handover for `staff`, who must hold it or take it over knowingly (`force`, recorded)."""
        async with self._session() as session, session.begin():
            row = await session.get(Handover, handover_id, with_for_update=True)
            if row is None or row.status == HandoverStatus.CLOSED:
                return None
            _hold(session, row, staff, force, now)
            _close(session, row, ClosedBy.STAFF, staff.name, True, now)
            return HandoverView.of(row)

    async def check_hold(self, handover_id: int, staff: StaffMember, force: bool, now: datetime) -> None:
        """Refuse unless `staff` holds the open handover, nobody does, or they take it over knowingly (recorded)."""
        async with self._session() as session, session.begin():
            row = await session.get(Handover, handover_id, with_for_update=True)
            if row is not None and row.status != HandoverStatus.CLOSED:
                _hold(session, row, staff, force, now)

    async def handover_of_message(self, message_id: int) -> int | None:
        async with self._session() as session:
            found = await session.scalar(select(HandoverMessage.handover_id).where(HandoverMessage.id == message_id))
            return int(found) if found is not None else None

    async def close_for(
        self, key: ConversationKey, by: ClosedBy, handback: bool, now: datetime
    ) -> HandoverView | None:
        """Close the conversation's open handover, if there is one."""
        async with self._session() as session, session.begin():
            row = await session.scalar(select(Handover).where(*_active_for(key)).with_for_update())
            if row is None:
                return None
            _close(session, row, by, None, handback, now)
            return HandoverView.of(row)

    # --- what each colleague has read ----------------------------------------------------------------

    async def mark_read(self, handover_id: int, reader: str, upto: int) -> None:
        """Note that `reader` has seen the handover's messages up to message id `upto`."""
        statement = dialect_insert(HandoverRead, self._database.engine.dialect).values(
            handover_id=handover_id, reader=reader, seen_message_id=upto
        )
        statement = statement.on_conflict_do_update(
            index_elements=[HandoverRead.handover_id, HandoverRead.reader],
            set_={"seen_message_id": statement.excluded.seen_message_id},
            where=HandoverRead.seen_message_id < statement.excluded.seen_message_id,
        )
        try:
            async with self._session() as session, session.begin():
                if await session.get(Handover, handover_id) is not None:
                    await session.execute(statement)
        except IntegrityError:
            return  # erased a moment ago

    async def unread(self, handover_ids: list[int], reader: str) -> set[int]:
        """Return the handovers with something new for `reader`: the person wrote, a note, or it was handed on."""
        if not handover_ids:
            return set()
        news = or_(
            HandoverMessage.direction.in_([Direction.IN.value, Direction.NOTE.value]),
            and_(HandoverMessage.direction == Direction.EVENT.value, HandoverMessage.kind.in_(["started", "handed"])),
        )
        async with self._session() as session:
            latest = (
                await session.execute(
                    select(HandoverMessage.handover_id, func.max(HandoverMessage.id))
                    .where(HandoverMessage.handover_id.in_(handover_ids), news)
                    .group_by(HandoverMessage.handover_id)
                )
            ).all()
            reads = (
                await session.execute(
                    select(HandoverRead.handover_id, HandoverRead.seen_message_id).where(
                        HandoverRead.reader == reader, HandoverRead.handover_id.in_(handover_ids)
                    )
                )
            ).all()
        seen = {int(handover_id): int(upto) for handover_id, upto in reads}
        return {int(handover_id) for handover_id, newest in latest if newest > seen.get(int(handover_id), 0)}

    # --- sending to the person exactly once --------------------------------------------------------

    async def take_next_outgoing(self, handover_id: int, sender: str | None = None) -> Outgoing | None:
        """Mark the handover's oldest pending message as being sent (by `sender`) and return it; None if none waits."""
        async with self._session() as session, session.begin():
            oldest = (
                select(func.min(HandoverMessage.id))
                .where(HandoverMessage.handover_id == handover_id, HandoverMessage.delivery == Delivery.PENDING)
                .scalar_subquery()
            )
            # Only one sender can move a message from pending to sending: it is sent at most once.
            taken = (
                await session.execute(
                    update(HandoverMessage)
                    .where(HandoverMessage.id == oldest, HandoverMessage.delivery == Delivery.PENDING)
                    .values(delivery=Delivery.SENDING, sender=sender)
                    .returning(HandoverMessage.id, HandoverMessage.kind, HandoverMessage.text)
                )
            ).first()
            if taken is None:
                return None
            row = await session.get(Handover, handover_id)
            assert row is not None
            return Outgoing(
                taken.id, handover_id, ConversationKey(row.channel, row.conversation_id), row.language, taken.kind, taken.text
            )

    async def finish_outgoing(self, message_id: int, delivery: Delivery, now: datetime) -> None:
        async with self._session() as session, session.begin():
            await session.execute(
                update(HandoverMessage)
                .where(HandoverMessage.id == message_id, HandoverMessage.delivery == Delivery.SENDING)
                .values(delivery=delivery, sent_at=now if delivery is Delivery.SENT else None, sender=None)
            )

    async def seen(self, key: ConversationKey, now: datetime) -> list[int]:
        """The person opened their chat and saw what was kept for them: mark it delivered; return the handovers."""
        async with self._session() as session, session.begin():
            ids = select(Handover.id).where(Handover.channel == key.channel, Handover.conversation_id == key.conversation_id)
            rows = await session.execute(
                update(HandoverMessage)
                .where(HandoverMessage.handover_id.in_(ids), HandoverMessage.delivery == Delivery.KEPT)
                .values(delivery=Delivery.SENT, sent_at=now)
                .returning(HandoverMessage.handover_id)
            )
            return sorted({int(row.handover_id) for row in rows})

    async def move(self, source: ConversationKey, target: ConversationKey, now: datetime) -> HandoverView | None:
        """Move the open handover of `source` to `target` (which must have none); what the person has not seen goes again."""
        async with self._session() as session, session.begin():
            row = await session.scalar(select(Handover).where(*_active_for(source)).with_for_update())
            if row is None or await session.scalar(select(Handover.id).where(*_active_for(target))) is not None:
                return None
            row.channel, row.conversation_id = target.channel, target.conversation_id
            row.last_activity_at = now
            session.add(_event(row.id, f"moved_{target.channel}"[:24], None, now))
            await session.execute(
                update(HandoverMessage)
                .where(HandoverMessage.handover_id == row.id, HandoverMessage.delivery == Delivery.KEPT)
                .values(delivery=Delivery.PENDING)
            )
            return HandoverView.of(row)

    async def fail_pending(self, handover_id: int) -> None:
        """Give up on what still waits to be sent to a person who cannot be reached."""
        async with self._session() as session, session.begin():
            await session.execute(
                update(HandoverMessage)
                .where(HandoverMessage.handover_id == handover_id, HandoverMessage.delivery == Delivery.PENDING)
                .values(delivery=Delivery.FAILED)
            )

    async def retry(self, message_id: int) -> int | None:
        """Queue a message whose delivery is unknown once more (staff decided to); return its handover."""
        async with self._session() as session, session.begin():
            found = (
                await session.execute(
                    update(HandoverMessage)
                    .where(HandoverMessage.id == message_id, HandoverMessage.delivery == Delivery.UNKNOWN)
                    .values(delivery=Delivery.PENDING)
                    .returning(HandoverMessage.handover_id)
                )
            ).first()
            return int(found.handover_id) if found else None

    async def mark_interrupted(
        self, live: Select[tuple[str]] | None = None, sender: str | None = None, restarted: bool = False
    ) -> list[int]:
        """What was being sent by an instance that stopped may have arrived: mark it unknown, never send it again.

        Without `live` (one process alone), everything being sent is from before this start. With it
        (a query of the live instances), only the sends of instances not among them, and with
        `restarted` (at a start) also `sender`'s own from before a crash and those that name no sender
        (from before senders were named, or a process without an instance such as the terminal chat).
        Return the handovers concerned.
        """
        interrupted = HandoverMessage.delivery == Delivery.SENDING
        if live is not None:
            dead = HandoverMessage.sender.not_in(live)
            if restarted:
                dead = or_(dead, HandoverMessage.sender.is_(None), HandoverMessage.sender == sender)
            interrupted = and_(interrupted, dead)
        async with self._session() as session, session.begin():
            rows = await session.execute(
                update(HandoverMessage)
                .where(interrupted)
                .values(delivery=Delivery.UNKNOWN, sender=None)
                .returning(HandoverMessage.handover_id)
            )
            return sorted({int(row.handover_id) for row in rows})

    async def with_pending(self) -> list[int]:
        async with self._session() as session:
            rows = await session.scalars(
                select(HandoverMessage.handover_id).where(HandoverMessage.delivery == Delivery.PENDING).distinct()
            )
            return sorted(int(row) for row in rows)

    # --- forgetting --------------------------------------------------------------------------------

    async def erase_conversation(self, key: ConversationKey) -> list[Erased]:
        """Delete every handover of a conversation with all its messages, at once."""
        async with self._session() as session, session.begin():
            rows = (
                await session.execute(
                    select(Handover.id, Handover.status, Handover.staff_thread_id).where(
                        Handover.channel == key.channel, Handover.conversation_id == key.conversation_id
                    )
                )
            ).all()
            posts = await _posts_of(session, [row.id for row in rows])
            erased = [
                Erased(row.id, row.status != HandoverStatus.CLOSED, row.staff_thread_id, posts.get(row.id, ()))
                for row in rows
            ]
            await _delete(session, [item.id for item in erased])
            return erased

    async def closed_before(self, cutoff: datetime) -> list[Erased]:
        """Delete closed handovers (and their messages) that were closed before `cutoff`."""
        async with self._session() as session, session.begin():
            rows = (
                await session.execute(
                    select(Handover.id, Handover.staff_thread_id).where(
                        Handover.status == HandoverStatus.CLOSED, Handover.closed_at < cutoff
                    )
                )
            ).all()
            posts = await _posts_of(session, [row.id for row in rows])
            erased = [Erased(row.id, False, row.staff_thread_id, posts.get(row.id, ())) for row in rows]
            await _delete(session, [item.id for item in erased])
            return erased

    # --- the Telegram staff group's mapping ------------------------------------------------------

    async def add_post(self, handover_id: int, chat_id: int, message_id: int, handover_message_id: int | None) -> None:
        async with self._session() as session, session.begin():
            if await session.get(Handover, handover_id) is None:
                return  # erased meanwhile
            session.add(
                StaffChatPost(
                    handover_id=handover_id, chat_id=chat_id, message_id=message_id, handover_message_id=handover_message_id
                )
            )

    async def set_staff_thread(self, handover_id: int, thread_id: int) -> None:
        async with self._session() as session, session.begin():
            await session.execute(update(Handover).where(Handover.id == handover_id).values(staff_thread_id=thread_id))

    async def handover_of_post(self, chat_id: int, message_id: int) -> int | None:
        async with self._session() as session:
            found = await session.scalar(
                select(StaffChatPost.handover_id).where(StaffChatPost.chat_id == chat_id, StaffChatPost.message_id == message_id)
            )
            return int(found) if found is not None else None

    async def handover_of_thread(self, chat_id: int, thread_id: int) -> int | None:
        """Return the handover whose forum topic in the staff chat `chat_id` is `thread_id`."""
        async with self._session() as session:
            found = await session.scalar(
                select(Handover.id)
                .join(StaffChatPost, StaffChatPost.handover_id == Handover.id)
                .where(Handover.staff_thread_id == thread_id, StaffChatPost.chat_id == chat_id)
                .order_by(Handover.id.desc())
                .limit(1)
            )
            return int(found) if found is not None else None

    async def posted(self, handover_id: int, chat_id: int) -> tuple[bool, set[int]]:
        """Tell whether the handover was introduced in the staff chat, and which of its messages are there."""
        async with self._session() as session:
            rows = (
                await session.execute(
                    select(StaffChatPost.handover_message_id).where(
                        StaffChatPost.handover_id == handover_id, StaffChatPost.chat_id == chat_id
                    )
                )
            ).all()
        introduced = any(row.handover_message_id is None for row in rows)
        return introduced, {int(row.handover_message_id) for row in rows if row.handover_message_id is not None}

    def _session(self) -> AsyncSession:
        return self._database.sessions()


def _active_for(key: ConversationKey) -> Sequence[Any]:
    return (
        Handover.channel == key.channel,
        Handover.conversation_id == key.conversation_id,
        Handover.status != HandoverStatus.CLOSED,
    )


async def _locked(session: AsyncSession, handover_id: int) -> Handover:
    row = await session.get(Handover, handover_id, with_for_update=True)
    if row is None or row.status == HandoverStatus.CLOSED:
        raise HandoverClosed()
    return row


def _hold(session: AsyncSession, row: Handover, staff: StaffMember, force: bool, now: datetime) -> None:
    # A colleague's conversation is acted on only after an explicit take-over, which the history shows.
    if row.claimed_by in (None, staff.key):
        return
    if not force:
        raise ClaimedByOther(row.claimed_by_name)
    row.claimed_by, row.claimed_by_name = staff.key, staff.name
    row.status = HandoverStatus.OPEN
    row.last_activity_at = now
    session.add(_event(row.id, "claimed", staff.name, now))


def _close(session: AsyncSession, row: Handover, by: ClosedBy, actor: str | None, handback: bool, now: datetime) -> None:
    row.status = HandoverStatus.CLOSED
    row.closed_at = now
    row.closed_by = by
    row.waiting_since = None
    row.last_activity_at = now
    session.add(_event(row.id, f"closed_{by.value}", actor, now))
    if handback:
        session.add(_notice(row.id, HANDBACK, now))


def held_conversations(channel: str, since: datetime) -> Select[tuple[str]]:
    """Select the conversations of `channel` with a handover that is open or closed at or after `since`.

    A channel keeps what the person needs to read staff's replies (e.g. the web chat's transcript)
    while such a handover exists: retention counts from the handover's end, not the last message.
    """
    return select(Handover.conversation_id).where(
        Handover.channel == channel,
        or_(Handover.status != HandoverStatus.CLOSED, Handover.closed_at >= since),
    )


def _notice(handover_id: int, kind: str, now: datetime) -> HandoverMessage:
    return HandoverMessage(handover_id=handover_id, direction=Direction.OUT, kind=kind, delivery=Delivery.PENDING, created_at=now)


def _note(handover_id: int, author: str, text: str, now: datetime) -> HandoverMessage:
    return HandoverMessage(handover_id=handover_id, direction=Direction.NOTE, kind="note", text=text, author_name=author, created_at=now)


def _event(handover_id: int, kind: str, actor: str | None, now: datetime) -> HandoverMessage:
    return HandoverMessage(handover_id=handover_id, direction=Direction.EVENT, kind=kind, author_name=actor, created_at=now)


async def _posts_of(session: AsyncSession, ids: list[int]) -> dict[int, tuple[int, ...]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(StaffChatPost.handover_id, StaffChatPost.message_id).where(StaffChatPost.handover_id.in_(ids))
    )
    posts: dict[int, list[int]] = {}
    for row in rows:
        posts.setdefault(int(row.handover_id), []).append(int(row.message_id))
    return {handover_id: tuple(sorted(ids_)) for handover_id, ids_ in posts.items()}


async def _delete(session: AsyncSession, ids: list[int]) -> None:
    # Children first: SQLite does not enforce ON DELETE CASCADE unless told to per connection.
    if not ids:
        return
    await session.execute(delete(StaffChatPost).where(StaffChatPost.handover_id.in_(ids)))
    await session.execute(delete(HandoverFile).where(HandoverFile.handover_id.in_(ids)))
    await session.execute(delete(HandoverRead).where(HandoverRead.handover_id.in_(ids)))
    await session.execute(delete(HandoverMessage).where(HandoverMessage.handover_id.in_(ids)))
    await session.execute(delete(Handover).where(Handover.id.in_(ids)))
