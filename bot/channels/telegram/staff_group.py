"""The optional Telegram staff group: each handover mirrored there, colleagues' replies relayed back.

A handover gets its own forum topic where the group is a forum, or a thread of replies to the bot's
posts otherwise. Only messages from the configured chat that map to a stored post or topic of a
handover are relayed; the mapping is stored (handover_staff_posts), never read from the text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, MessageEntity, Update
from telegram import Message as TelegramMessage
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from core.channels import TELEGRAM, channel_label
from core.content import Content
from handover.desk import HandoverDesk
from handover.errors import ClaimedByOther, HandoverError
from handover.events import HandoverChange
from handover.labels import KINDS, REASONS, event_text, language_label, person_name, refusal, topic_label
from handover.models import NOTICES, Direction
from handover.views import HandoverView, MessageView, StaffMember
from bot.channels.telegram.staff_text import inert, quoted, shorten

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
# A colleague can press a button or reply to a post before its process has stored the post (a slow
# database, or the mirror running in another process): the post's handover is looked up again for a
# few seconds before the press counts as unknown.
STORED_POST_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# How a person's attachment is shown in the group: the Bot API method and its file parameter.
_MEDIA = {
    "photo": ("send_photo", "photo"),
    "document": ("send_document", "document"),
    "voice": ("send_voice", "voice"),
    "audio": ("send_audio", "audio"),
    "video": ("send_video", "video"),
    "animation": ("send_animation", "animation"),
}


class StaffGroup:
    """Mirror handovers into the staff group and relay what colleagues write there."""

    def __init__(self, bot: Bot, chat_id: int, desk: HandoverDesk, content: Content) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._desk = desk
        self._content = content
        self._forum: bool | None = None
        # One change at a time, so posts keep their order and a relayed reply is never posted back.
        self._lock = asyncio.Lock()

    def handlers(self) -> list[BaseHandler[Update, Context, None]]:
        """Return the handlers for the staff chat; they go before the people's handlers."""
        return [
            CallbackQueryHandler(self.button, pattern=r"^staff:"),
            MessageHandler(filters.Chat(self._chat_id) & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, self.message),
        ]

    async def run(self) -> None:
        """Bring every open handover up to date in the group, then follow the desk's changes."""
        with self._desk.events.watch() as changes:
            await self._safely(self._sync_all, None)
            while True:
                change = await changes.get()
                if change.what == "erased":
                    await self._safely(self._forget, change)
                else:
                    await self._safely(self._sync, change.handover_id)

    async def _sync_all(self, _: None) -> None:
        for handover in await self._desk.active():
            await self._safely(self._sync, handover.id)

    # --- from the group to the person --------------------------------------------------------------

    async def message(self, update: Update, context: Context) -> None:
        """Relay a colleague's reply, or carry out /close, /claim or /release, in a handover's topic."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or user.is_bot or message.chat.id != self._chat_id:
            return
        async with self._lock:
            handover_id = await self._handover_of(message)
            if handover_id is None:
                return  # colleagues talking among themselves
            staff = StaffMember(f"telegram:{user.id}", f"{user.first_name} (Telegram)")
            command = _command(message)
            try:
                if command == "close":
                    await self._desk.close(handover_id, staff)
                elif command == "claim":
                    await self._desk.claim(handover_id, staff, force=True)
                elif command == "release":
                    await self._desk.release(handover_id, staff)
                elif not message.text:
                    await self._note(message, "Nur Text wird weitergeleitet. Dateien bitte im Posteingang senden.")
                else:
                    sent = await self._desk.reply(handover_id, staff, message.text, f"tg:{message.chat.id}:{message.message_id}")
                    await self._desk.note_staff_post(handover_id, self._chat_id, message.message_id, sent.id)
            except HandoverError as refused:
                how = " Mit /claim übernehmen Sie es." if isinstance(refused, ClaimedByOther) else ""
                await self._note(message, refusal(refused) + how)

    async def button(self, update: Update, context: Context) -> None:
        """Claim or close from the buttons under a handover's first post, checked against the stored post."""
        query = update.callback_query
        assert query is not None
        answer = "Nicht möglich."
        try:
            answer = await self._pressed(update) or answer
        finally:
            try:
                await query.answer(answer)
            except TelegramError as error:
                log.info("staff button press not acknowledged (%s)", type(error).__name__)

    async def _pressed(self, update: Update) -> str | None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or not isinstance(query.message, TelegramMessage):
            return None
        if query.message.chat.id != self._chat_id:
            return None  # not from the staff group: a person cannot act as staff
        action, _, number = (query.data or "").removeprefix("staff:").partition(":")
        posted = await self._stored_post(query.message.message_id)
        if posted is None or str(posted) != number:
            return None
        staff = StaffMember(f"telegram:{user.id}", f"{user.first_name} (Telegram)")
        try:
            if action == "claim":
                await self._desk.claim(posted, staff)
                return "Übernommen."
            if action == "close":
                return "Abgeschlossen." if await self._desk.close(posted, staff) else "War schon abgeschlossen."
        except HandoverError as refused:
            return refusal(refused)
        return None

    async def _handover_of(self, message: TelegramMessage) -> int | None:
        if message.is_topic_message and message.message_thread_id is not None:
            found = await self._desk.handover_of_staff_thread(self._chat_id, message.message_thread_id)
            if found is not None:
                return found
        replied = message.reply_to_message
        if replied is None:
            return None
        if replied.from_user is not None and replied.from_user.id == self._bot.id:
            return await self._stored_post(replied.message_id)
        return await self._desk.handover_of_staff_post(self._chat_id, replied.message_id)

    async def _stored_post(self, post_id: int) -> int | None:
        """Return the handover a post of the bot's belongs to, waiting briefly for a post just sent."""
        found = await self._desk.handover_of_staff_post(self._chat_id, post_id)
        for pause in STORED_POST_WAITS:
            if found is not None:
                break
            await asyncio.sleep(pause)
            found = await self._desk.handover_of_staff_post(self._chat_id, post_id)
        return found

    async def _note(self, message: TelegramMessage, text: str) -> None:
        await self._bot.send_message(
            self._chat_id, text, message_thread_id=message.message_thread_id if message.is_topic_message else None,
            reply_to_message_id=message.message_id,
        )

    # --- from the desk to the group ----------------------------------------------------------------

    async def _sync(self, handover_id: int) -> None:
        async with self._lock:
            handover = await self._desk.get(handover_id)
            if handover is None:
                return
            introduced, posted = await self._desk.staff_posts(handover.id, self._chat_id)
            if not introduced:
                if not handover.active:
                    return  # ended before the group ever saw it
                handover = await self._introduce(handover)
            for message in await self._desk.messages(handover.id):
                if message.id in posted or not _shown_in_group(message):
                    continue
                sent = await self._post(handover, message)
                await self._desk.note_staff_post(handover.id, self._chat_id, sent.message_id, message.id)
            if not handover.active and handover.staff_thread_id is not None:
                await self._quietly(self._bot.close_forum_topic(self._chat_id, handover.staff_thread_id))

    async def _introduce(self, handover: HandoverView) -> HandoverView:
        thread = handover.staff_thread_id
        if thread is None and await self._is_forum():
            name = shorten(f"{person_name(handover)} · {handover.language} · #{handover.id}", 128)
            topic = await self._bot.create_forum_topic(self._chat_id, name)
            thread = topic.message_thread_id
            await self._desk.note_staff_thread(handover.id, thread)
        header = self._header(handover, forum=thread is not None)
        buttons = InlineKeyboardMarkup(
            [[
                InlineKeyboardButton("Übernehmen", callback_data=f"staff:claim:{handover.id}"),
                InlineKeyboardButton("Abschließen", callback_data=f"staff:close:{handover.id}"),
            ]]
        )
        sent = await self._bot.send_message(
            self._chat_id, header, reply_markup=buttons, message_thread_id=thread, link_preview_options=NO_PREVIEW
        )
        await self._desk.note_staff_post(handover.id, self._chat_id, sent.message_id)
        return await self._desk.get(handover.id) or handover

    def _header(self, handover: HandoverView, forum: bool) -> str:
        how = (
            "Antworten Sie in diesem Thema: jede Nachricht geht an die Person."
            if forum
            else "Antworten Sie mit »Antworten« auf eine Nachricht dieses Gesprächs: sie geht an die Person."
        )
        return "\n".join(
            [
                f"🆕 Gespräch #{handover.id}: {inert(person_name(handover))}",
                f"Sprache: {language_label(self._content, handover.language)}",
                f"Kanal: {channel_label(handover.conversation.channel)}",
                f"Thema: {topic_label(self._content, handover.topic)} · {REASONS.get(handover.reason, handover.reason)}",
                how,
                "/close schließt ab, /claim übernimmt, /release gibt frei.",
            ]
        )

    async def _post(self, handover: HandoverView, message: MessageView) -> TelegramMessage:
        thread = handover.staff_thread_id
        if message.direction is Direction.EVENT:
            return await self._send(f"ℹ️ {event_text(message, handover)}", thread)
        if message.direction is Direction.OUT:
            return await self._send(f"💬 {message.author_name or 'Team'} (Posteingang):\n{message.text or ''}", thread)
        if message.direction is Direction.NOTE:
            # Colleagues see internal notes; the person never does.
            return await self._send(f"📝 Interne Notiz von {message.author_name or 'Team'}:\n{message.text or ''}", thread)
        header = f"👤 {inert(person_name(handover))}"
        if message.kind == "text" or message.kind == "button":
            prefix = f"{header} ({KINDS['button']}):" if message.kind == "button" else f"{header}:"
            return await self._send_quoted(prefix, message.text or "", thread)
        label = KINDS.get(message.kind, KINDS["other"])
        media = _MEDIA.get(message.kind)
        if media is not None and message.has_media and handover.conversation.channel == TELEGRAM:
            reference = await self._desk.media_reference(message.id)
            if reference is not None:
                caption, entities = quoted(f"{header} ({label}):", shorten(message.text or "", CAPTION_LIMIT - 100))
                method, parameter = media
                try:
                    sent: TelegramMessage = await getattr(self._bot, method)(
                        self._chat_id, **{parameter: reference}, caption=caption, caption_entities=entities,
                        message_thread_id=thread,
                    )
                    return sent
                except TelegramError as error:
                    log.info("an attachment could not be shown in the staff group (%s)", type(error).__name__)
        return await self._send_quoted(f"{header} ({label} – im Posteingang ansehen):", message.text or "", thread)

    async def _send_quoted(self, header: str, body: str, thread: int | None) -> TelegramMessage:
        text, entities = quoted(header, shorten(body, TEXT_LIMIT - 200))
        return await self._bot.send_message(
            self._chat_id, text, entities=entities, message_thread_id=thread, link_preview_options=NO_PREVIEW
        )

    async def _send(self, text: str, thread: int | None) -> TelegramMessage:
        return await self._bot.send_message(
            self._chat_id, shorten(text, TEXT_LIMIT), message_thread_id=thread, link_preview_options=NO_PREVIEW
        )

    async def _forget(self, change: HandoverChange) -> None:
        """Remove an erased handover from the group: its forum topic, or the bot's posts about it."""
        if change.staff_thread_id is not None:
            await self._quietly(self._bot.delete_forum_topic(self._chat_id, change.staff_thread_id))
        elif change.staff_posts:
            # Telegram lets bots delete messages only for 48 hours; older ones stay (see the README).
            await self._quietly(self._bot.delete_messages(self._chat_id, list(change.staff_posts)[:100]))

    async def _is_forum(self) -> bool:
        if self._forum is None:
            chat = await self._bot.get_chat(self._chat_id)
            self._forum = bool(chat.is_forum)
        return self._forum

    async def _safely(self, work: Callable[[Any], Awaitable[None]], argument: Any) -> None:
        try:
            await work(argument)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the group is a mirror: the inbox keeps working without it
            log.warning("the staff group could not be updated: %s", type(error).__name__)

    @staticmethod
    async def _quietly(call: Awaitable[Any]) -> None:
        try:
            await call
        except TelegramError as error:
            log.info("staff group clean-up skipped (%s)", type(error).__name__)


def _shown_in_group(message: MessageView) -> bool:
    if message.direction is Direction.EVENT:
        return message.kind != "started"  # the handover's first post says so already
    if message.direction is Direction.OUT:
        # Replies written in the group are there already; the desk's notices are the person's, not staff's.
        return message.kind not in NOTICES and not (message.source_id or "").startswith("tg:")
    return True


def _command(message: TelegramMessage) -> str | None:
    """Return the staff command a message starts with, marked as a command by Telegram."""
    if not message.text or not message.entities or message.entities[0].type != MessageEntity.BOT_COMMAND:
        return None
    if message.entities[0].offset != 0:
        return None
    name = message.text[: message.entities[0].length].lstrip("/").split("@")[0].lower()
    return name if name in ("close", "claim", "release") else None

