"""Read an update's JSON; keep what matters from updates this PTB cannot read in full."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Update

log = logging.getLogger(__name__)

Json = dict[str, Any]
_PARSE_ERRORS = (TypeError, ValueError, KeyError, AttributeError)


def parse_update(data: Json, bot: Bot) -> Update | None:
    """Parse an update; from a newer or odd Bot API shape keep who wrote, where, and any plain text."""
    try:
        return Update.de_json(data, bot)
    except _PARSE_ERRORS as error:
        failure = type(error).__name__
    essentials = _essentials(data)
    if essentials is not None:
        try:
            update = Update.de_json(essentials, bot)
        except _PARSE_ERRORS:
            update = None
        if update is not None:
            log.warning("update %s read in part only (%s)", data.get("update_id"), failure)
            return update
    log.error("update %s is not readable (%s); skipped", data.get("update_id"), failure)
    return None


def _essentials(data: Json) -> Json | None:
    update_id = data.get("update_id")
    message = data.get("message")
    if isinstance(message, dict):
        return {"update_id": update_id, "message": _message(message, keep_text=True)}
    query = data.get("callback_query")
    if isinstance(query, dict):
        reduced: Json = {key: query[key] for key in ("id", "chat_instance", "data") if key in query}
        reduced["from"] = _user(query.get("from"))
        if isinstance(query.get("message"), dict):
            reduced["message"] = _message(query["message"], keep_text=False)
        return {"update_id": update_id, "callback_query": reduced}
    return None


def _message(message: Json, keep_text: bool) -> Json:
    # Without its attachment, a message that was not text is still answered as "not text".
    reduced: Json = {key: message[key] for key in ("message_id", "date", "media_group_id") if key in message}
    reduced["chat"] = _chat(message.get("chat"))
    if "from" in message:
        reduced["from"] = _user(message["from"])
    text = message.get("text")
    if keep_text and isinstance(text, str):
        reduced["text"] = text
        if text.startswith("/"):
            reduced["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return reduced


def _chat(chat: object) -> Json:
    if not isinstance(chat, dict):
        return {}
    return {key: chat[key] for key in ("id", "type", "title", "first_name") if key in chat}


def _user(user: object) -> Json:
    if not isinstance(user, dict):
        return {}
    return {key: user[key] for key in ("id", "is_bot", "first_name", "language_code") if key in user}
