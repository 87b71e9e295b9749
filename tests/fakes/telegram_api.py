"""A fake Telegram Bot API served over HTTP on 127.0.0.1, for the real python-telegram-bot client.

It speaks the Bot API's formats (https://core.telegram.org/bots/api): `<root>/bot<token>/<method>`
with JSON, form or query parameters, and `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": ..., "description": ...}` answers. Tests inject updates as people
would cause them, read what the bot sent, and make the API answer 429 (retry_after) or 403 (blocked).
Where it matters it behaves like Telegram: a webhook update is posted again until the bot answers
2xx, a getUpdates ends a waiting older one with 409 "terminated by other getUpdates request", and
a request can be carried out with its answer cut off (`drop_response`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

Json = dict[str, Any]

# Parameters whose values arrive JSON-serialised in form data, or are numbers or booleans.
_JSON_PARAMS = frozenset(
    {"reply_markup", "allowed_updates", "commands", "scope", "entities", "link_preview_options", "reply_parameters",
     "caption_entities", "message_ids"}
)
_INT_PARAMS = frozenset(
    {"chat_id", "offset", "limit", "timeout", "message_id", "max_connections", "cache_time", "message_thread_id",
     "reply_to_message_id", "from_chat_id"}
)
_BOOL_PARAMS = frozenset({"drop_pending_updates", "show_alert", "disable_notification", "protect_content"})
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Person:
    """Someone with a Telegram account who writes to the bot in a private chat."""

    user_id: int
    first_name: str = "Olena"
    language_code: str | None = "uk"

    @property
    def user(self) -> Json:
        user: Json = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def chat(self) -> Json:
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made: method, parameters, the HTTP status answered and when."""

    method: str
    params: Json
    status: int
    at: float


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int


