"""Turn Telegram's people and chats into platform-free keys and hints, and Replies into messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, User
from telegram import Message as TelegramMessage
from telegram.constants import MessageLimit

from core.channels import TELEGRAM
from core.messages import Attachment, Button, ConversationKey

# Labels of one keyboard row, added up, stay below this so phones show them without cutting.
ROW_CHARACTERS = 30
BUTTONS_PER_ROW = 3


def conversation_key(chat_id: int) -> ConversationKey:
    return ConversationKey(TELEGRAM, str(chat_id))


def source_id(message: TelegramMessage) -> str:
    """Name a person's message uniquely, so it is stored once however often it is handled."""
    return f"{message.chat.id}:{message.message_id}"


def first_name(user: User | None) -> str | None:
    """Return the first name only: staff see no last name, user name or phone number."""
    return user.first_name if user is not None and user.first_name else None


def attachment_of(message: TelegramMessage) -> Attachment:
    """Describe what a message carries besides text, keeping only Telegram's file id (nothing is downloaded)."""
    if message.photo:
        return Attachment("photo", message.photo[-1].file_id, None, "image/jpeg")
    if message.document:
        document = message.document
        return Attachment("document", document.file_id, document.file_name, document.mime_type)
    if message.voice:
        return Attachment("voice", message.voice.file_id, None, message.voice.mime_type or "audio/ogg")
    if message.audio:
        audio = message.audio
        return Attachment("audio", audio.file_id, audio.file_name, audio.mime_type or "audio/mpeg")
    if message.video:
        return Attachment("video", message.video.file_id, message.video.file_name, message.video.mime_type or "video/mp4")
    if message.video_note:
        return Attachment("video_note", message.video_note.file_id, None, "video/mp4")
    if message.animation:
        animation = message.animation
        return Attachment("animation", animation.file_id, animation.file_name, animation.mime_type or "video/mp4")
    if message.sticker:
        sticker = message.sticker
        still = not (sticker.is_animated or sticker.is_video)
        return Attachment("sticker", sticker.file_id if still else None, None, "image/webp" if still else None)
    if message.location:
        return Attachment("location")
    if message.contact:
        # A shared contact carries a phone number; staff are not shown one.
        return Attachment("contact")
    return Attachment("other")


def attachment_text(message: TelegramMessage) -> str:
    """Return what staff may read of a non-text message: its caption, or where a shared location is."""
    if message.location:
        return f"{message.location.latitude:.5f}, {message.location.longitude:.5f}"
    return message.caption or ""


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
