"""Handover from the web chat through the real staff desk: confirmation, forwarding, live staff words, handback."""

from __future__ import annotations

import json

import aiohttp

from handover.models import Delivery, Direction
from handover.views import StaffMember
from tests.web.conftest import RunningChat, next_frame, visitor

ANNA = StaffMember("account:1", "Anna")
ANSWER = "Hello, Anna from the office here."


async def say(socket: aiohttp.ClientWebSocketResponse, text: str) -> None:
    await socket.send_str(json.dumps({"type": "message", "text": text}))


async def test_a_person_asks_for_staff_and_gets_their_answer_live_then_the_assistant_back(chat: RunningChat) -> None:
    desk = chat.assistant.handovers
    content = chat.assistant.content
    assert desk is not None
    cancel = {"label": "Back to the assistant", "payload": "handover:cancel"}
    async with visitor() as client:
        async with client.ws_connect(f"{chat.url}/chat/ws?lang=en") as socket:
            await next_frame(socket)
            await next_frame(socket)
            await say(socket, "I want to talk to a person")
            confirmation = await next_frame(socket)
            assert confirmation["buttons"] == [cancel]
            # The web chat promises what it can take: photos and PDFs through its file button.
            assert content.ui_text("handover_meanwhile_web", "en") in confirmation["text"]
            assert await next_frame(socket) == {"type": "handover", "active": True, "telegram": None}
            await say(socket, "are you there?")
            (handover,) = await desk.active()
            await desk.claim(handover.id, ANNA)
            joined = await next_frame(socket)
            assert joined["from"] == "assistant" and joined["text"] == content.ui_text("handover_joined", "en")
            assert joined["buttons"] == [cancel]
            assert (await next_frame(socket))["active"] is True
            await desk.reply(handover.id, ANNA, ANSWER, "reply-1")
            # The next frame is staff's: nothing answered "are you there?" automatically; the way back stays.
            assert await next_frame(socket) == {
                "type": "reply", "from": "staff", "text": ANSWER, "buttons": [cancel], "rtl": False, "language": "en",
            }
            assert (await next_frame(socket))["active"] is True
            await desk.settled()
            sent = [m for m in await desk.messages(handover.id) if m.direction is Direction.OUT]
            assert [m.delivery for m in sent] == [Delivery.SENT, Delivery.SENT], "the open page showed both"
            await desk.close(handover.id, ANNA)
            handback = await next_frame(socket)
            assert handback["from"] == "assistant" and handback["text"] == content.ui_text("handover_closed", "en")
            assert handback["buttons"] and cancel not in handback["buttons"]
            assert await next_frame(socket) == {"type": "handover", "active": False, "telegram": None}
        async with client.ws_connect(f"{chat.url}/chat/ws") as socket:
            history = await next_frame(socket)
    said = [(message["from"], message["text"]) for message in history["messages"]]
    assert said.index(("person", "are you there?")) + 2 == said.index(("staff", ANSWER))


async def test_the_person_can_go_back_to_the_assistant_with_the_button(chat: RunningChat) -> None:
    desk = chat.assistant.handovers
    assert desk is not None
    async with visitor() as client:
        async with client.ws_connect(f"{chat.url}/chat/ws?lang=en") as socket:
            await next_frame(socket)
            await next_frame(socket)
            await say(socket, "a person please")
            await next_frame(socket)
            assert (await next_frame(socket))["active"] is True
            await socket.send_str(json.dumps({"type": "button", "payload": "handover:cancel"}))
            back = await next_frame(socket)
            assert back["from"] == "assistant" and back["buttons"]
            assert back["text"] == chat.assistant.content.ui_text("handover_closed", "en")
            assert (await next_frame(socket))["active"] is False
            assert await desk.active() == []
        async with client.ws_connect(f"{chat.url}/chat/ws") as socket:
            history = await next_frame(socket)
    assert ("person", "Back to the assistant") in [(m["from"], m["text"]) for m in history["messages"]]
