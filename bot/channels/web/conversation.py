"""One browser tab's side of a web chat: show what was said so far, then answer each frame that arrives."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable

from aiohttp import WSCloseCode, WSMsgType
from bot.channels.web.frames import (
    BadFrame,
    FrameProblem,
    PressedButton,
    TypedText,
    handover_frame,
    history_frame,
    line_frame,
    parse_frame,
    problem_frame,
    reply_frame,
)
from bot.channels.web.live import ChatConnection
from bot.channels.web.runtime import WebChatRuntime
from core.channels import TELEGRAM, WEB
from core.fair import QueueFull
from core.flood import Admission
from core.messages import Button, ConversationKey, Message, MessageKind, Reply
from handover.notices import TOPIC as HANDOVER_TOPIC
from storage.web_chat import Author, TranscriptLine

log = logging.getLogger(__name__)

# How long an answer waits for its transcript line before going out anyway (seconds).
KEEP_PATIENCE = 0.25

# The interface string that explains each refused frame.
PROBLEM_TEXTS = {
    FrameProblem.MALFORMED: "web_bad_frame",
    FrameProblem.TOO_LONG: "web_too_long",
    FrameProblem.NOT_TEXT: "web_bad_frame",
}


class ChatConversation:
    """Answer one open websocket of a chat through the shared dialogue."""

    def __init__(self, runtime: WebChatRuntime, connection: ChatConnection, language: str) -> None:
        self._runtime = runtime
        self._connection = connection
        self._session = connection.session_id
        self._key = ConversationKey(WEB, connection.session_id)
        # The page's language: the channel's hint; the dialogue decides the language of every reply.
        self._hint = language
        # The labels of the buttons last offered here, to show a press the way the person saw it.
        self._offered: dict[str, str] = {}

    async def run(self) -> None:
        """Show the kept conversation (or a greeting), then answer frames until the browser goes."""
        chats = self._runtime.chats
        # Join before reading the history, so a staff reply arriving meanwhile is not missed.
        chats.add(self._connection)
        try:
            await self._show_history()
            async for frame in self._connection.socket:
                if frame.type is WSMsgType.TEXT:
                    await self._on_text(str(frame.data))
                elif frame.type is WSMsgType.BINARY:
                    await self._on_binary()
        finally:
            chats.remove(self._connection)

    async def _show_history(self) -> None:
        lines = await self._runtime.keeper.history(self._session)
        said = [line for line in lines if line.author is not Author.PERSON and line.language]
        if said:
            self._remember(said[-1].buttons)
        # The kept conversation was last shown in its last reply's language (a hint after a restart).
        language = await self._runtime.dialogue.language(self._key, said[-1].language if said else self._hint)
        await self._connection.send(history_frame(lines, language, self._runtime.content.is_rtl(language)))
        if not lines:
            # The greeting is not kept: a visitor who never writes leaves nothing behind.
            await self._connection.send(reply_frame(await self._runtime.dialogue.welcome(self._key, self._hint)))
            return
        if self._runtime.handovers is not None:
            # What was kept while the page was closed (staff replies, notices) is in front of the person now.
            await self._runtime.handovers.seen(self._key)
        if await self._runtime.dialogue.handed_over(self._key):
            await self._tell_handover(active=True)

    async def _tell_handover(self, active: bool | None = None) -> None:
        """Tell the page whether staff look after the chat, with a fresh "continue on Telegram" link if possible."""
        if active is None:
            active = await self._runtime.dialogue.handed_over(self._key)
        link = None
        channels = self._runtime.channels
        if active and channels is not None and channels.accepts_moves(TELEGRAM):
            token = await self._runtime.dialogue.offer_move(self._key)
            link = channels.invitation(TELEGRAM, token) if token else None
        await self._connection.send(handover_frame(active, link))

    async def _on_text(self, raw: str) -> None:
        if not await self._admitted():
            return
        try:
            received = parse_frame(raw, self._runtime.limits.max_text_chars)
        except BadFrame as bad:
            await self._tell(bad.problem.value, PROBLEM_TEXTS[bad.problem])
            return
        try:
            await self._answer(received)
        except Exception as error:  # the edge: whatever failed, the person gets a polite answer
            frames = "".join(traceback.format_tb(error.__traceback__))
            # The exception's message may quote what the person wrote: log its type and where it happened.
            log.error("web chat message failed: %s\n%s", type(error).__name__, frames)
            await self._tell("error", "web_error")

    async def _on_binary(self) -> None:
        if await self._admitted():
            await self._tell(FrameProblem.NOT_TEXT.value, PROBLEM_TEXTS[FrameProblem.NOT_TEXT])

    async def _admitted(self) -> bool:
        admission = await self._runtime.pace.check(self._session)
        if admission is Admission.SLOW_DOWN:
            await self._tell("slow_down", "slow_down")
        elif admission is Admission.HANG_UP:
            await self._connection.socket.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many messages")
        if admission is not Admission.ANSWER:
            return False
        # Many chats from one address together: that address hears "busy" once, then nothing.
        by_address = await self._runtime.address_pace.check(self._connection.address)
        if by_address is Admission.SLOW_DOWN:
            await self._tell("busy", "web_busy")
        return by_address is Admission.ANSWER

    async def _answer(self, received: TypedText | PressedButton) -> None:
        if isinstance(received, TypedText):
            message = Message(self._key, text=received.text, language_hint=self._hint)
            shown: str | None = received.text
        else:
            shown = await self._label(received.payload)
            message = Message(
                self._key, text=shown or "", kind=MessageKind.BUTTON, payload=received.payload, language_hint=self._hint
            )
        if shown and shown.strip():
            await self._keep(TranscriptLine(Author.PERSON, shown), show_in_other_tabs=True)
        try:
            reply: Reply | None = await self._patiently(self._in_turn(message))
        except QueueFull:
            # This address has enough waiting already: only it is turned away, nobody else waits for it.
            await self._tell("busy", "web_busy")
            return
        if reply is None:
            # Staff answer this conversation now; their words arrive through WebChatOutbound.
            return
        self._remember(reply.buttons)
        line = TranscriptLine(Author.ASSISTANT, reply.text, reply.language, reply.rtl, reply.buttons)
        await self._keep(line, show_in_other_tabs=False)
        await self._runtime.chats.push(self._session, reply_frame(reply))
        if reply.topic == HANDOVER_TOPIC:
            # Handed over, or back with the assistant: the page offers files and the way back only meanwhile.
            await self._tell_handover()

    async def _in_turn(self, message: Message) -> Reply | None:
        """Answer when this address's turn comes (round-robin by address, a few at once)."""
        async with self._runtime.turns.turn(self._connection.address):
            return await self._runtime.dialogue.handle(message)

    async def _patiently(self, answering: Awaitable[Reply | None]) -> Reply | None:
        """Wait for the answer; say "one moment" when it is slow, and sorry when it is very slow (storage)."""
        limits = self._runtime.limits
        task = asyncio.ensure_future(answering)
        told = 0.0
        for after, ui_key in ((limits.wait_notice_after, "web_wait"), (limits.apology_after, "web_storage_slow")):
            try:
                return await asyncio.wait_for(asyncio.shield(task), max(0.0, after - told))
            except TimeoutError:
                told = after
                await self._tell("wait" if ui_key == "web_wait" else "slow", ui_key)
            except BaseException:
                task.cancel()
                raise
        return await task

    async def _keep(self, line: TranscriptLine, show_in_other_tabs: bool) -> None:
        # Written in order and retried until stored. Only an answer waits for its line, and only a moment
        # (storage is usually that quick; then a reload right after the answer shows both lines).
        stored = self._runtime.keeper.keep(self._session, line)
        if line.author is not Author.PERSON:
            await asyncio.wait({stored}, timeout=KEEP_PATIENCE)
        if show_in_other_tabs:
            await self._runtime.chats.push(self._session, line_frame(line), skip=self._connection)

    def _remember(self, buttons: tuple[Button, ...]) -> None:
        self._offered = {button.payload: button.label for button in buttons}

    async def _label(self, payload: str) -> str | None:
        """Say a pressed button the way the person saw it: its label, a topic's label or a language's name."""
        content = self._runtime.content
        kind, _, value = payload.partition(":")
        if payload in self._offered:
            return self._offered[payload]
        if kind == "topic" and value in content.topics:
            return content.label(value, await self._runtime.dialogue.language(self._key, self._hint))
        if kind == "language" and value in content.languages:
            return content.languages[value].name
        return None

    async def _tell(self, code: str, ui_key: str) -> None:
        notice = await self._runtime.dialogue.notice(self._key, self._hint, ui_key)
        await self._connection.send(problem_frame(code, notice.text, notice.language, notice.rtl))
