"""The web chat's websocket on the fake NLU: replies, buttons, history across reconnects, staff replies, bad input."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSCloseCode

from bot.app import Assistant
from bot.channels.web import WebChatLimits
from bot.channels.web.session import COOKIE
from core.channels import Arrival
from core.messages import Button, ConversationKey, Message, Reply
from core.settings import Settings
from nlu.runtime import RunningNlu
from tests.fakes.nlu import FakeNlu
from tests.web.conftest import RunningChat, chat_settings, next_frame, running_chat, session_of, visitor

ATTACK = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@asynccontextmanager
async def opened(
    chat: RunningChat, client: aiohttp.ClientSession, query: str = "", **options: Any
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    async with client.ws_connect(f"{chat.url}/chat/ws{query}", **options) as socket:
        yield socket


async def greeted(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """Read the history frame, and the greeting that follows an empty one; return the history."""
    history = await next_frame(socket)
    assert history["type"] == "history"
    if not history["messages"]:
        welcome = await next_frame(socket)
        assert welcome["type"] == "reply" and welcome["buttons"]
    return history


async def say(socket: aiohttp.ClientWebSocketResponse, text: str) -> dict[str, Any]:
    await socket.send_str(json.dumps({"type": "message", "text": text}))
    return await next_frame(socket)


async def test_a_new_chat_is_greeted_with_the_menu_in_the_page_language(chat: RunningChat) -> None:
    async with visitor() as client, opened(chat, client, "?lang=uk") as socket:
        history = await next_frame(socket)
        welcome = await next_frame(socket)
    assert history == {"type": "history", "language": "uk", "rtl": False, "messages": []}
    assert welcome["type"] == "reply" and welcome["from"] == "assistant" and welcome["language"] == "uk"
    assert "Вітаю" in welcome["text"]
    assert any(button["payload"] == "topic:office_hours" for button in welcome["buttons"])


async def test_the_cookie_is_random_httponly_lax_and_not_secure_over_http(chat: RunningChat) -> None:
    tokens = set()
    for _ in range(2):
        async with visitor() as client, opened(chat, client) as socket:
            await greeted(socket)
            (cookie,) = [cookie for cookie in client.cookie_jar if cookie.key == COOKIE]
            tokens.add(cookie.value)
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
        assert cookie["path"] == "/" and cookie["max-age"] == "86400" and len(cookie.value) == 43
    assert len(tokens) == 2


async def test_a_message_and_a_button_are_answered_with_text_buttons_and_direction(chat: RunningChat) -> None:
    async with visitor() as client, opened(chat, client, "?lang=en") as socket:
        await greeted(socket)
        reply = await say(socket, "opening hours?")
        assert reply["type"] == "reply" and reply["language"] == "en" and reply["rtl"] is False
        assert reply["text"] and isinstance(reply["buttons"], list)
        await socket.send_str(json.dumps({"type": "button", "payload": "language:ar"}))
        switched = await next_frame(socket)
        assert switched["language"] == "ar" and switched["rtl"] is True
        await socket.send_str(json.dumps({"type": "button", "payload": "topic:location"}))
        location = await next_frame(socket)
    assert location["language"] == "ar" and location["rtl"] is True and "Kastanienwall" in location["text"]


async def test_a_reconnect_with_the_cookie_shows_the_conversation_and_without_it_a_fresh_one(chat: RunningChat) -> None:
    async with visitor() as client:
        async with opened(chat, client, "?lang=en") as socket:
            await greeted(socket)
            reply = await say(socket, "hello there")
        async with opened(chat, client) as socket:
            history = await next_frame(socket)
    assert [(m["from"], m["text"]) for m in history["messages"]] == [
        ("person", "hello there"),
        ("assistant", reply["text"]),
    ]
    assert history["messages"][-1]["buttons"] == reply["buttons"]
    async with visitor() as stranger, opened(chat, stranger) as socket:
        assert (await next_frame(socket))["messages"] == []


async def test_other_tabs_of_the_same_chat_see_the_message_and_the_reply(chat: RunningChat) -> None:
    async with visitor() as client, opened(chat, client, "?lang=en") as first:
        await greeted(first)
        async with opened(chat, client) as second:
            await greeted(second)
            await say(first, "hello")
            echo = await next_frame(second)
            reply = await next_frame(second)
    assert echo == {"type": "echo", "text": "hello"}
    assert reply["type"] == "reply"


async def test_a_reply_delivered_later_reaches_the_open_chat_and_stays_in_it(chat: RunningChat) -> None:
    async with visitor() as client:
        async with opened(chat, client, "?lang=uk") as socket:
            await greeted(socket)
            await say(socket, "коли можна прийти?")
            key = ConversationKey("web", session_of(client))
            staff = Reply("Добрий день, я Марія з бюро. Чим можу допомогти?", "uk")
            assert await chat.assistant.reach.send(key, staff) is Arrival.SHOWN
            arrived = await next_frame(socket)
        async with opened(chat, client) as socket:
            history = await next_frame(socket)
    assert arrived == {
        "type": "reply", "from": "staff", "text": staff.text, "buttons": [], "rtl": False, "language": "uk",
    }
    assert history["messages"][-1]["from"] == "staff" and history["messages"][-1]["text"] == staff.text


async def test_a_delivery_to_an_unknown_or_expired_chat_says_it_did_not_arrive(chat: RunningChat) -> None:
    assert await chat.assistant.reach.send(ConversationKey("web", "0" * 64), Reply("hello", "de")) is Arrival.UNREACHABLE


class StaffTakeOver:
    """A dialogue that leaves messages asking for a person to staff: it answers nothing automatically."""

    def __init__(self, dialogue: Any) -> None:
        self._dialogue = dialogue

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dialogue, name)  # greeting, notices, ...: the dialogue's own

    async def handle(self, message: Message) -> Reply | None:
        if "person" in message.text:
            return None
        reply: Reply = await self._dialogue.handle(message)
        return reply


async def test_during_a_handover_nothing_is_sent_automatically_and_staff_words_arrive(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    def handing_over(assistant: Assistant) -> Assistant:
        return replace(assistant, dialogue=StaffTakeOver(assistant.dialogue))  # type: ignore[arg-type]

    settings = chat_settings(base_settings, tmp_path)
    async with running_chat(settings, fake_understanding, dressing=handing_over) as chat:
        async with visitor() as client, opened(chat, client, "?lang=en") as socket:
            await greeted(socket)
            await socket.send_str(json.dumps({"type": "message", "text": "a person please"}))
            await socket.send_str(json.dumps({"type": "message", "text": "hello"}))
            # The only frame is the answer to "hello": nothing answered "a person please".
            assert (await next_frame(socket))["from"] == "assistant"
            key = ConversationKey("web", session_of(client))
            await chat.assistant.reach.send(key, Reply("Hi, Anna here.", "en"))
            assert (await next_frame(socket))["text"] == "Hi, Anna here."


async def test_html_and_script_stay_text_everywhere(chat: RunningChat, web_nlu: tuple[FakeNlu, str]) -> None:
    async with visitor() as client:
        async with opened(chat, client, "?lang=en") as socket:
            await greeted(socket)
            # In a sentence, so it is understood as English and goes to the NLU server as it was typed.
            await say(socket, f"What are your hours? {ATTACK}")
        async with opened(chat, client) as socket:
            history = await next_frame(socket)
        page = await (await client.get(f"{chat.url}/?lang=%22%3E%3Cscript%3Ealert(3)%3C/script%3E")).text()
    assert history["messages"][0]["text"] == f"What are your hours? {ATTACK}"
    assert any(ATTACK in text for text in web_nlu[0].texts)
    assert "alert(3)" not in page and 'lang="de"' in page


async def test_malformed_frames_get_a_polite_answer_and_the_chat_goes_on(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    bad_frames = [
        "not json",
        "[1, 2]",
        '"text"',
        "null",
        "[" * 15000 + "]" * 15000,
        json.dumps({"type": "message"}),
        json.dumps({"type": "message", "text": 42}),
        json.dumps({"type": "button", "payload": "javascript:alert(1)"}),
        json.dumps({"type": "button", "payload": ["topic:help"]}),
        json.dumps({"type": "launch_missiles"}),
    ]
    limits = WebChatLimits(frames_per_window=100, hang_up_after=200)
    settings = chat_settings(base_settings, tmp_path)
    async with running_chat(settings, fake_understanding, limits) as chat, visitor() as client, opened(
        chat, client, "?lang=de"
    ) as socket:
        await greeted(socket)
        for bad in bad_frames:
            await socket.send_str(bad)
            frame = await next_frame(socket)
            assert frame["type"] == "error" and frame["code"] == "malformed", bad
            assert frame["text"].startswith("Entschuldigung") and frame["language"] == "de"
        await socket.send_bytes(b"\x00\x01binary")
        assert (await next_frame(socket))["code"] == "not_text"
        assert (await say(socket, "hello"))["type"] == "reply"


async def test_control_characters_and_lone_surrogates_are_dropped_not_crashed_on(chat: RunningChat) -> None:
    async with visitor() as client:
        async with opened(chat, client, "?lang=en") as socket:
            await greeted(socket)
            await socket.send_str('{"type": "message", "text": "hello\\u0000 \\ud800 there\\u001b"}')
            assert (await next_frame(socket))["type"] == "reply"
        async with opened(chat, client) as socket:
            history = await next_frame(socket)
    assert history["messages"][0]["text"] == "hello ? there"


async def test_an_oversized_message_is_refused_politely_without_reaching_the_nlu(
    chat: RunningChat, web_nlu: tuple[FakeNlu, str]
) -> None:
    nlu = web_nlu[0]
    async with visitor() as client, opened(chat, client, "?lang=en") as socket:
        await greeted(socket)
        before = nlu.requests
        frame = await say(socket, "hours " * 1000)
        assert frame["type"] == "error" and frame["code"] == "too_long" and "too long" in frame["text"]
        assert nlu.requests == before
        assert (await say(socket, "hello"))["type"] == "reply"


async def test_a_frame_beyond_the_size_limit_closes_only_that_socket(chat: RunningChat) -> None:
    async with visitor() as client:
        async with opened(chat, client) as socket:
            await greeted(socket)
            await socket.send_str(json.dumps({"type": "message", "text": "x" * 40_000}))
            closing = await socket.receive(5)
            assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == WSCloseCode.MESSAGE_TOO_BIG
        async with opened(chat, client, "?lang=en") as socket:
            await next_frame(socket)
            assert (await say(socket, "hello"))["type"] == "reply"


async def test_a_flood_gets_one_slow_down_then_silence_then_the_line_is_cut(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    limits = WebChatLimits(frames_per_window=3, window_seconds=30, hang_up_after=12)
    async with running_chat(chat_settings(base_settings, tmp_path), fake_understanding, limits) as chat:
        async with visitor() as client, opened(chat, client, "?lang=en") as socket:
            await greeted(socket)
            for number in range(30):
                await socket.send_str(json.dumps({"type": "message", "text": f"hello {number}"}))
            frames: list[dict[str, Any]] = []
            while True:
                message = await socket.receive(5)
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                frames.append(json.loads(message.data))
            assert message.type is aiohttp.WSMsgType.CLOSE and message.data == WSCloseCode.POLICY_VIOLATION
        assert [frame["type"] for frame in frames] == ["reply", "reply", "reply", "error"]
        assert frames[-1]["code"] == "slow_down" and "slow down" in frames[-1]["text"]
        # The server is fine, and a calm chat elsewhere is answered.
        async with visitor() as other, opened(chat, other, "?lang=en") as socket:
            await greeted(socket)
            assert (await say(socket, "hello"))["type"] == "reply"


async def test_pages_of_other_sites_may_not_open_the_websocket_unless_allowed(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    settings = chat_settings(base_settings, tmp_path, web_chat_origins=("https://www.hameln.de",))
    async with running_chat(settings, fake_understanding) as chat, visitor() as client:
        for origin, allowed in [
            ("https://evil.example", False),
            ("null", False),
            ("https://www.hameln.de", True),
            (chat.url, True),
        ]:
            try:
                async with client.ws_connect(f"{chat.url}/chat/ws", origin=origin) as socket:
                    assert (await next_frame(socket))["type"] == "history"
                    opened_ok = True
            except aiohttp.WSServerHandshakeError as error:
                assert error.status == 403
                opened_ok = False
            assert opened_ok is allowed, origin


async def test_the_pages_and_files_are_served_by_the_app_with_safe_headers(chat: RunningChat) -> None:
    async with visitor() as client:
        page = await client.get(f"{chat.url}/?lang=ar")
        html = await page.text()
        assert page.status == 200 and 'lang="ar" dir="rtl"' in html and "/chat/embed.js" in html
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert "http" not in html.replace(chat.url, "").split("<body>")[1], "no third-party resources"
        for path, kind in [
            ("/chat/embed.js", "text/javascript"),
            ("/chat/static/widget.js", "text/javascript"),
            ("/chat/static/widget.css", "text/css"),
        ]:
            response = await client.get(chat.url + path)
            assert response.status == 200 and response.content_type == kind, path
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        for missing in ["/chat/static/../channel.py", "/chat/static/%2e%2e%2fchannel.py", "/chat/static/nope.js"]:
            assert (await client.get(chat.url + missing)).status == 404, missing
        strings = await (await client.get(f"{chat.url}/chat/strings.json")).json()
        assert [language["code"] for language in strings["languages"]] == ["de", "en", "uk", "ru", "ar", "fa", "tr"]
        arabic = strings["languages"][4]
        assert arabic["rtl"] is True and arabic["name"] == "العربية" and arabic["ui"]["send"] == "إرسال"
        assert "24" in strings["languages"][0]["ui"]["privacy"]
        assert (await client.get(f"{chat.url}/chat/ws")).status == 400
        assert all(cookie.key != COOKIE for cookie in client.cookie_jar), "pages set no cookie"


async def test_a_staff_reply_with_buttons_keeps_them_for_the_reload(chat: RunningChat) -> None:
    async with visitor() as client:
        async with opened(chat, client, "?lang=de") as socket:
            await greeted(socket)
            await say(socket, "hello")
            key = ConversationKey("web", session_of(client))
            buttons = (Button("Öffnungszeiten", "topic:office_hours"),)
            await chat.assistant.reach.send(key, Reply("Bitte wählen Sie:", "de", buttons, topic="help"))
            frame = await next_frame(socket)
            assert frame["from"] == "assistant" and frame["buttons"] == [
                {"label": "Öffnungszeiten", "payload": "topic:office_hours"}
            ]
        async with opened(chat, client) as socket:
            history = await next_frame(socket)
    assert history["messages"][-1]["buttons"] == frame["buttons"]


async def test_stopping_the_app_closes_open_chats_quickly(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    async with visitor() as client:
        async with running_chat(chat_settings(base_settings, tmp_path), fake_understanding) as chat:
            socket = await client.ws_connect(f"{chat.url}/chat/ws")
            await greeted(socket)
            started = asyncio.get_running_loop().time()
        assert asyncio.get_running_loop().time() - started < 5
        closing = await socket.receive(5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await socket.close()


async def test_one_chat_may_not_open_endless_websockets(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    limits = WebChatLimits(sockets_per_chat=2)
    async with running_chat(chat_settings(base_settings, tmp_path), fake_understanding, limits) as chat:
        async with visitor() as client, opened(chat, client) as first:
            await greeted(first)
            async with opened(chat, client) as second:
                await greeted(second)
                try:
                    await client.ws_connect(f"{chat.url}/chat/ws")
                    raise AssertionError("a third tab of the same chat was let in")
                except aiohttp.WSServerHandshakeError as error:
                    assert error.status == 503
                async with visitor() as other, opened(chat, other) as elsewhere:
                    assert (await next_frame(elsewhere))["type"] == "history"
