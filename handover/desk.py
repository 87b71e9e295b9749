"""The staff desk: hand a conversation to staff, carry messages both ways, and hand it back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from actions.handover import HandoverRequest
from actions.inquiries import HandoverStatistics, HandoverWait
from core.availability import FixedOffice, OfficeStateSource
from core.bus import EventBus
from core.channels import Channels, EarlierLine, Media, MediaUnavailable, Outbound
from core.content import Content
from core.messages import ConversationKey, Message, MessageKind, Reply
from handover.errors import EmptyReply, NotResendable, UnknownColleague
from handover.events import HandoverChange, HandoverEvents
from handover.models import ClosedBy
from handover.notices import confirmation, handback
from handover.outbox import Outbox
from handover.retention import DEFAULT_RETENTION, keep_forgetting
from handover.store import HandoverStore
from handover.views import HandoverView, Incoming, MessageView, Outgoing, StaffMember
from storage.chores import Chores
from storage.db import Database
from storage.instances import Instance

log = logging.getLogger(__name__)

# Names are cut to this length; staff need a first name, nothing more.
FIRST_NAME_CHARS = 40
# Messages to staff are kept whole up to this length (a long letter typed out still fits).
MAX_TEXT_CHARS = 8000
# How often messages that could not go out (a channel was away) are tried again.
RESEND_EVERY = 15.0


class HandoverDesk:
    """Everything that happens to handovers goes through here: the dialogue, the inbox, the staff group."""

    def __init__(
        self,
        database: Database,
        channels: Channels,
        content: Content,
        clock: Callable[[], datetime],
        statistics: HandoverStatistics | None = None,
        retention: timedelta = DEFAULT_RETENTION,
        outbound: Outbound | None = None,
        office: OfficeStateSource | None = None,
        bus: EventBus | None = None,
    ) -> None:
        """Keep handovers in `database`; reach people through `outbound` (default: straight through `channels`).

        Changes go out on `bus` (default: this process only), so inboxes on every process see them.
        """
        # Who is present and which days are closed decide what the confirmation promises.
        self._office = office or FixedOffice()
        self.events = HandoverEvents(bus)
        self.retention = retention
        self._store = HandoverStore(database)
        self._channels = channels
        self._content = content
        self._clock = clock
        self._statistics = statistics
        self._outbox = Outbox(
            self._store, outbound or channels, content, clock, self._unreachable, self._changed("delivery")
        )

    # --- the person's side (the dialogue and the channels) ---------------------------------------

    async def forward(self, message: Message, data: bytes | None = None) -> str | None:
        """Pass a message (and the file it carries, where the channel keeps none) to staff if its
        conversation is handed over; return the handover's language."""
        if not await self._store.has_active(message.conversation):
            return None
        forwarded = await self._store.append_incoming(message.conversation, incoming(message), self._clock(), data)
        if forwarded is None:
            return None  # closed a moment ago: the assistant answers again
        if forwarded.message_id is not None:
            self.events.publish(HandoverChange(forwarded.handover_id, "message"))
        return forwarded.language

    async def start(self, request: HandoverRequest) -> Reply | None:
        """Hand the conversation to staff and tell the person honestly when someone will answer."""
        message, language = request.message, request.language
        name = (message.first_name or "").strip()[:FIRST_NAME_CHARS] or None
        handover, created = await self._store.open(
            message.conversation, name, language, request.topic, request.reason, self._clock()
        )
        if not created:
            # Another message of the same person started it a moment ago: this one goes to staff.
            await self.forward(message)
            return None
        for text in request.earlier:
            # The questions the assistant did not understand: the person accepted to pass them on.
            await self._store.append_incoming(message.conversation, Incoming("text", text[:MAX_TEXT_CHARS]), self._clock())
        if message.kind is MessageKind.TEXT and message.text.strip():
            # "I need help with a letter, can I talk to someone?" is worth keeping for staff.
            await self._store.append_incoming(message.conversation, incoming(message), self._clock())
        self.events.publish(HandoverChange(handover.id, "started"))
        return confirmation(
            self._content, language, self._clock(), self._office.current(), message.conversation.channel
        )

    async def follow_language(self, conversation: ConversationKey, language: str) -> None:
        """Hold the handover in the language the person writes now (the dialogue settled it)."""
        changed = await self._store.set_language(conversation, language)
        if changed is not None:
            self.events.publish(HandoverChange(changed, "language"))

    async def handed_over(self, conversation: ConversationKey) -> bool:
        """Tell whether staff look after the conversation now (a handover waits or is open)."""
        return await self._store.has_active(conversation)

    async def seen(self, conversation: ConversationKey) -> None:
        """The person opened their chat: what was kept for them is in front of them now ("zugestellt")."""
        for handover_id in await self._store.seen(conversation, self._clock()):
            self.events.publish(HandoverChange(handover_id, "delivery"))

    async def move(self, source: ConversationKey, target: ConversationKey) -> bool:
        """Move the open handover to another channel's conversation; send there what the person has not seen."""
        moved = await self._store.move(source, target, self._clock())
        if moved is None:
            return False
        self.events.publish(HandoverChange(moved.id, "moved"))
        self._outbox.kick(moved.id)
        return True

    async def cancel(self, conversation: ConversationKey) -> Reply | None:
        """End the handover at the person's request and welcome them back to the assistant."""
        closed = await self._store.close_for(conversation, ClosedBy.PERSON, handback=False, now=self._clock())
        if closed is None:
            return None
        self.events.publish(HandoverChange(closed.id, "closed"))
        return handback(self._content, closed.language, self._clock())

    async def person_unreachable(self, conversation: ConversationKey) -> None:
        """Close the case of a person who blocked the bot; nothing more can reach them."""
        closed = await self._store.close_for(conversation, ClosedBy.UNREACHABLE, handback=False, now=self._clock())
        if closed is not None:
            await self._store.fail_pending(closed.id)
            self.events.publish(HandoverChange(closed.id, "closed"))

    async def erase_conversation(self, conversation: ConversationKey) -> int:
        """Erase everything a person said with staff and what their channel keeps (the web chat's transcript)."""
        erased = await self._store.erase_conversation(conversation)
        await self._channels.forget(conversation)
        for item in erased:
            self.events.publish(HandoverChange(item.id, "erased", item.staff_thread_id, item.staff_posts))
        return len(erased)

    # --- staff's side --------------------------------------------------------------------------------

    async def get(self, handover_id: int) -> HandoverView | None:
        return await self._store.get(handover_id)

    async def active(self) -> list[HandoverView]:
        return await self._store.active()

    async def recently_closed(self, limit: int = 20) -> list[HandoverView]:
        return await self._store.recently_closed(limit)

    async def messages(self, handover_id: int, after: int = 0) -> list[MessageView]:
        return await self._store.messages(handover_id, after)

    async def earlier(self, handover: HandoverView) -> list[EarlierLine] | None:
        """Return the person's exchange with the assistant before the handover, as far as the channel still keeps it.

        None when the channel keeps no transcript (Telegram: texts are erased once handled)."""
        try:
            return await self._channels.earlier(handover.conversation, handover.created_at)
        except Exception as error:  # the context helps staff; its absence must not cost them the conversation
            log.warning("could not read the exchange before a handover: %s", type(error).__name__)
            return None

    async def claim(self, handover_id: int, staff: StaffMember, force: bool = False) -> HandoverView:
        """Take the conversation; raise ClaimedByOther if a colleague has it and `force` is not set."""
        claimed = await self._store.claim(handover_id, staff, force, self._clock())
        self.events.publish(HandoverChange(handover_id, "claimed"))
        # "A colleague has joined" waits in the outbox when the conversation was nobody's.
        self._outbox.kick(handover_id)
        return claimed

    async def release(self, handover_id: int, staff: StaffMember) -> HandoverView:
        released = await self._store.release(handover_id, staff, self._clock())
        self.events.publish(HandoverChange(handover_id, "released"))
        return released

    async def hand_to(
        self,
        handover_id: int,
        staff: StaffMember,
        colleague: StaffMember | None,
        note: str = "",
        force: bool = False,
    ) -> HandoverView:
        """Give the conversation to a named colleague, with a note for them; they are told at once."""
        if colleague is None:
            raise UnknownColleague()
        note = note.strip()[:MAX_TEXT_CHARS]
        handed = await self._store.hand_to(handover_id, staff, colleague, note or None, force, self._clock())
        self.events.publish(HandoverChange(handover_id, "handed", to=colleague.key))
        return handed

    async def note(self, handover_id: int, staff: StaffMember, text: str) -> MessageView:
        """Keep an internal note for colleagues; it is never sent, and is erased with the conversation."""
        text = text.strip()[:MAX_TEXT_CHARS]
        if not text:
            raise EmptyReply()
        stored = await self._store.add_note(handover_id, staff, text, self._clock())
        self.events.publish(HandoverChange(handover_id, "note"))
        return stored

    async def reply(
        self, handover_id: int, staff: StaffMember, text: str, key: str, force: bool = False
    ) -> MessageView:
        """Store a staff reply and send it to the person; the same `key` twice is one reply, sent once."""
        text = text.strip()[:MAX_TEXT_CHARS]
        if not text:
            raise EmptyReply()
        stored = await self._store.add_reply(handover_id, staff, text, key, self._clock(), force)
        self.events.publish(HandoverChange(handover_id, "reply"))
        if stored.first_answer:
            await self._record_wait(stored.handover, self._clock())
        self._outbox.kick(handover_id)
        return stored.message

    async def close(self, handover_id: int, staff: StaffMember, force: bool = False) -> bool:
        """Close the handover and tell the person they are back with the assistant; False if it was closed.

        Only its holder closes it (or anyone while nobody holds it); a colleague's needs `force`, a recorded take-over.
        """
        closed = await self._store.close_held(handover_id, staff, force, self._clock())
        if closed is None:
            return False
        self.events.publish(HandoverChange(handover_id, "closed"))
        self._outbox.kick(handover_id)
        return True

    async def erase(self, handover_id: int, staff: StaffMember, force: bool = False) -> bool:
        """Erase the person's handover data at once (all their handovers); hand a running one back first.

        A running handover held by a colleague is erased only with `force`, a recorded take-over.
        """
        handover = await self._store.get(handover_id)
        if handover is None:
            return False
        if handover.active:
            if await self._store.close_held(handover_id, staff, force, self._clock()) is not None:
                await self._outbox.send(handover_id)
        await self.erase_conversation(handover.conversation)
        return True

    async def retry(self, message_id: int, staff: StaffMember | None = None, force: bool = False) -> int:
        """Send a message again whose delivery is unknown, because a colleague decided so; return its handover."""
        if staff is not None:
            owner = await self._store.handover_of_message(message_id)
            if owner is not None:
                await self._store.check_hold(owner, staff, force, self._clock())
        handover_id = await self._store.retry(message_id)
        if handover_id is None:
            raise NotResendable()
        self.events.publish(HandoverChange(handover_id, "delivery"))
        self._outbox.kick(handover_id)
        return handover_id

    async def mark_read(self, handover_id: int, staff: StaffMember, upto: int) -> None:
        """Note that the colleague has seen the conversation up to message `upto`."""
        await self._store.mark_read(handover_id, staff.key, upto)

    async def unread(self, handover_ids: list[int], staff: StaffMember) -> set[int]:
        """Return the conversations with something the colleague has not seen yet."""
        return await self._store.unread(handover_ids, staff.key)

    async def media(self, message_id: int) -> tuple[Media, str | None]:
        """Fetch an attachment (and its file name) from the channel it came through; nothing is stored."""
        found = await self._store.media_of(message_id)
        if found is None:
            raise MediaUnavailable("no such attachment")
        if found.data is not None:
            return Media(found.data, found.mime_type), found.name
        fetched = await self._channels.media(found.conversation.channel, found.reference)
        if fetched.mime_type is None and found.mime_type:
            fetched = Media(fetched.content, found.mime_type)
        return fetched, found.name

    def now(self) -> datetime:
        return self._clock()

    # --- the Telegram staff group's mirror of each handover --------------------------------------------

    async def note_staff_post(
        self, handover_id: int, chat_id: int, post_id: int, message_id: int | None = None
    ) -> None:
        """Remember that a post in a staff chat shows the handover (or, with `message_id`, one of its messages)."""
        await self._store.add_post(handover_id, chat_id, post_id, message_id)

    async def note_staff_thread(self, handover_id: int, thread_id: int) -> None:
        """Remember the staff chat's forum topic that mirrors the handover."""
        await self._store.set_staff_thread(handover_id, thread_id)

    async def handover_of_staff_post(self, chat_id: int, post_id: int) -> int | None:
        return await self._store.handover_of_post(chat_id, post_id)

    async def handover_of_staff_thread(self, chat_id: int, thread_id: int) -> int | None:
        return await self._store.handover_of_thread(chat_id, thread_id)

    async def staff_posts(self, handover_id: int, chat_id: int) -> tuple[bool, set[int]]:
        """Tell whether the handover was introduced in the staff chat, and which of its messages are there."""
        return await self._store.posted(handover_id, chat_id)

    async def media_reference(self, message_id: int) -> str | None:
        """Return the channel's own reference of an attachment (to show it again on the same channel)."""
        return await self._store.media_reference(message_id)

    # --- running -----------------------------------------------------------------------------------

    @asynccontextmanager
    async def running(self, instance: Instance | None = None) -> AsyncIterator[None]:
        """Resume interrupted deliveries and delete expired handovers while the block runs.

        As one `instance` of several (storage.instances), sends carry its name, only what stopped
        instances were sending is marked interrupted, and retention runs in one process at a time.
        """
        chores = Chores(None, "")
        if instance is not None:
            self._outbox.send_as(instance.owner, instance.live_instances)
            chores = instance.chores
        await self._outbox.recover(restarted=True)

        async def forget() -> None:
            await keep_forgetting(self._store, self.events, self.retention, self._clock)

        tasks = [
            asyncio.create_task(self._keep_sending(), name="handover-resend"),
            asyncio.create_task(chores.run("handover-retention", forget), name="handover-retention"),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._outbox.close()

    async def send_waiting(self) -> None:
        """Send what waits for any person now (e.g. once every channel has started)."""
        await self._outbox.resume()

    async def settled(self) -> None:
        """Wait until every reply handed to the outbox so far has been sent or given up on."""
        await self._outbox.idle()

    async def _keep_sending(self) -> None:
        while True:
            try:
                # A sender that died since (another instance) leaves its sends to staff's decision.
                await self._outbox.recover(restarted=False)
                await self._outbox.resume()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("could not look for unsent handover messages: %s", type(error).__name__)
            await asyncio.sleep(RESEND_EVERY)

    async def _unreachable(self, outgoing: Outgoing) -> None:
        closed = await self._store.close(outgoing.handover_id, ClosedBy.UNREACHABLE, None, False, self._clock())
        await self._store.fail_pending(outgoing.handover_id)
        if closed is not None:
            self.events.publish(HandoverChange(outgoing.handover_id, "closed"))

    def _changed(self, what: str) -> Callable[[int], None]:
        def publish(handover_id: int) -> None:
            self.events.publish(HandoverChange(handover_id, what))

        return publish

    async def _record_wait(self, handover: HandoverView, answered: datetime) -> None:
        if self._statistics is None:
            return
        wait = HandoverWait(
            at=answered,
            channel=handover.conversation.channel,
            language=handover.language,
            waited_seconds=max(0.0, (answered - handover.created_at).total_seconds()),
        )
        try:
            await self._statistics.record_wait(wait)
        except Exception as error:  # statistics must never cost a person their answer
            log.error("could not record a handover's waiting time: %s", type(error).__name__)


def incoming(message: Message) -> Incoming:
    """Turn what a person sent into what staff are shown: text, the pressed button, or an attachment."""
    text = (message.text or "")[:MAX_TEXT_CHARS] or None
    if message.kind is MessageKind.BUTTON:
        return Incoming("button", text or message.payload, source_id=message.source_id)
    attachment = message.attachment
    if message.kind is MessageKind.NON_TEXT:
        if attachment is None:
            return Incoming("other", text, source_id=message.source_id)
        return Incoming(
            attachment.kind[:24],
            text,
            media_ref=attachment.reference,
            media_name=(attachment.name or "")[:255] or None,
            media_mime=(attachment.mime_type or "")[:100] or None,
            source_id=message.source_id,
        )
    return Incoming("text", text, source_id=message.source_id)
