"""The web chat on a bad day: storage locked, a reply sent again after a crash, erasure, bidi controls."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, update

from actions.conversation_store import DatabaseConversationStore
from bot.channels.web import WebChatLimits
from bot.channels.web.runtime import WEB_CHAT
from core.channels import WEB
from core.messages import ConversationKey
from core.settings import Settings
from handover.models import Delivery, HandoverMessage
from handover.views import StaffMember
from nlu.runtime import RunningNlu
from storage.web_chat import WebChatLine, WebChatSession
from tests.fakes.nlu import FakeNlu
from tests.web.conftest import RunningChat, chat_settings, next_frame, running_chat, session_of, visitor
from tests.web.test_web_chat_socket import greeted, opened, say

ANNA = StaffMember("account:1", "Anna")
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


async def lines_of(chat: RunningChat, session_id: str) -> list[str]:
    async with chat.database.sessions() as session:
        rows = await session.scalars(select(WebChatLine.text).where(WebChatLine.session_id == session_id).order_by(WebChatLine.id))
        return list(rows)


async def test_bidi_controls_reorder_nothing_in_the_chat(chat: RunningChat) -> None:
    async with visitor() as client:
        async with opened(chat, client, "?lang=en") as socket, opened(chat, client) as other:
            await greeted(socket)
            await greeted(other)
            await say(socket, "invoice \u202egpj.exe\u202c please \u2067x\u2069")
            echo = await next_frame(other)
            assert echo["type"] == "echo" and echo["text"] == "invoice gpj.exe please x"
        async with opened(chat, client) as socket:
            history = await next_frame(socket)
    assert not any(control in message["text"] for message in history["messages"] if message["from"] != "assistant" for control in CONTROLS)
    # Stored as written: only what is shown loses the controls.
    assert any("\u202e" in text for text in await lines_of(chat, session_of(client)))


async def test_erasing_the_handover_erases_the_web_transcript_too(chat: RunningChat) -> None:
    desk = chat.assistant.handovers
    async with visitor() as client:
        async with opened(chat, client, "?lang=en") as socket:
            await greeted(socket)
            await say(socket, "I want to talk to a person")
            await socket.send_str(json.dumps({"type": "message", "text": "My name is Olena, phone 0170 5550123"}))
            while not (handover := await desk.active()):
                await asyncio.sleep(0.05)
            await desk.claim(handover[0].id, ANNA)
            assert await desk.erase(handover[0].id, ANNA)
        session_id = session_of(client)
    assert await lines_of(chat, session_id) == []
    async with chat.database.sessions() as session:
        assert await session.get(WebChatSession, session_id) is None


async def test_erasing_also_drops_lines_still_waiting_to_be_written(
    chat: RunningChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storage is stuck: lines wait in memory to be written. Erasing must not let them be written after it."""
    transcripts = chat.app[WEB_CHAT].transcripts
    keeper = chat.app[WEB_CHAT].keeper
    append = transcripts.append
    storage_back = asyncio.Event()

    async def when_storage_is_back(*arguments: object, **named: object) -> bool:
        await storage_back.wait()
        return await append(*arguments, **named)  # type: ignore[arg-type]

    desk = chat.assistant.handovers
    async with visitor() as client:
        async with opened(chat, client, "?lang=en") as socket:
            await greeted(socket)
            await say(socket, "I want to talk to a person")
            while not (handover := await desk.active()):
                await asyncio.sleep(0.05)
            await desk.claim(handover[0].id, ANNA)
            await desk.close(handover[0].id, ANNA)
            await desk.settled()
            await keeper.settled()  # everything up to here is stored, the closing notice included
            # Erased later, when nothing more is sent to the person: the erasure does not wait for the chat.
            monkeypatch.setattr(transcripts, "append", when_storage_is_back)
            await socket.send_str(json.dumps({"type": "message", "text": "My name is Olena, phone 0170 5550123"}))
            session_id = session_of(client)
            while len(keeper.waiting(session_id)) < 2:  # the person's line and the answer
                await asyncio.sleep(0.05)
            # Storage comes back while the erasure runs: the line being written then is erased too.
            asyncio.get_running_loop().call_later(0.5, storage_back.set)
            assert await desk.erase(handover[0].id, ANNA)
        await keeper.settled()
    assert await lines_of(chat, session_id) == []
    async with chat.database.sessions() as session:
        assert await session.get(WebChatSession, session_id) is None


