"""Files a person sends in the web chat while staff look after the conversation: photos and PDFs, checked by content.

The browser's name and type of a file are not trusted: its first bytes decide what it is. Only JPEG,
PNG, WebP and PDF up to MAX_BYTES are taken; the desk keeps them with the handover, so they are
deleted with it (retention, erasure) and staff see them like Telegram photos and documents.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass

from aiohttp import BodyPartReader, web
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.web.runtime import WEB_CHAT
from bot.channels.web.session import session_id, token_from
from bot.channels.web.socket import origin_allowed
from core.channels import WEB
from core.flood import Admission
from core.messages import Attachment, ConversationKey, Message, MessageKind
from storage.web_chat import Author, TranscriptLine

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
# Room for the multipart envelope around the largest file.
MAX_REQUEST_BYTES = MAX_BYTES + 64 * 1024
_NAME_CHARS = 120
# The reference of a file the desk keeps itself (handover_files), not the channel.
KEPT_BY_DESK = "desk"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(frozen=True)
class FileType:
    """What a file is by its content: the kind staff see and its media type."""

    kind: str
    mime_type: str
    extension: str


JPEG = FileType("photo", "image/jpeg", "jpg")
PNG = FileType("photo", "image/png", "png")
WEBP = FileType("photo", "image/webp", "webp")
PDF = FileType("document", "application/pdf", "pdf")


def sniff(data: bytes) -> FileType | None:
    """Tell what a file is from its first bytes; None for anything but JPEG, PNG, WebP and PDF."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def safe_name(name: str | None, kind: FileType) -> str:
    """Keep a file's name readable for staff, without paths or control characters, and with its true ending."""
    stem = _UNSAFE_NAME.sub("_", (name or "").strip()).strip(" ._")[:_NAME_CHARS].rsplit(".", 1)[0]
    return f"{stem or 'datei'}.{kind.extension}"


async def upload_file(request: web.Request) -> web.Response:
    """Take one file from the chat's own browser session and pass it to staff; answer in the person's language."""
    runtime = request.app[WEB_CHAT]
    if not origin_allowed(request, runtime.origins):
        raise web.HTTPForbidden(text="This page may not send files to the chat.")
    token = token_from(request)
    if token is None:
        raise web.HTTPForbidden(text="No chat session.")
    chat = session_id(token)
    key = ConversationKey(WEB, chat)
    hint = request.query.get("lang")
    if await runtime.pace.check(chat) is not Admission.ANSWER:
        return await _refused(request, key, hint, "slow_down")
    data, name = await _read_file(request)
    if data is None:
        return await _refused(request, key, hint, "web_file_too_big")
    found = sniff(data)
    if found is None:
        return await _refused(request, key, hint, "web_file_type")
    shown = safe_name(name, found)
    message = Message(
        key,
        kind=MessageKind.NON_TEXT,
        attachment=Attachment(found.kind, reference=KEPT_BY_DESK, name=shown, mime_type=found.mime_type),
        language_hint=hint,
        source_id=f"web-file:{secrets.token_hex(8)}",
    )
    if not await runtime.dialogue.pass_on(message, data):
        return await _refused(request, key, hint, "web_file_no_handover")
    line = TranscriptLine(Author.PERSON, f"📎 {shown}")
    try:
        await runtime.transcripts.append(chat, line)
    except SQLAlchemyError as error:
        log.warning("web chat file line not kept: %s", type(error).__name__)
    notice = await runtime.dialogue.notice(key, hint, "web_file_sent")
    return web.json_response({"ok": True, "name": shown, "text": notice.text, "language": notice.language})


async def _read_file(request: web.Request) -> tuple[bytes | None, str | None]:
    """Read the first file of a multipart form, stopping as soon as it is larger than MAX_BYTES."""
    if request.content_length is not None and request.content_length > MAX_REQUEST_BYTES:
        return None, None
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError) as error:
        raise web.HTTPBadRequest(text="Send the file as multipart/form-data.") from error
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name != "file":
            continue
        chunks: list[bytes] = []
        size = 0
        while chunk := await part.read_chunk(64 * 1024):
            size += len(chunk)
            if size > MAX_BYTES:
                return None, part.filename
            chunks.append(chunk)
        return b"".join(chunks), part.filename
    raise web.HTTPBadRequest(text="No file in the form.")


async def _refused(request: web.Request, key: ConversationKey, hint: str | None, ui_key: str) -> web.Response:
    """Answer a file that is not taken with a polite reason the page shows (200: the request itself was fine)."""
    notice = await request.app[WEB_CHAT].dialogue.notice(key, hint, ui_key)
    return web.json_response({"ok": False, "problem": ui_key, "text": notice.text, "language": notice.language})
