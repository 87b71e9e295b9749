"""Show a person's words to staff in Telegram as inert text: no links, mentions or commands to tap."""

from __future__ import annotations

import re

from telegram import MessageEntity

from core.bidi import without_bidi_controls

# Telegram turns these into something to tap: links and e-mail addresses, @mentions, /commands.
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(//)")
_DOMAIN_DOT = re.compile(r"(?i)(?<=[a-z0-9-])\.(?=[a-z]{2,}[a-z0-9-]*)")
_COMMAND = re.compile(r"(^|(?<=\s))/(?=[A-Za-z0-9_])")
_MENTION = re.compile(r"@(?=\w)")


def inert(text: str) -> str:
    """Defang what Telegram would make tappable ("https[:]//example[.]com", "∕close", "＠name") and drop bidi controls."""
    text = without_bidi_controls(text)
    text = _SCHEME.sub(r"\1[:]\2", text)
    text = _DOMAIN_DOT.sub("[.]", text)
    text = _COMMAND.sub(r"\1∕", text)
    return _MENTION.sub("＠", text)


def quoted(header: str, body: str) -> tuple[str, list[MessageEntity]]:
    """Put a person's words in a quote block under a header, so they cannot pass for the bot's own lines."""
    body = inert(body)
    if not body:
        return header, []
    text = f"{header}\n{body}"
    offset = utf16_length(header) + 1
    return text, [MessageEntity(MessageEntity.BLOCKQUOTE, offset, utf16_length(body))]


def utf16_length(text: str) -> int:
    # Telegram counts entity offsets in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """Cut a text to at most `limit` UTF-16 units (Telegram's measure), marking the cut."""
    if utf16_length(text) <= limit:
        return text
    while utf16_length(text) > limit - 1:
        text = text[:-1]
    return text + "…"
