"""Send the assistant's replies on Telegram: as the answer to an update, or later (a staff reply, a handback)."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot
from telegram.error import Forbidden

from bot.channels.telegram.convert import keyboard, split_text
from core.content import Content
from core.messages import ConversationKey, Reply
from storage.telegram_outbox import OutgoingMessage

log = logging.getLogger(__name__)


def outgoing_messages(chat_id: int, reply: Reply) -> list[OutgoingMessage]:
    """Turn a reply into the messages to queue: plain text split to Telegram's length, buttons under the last."""
    parts = split_text(reply.text)
    messages = []
    for number, part in enumerate(parts, 1):
        markup = keyboard(reply.buttons) if number == len(parts) else None
        messages.append(OutgoingMessage(chat_id, part, markup.to_json() if markup is not None else None))
    return messages


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> None:
    """Send a reply as plain text (no parse mode, nothing to escape), split to Telegram's length, buttons last."""
    parts = split_text(reply.text)
    for number, part in enumerate(parts, 1):
        markup = keyboard(reply.buttons) if number == len(parts) else None
        await bot.send_message(chat_id, part, reply_markup=markup)


async def send_later(bot: Bot, content: Content, conversation: ConversationKey, reply: Reply) -> bool:
    """Send `reply` outside an update; return False, without retrying, when the person blocked the bot."""
    if reply.topic is None:
        # A colleague's words, not the assistant's: say so, as the web chat does with its label.
        label = content.ui_text("handover_staff_label", reply.language)
        reply = replace(reply, text=f"💬 {label}:\n{reply.text}")
    try:
        await send_reply(bot, int(conversation.conversation_id), reply)
    except Forbidden:
        log.info("a reply could not be delivered: the person blocked the bot")
        return False
    return True
