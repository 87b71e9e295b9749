"""Turn one platform-free Message into one Reply (or none, while staff answer): understand, act, remember."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from actions.context import ActionContext
from actions.conversations import ConversationState, ConversationStore
from actions.fallback import clarify, menu_notice, offer_handover
from actions.handover import CANCEL_PAYLOAD, HandoverReason, Handovers
from actions.inquiries import HandledMessage, InquiryRecorder, Outcome
from actions.language import confirm_language, offer_languages, requested_language, unsupported_language
from actions.registry import action_for
from core.content import Content
from core.errors import NluUnavailable
from core.messages import Message, MessageKind, Reply
from core.topics import OUT_OF_SCOPE
from nlu.normalise import clean_text
from nlu.understanding import MessageUnderstanding

log = logging.getLogger(__name__)

# Longer messages are answered from their beginning, with a note that only that part was read.
LONG_MESSAGE_CHARS = 2000
# After this many misunderstandings in a row, the clarifying reply offers a person explicitly.
OFFER_HANDOVER_AFTER = 2
# At most this many unclear messages are remembered, to pass on to staff if the person accepts.
KEEP_UNCLEAR = 3
# Topics that are not a question about the office; staff are shown the last topic that was.
_NOT_A_QUESTION = frozenset(
    {"greeting", "thanks", "goodbye", "help", "language_switch", "human_handover", "bot_challenge", OUT_OF_SCOPE}
)


@dataclass(frozen=True)
class Turn:
    """The result of one message: the reply, the updated state and what to count."""

    reply: Reply
    state: ConversationState
    outcome: Outcome
    language: str | None = None
    # Set when the person asked for (or accepted) a person: the dialogue then hands over.
    hand_over: HandoverReason | None = None


class Dialogue:
    """The assistant's conversation logic, shared by every channel."""

    def __init__(
        self,
        content: Content,
        understanding: MessageUnderstanding,
        conversations: ConversationStore,
        clock: Callable[[], datetime],
        recorder: InquiryRecorder | None = None,
        handovers: Handovers | None = None,
    ) -> None:
        self._content = content
        self._understanding = understanding
        self._conversations = conversations
        self._clock = clock
        self._recorder = recorder
        self._handovers = handovers

    async def handle(self, message: Message) -> Reply | None:
        """Answer one message, or pass it to staff during a handover (None: send nothing); count it."""
        if self._handovers is not None:
            handled, handback = await self._staff_side(message, self._handovers)
            if handled:
                return handback
        state = await self._conversations.load(message.conversation)
        turn = await self._answer(message, state)
        reply: Reply | None = turn.reply
        if turn.hand_over is not None and self._handovers is not None:
            reply = await self._handovers.start(
                message, turn.reply.language, state.last_topic, turn.hand_over, state.unclear
            )
            turn = replace(turn, state=replace(turn.state, misunderstood_in_a_row=0, unclear=()))
        await self._conversations.save(message.conversation, turn.state)
        if reply is None:
            # Asked at the same moment as another message that already started the handover.
            await self._record_handed_over(message, turn.reply.language)
            return None
        await self._record(message, turn)
        return reply

    async def _staff_side(self, message: Message, handovers: Handovers) -> tuple[bool, Reply | None]:
        """Forward a message of a handed-over conversation, or end the handover at the person's request."""
        if message.kind is MessageKind.BUTTON and message.payload == CANCEL_PAYLOAD:
            handback = await handovers.cancel(message.conversation)
            if handback is not None:
                state = await self._conversations.load(message.conversation)
                await self._record(message, Turn(handback, state, Outcome.ANSWERED))
                return True, handback
        language = await handovers.forward(message)
        if language is None:
            return False, None
        await self._record_handed_over(message, language)
        return True, None

    async def _record_handed_over(self, message: Message, language: str) -> None:
        await self._count(
            HandledMessage(
                at=self._clock(),
                channel=message.conversation.channel,
                topic=None,
                language=language,
                outcome=Outcome.HANDED_OVER,
            )
        )

    async def _record(self, message: Message, turn: Turn) -> None:
        await self._count(
            HandledMessage(
                at=self._clock(),
                channel=message.conversation.channel,
                topic=turn.reply.topic if turn.reply.topic in self._content.topics else None,
                language=turn.language or turn.reply.language,
                outcome=turn.outcome,
            )
        )

    async def _count(self, handled: HandledMessage) -> None:
        if self._recorder is None:
            return
        try:
            await self._recorder.record(handled)
        except Exception:  # statistics must never cost a person their answer
            log.exception("could not record an inquiry event")

    async def _answer(self, message: Message, state: ConversationState) -> Turn:
        hint = message.language_hint if message.language_hint in self._content.languages else None
        known = state.reply_language(None, hint or self._content.default_language)
        if message.kind is MessageKind.NON_TEXT:
            return Turn(menu_notice(self._context("non_text", known), "non_text"), state, Outcome.NOT_UNDERSTOOD)
        if message.kind is MessageKind.BUTTON:
            return self._press(message.payload or "", known, state)
        text = clean_text(message.text)
        if not text:
            return Turn(menu_notice(self._context("empty", known), "empty_message"), state, Outcome.NOT_UNDERSTOOD)
        if not any(char.isalpha() for char in text):
            return Turn(menu_notice(self._context("no_words", known), "no_words"), state, Outcome.NOT_UNDERSTOOD)
        guess = self._understanding.detect_language(text, hint, state.language)
        if not guess.supported:
            reply = unsupported_language(self._context("unsupported_language", "en"))
            return Turn(reply, state, Outcome.NOT_UNDERSTOOD, guess.language)
        language = state.reply_language(guess.language, self._content.default_language)
        state = state.with_language(guess.language)
        try:
            understood = await self._understanding.classify(text, guess)
        except NluUnavailable as error:
            log.warning("answering without NLU: %s", error)
            reply = menu_notice(self._context("nlu_unavailable", language), "nlu_unavailable")
            return Turn(reply, state, Outcome.NOT_UNDERSTOOD, guess.language)
        ctx = self._context(understood.topic, language)
        if not understood.sure:
            # Kept only where there is a desk to pass them to, and only while nothing is understood.
            unclear = (*state.unclear, text[:LONG_MESSAGE_CHARS])[-KEEP_UNCLEAR:] if self._handovers else ()
            state = replace(state, misunderstood_in_a_row=state.misunderstood_in_a_row + 1, unclear=unclear)
            if self._handovers is not None and state.misunderstood_in_a_row >= OFFER_HANDOVER_AFTER:
                unsure = offer_handover(ctx, understood.likely_topics)
            else:
                unsure = clarify(ctx, understood.likely_topics)
            return Turn(self._prefix_long(unsure, text, ctx), state, Outcome.CLARIFIED, guess.language)
        reason = self._handover_reason(understood.topic, state)
        state = _remember_topic(replace(state, misunderstood_in_a_row=0, unclear=()), understood.topic)
        if understood.topic == "language_switch":
            reply, state = self._switch_language(text, ctx, state)
            return Turn(reply, state, Outcome.ANSWERED, guess.language)
        reply = self._prefix_long(action_for(understood.topic)(ctx), text, ctx)
        return Turn(reply, state, _outcome_of(understood.topic), guess.language, reason)

    def _press(self, payload: str, language: str, state: ConversationState) -> Turn:
        kind, _, value = payload.partition(":")
        if kind == "language" and value in self._content.languages:
            state = replace(state, chosen_language=value, language=value)
            return Turn(confirm_language(self._context("language_switch", value)), state, Outcome.ANSWERED)
        if kind == "topic" and value in self._content.topics:
            if value == "language_switch":
                return Turn(offer_languages(self._context(value, language)), state, Outcome.ANSWERED)
            reason = self._handover_reason(value, state)
            reply = action_for(value)(self._context(value, language))
            return Turn(reply, _remember_topic(state, value), _outcome_of(value), hand_over=reason)
        reply = menu_notice(self._context("unknown_button", language), "menu_prompt")
        return Turn(reply, state, Outcome.NOT_UNDERSTOOD)

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

    def _handover_reason(self, topic: str, state: ConversationState) -> HandoverReason | None:
        if topic != "human_handover" or self._handovers is None:
            return None
        if state.misunderstood_in_a_row >= OFFER_HANDOVER_AFTER:
            return HandoverReason.NOT_UNDERSTOOD
        return HandoverReason.REQUESTED


def _remember_topic(state: ConversationState, topic: str) -> ConversationState:
    return state if topic in _NOT_A_QUESTION else replace(state, last_topic=topic)


def _outcome_of(topic: str) -> Outcome:
    if topic == OUT_OF_SCOPE:
        return Outcome.NOT_UNDERSTOOD
    if topic == "human_handover":
        return Outcome.HANDOVER_REQUESTED
    return Outcome.ANSWERED