async def test_a_reply_sent_again_after_a_crash_reaches_the_chat_once(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    settings = chat_settings(base_settings, tmp_path)
    async with visitor() as client:
        async with running_chat(settings, fake_understanding) as chat:
            desk = chat.assistant.handovers
            async with opened(chat, client, "?lang=en") as socket:
                await greeted(socket)
                await say(socket, "I want to talk to a person")
                (handover,) = await desk.active()
                await desk.claim(handover.id, ANNA)
                sent = await desk.reply(handover.id, ANNA, "Hello from Anna", "r1")
                # After "a colleague has joined" and the handover's state frames comes the reply.
                frame = await next_frame(socket)
                while frame.get("text") != "Hello from Anna":
                    frame = await next_frame(socket)
            await desk.settled()
            # The process died after the reply reached the chat, before noting it as sent.
            async with chat.database.sessions() as session, session.begin():
                await session.execute(update(HandoverMessage).where(HandoverMessage.id == sent.id).values(delivery=Delivery.SENDING))
        async with running_chat(settings, fake_understanding) as chat:
            desk = chat.assistant.handovers
            [message] = [m for m in await desk.messages(handover.id) if m.id == sent.id]
            assert message.delivery is Delivery.UNKNOWN  # after the restart: staff decide
            await desk.retry(sent.id, ANNA)  # "Erneut senden"
            await desk.settled()
            [message] = [m for m in await desk.messages(handover.id) if m.id == sent.id]
            # No tab of the chat is open after the restart: the reply is kept for the person (issue 11's true states).
            assert message.delivery is Delivery.KEPT
            assert (await lines_of(chat, session_of(client))).count("Hello from Anna") == 1


def lock_sqlite(path: Path, seconds: float) -> None:
    """Hold SQLite's write lock from another connection (another process would do the same)."""
    connection = sqlite3.connect(path, timeout=1)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
        connection.rollback()
    finally:
        connection.close()


async def test_a_locked_database_delays_no_answer_and_loses_no_line(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = chat_settings(base_settings, tmp_path)
    async with running_chat(settings, fake_understanding) as chat, visitor() as client:
        async with opened(chat, client, "?lang=en") as socket:
            await greeted(socket)
            await say(socket, "hello there")
            locking = asyncio.create_task(asyncio.to_thread(lock_sqlite, tmp_path / "chat.db", 4.0))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            for text in ("opening hours?", "where is the office?"):
                reply = await say(socket, text)
                assert reply["type"] == "reply"
            assert time.monotonic() - started < 2.0, "answers do not wait for the locked transcript"
            await locking
            await chat.app[WEB_CHAT].keeper.settled()
            conversations = chat.assistant.conversations
            assert isinstance(conversations, DatabaseConversationStore)
            await conversations.settled()
        lines = await lines_of(chat, session_of(client))
        # What the conversation remembers was written once the lock was gone, not dropped.
        stored = await DatabaseConversationStore(chat.database).load(ConversationKey(WEB, session_of(client)))
        assert stored.last_topic == "office_hours" and stored.unclear == ("where is the office?",)
    assert [line for line in lines if line in ("hello there", "opening hours?", "where is the office?")] == [
        "hello there", "opening hours?", "where is the office?"
    ]
    assert len(lines) == 6
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_slow_answer_says_one_moment_then_sorry(
    base_settings: Settings, fake_understanding: RunningNlu, web_nlu: tuple[FakeNlu, str], tmp_path: Path
) -> None:
    nlu, _ = web_nlu
    limits = WebChatLimits(wait_notice_after=0.3, apology_after=1.0)
    async with running_chat(chat_settings(base_settings, tmp_path), fake_understanding, limits) as chat, visitor() as client:
        async with opened(chat, client, "?lang=de") as socket:
            await greeted(socket)
            nlu.delay = 1.5
            try:
                await socket.send_str(json.dumps({"type": "message", "text": "öffnungszeiten?"}))
                started = time.monotonic()
                wait = await next_frame(socket)
                assert wait["type"] == "error" and wait["code"] == "wait" and 0.2 < time.monotonic() - started < 0.9
                assert wait["text"] == chat.assistant.content.ui_text("web_wait", "de")
                sorry = await next_frame(socket)
                assert sorry["code"] == "slow" and 0.9 < time.monotonic() - started < 1.5
                answer = await next_frame(socket)
                assert answer["type"] == "reply"
            finally:
                nlu.delay = 0.0






FLOODER, VISITOR = {"X-Forwarded-For": "203.0.113.66"}, {"X-Forwarded-For": "198.51.100.7"}


async def test_one_address_cannot_take_every_socket(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    settings = chat_settings(base_settings, tmp_path, trusted_proxies=("127.0.0.1",))
    limits = WebChatLimits(sockets_per_address=5)
    async with running_chat(settings, fake_understanding, limits) as chat:
        sockets = []
        async with visitor() as flooder:
            for _ in range(5):
                sockets.append(await flooder.ws_connect(f"{chat.url}/chat/ws", headers=FLOODER))
            async with flooder.get(f"{chat.url}/chat/ws", headers={**FLOODER, "Connection": "Upgrade", "Upgrade": "websocket",
                                   "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}) as refused:
                assert refused.status == 429 and refused.headers["Retry-After"]
            # Spoofing the header does not help: only the trusted proxy (127.0.0.1 here) is believed.
            async with visitor() as other, opened(chat, other, headers=VISITOR) as socket:
                await greeted(socket)
                assert (await say(socket, "opening hours?"))["type"] == "reply"
            for socket in sockets:
                await socket.close()


async def test_a_flood_from_one_address_does_not_slow_another_visitor(
    base_settings: Settings, fake_understanding: RunningNlu, web_nlu: tuple[FakeNlu, str], tmp_path: Path
) -> None:
    nlu, _ = web_nlu
    settings = chat_settings(base_settings, tmp_path, trusted_proxies=("127.0.0.1",))
    limits = WebChatLimits(answering_at_once=2, waiting_per_address=4, messages_per_address=40)
    async with running_chat(settings, fake_understanding, limits) as chat:
        nlu.delay = 0.05  # every understanding costs the NLU server some time
        try:
            # Cookie-less, like a script: every socket is a new chat.
            async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as flood_client, visitor() as person:
                flood_sockets = [await flood_client.ws_connect(f"{chat.url}/chat/ws", headers=FLOODER) for _ in range(12)]
                async with opened(chat, person, "?lang=en", headers=VISITOR) as socket:
                    await greeted(socket)

                    async def flood(ws: object) -> None:
                        for index in range(8):
                            await ws.send_str(json.dumps({"type": "message", "text": f"spam {index}"}))  # type: ignore[attr-defined]

                    flooding = [asyncio.create_task(flood(ws)) for ws in flood_sockets]
                    await asyncio.sleep(0.05)
                    times, frames = [], []
                    for text in ("opening hours?", "where is the office?", "opening hours?"):
                        started = time.monotonic()
                        frame = await say(socket, text)
                        times.append(time.monotonic() - started)
                        frames.append(frame)
                    await asyncio.gather(*flooding)
                busy = 0
                for ws in flood_sockets:
                    while True:
                        try:
                            frame = await next_frame(ws, 0.5)
                        except (TimeoutError, AssertionError):
                            break
                        busy += frame.get("code") == "busy"
                    await ws.close()
        finally:
            nlu.delay = 0.0
    assert all(frame["type"] == "reply" for frame in frames), frames
    # Under a second on a quiet machine (bench/abuse.py measures it); CI machines are shared, hence the margin.
    assert max(times) < 2.0, times
    assert busy >= 1, "the flooder is told it is too much"
