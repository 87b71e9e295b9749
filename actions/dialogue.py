"""Turn one platform-free Message into one Reply: understand it, pick an action, remember context."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from actions.context import ActionContext
from actions.conversations import ConversationState, ConversationStore
from actions.fallback import clarify, menu_notice
from actions.language import confirm_language, offer_languages, requested_language, unsupported_language
from actions.registry import action_for
from core.content import Content
from core.errors import NluUnavailable
from core.messages import Message, MessageKind, Reply
from nlu.normalise import clean_text
from nlu.understanding import MessageUnderstanding

log = logging.getLogger(__name__)

# Longer messages are answered from their beginning, with a note that only that part was read.
LONG_MESSAGE_CHARS = 2000


class Dialogue:
    """The assistant's conversation logic, shared by every channel."""

    def __init__(
        self,
        content: Content,
        understanding: MessageUnderstanding,
        conversations: ConversationStore,
        clock: Callable[[], datetime],
    ) -> None:
        self._content = content
        self._understanding = understanding
        self._conversations = conversations
        self._clock = clock

    async def handle(self, message: Message) -> Reply:
        """Answer one message and update what we remember about the conversation."""
        state = await self._conversations.load(message.conversation)
        reply, state = await self._answer(message, state)
        await self._conversations.save(message.conversation, state)
        return reply

    async def _answer(self, message: Message, state: ConversationState) -> tuple[Reply, ConversationState]:
        hint = message.language_hint if message.language_hint in self._content.languages else None
        known = state.reply_language(None, hint or self._content.default_language)
        if message.kind is MessageKind.NON_TEXT:
            return menu_notice(self._context("non_text", known), "non_text"), state
        if message.kind is MessageKind.BUTTON:
            return self._press(message.payload or "", known, state)
        text = clean_text(message.text)
        if not text:
            return menu_notice(self._context("empty", known), "empty_message"), state
        if not any(char.isalpha() for char in text):
            return menu_notice(self._context("no_words", known), "no_words"), state
        guess = self._understanding.detect_language(text, hint, state.language)
        if not guess.supported:
            return unsupported_language(self._context("unsupported_language", "en")), state
        language = state.reply_language(guess.language, self._content.default_language)
        state = state.with_language(guess.language)
        try:
            understood = await self._understanding.understand(text, hint, state.language)
        except NluUnavailable as error:
            log.warning("answering without NLU: %s", error)
            return menu_notice(self._context("nlu_unavailable", language), "nlu_unavailable"), state
        ctx = self._context(understood.topic, language)
        if not understood.sure:
            state = replace(state, misunderstood_in_a_row=state.misunderstood_in_a_row + 1)
            return self._prefix_long(clarify(ctx, understood.likely_topics), text, ctx), state
        state = replace(state, misunderstood_in_a_row=0)
        if understood.topic == "language_switch":
            return self._switch_language(text, ctx, state)
        reply = action_for(understood.topic)(ctx)
        return self._prefix_long(reply, text, ctx), state

    def _press(self, payload: str, language: str, state: ConversationState) -> tuple[Reply, ConversationState]:
        kind, _, value = payload.partition(":")
        if kind == "language" and value in self._content.languages:
            state = replace(state, chosen_language=value, language=value)
            return confirm_language(self._context("language_switch", value)), state
        if kind == "topic" and value in self._content.topics:
            if value == "language_switch":
                return offer_languages(self._context(value, language)), state
            return action_for(value)(self._context(value, language)), state
        return menu_notice(self._context("unknown_button", language), "menu_prompt"), state

    def _switch_language(
        self, text: str, ctx: ActionContext, state: ConversationState
    ) -> tuple[Reply, ConversationState]:
        target = requested_language(self._content, text)
        if target is None:
            return offer_languages(ctx), state
        state = replace(state, chosen_language=target, language=target)
        return confirm_language(self._context("language_switch", target)), state

    def _prefix_long(self, reply: Reply, text: str, ctx: ActionContext) -> Reply:
        if len(text) <= LONG_MESSAGE_CHARS:
            return reply
        return replace(reply, text=f"{ctx.ui('message_too_long')}\n{reply.text}")

    def _context(self, topic: str, language: str) -> ActionContext:
        return ActionContext(self._content, topic, language, self._clock())
