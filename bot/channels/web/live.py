"""The open websockets of each web chat, and the outbound side that reaches them later (staff replies)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import WSCloseCode, web

from actions.handover import CANCEL_PAYLOAD
from bot.channels.web.frames import handover_frame, line_frame
from bot.channels.web.keeper import TranscriptKeeper
from core.bus import EventBus
from core.channels import Arrival
from handover.notices import TOPIC as HANDOVER_TOPIC
from core.messages import ConversationKey, Reply
from storage.web_chat import Author, TranscriptLine, Transcripts

log = logging.getLogger(__name__)


class ChatConnection:
    """One open websocket of a chat; sends one frame at a time."""

    def __init__(self, session_id: str, socket: web.WebSocketResponse, address: str = "") -> None:
        self.session_id = session_id
        self.socket = socket
        # Where the browser connects from (for the per-address limits); never logged or stored.
        self.address = address
        self._lock = asyncio.Lock()

    async def send(self, frame: Mapping[str, Any]) -> bool:
        """Send a frame; return False when the browser has gone."""
        async with self._lock:
            if self.socket.closed:
                return False
            try:
                await self.socket.send_str(json.dumps(frame, ensure_ascii=False))
            except (ConnectionError, RuntimeError) as error:
                log.info("web chat frame not sent (%s)", type(error).__name__)
                return False
            return True


class OpenChats:
    """Every open websocket, by chat session; a chat may be open in several tabs."""

    def __init__(self) -> None:
        self._connections: dict[str, set[ChatConnection]] = {}
        self._per_address: dict[str, int] = {}

    def count(self, session_id: str | None = None) -> int:
        """Return how many websockets are open for one chat, or in all."""
        if session_id is not None:
            return len(self._connections.get(session_id, ()))
        return sum(len(connections) for connections in self._connections.values())

    def from_address(self, address: str) -> int:
        """Return how many websockets are open from one address."""
        return self._per_address.get(address, 0)

    def add(self, connection: ChatConnection) -> None:
        connections = self._connections.setdefault(connection.session_id, set())
        if connection not in connections:
            connections.add(connection)
            self._per_address[connection.address] = self._per_address.get(connection.address, 0) + 1

    def remove(self, connection: ChatConnection) -> None:
        connections = self._connections.get(connection.session_id)
        if connections is not None and connection in connections:
            connections.discard(connection)
            if not connections:
                del self._connections[connection.session_id]
            left = self._per_address.get(connection.address, 1) - 1
            if left > 0:
                self._per_address[connection.address] = left
            else:
                self._per_address.pop(connection.address, None)

    async def push(self, session_id: str, frame: Mapping[str, Any], skip: ChatConnection | None = None) -> int:
        """Send a frame to every open tab of a chat but `skip`; return how many got it."""
        targets = [c for c in self._connections.get(session_id, ()) if c is not skip]
        sent = await asyncio.gather(*(connection.send(frame) for connection in targets))
        return sum(sent)

    async def close_all(self) -> None:
        """Say goodbye to every browser, so stopping the server does not wait for them."""
        sockets = [c.socket for connections in self._connections.values() for c in connections]
        await asyncio.gather(
            *(socket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping") for socket in sockets),
            return_exceptions=True,
        )


# The event bus topic of frames for open chats: a chat's tabs may be open on any process.
LIVE_TOPIC = "web-chat"


class WebChatOutbound:
    """Reach a web chat later: keep the reply in the transcript and show it in the chat's open tabs, on any process."""

    def __init__(self, transcripts: Transcripts, bus: EventBus, keeper: TranscriptKeeper, chats: OpenChats | None = None) -> None:
        self._transcripts = transcripts
        self._bus = bus
        self._keeper = keeper
        self._chats = chats

    async def send(self, conversation: ConversationKey, reply: Reply) -> Arrival:
        """Add `reply` to the chat: SHOWN in an open tab, else KEPT for the person's return; UNREACHABLE when the chat is gone.

        A reply with a delivery key that is in the transcript already (sent once before a crash, then
        sent again) is not added or shown a second time.
        """
        session_id = conversation.conversation_id
        if not self._keeper.waiting(session_id) and not await self._transcripts.is_active(session_id):
            return Arrival.UNREACHABLE
        line = TranscriptLine(author_of(reply), reply.text, reply.language, reply.rtl, reply.buttons)
        # In line with what the chat keeps meanwhile, retried while storage is slow, shown once.
        if await self._keeper.keep(session_id, line, reply.delivery_key):
            self._bus.publish(LIVE_TOPIC, {"session": session_id, "frame": dict(line_frame(line))})
        if reply.topic is None or reply.topic == HANDOVER_TOPIC:
            # A colleague's words or the desk's notices: whether staff look after the chat now.
            active = any(b.payload == CANCEL_PAYLOAD for b in reply.buttons)
            self._bus.publish(LIVE_TOPIC, {"session": session_id, "frame": dict(handover_frame(active))})
        # Shown only where a tab of the chat is open on this process; elsewhere it waits for the person.
        return Arrival.SHOWN if self._chats is not None and self._chats.count(session_id) else Arrival.KEPT


class LiveFrames:
    """Show frames published for a chat (by any process) in the chat's tabs open on this process."""

    def __init__(self, chats: OpenChats) -> None:
        self._chats = chats
        self._pushing: set[asyncio.Task[int]] = set()

    def receive(self, event: Mapping[str, Any]) -> None:
        session_id, frame = event.get("session"), event.get("frame")
        if not isinstance(session_id, str) or not isinstance(frame, dict) or not self._chats.count(session_id):
            return
        task = asyncio.create_task(self._chats.push(session_id, frame))
        self._pushing.add(task)
        task.add_done_callback(self._pushing.discard)

    async def settled(self) -> None:
        """Wait until every received frame has been pushed (tests, shutdown)."""
        while self._pushing:
            await asyncio.gather(*list(self._pushing), return_exceptions=True)


def author_of(reply: Reply) -> Author:
    """Tell staff's words from the assistant's: the assistant's replies always name their topic."""
    return Author.ASSISTANT if reply.topic else Author.STAFF
