"""Turn one platform-free Message into one Reply (or none, while staff answer): understand, act, remember.

The Dialogue is what every channel talks to: `handle` for whatever a person sends, and the few other
things a channel offers its people (a greeting, privacy notes, erasing, notices). Every decision
about what to say, and in which language, is taken here, once per message; a channel only
translates between its platform and Message/Reply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from actions.context import ActionContext
from actions.conversations import ConversationState, ConversationStore, set_reachable
from actions.fallback import clarify, menu_notice, offer_handover
from actions.handover import CANCEL_PAYLOAD, HandoverReason, HandoverRequest, Handovers
from actions.inquiries import HandledMessage, InquiryRecorder, Outcome
from actions.language import (
    confirm_language,
    offer_languages,
    requested_language,
    settle_language,
    unsupported_language,
)
from actions.menu import answer_with_menu
from actions.registry import action_for
from core.availability import FixedOffice, OfficeStateSource
from core.clock import Clock
from core.content import Content
from core.errors import NluUnavailable
from core.messages import ConversationKey, Message, MessageKind, Reply
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
GREETING = "greeting"
PRIVACY = "privacy"
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
        clock: Clock,
        recorder: InquiryRecorder | None = None,
        handovers: Handovers | None = None,
        office: OfficeStateSource | None = None,
    ) -> None:
        self._content = content
        # Closures, the notice and who is present, as the office has set them.
        self._office = office or FixedOffice()
        self._understanding = understanding
        self._conversations = conversations
        self._clock = clock
        self._recorder = recorder
        self._handovers = handovers

    # --- what a person sends -----------------------------------------------------------------------

    async def handle(self, message: Message) -> Reply | None:
        """Answer one message, or pass it to staff during a handover (None: send nothing); count it."""
        state = await self._reopened(message.conversation)
        if self._handovers is not None:
            handled, handback = await self._staff_side(message, self._handovers, state)
            if handled:
                return handback
        turn = await self._answer(message, state)
        reply: Reply | None = turn.reply
        if turn.hand_over is not None and self._handovers is not None:
            request = HandoverRequest(message, turn.reply.language, state.last_topic, turn.hand_over, state.unclear)
            reply = await self._handovers.start(request)
            turn = replace(turn, state=replace(turn.state, misunderstood_in_a_row=0, unclear=()))
        await self._conversations.save(message.conversation, turn.state)
        if reply is None:
            # Asked at the same moment as another message that already started the handover.
            await self._record_handed_over(message, turn.reply.language)
            return None
        await self._record(message, turn)
        return reply

    async def greet(self, message: Message, language_picker: bool = False) -> Reply | None:
        """Greet a person who (re)starts the conversation, with the menu and a language picker if asked; staff get it in a handover."""
        reply = await self.handle(replace(message, kind=MessageKind.BUTTON, payload=f"topic:{GREETING}"))
        if reply is None or not language_picker:
            return reply
        picker = offer_languages(self._context("language_switch", reply.language))
        return replace(reply, text=f"{reply.text}\n\n{picker.text}", buttons=reply.buttons + picker.buttons)

    async def pass_on(self, message: Message) -> None:
        """Give staff a message that gets no answer of its own (a further photo of an album), if handed over."""
        await self._reopened(message.conversation)
        if self._handovers is None:
            return
        language = await self._handovers.forward(message)
        if language is not None:
            await self._record_handed_over(message, language)

    async def privacy(self, message: Message, channel_note: str | None = None) -> Reply | None:
        """Answer "what happens to my data" with the channel's own note and how long talks with staff are kept."""
        reply = await self.handle(replace(message, kind=MessageKind.BUTTON, payload=f"topic:{PRIVACY}"))
        if reply is None:
            return None
        ctx = self._context(PRIVACY, reply.language)
        notes = [ctx.ui(channel_note)] if channel_note else []
        if self._handovers is not None:
            days = round(self._handovers.retention.total_seconds() / 86400)
            notes.append(self._content.ui_text("privacy_handover", reply.language).format(days=self._content.count("days", days, reply.language)))
        return replace(reply, text="\n\n".join([reply.text, *notes]))

    async def erase(self, message: Message) -> Reply:
        """Erase everything the person said with staff (ending a handover), and confirm it in their language."""
        state = await self._reopened(message.conversation)
        if self._handovers is not None:
            await self._handovers.erase_conversation(message.conversation)
        ctx = self._context(PRIVACY, self._language(state, message.language_hint))
        return ctx.reply(ctx.ui("delete_confirmed"), ctx.menu_buttons())

    # --- what a channel shows without a message -------------------------------------------------------

    async def welcome(self, conversation: ConversationKey | None, hint: str | None) -> Reply:
        """Greet someone who opened a chat but has not written (or no one in particular); count and keep nothing."""
        state = await self._conversations.load(conversation) if conversation else ConversationState()
        return answer_with_menu(self._context(GREETING, self._language(state, hint)))

    async def notice(self, conversation: ConversationKey, hint: str | None, key: str) -> Reply:
        """Say one interface string (e.g. "please slow down") in the conversation's language."""
        ctx = self._context(key, await self.language(conversation, hint))
        return ctx.reply(ctx.ui(key), topic=None)

    async def language(self, conversation: ConversationKey, hint: str | None) -> str:
        """Return the language the conversation is held in now, before anything new is read."""
        return self._language(await self._conversations.load(conversation), hint)

    # --- whether the person can be reached ------------------------------------------------------------

    async def unreachable(self, conversation: ConversationKey) -> None:
        """Note that the person cannot be reached any more (blocked the bot); close their handover."""
        await set_reachable(self._conversations, conversation, False)
        if self._handovers is not None:
            await self._handovers.person_unreachable(conversation)

    async def reachable(self, conversation: ConversationKey) -> None:
        """Note that the person can be reached again (unblocked the bot)."""
        await set_reachable(self._conversations, conversation, True)

    async def _reopened(self, conversation: ConversationKey) -> ConversationState:
        # Whoever writes can be reached again.
        return await set_reachable(self._conversations, conversation, True)

    async def _staff_side(
        self, message: Message, handovers: Handovers, state: ConversationState
    ) -> tuple[bool, Reply | None]:
        """Forward a message of a handed-over conversation, or end the handover at the person's request."""
        if message.kind is MessageKind.BUTTON and message.payload == CANCEL_PAYLOAD:
            handback = await handovers.cancel(message.conversation)
            if handback is not None:
                await self._record(message, Turn(handback, state, Outcome.ANSWERED))
                return True, handback
        language = await handovers.forward(message)
        if language is None:
            return False, None
        language = await self._follow_language(message, state, handovers, language)
        await self._record_handed_over(message, language)
        return True, None

    async def _follow_language(
        self, message: Message, state: ConversationState, handovers: Handovers, language: str
    ) -> str:
        """Let a handover's language follow the person, as the conversation's language does (settle_language)."""
        text = clean_text(message.text) if message.kind is MessageKind.TEXT else ""
        if not any(char.isalpha() for char in text):
            return language
        guess = self._understanding.detect_language(text, self._known(message.language_hint), state.language or language)
        settled = settle_language(replace(state, language=state.language or language), guess)
        if settled != state:
            await self._conversations.save(message.conversation, settled)
        now = self._language(settled, message.language_hint)
        if now != language:
            await handovers.follow_language(message.conversation, now)
        return now

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
        hint = message.language_hint
        text = clean_text(message.text) if message.kind is MessageKind.TEXT else ""
        if not any(char.isalpha() for char in text):
            # No words to read a language from: answer in the conversation's (or the channel's) language.
            language = self._language(state, hint)
            if message.kind is MessageKind.BUTTON:
                return self._press(message.payload or "", language, state)
            topic, key = _unreadable(message.kind, text)
            return Turn(menu_notice(self._context(topic, language), key), state, Outcome.NOT_UNDERSTOOD)
        guess = self._understanding.detect_language(text, self._known(hint), state.language)
        if not guess.supported:
            # Answered in the conversation's language (and direction), with English and German.
            reply = unsupported_language(self._context("unsupported_language", self._language(state, "en")))
            return Turn(reply, state, Outcome.NOT_UNDERSTOOD, guess.language)
        # A romanised first message is answered in the best guess, with the languages to choose from.
        offer_languages_too = guess.romanised and state.chosen_language is None and state.language is None
        state = settle_language(state, guess)
        language = self._language(state, hint)
        try:
            understood = await self._understanding.classify(text, guess)
        except NluUnavailable as error:
            log.warning("answering without NLU: %s", error)
            reply = menu_notice(self._context("nlu_unavailable", language), "nlu_unavailable")
            return Turn(reply, state, Outcome.NOT_UNDERSTOOD, guess.language)
        ctx = replace(self._context(understood.topic, language), variant=understood.variant)
        if not understood.sure:
            # Kept only where there is a desk to pass them to, and only while nothing is understood.
            unclear = (*state.unclear, text[:LONG_MESSAGE_CHARS])[-KEEP_UNCLEAR:] if self._handovers else ()
            state = replace(state, misunderstood_in_a_row=state.misunderstood_in_a_row + 1, unclear=unclear)
            if self._handovers is not None and state.misunderstood_in_a_row >= OFFER_HANDOVER_AFTER:
                unsure = offer_handover(ctx, understood.likely_topics)
            else:
                unsure = clarify(ctx, understood.likely_topics)
            # Gibberish gets no topic to suggest: it is simply not understood.
            outcome = Outcome.CLARIFIED if understood.ranking else Outcome.NOT_UNDERSTOOD
            return Turn(self._prefix_long(unsure, text, ctx), state, outcome, guess.language)
        reason = self._handover_reason(understood.topic, state)
        state = _remember_topic(replace(state, misunderstood_in_a_row=0, unclear=()), understood.topic)
        if understood.topic == "language_switch":
            reply, state = self._switch_language(text, ctx, state)
            return Turn(reply, state, Outcome.ANSWERED, guess.language)
        reply = self._prefix_long(action_for(understood.topic)(ctx), text, ctx)
        if offer_languages_too:
            reply = replace(reply, buttons=(*reply.buttons, *ctx.language_buttons()))
        return Turn(reply, state, _outcome_of(understood.topic), guess.language, reason)

    def _language(self, state: ConversationState, hint: str | None) -> str:
        """Resolve the reply language, here only: chosen, else the conversation's (settle_language), hint, default."""
        return state.chosen_language or state.language or self._known(hint) or self._content.default_language

    def _known(self, hint: str | None) -> str | None:
        return hint if hint in self._content.languages else None

    def _press(self, payload: str, language: str, state: ConversationState) -> Turn:
        kind, _, value = payload.partition(":")
        if kind == "language" and value in self._content.languages:
            state = replace(state, chosen_language=value, language=value, switch_to=None, switch_votes=0)
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
        state = replace(state, chosen_language=target, language=target, switch_to=None, switch_votes=0)
        return confirm_language(self._context("language_switch", target)), state

    def _prefix_long(self, reply: Reply, text: str, ctx: ActionContext) -> Reply:
        if len(text) <= LONG_MESSAGE_CHARS:
            return reply
        return replace(reply, text=f"{ctx.ui('message_too_long')}\n{reply.text}")

    def _context(self, topic: str, language: str) -> ActionContext:
        return ActionContext(self._content, topic, language, self._clock(), office=self._office.current())

    def _handover_reason(self, topic: str, state: ConversationState) -> HandoverReason | None:
        if topic != "human_handover" or self._handovers is None:
            return None
        if state.misunderstood_in_a_row >= OFFER_HANDOVER_AFTER:
            return HandoverReason.NOT_UNDERSTOOD
        return HandoverReason.REQUESTED


def _unreadable(kind: MessageKind, text: str) -> tuple[str, str]:
    """Say what a message without words is (a photo, nothing, only emoji) and the interface string answering it."""
    if kind is MessageKind.NON_TEXT:
        return "non_text", "non_text"
    return ("no_words", "no_words") if text else ("empty", "empty_message")


def _remember_topic(state: ConversationState, topic: str) -> ConversationState:
    return state if topic in _NOT_A_QUESTION else replace(state, last_topic=topic)


def _outcome_of(topic: str) -> Outcome:
    if topic == OUT_OF_SCOPE:
        return Outcome.NOT_UNDERSTOOD
    if topic == "human_handover":
        return Outcome.HANDOVER_REQUESTED
    return Outcome.ANSWERED
