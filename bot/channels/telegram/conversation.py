"""Answer people on Telegram through the shared dialogue (or pass them to staff); stay quiet in groups."""

from __future__ import annotations

import logging
import traceback
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from telegram import Bot, Update
from telegram import Message as TelegramMessage
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from actions.dialogue import Dialogue
from bot.channels.telegram.convert import (
    attachment_of,
    attachment_text,
    conversation_key,
    first_name,
    language_hint,
    source_id,
)
from bot.channels.telegram.delivery import PendingReplies
from bot.channels.telegram.dispatch import FloodWarning
from bot.channels.telegram.outbound import outgoing_messages
from core.messages import Message, MessageKind, Reply
from storage.conversation_moves import looks_like_token
from storage.telegram_groups import GroupNotices
from storage.telegram_outbox import OutgoingMessage

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
# Anything a person can send that is not text: voice, photo, sticker, location, poll, ... but no
# service message (a changed chat background is not something to answer).
NOT_TEXT = PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE

# Commands and the topic each one answers like a pressed button.
COMMAND_TOPICS = {"language": "language_switch", "help": "help", "privacy": "privacy", "human": "human_handover"}
# /delete erases what the person said with staff: it works during a handover too.
COMMANDS = ("start", *COMMAND_TOPICS, "delete")
# Telegram marks commands with a bot_command entity; also accept one typed or relayed without it.
UNMARKED_COMMAND = filters.Regex(rf"^/({'|'.join(COMMANDS)})(@\w+)?\s*$")
REMEMBERED_ALBUMS = 1024


