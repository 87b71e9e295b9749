"""Reach a person on Telegram outside an update they sent: a staff reply, a handback."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot
from telegram.error import Forbidden

from actions.conversations import ConversationStore
from bot.channels.telegram.conversation import send_reply
from core.content import Content
from core.messages import ConversationKey, Reply

log = logging.getLogger(__name__)


class TelegramOutbound:
    """The Telegram channel's outbound side, registered with the assistant's Deliveries."""

    def __init__(self, bot: Bot, conversations: ConversationStore, content: Content | None = None) -> None:
        self._bot = bot
        self._conversations = conversations
        self._content = content

    async def deliver(self, conversation: ConversationKey, reply: Reply) -> bool:
        """Send `reply`; return False, without retrying, when the person blocked the bot."""
        state = await self._conversations.load(conversation)
        if state.closed:
            return False
        if reply.topic is None and self._content is not None:
            # A colleague's words, not the assistant's: say so, as the web chat does with its label.
            label = self._content.ui_text("handover_staff_label", reply.language)
            reply = replace(reply, text=f"💬 {label}:\n{reply.text}")
        try:
            await send_reply(self._bot, int(conversation.conversation_id), reply)
        except Forbidden:
            log.info("a reply could not be delivered: the person blocked the bot")
            await self._conversations.save(conversation, replace(state, closed=True))
            return False
        return True
