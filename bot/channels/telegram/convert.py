"""Turn Telegram's people and chats into platform-free keys and hints, and Replies into messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, User
from telegram.constants import MessageLimit

from core.messages import Button, ConversationKey

CHANNEL = "telegram"

# Labels of one keyboard row, added up, stay below this so phones show them without cutting.
ROW_CHARACTERS = 30
BUTTONS_PER_ROW = 3


def conversation_key(chat_id: int) -> ConversationKey:
    return ConversationKey(CHANNEL, str(chat_id))


def language_hint(user: User | None) -> str | None:
    """Return the language of a person's Telegram app ("pt-br" -> "pt"), if Telegram tells it."""
    if user is None or not user.language_code:
        return None
    return user.language_code.replace("_", "-").split("-")[0].lower() or None


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut a text into parts Telegram accepts, at a paragraph, line or word break where possible."""
    parts: list[str] = []
    rest = text.strip()
    while _telegram_length(rest) > limit:
        cut = _cut_point(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Lay buttons out in rows: topics and languages apart, short labels side by side."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in _rows(buttons)]
    )


def _rows(buttons: Iterable[Button]) -> list[list[Button]]:
    rows: list[list[Button]] = []
    for button in buttons:
        row = rows[-1] if rows else None
        fits = (
            row is not None
            and len(row) < BUTTONS_PER_ROW
            and _kind(row[0]) == _kind(button)
            and sum(len(b.label) for b in row) + len(button.label) <= ROW_CHARACTERS
        )
        if row is not None and fits:
            row.append(button)
        else:
            rows.append([button])
    return rows


def _kind(button: Button) -> str:
    return button.payload.partition(":")[0]


def _telegram_length(text: str) -> int:
    # Telegram measures texts in UTF-16 code units: an emoji beyond the basic plane counts twice.
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _cut_point(text: str, limit: int) -> int:
    end, units = len(text), 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            end = index
            break
    window = text[:end]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at > end // 2:
            return at + len(separator)
    return end
