"""The terminal channel: each input line is a message, replies and their buttons go to stdout."""

from __future__ import annotations

import asyncio
import tempfile
from contextlib import AsyncExitStack
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from actions.handover import CANCEL_PAYLOAD
from core.channels import CONSOLE, Media, MediaUnavailable
from core.clock import Clock, utc_now
from core.messages import Button, ConversationKey, Message, MessageKind, Reply
from core.settings import Settings

if TYPE_CHECKING:
    from bot.app import Assistant

CONVERSATION = ConversationKey(CONSOLE, "terminal")


# Typing this leaves a handover to staff, even when its button is gone (e.g. after a restart).
BACK_TO_ASSISTANT = "0"


def to_message(line: str, last_buttons: tuple[Button, ...]) -> Message:
    """Turn a typed line into a Message; a bare button number presses that button."""
    choice = line.strip()
    if choice == BACK_TO_ASSISTANT:
        return Message(CONVERSATION, kind=MessageKind.BUTTON, payload=CANCEL_PAYLOAD, text=choice)
    if choice.isdigit() and 1 <= int(choice) <= len(last_buttons):
        button = last_buttons[int(choice) - 1]
        return Message(CONVERSATION, kind=MessageKind.BUTTON, payload=button.payload, text=button.label)
    return Message(CONVERSATION, text=line.rstrip("\n"))


def render(reply: Reply) -> str:
    """Show a reply as plain text with numbered buttons."""
    lines = [reply.text]
    if reply.buttons:
        lines.append("  ".join(f"[{number}] {button.label}" for number, button in enumerate(reply.buttons, 1)))
    return "\n".join(lines) + "\n"


class ConsoleChannel:
    """The terminal as a channel: what reaches the person later is printed like any reply."""

    name = CONSOLE

    def __init__(self, sink: TextIO) -> None:
        self._sink = sink

    async def send(self, conversation: ConversationKey, reply: Reply) -> bool:
        """Print a reply written later (e.g. by staff, or "you are back with the assistant")."""
        self._sink.write(render(reply))
        self._sink.flush()
        return True

    async def media(self, reference: str) -> Media:
        """Nothing but text is typed into a terminal."""
        raise MediaUnavailable("the terminal takes no attachments")


async def run_console(settings: Settings, source: TextIO, sink: TextIO, at: datetime | None = None) -> int:
    """Chat until end of input; prompt only when a person is typing at a terminal.

    With `at`, answer as at that moment (time runs on from it), on a scratch database: staff can
    preview what people are told on a day, and nothing the preview does reaches the real one.
    """
    from bot.app import running_assistant
    from storage.migrate import open_database

    interactive = source.isatty()
    async with AsyncExitStack() as stack:
        clock: Clock = utc_now
        database = None
        if at is not None:
            clock = _running_from(at)
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="assistant-at-")))
            database = await stack.enter_async_context(open_database(f"sqlite+aiosqlite:///{scratch / 'preview.db'}"))
        assistant = await stack.enter_async_context(running_assistant(settings, database, clock=clock))
        return await _chat(assistant, source, sink, interactive)


def _running_from(at: datetime) -> Clock:
    """Return a clock that starts at `at` and runs on at the real pace."""
    started = utc_now()
    return lambda: at + (utc_now() - started)


async def _chat(assistant: Assistant, source: TextIO, sink: TextIO, interactive: bool) -> int:
    """Read lines as messages and print the replies until end of input."""
    assistant.channels.register(ConsoleChannel(sink))
    loop = asyncio.get_running_loop()
    buttons: tuple[Button, ...] = ()
    if interactive:
        sink.write("Schreiben Sie Ihre Frage / Write your question (Ctrl-D to end)\n")
    while True:
        if interactive:
            sink.write("> ")
            sink.flush()
        line = await loop.run_in_executor(None, source.readline)
        if not line:
            return 0
        reply = await assistant.dialogue.handle(to_message(line, buttons))
        if reply is None:
            # Handed over to staff: the assistant stays silent; staff answer in their inbox.
            if interactive:
                sink.write("(an das Team weitergeleitet / passed on to staff; [0] zurück zum Assistenten / back to the assistant)\n")
                sink.flush()
            continue
        buttons = reply.buttons
        sink.write(render(reply) + ("" if interactive else "\n"))
        sink.flush()