@dataclass
class FakeTelegram:
    """The Bot API of one bot, with the people and groups that talk to it."""

    token: str = "123456789:AAHfakeTokenForTests-0123456789abcde"
    bot_username: str = "hameln_test_bot"
    # Telegram filters deliveries by allowed_updates; off by default so the bot's own filtering is tested.
    filter_by_allowed_updates: bool = False
    url: str = ""
    calls: list[ApiCall] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    webhook: Webhook | None = None
    allowed_updates: list[str] | None = None
    commands: dict[str, list[Json]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    file_downloads: int = 0
    webhook_deliveries: list[tuple[int, int]] = field(default_factory=list)
    _queue: list[Json] = field(default_factory=list)
    _history: dict[int, Json] = field(default_factory=dict)
    _messages: dict[int, dict[int, Json]] = field(default_factory=lambda: defaultdict(dict))
    _chats: dict[int, Json] = field(default_factory=dict)
    _callback_queries: dict[str, bool] = field(default_factory=dict)
    _topics: dict[int, dict[int, Json]] = field(default_factory=dict)
    _rate_limits: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    _dropped_responses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500_000))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _delivery: asyncio.Task[None] | None = None
    _closing: bool = False
    # Each getUpdates gets a number; a newer one ends a waiting older one with 409, as Telegram does.
    _polls: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _latest_poll: int = 0
    # How many getUpdates were ended by a newer one while their caller still waited.
    conflicts: int = 0

    @property
    def bot_user(self) -> Json:
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Hameln Integration",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # --- what people do ---------------------------------------------------------------------

    def send_text(self, person: Person, text: str, sent_at: float | None = None) -> int:
        """Person writes `text` (at `sent_at`, seconds since the epoch; default now); a /command is marked."""
        message = self._message_from(person, text=text)
        if sent_at is not None:
            message["date"] = int(sent_at)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.inject({"message": message})

    def send(self, person: Person, **content: Any) -> int:
        """Person sends a message with the given fields, e.g. sticker=..., voice=..."""
        return self.inject({"message": self._message_from(person, **content)})

    def send_sticker(self, person: Person) -> int:
        return self.send(person, sticker={**_file("sticker"), "type": "regular", "width": 512, "height": 512,
                                          "is_animated": False, "is_video": False, "emoji": "👍"})

    def send_voice(self, person: Person) -> int:
        return self.send(person, voice={**_file("voice"), "duration": 4, "mime_type": "audio/ogg", "file_size": 18022})

    def send_photo(self, person: Person, caption: str | None = None, album: str | None = None) -> int:
        fields: Json = {"photo": [{**_file("photo-s"), "width": 90, "height": 120, "file_size": 1500},
                                  {**_file("photo-m"), "width": 960, "height": 1280, "file_size": 98000}]}
        if caption:
            fields["caption"] = caption
        if album:
            fields["media_group_id"] = album
        return self.send(person, **fields)

    def edit_text(self, person: Person, message_id: int, text: str) -> int:
        """Person edits an earlier message of theirs."""
        message = self._message_from(person, text=text)
        message["message_id"] = message_id
        message["edit_date"] = int(time.time())
        return self.inject({"edited_message": message})

    def press(self, person: Person, message: Json, data: str) -> int:
        """Person presses the inline button with callback data `data` under the bot's `message`."""
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if data not in {b.get("callback_data") for b in buttons}:
            raise AssertionError(f"no button {data!r} under that message")
        query_id = str(next(self._update_ids) * 7919)
        self._callback_queries[query_id] = False
        return self.inject({"callback_query": {
            "id": query_id,
            "from": person.user,
            "message": message,
            "chat_instance": str(-person.user_id),
            "data": data,
        }})

    def block(self, person: Person) -> int:
        """Person blocks the bot: sending to them fails from now on, and the bot is told."""
        self.blocked.add(person.user_id)
        return self._membership(person.chat, person, "member", "kicked")

    def add_to_group(self, person: Person, group_id: int, title: str = "Deutschkurs B1") -> int:
        """Person adds the bot to a group."""
        self._chats[group_id] = {"id": group_id, "type": "supergroup", "title": title}
        return self._membership(self._chats[group_id], person, "left", "member")

    def send_in_group(self, person: Person, group_id: int, text: str) -> int:
        chat = self._chats.setdefault(group_id, {"id": group_id, "type": "supergroup", "title": "Gruppe"})
        message = self._message_from(person, text=text)
        message["chat"] = chat
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.inject({"message": message})

    def inject(self, update: Json) -> int:
        """Queue an update for the bot (getUpdates or webhook) and return its update_id."""
        composed = self.compose(update)
        self._queue.append(composed)
        return int(composed["update_id"])

    def compose(self, update: Json) -> Json:
        """Give an update its update_id, as Telegram would, without delivering it."""
        composed = {"update_id": next(self._update_ids), **update}
        self._history[composed["update_id"]] = composed
        return composed

    def text_update(self, person: Person, text: str) -> Json:
        """Compose (not deliver) the update of `person` writing `text`."""
        return self.compose({"message": self._message_from(person, text=text)})

    def meet(self, person: Person) -> None:
        """Let the bot write to `person`, as after they started it."""
        self._chats[person.user_id] = person.chat

    def deliver_again(self, update_id: int) -> None:
        """Deliver an update once more, as Telegram does when it did not see the bot's confirmation."""
        self._queue.append(self._history[update_id])

    # --- how the API misbehaves --------------------------------------------------------------

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 Too Many Requests."""
        self._rate_limits[method].extend([retry_after] * times)

    def drop_response(self, method: str, times: int = 1) -> None:
        """Carry out the next `times` calls of `method`, then close the connection without answering."""
        self._dropped_responses[method] += times

    # --- what the bot did ---------------------------------------------------------------------

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def messages_to(self, chat_id: int) -> list[Json]:
        """Messages the bot sent to a chat, oldest first."""
        return sorted(self._messages[chat_id].values(), key=lambda m: m["message_id"])

    def texts_to(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.messages_to(chat_id)]

    @property
    def pending_updates(self) -> int:
        return len(self._queue)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `condition()` holds; fail the test after `timeout` seconds."""
        await asyncio.wait_for(_until(condition), timeout)

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[Json]:
        await self.wait_for(lambda: len(self._messages[chat_id]) >= count, timeout)
        return self.messages_to(chat_id)

    async def settle(self, quiet: float = 0.5) -> None:
        """Wait until nothing has happened for `quiet` seconds, to check that nothing more comes."""
        while True:
            seen = len(self.calls) + len(self.webhook_deliveries)
            await asyncio.sleep(quiet)
            if len(self.calls) + len(self.webhook_deliveries) == seen and not (self.webhook and self._queue):
                return

    # --- the HTTP side --------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        answer = getattr(self, f"_api_{_snake(method)}", None)
        if answer is None:
            response = _error(404, "Not Found")
        elif self._rate_limits[method]:
            retry_after = self._rate_limits[method].popleft()
            response = _error(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        else:
            try:
                response = web.json_response({"ok": True, "result": await answer(params)})
            except _ApiError as error:
                response = _error(error.code, error.description)
                if error.code == 409 and "other getUpdates" in error.description and not _gone(request):
                    self.conflicts += 1  # a poller that is still waiting for the answer is ended
        self.calls.append(ApiCall(method, params, response.status, time.monotonic()))
        if self._dropped_responses[method] > 0 and response.status == 200:
            self._dropped_responses[method] -= 1
            assert request.transport is not None
            request.transport.close()
        return response

    async def download(self, request: web.Request) -> web.Response:
        self.file_downloads += 1
        return web.Response(body=b"\x00" * 16)

    async def _api_get_me(self, params: Json) -> Json:
        return self.bot_user

    async def _api_get_updates(self, params: Json) -> list[Json]:
        if self.webhook is not None:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                 "use deleteWebhook to delete the webhook first")
        if "allowed_updates" in params:
            self.allowed_updates = params["allowed_updates"]
        offset = params.get("offset")
        if offset is not None:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        poll = self._latest_poll = next(self._polls)
        timeout = float(params.get("timeout") or 0)

        def answer_now() -> bool:
            return self._closing or bool(self._deliverable()) or self._latest_poll != poll

        with suppress(TimeoutError):
            await asyncio.wait_for(_until(answer_now), timeout)
        if self._latest_poll != poll:
            raise _ApiError(409, "Conflict: terminated by other getUpdates request; "
                                 "make sure that only one bot instance is running")
        return self._deliverable()[: int(params.get("limit") or 100)]

    async def _api_set_webhook(self, params: Json) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self._api_delete_webhook(params)
        if not url.startswith(("https://", "http://127.0.0.1")):
            raise _ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self.allowed_updates = params.get("allowed_updates", self.allowed_updates)
        self.webhook = Webhook(url, secret, params.get("allowed_updates"), int(params.get("max_connections") or 40))
        if self._delivery is None or self._delivery.done():
            self._delivery = asyncio.create_task(self._deliver())
        return True

    async def _api_delete_webhook(self, params: Json) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _api_get_webhook_info(self, params: Json) -> Json:
        info: Json = {"url": self.webhook.url if self.webhook else "", "has_custom_certificate": False,
                      "pending_update_count": len(self._queue)}
        if self.webhook:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
        return info

    async def _api_send_message(self, params: Json) -> Json:
        chat = self._chat_to_write(params)
        text = str(params.get("text") or "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        if params.get("parse_mode") not in (None, "", "MarkdownV2", "HTML", "Markdown"):
            raise _ApiError(400, "Bad Request: unsupported parse_mode")
        message: Json = {"message_id": next(self._message_ids), "from": self.bot_user, "chat": chat,
                         "date": int(time.time()), "text": text}
        markup = params.get("reply_markup")
        if markup:
            _check_inline_keyboard(markup)
            message["reply_markup"] = markup
        self._place(message, params)
        if params.get("entities"):
            message["entities"] = params["entities"]
        self._messages[chat["id"]][message["message_id"]] = message
        return message

    # --- the staff group: forum topics and media sent by file_id -----------------------------------

    def staff_group(self, chat_id: int, forum: bool = True, title: str = "Team Integration") -> None:
        """Create the group the staff work in; the bot is a member (and admin, so it sees every message)."""
        self._chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": title, **({"is_forum": True} if forum else {})}

    def staff_writes(self, person: Person, chat_id: int, text: str, thread: int | None = None,
                     reply_to: Json | None = None) -> int:
        """A colleague writes in the staff group: in a forum topic, and/or as a reply to a message."""
        message = self._message_from(person, text=text)
        message["chat"] = self._chats[chat_id]
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return self.inject({"message": message})

    def topics(self, chat_id: int) -> dict[int, Json]:
        return self._topics.get(chat_id, {})

    def messages_in_thread(self, chat_id: int, thread: int | None) -> list[Json]:
        return [m for m in self.messages_to(chat_id) if m.get("message_thread_id") == thread]

    async def _api_get_chat(self, params: Json) -> Json:
        chat = self._chats.get(params.get("chat_id"))  # type: ignore[arg-type]
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types":
                {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                 "premium_subscription": False, "gifts_from_channels": False}}

    async def _api_create_forum_topic(self, params: Json) -> Json:
        chat = self._chat_to_write(params)
        if not chat.get("is_forum"):
            raise _ApiError(400, "Bad Request: the chat is not a forum")
        thread = next(self._message_ids)
        topic = {"message_thread_id": thread, "name": str(params.get("name")), "icon_color": 7322096}
        self._topics.setdefault(chat["id"], {})[thread] = {**topic, "closed": False}
        return topic

    async def _api_close_forum_topic(self, params: Json) -> bool:
        topic = self._topic(params)
        if topic["closed"]:
            raise _ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic["closed"] = True
        return True

    async def _api_delete_forum_topic(self, params: Json) -> bool:
        self._topic(params)
        chat_id = int(params["chat_id"])
        thread = int(params["message_thread_id"])
        del self._topics[chat_id][thread]
        for message_id in [i for i, m in self._messages[chat_id].items() if m.get("message_thread_id") == thread]:
            del self._messages[chat_id][message_id]
        return True

    async def _api_delete_messages(self, params: Json) -> bool:
        chat = self._chat_to_write(params)
        for message_id in params.get("message_ids") or []:
            self._messages[chat["id"]].pop(int(message_id), None)
        return True

    async def _api_send_photo(self, params: Json) -> Json:
        return self._media_message(params, "photo")

    async def _api_send_document(self, params: Json) -> Json:
        return self._media_message(params, "document")

    async def _api_send_voice(self, params: Json) -> Json:
        return self._media_message(params, "voice")

    async def _api_send_audio(self, params: Json) -> Json:
        return self._media_message(params, "audio")

    async def _api_send_video(self, params: Json) -> Json:
        return self._media_message(params, "video")

    async def _api_send_animation(self, params: Json) -> Json:
        return self._media_message(params, "animation")

    def _media_message(self, params: Json, kind: str) -> Json:
        chat = self._chat_to_write(params)
        file_id = params.get(kind)
        if not isinstance(file_id, str) or not file_id:
            raise _ApiError(400, f"Bad Request: there is no {kind} in the request")
        media: Json = {"file_id": file_id, "file_unique_id": f"u{file_id}"}
        if kind == "photo":
            media = [{**media, "width": 90, "height": 120}]  # type: ignore[assignment]
        elif kind == "voice":
            media["duration"] = 1
        message: Json = {"message_id": next(self._message_ids), "from": self.bot_user, "chat": chat,
                         "date": int(time.time()), kind: media, "text": ""}
        if params.get("caption"):
            message["caption"] = params["caption"]
        if params.get("caption_entities"):
            message["caption_entities"] = params["caption_entities"]
        self._place(message, params)
        self._messages[chat["id"]][message["message_id"]] = message
        return message

    def _place(self, message: Json, params: Json) -> None:
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        reply = params.get("reply_parameters") or {}
        if params.get("reply_to_message_id") or reply.get("message_id"):
            message["reply_to_message_id"] = params.get("reply_to_message_id") or reply.get("message_id")

    def _topic(self, params: Json) -> Json:
        chat = self._chat_to_write(params)
        topic = self._topics.get(chat["id"], {}).get(int(params.get("message_thread_id") or 0))
        if topic is None:
            raise _ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        return topic

    async def _api_edit_message_text(self, params: Json) -> Json:
        chat = self._chat_to_write(params)
        message = self._messages[chat["id"]].get(int(params.get("message_id") or 0))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        text = str(params.get("text") or "")
        if text == message["text"] and params.get("reply_markup") == message.get("reply_markup"):
            raise _ApiError(400, "Bad Request: message is not modified: specified new message content and "
                                 "reply markup are exactly the same as a current content and reply markup of the message")
        message.update(text=text, edit_date=int(time.time()))
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_answer_callback_query(self, params: Json) -> bool:
        query_id = str(params.get("callback_query_id"))
        if self._callback_queries.get(query_id, True):
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._callback_queries[query_id] = True
        return True

    async def _api_send_chat_action(self, params: Json) -> bool:
        self._chat_to_write(params)
        return True

    async def _api_set_my_commands(self, params: Json) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _ApiError(400, "Bad Request: command description must be 1-256 characters")
        self.commands[str(params.get("language_code") or "")] = commands
        return True

    async def _api_get_my_commands(self, params: Json) -> list[Json]:
        return self.commands.get(str(params.get("language_code") or ""), [])

    async def _api_set_my_description(self, params: Json) -> bool:
        description = str(params.get("description") or "")
        if len(description) > 512:
            raise _ApiError(400, "Bad Request: description is too long")
        self.descriptions[str(params.get("language_code") or "")] = description
        return True

    async def _api_get_my_description(self, params: Json) -> Json:
        return {"description": self.descriptions.get(str(params.get("language_code") or ""), "")}

    async def _api_set_my_short_description(self, params: Json) -> bool:
        short = str(params.get("short_description") or "")
        if len(short) > 120:
            raise _ApiError(400, "Bad Request: short description is too long")
        self.short_descriptions[str(params.get("language_code") or "")] = short
        return True

    async def _api_get_file(self, params: Json) -> Json:
        file_id = str(params.get("file_id"))
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": 16, "file_path": f"files/{file_id}"}

    async def _api_leave_chat(self, params: Json) -> bool:
        return True

    async def _api_log_out(self, params: Json) -> bool:
        return True

    async def _api_close(self, params: Json) -> bool:
        return True

    # --- inside ---------------------------------------------------------------------------------

    def _message_from(self, person: Person, **content: Any) -> Json:
        self._chats[person.user_id] = person.chat
        return {"message_id": next(self._message_ids), "from": person.user, "chat": person.chat,
                "date": int(time.time()), **content}

    def _membership(self, chat: Json, person: Person, old: str, new: str) -> int:
        def member(status: str) -> Json:
            return {"status": status, "user": self.bot_user, **({"until_date": 0} if status == "kicked" else {})}

        return self.inject({"my_chat_member": {"chat": chat, "from": person.user, "date": int(time.time()),
                                               "old_chat_member": member(old), "new_chat_member": member(new)}})

    def _chat_to_write(self, params: Json) -> Json:
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _deliverable(self) -> list[Json]:
        if not self.filter_by_allowed_updates or not self.allowed_updates:
            return list(self._queue)
        return [u for u in self._queue if any(kind in u for kind in self.allowed_updates)]

    async def _deliver(self) -> None:
        """Post queued updates to the webhook one at a time, retrying until the bot answers 2xx."""
        async with aiohttp.ClientSession() as session:
            while self.webhook is not None:
                await _until(lambda: bool(self._deliverable()) or self.webhook is None)
                if self.webhook is None:
                    return
                update = self._deliverable()[0]
                status = await self._post(session, self.webhook, update)
                self.webhook_deliveries.append((update["update_id"], status))
                if 200 <= status < 300:
                    with suppress(ValueError):
                        self._queue.remove(update)
                else:
                    await asyncio.sleep(0.2)

    @staticmethod
    async def _post(session: aiohttp.ClientSession, webhook: Webhook, update: Json) -> int:
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        try:
            async with session.post(webhook.url, json=update, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=10)) as response:
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@asynccontextmanager
async def serve_fake_telegram(api: FakeTelegram) -> AsyncIterator[str]:
    """Serve `api` on a free port of 127.0.0.1 and yield its root URL (for TELEGRAM_API_URL)."""
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", api.handle)
    app.router.add_get("/file/bot{token}/{path:.*}", api.download)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    api.url = f"http://127.0.0.1:{port}"
    try:
        yield api.url
    finally:
        api.webhook = None
        api._closing = True
        if api._delivery is not None:
            api._delivery.cancel()
            with suppress(asyncio.CancelledError):
                await api._delivery
        await runner.cleanup()


def _gone(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.005)


async def _params(request: web.Request) -> Json:
    params: Json = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        params.update(await request.json())
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    for key, value in list(params.items()):
        if not isinstance(value, str):
            continue
        if key in _JSON_PARAMS:
            params[key] = json.loads(value)
        elif key in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
        elif key in _BOOL_PARAMS:
            params[key] = value.lower() == "true"
    return params


def _check_inline_keyboard(markup: Json) -> None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise _ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _error(code: int, description: str, parameters: Json | None = None) -> web.Response:
    body: Json = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _file(kind: str) -> Json:
    return {"file_id": f"AgAC{kind}-0123456789", "file_unique_id": f"AQAD{kind}"}


def _snake(method: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", method).lower()
