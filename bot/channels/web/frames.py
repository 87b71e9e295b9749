"""The web chat's JSON frames: read what a browser sends, strictly; build what the server sends."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.bidi import without_bidi_controls
from core.messages import Button, Reply
from storage.web_chat import Author, TranscriptLine

# Button payloads are `topic:<id>` or `language:<code>`; anything else is not a button we offered.
_PAYLOAD = re.compile(r"[a-z_]{1,20}:[A-Za-z0-9_-]{1,40}")

Frame = dict[str, Any]


class FrameProblem(StrEnum):
    """Why a frame from a browser cannot be answered like a message."""

    MALFORMED = "malformed"
    TOO_LONG = "too_long"
    NOT_TEXT = "not_text"


class BadFrame(Exception):
    """A frame from a browser that is not a message or button press we can take."""

    def __init__(self, problem: FrameProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class TypedText:
    """A message the person typed."""

    text: str


@dataclass(frozen=True)
class PressedButton:
    """A button (or language) the person chose."""

    payload: str


def parse_frame(raw: str, max_chars: int) -> TypedText | PressedButton:
    """Read one browser frame; raise BadFrame for anything but a well-formed message or button press."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise BadFrame(FrameProblem.MALFORMED) from error
    if not isinstance(data, dict):
        raise BadFrame(FrameProblem.MALFORMED)
    kind = data.get("type")
    if kind == "message":
        text = data.get("text")
        if not isinstance(text, str):
            raise BadFrame(FrameProblem.MALFORMED)
        if len(text) > max_chars:
            raise BadFrame(FrameProblem.TOO_LONG)
        return TypedText(clean(text))
    if kind == "button":
        payload = data.get("payload")
        if not isinstance(payload, str) or not _PAYLOAD.fullmatch(payload):
            raise BadFrame(FrameProblem.MALFORMED)
        return PressedButton(payload)
    raise BadFrame(FrameProblem.MALFORMED)


def clean(text: str) -> str:
    """Drop what no database or browser should get: lone surrogates and control characters but line breaks."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(char for char in text if char in "\n\t" or unicodedata.category(char) != "Cc")


def buttons_of(buttons: Iterable[Button]) -> list[dict[str, str]]:
    return [{"label": button.label, "payload": button.payload} for button in buttons]


def reply_frame(reply: Reply, author: Author = Author.ASSISTANT) -> Frame:
    """Build the frame that shows a reply."""
    return line_frame(TranscriptLine(author, reply.text, reply.language, reply.rtl, reply.buttons))


def shown_text(line: TranscriptLine) -> str:
    """Return a line's text as the chat shows it: people's and staff's words without bidi controls.

    The assistant's own texts keep theirs: they isolate Latin names inside right-to-left text.
    """
    return line.text if line.author is Author.ASSISTANT else without_bidi_controls(line.text)


def line_frame(line: TranscriptLine) -> Frame:
    """Build the frame that shows one transcript line as it arrives."""
    if line.author is Author.PERSON:
        return {"type": "echo", "text": shown_text(line)}
    return {
        "type": "reply",
        "from": line.author.value,
        "text": shown_text(line),
        "buttons": buttons_of(line.buttons),
        "rtl": line.rtl,
        "language": line.language,
    }


def history_frame(lines: Iterable[TranscriptLine], language: str, rtl: bool) -> Frame:
    """Build the frame that shows the whole kept conversation after a (re)connect."""
    return {
        "type": "history",
        "language": language,
        "rtl": rtl,
        "messages": [
            {
                "from": line.author.value,
                "text": shown_text(line),
                "buttons": buttons_of(line.buttons),
                "rtl": line.rtl,
                "language": line.language,
            }
            for line in lines
        ],
    }


def problem_frame(code: str, text: str, language: str, rtl: bool) -> Frame:
    """Build the frame that politely says why a frame was not answered."""
    return {"type": "error", "code": code, "text": text, "language": language, "rtl": rtl}


def handover_frame(active: bool, telegram: str | None = None) -> Frame:
    """Build the frame that says whether staff look after the chat (then files and the way back are offered),
    with the link that continues it on Telegram where there is one."""
    return {"type": "handover", "active": active, "telegram": telegram}