class TelegramConversations:
    """The bot's handlers: commands, text, buttons and non-text messages, groups and blocking.

    Answers are not sent from here: they go to `replies`, and are stored and sent once the update
    is marked handled (bot/channels/telegram/delivery.py).
    """

    def __init__(
        self, dialogue: Dialogue, groups: GroupNotices, staff_chat_id: str | None, replies: PendingReplies
    ) -> None:
        self._dialogue = dialogue
        self._groups = groups
        self._staff_chat_id = staff_chat_id
        self._replies = replies
        self._albums: OrderedDict[int, str] = OrderedDict()

    def handlers(self) -> list[BaseHandler[Update, Context, None]]:
        """Return the handlers, first match wins: commands before text, private chats only."""
        return [
            CommandHandler(COMMANDS, self.command, filters=PRIVATE),
            MessageHandler(PRIVATE & UNMARKED_COMMAND, self.command),
            MessageHandler(PRIVATE & filters.TEXT, self.text),
            MessageHandler(NOT_TEXT, self.not_text),
            CallbackQueryHandler(self.button),
            ChatMemberHandler(self.membership, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(GROUPS, self.group_message),
        ]

    def install(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Register the handlers, the flood warning and the error handler."""
        application.add_handlers(self.handlers())
        application.add_handler(TypeHandler(FloodWarning, self.slow_down))
        application.add_error_handler(self.on_error)

    async def command(self, update: Update, context: Context) -> None:
        """Greet on /start, erase on /delete, add Telegram's privacy note on /privacy; the rest are topic buttons."""
        name = _command_name(update)
        topic = COMMAND_TOPICS.get(name)
        message = self._message(update, f"/{name}", MessageKind.BUTTON, f"topic:{topic}" if topic else None)
        if name == "start" and context.args and looks_like_token(context.args[0]):
            # Opened through "continue on Telegram": the web chat's conversation (and handover) moves here.
            reply = await self._dialogue.arrive(message, context.args[0])
        elif name == "start":
            reply = await self._dialogue.greet(message, language_picker=True)
        elif name == "delete":
            reply = await self._dialogue.erase(message)
        elif name == "privacy":
            reply = await self._dialogue.privacy(message, channel_note="privacy_telegram")
        else:
            reply = await self._dialogue.handle(message)
        await self._send(update, context.bot, reply)

    async def text(self, update: Update, context: Context) -> None:
        """Answer a text message."""
        assert update.effective_message is not None
        message = self._message(update, update.effective_message.text or "", MessageKind.TEXT)
        await self._send(update, context.bot, await self._dialogue.handle(message))

    async def not_text(self, update: Update, context: Context) -> None:
        """Answer voice, photos and the like kindly, once per album; during a handover pass each to staff."""
        assert update.effective_message is not None and update.effective_chat is not None
        message = replace(
            self._message(update, attachment_text(update.effective_message), MessageKind.NON_TEXT),
            attachment=attachment_of(update.effective_message),
        )
        album = update.effective_message.media_group_id
        if album is not None and not self._first_of_album(update.effective_chat.id, album):
            await self._dialogue.pass_on(message)
            return
        await self._send(update, context.bot, await self._dialogue.handle(message))

    async def button(self, update: Update, context: Context) -> None:
        """Acknowledge a pressed button, then answer it like the topic or language it stands for."""
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except TelegramError as error:
            # Too old to acknowledge (e.g. handled after a restart): the answer still helps.
            log.info("button press not acknowledged (%s)", type(error).__name__)
        if update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE:
            return
        label = _button_label(query.message, query.data) if isinstance(query.message, TelegramMessage) else None
        message = self._message(update, label or "", MessageKind.BUTTON, query.data or "")
        await self._send(update, context.bot, await self._dialogue.handle(message))

    async def membership(self, update: Update, context: Context) -> None:
        """Note that a person blocked or unblocked the bot; tell a group once that we stay quiet."""
        change = update.my_chat_member
        assert change is not None
        chat, status = change.chat, change.new_chat_member.status
        if chat.type == ChatType.PRIVATE:
            if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
                await self._dialogue.unreachable(conversation_key(chat.id))
            else:
                await self._dialogue.reachable(conversation_key(chat.id))
        elif chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
            if status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
                await self._tell_group_once(chat.id, update, context.bot)
            elif status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
                await self._groups.forget(chat.id)

    async def group_message(self, update: Update, context: Context) -> None:
        """Stay quiet in groups, after telling each group once why."""
        assert update.effective_chat is not None
        await self._tell_group_once(update.effective_chat.id, update, context.bot)

    async def slow_down(self, warning: FloodWarning, context: Context) -> None:
        """Ask someone who sends too much too fast to slow down, in their language."""
        update = warning.update
        chat_id = private_chat_id(update)
        notice = await self._dialogue.notice(conversation_key(chat_id), language_hint(update.effective_user), "slow_down")
        self._replies.add(update.update_id, [OutgoingMessage(chat_id, notice.text)])

    async def on_error(self, update: object, context: Context) -> None:
        """Log a failed update without its text or who sent it; note people who blocked us."""
        error = context.error
        if isinstance(update, FloodWarning):
            update = update.update
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, Forbidden) and isinstance(update, Update):
            chat = update.effective_chat
            if (chat is None or chat.type == ChatType.PRIVATE) and (chat or update.effective_user):
                await self._dialogue.unreachable(conversation_key(private_chat_id(update)))
            log.info("update %s: the person or group cannot be reached any more; not retried", update_id)
            return
        frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
        # The exception's message may quote the text someone sent: log its type and where it happened.
        log.error("update %s failed: %s\n%s", update_id, type(error).__name__, frames)

    def _message(self, update: Update, text: str, kind: MessageKind, payload: str | None = None) -> Message:
        """Turn what a person sent (a text, a command, a button, an attachment) into a Message."""
        sent = update.effective_message if kind is not MessageKind.BUTTON else None
        return Message(
            conversation_key(private_chat_id(update)),
            text=text,
            kind=kind,
            language_hint=language_hint(update.effective_user),
            payload=payload,
            first_name=first_name(update.effective_user),
            # A press or a command has no message of its own to name it by: the update names it.
            source_id=source_id(sent) if sent is not None else f"update:{update.update_id}:{payload or text}",
        )

    async def _send(self, update: Update, bot: Bot, reply: Reply | None) -> None:
        if reply is None:
            return  # staff answer this conversation now
        self._replies.add(update.update_id, outgoing_messages(private_chat_id(update), reply))

    async def _tell_group_once(self, chat_id: int, update: Update, bot: Bot) -> None:
        if self._staff_chat_id and str(chat_id) == self._staff_chat_id.strip():
            return
        if not await self._groups.first_time(chat_id):
            return
        notice = await self._dialogue.notice(conversation_key(chat_id), language_hint(update.effective_user), "group_not_supported")
        self._replies.add(update.update_id, [OutgoingMessage(chat_id, notice.text)])

    def _first_of_album(self, chat_id: int, album: str) -> bool:
        if self._albums.get(chat_id) == album:
            return False
        self._albums[chat_id] = album
        self._albums.move_to_end(chat_id)
        while len(self._albums) > REMEMBERED_ALBUMS:
            self._albums.popitem(last=False)
        return True


def private_chat_id(update: Update) -> int:
    """Return the chat to answer in; a person's private chat has their user id."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    assert update.effective_user is not None, "an update to answer comes from a person"
    return update.effective_user.id


def _button_label(message: TelegramMessage, data: str | None) -> str | None:
    """Return the label of the pressed button, as the person saw it."""
    markup = message.reply_markup
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _command_name(update: Update) -> str:
    assert update.effective_message is not None and update.effective_message.text is not None
    return update.effective_message.text.split()[0].lstrip("/").split("@")[0].lower()
