"""Reach a person on Telegram outside an update they sent: a staff reply, a handback."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot
from telegram.error import Forbidden

from actions.conversations import ConversationStore
from bot.channels.telegram.conversation import send_reply
from core.messages import ConversationKey, Reply

log = logging.getLogger(__name__)


class TelegramOutbound:
    """The Telegram channel's outbound side, registered with the assistant's Deliveries."""

    def __init__(self, bot: Bot, conversations: ConversationStore) -> None:
        self._bot = bot
        self._conversations = conversations

    async def deliver(self, conversation: ConversationKey, reply: Reply) -> bool:
        """Send `reply`; return False, without retrying, when the person blocked the bot."""
        state = await self._conversations.load(conversation)
        if state.closed:
            return False
        try:
            await send_reply(self._bot, int(conversation.conversation_id), reply)
        except Forbidden:
            log.info("a reply could not be delivered: the person blocked the bot")
            await self._conversations.save(conversation, replace(state, closed=True))
            return False
        return True
