"""Run the web chat inside the app: its routes, its transcripts, and its outbound side for staff replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from actions.conversations import ConversationStore
from bot.channels.web.keeper import TranscriptKeeper
from bot.channels.web.live import LIVE_TOPIC, LiveFrames, OpenChats, WebChatOutbound
from bot.channels.web.pages import demo_page, embed_script, static_asset, widget_strings
from bot.channels.web.runtime import WEB_CHAT, WebChatLimits, WebChatRuntime
from bot.channels.web.socket import chat_socket, renew_session
from bot.channels.web.upload import upload_file
from bot.keys import ASSISTANT, DATABASE, INSTANCE
from core.channels import WEB, Arrival, EarlierLine, Media, MediaUnavailable, UnknownChannel
from core.fair import FairQueue
from core.messages import ConversationKey, Reply
from core.settings import Settings
from handover.store import held_conversations
from storage.chores import Chores
from storage.web_chat import Transcripts

log = logging.getLogger(__name__)


class WebChatChannel:
    """The web chat of the app: a demo page at `/`, `/chat/embed.js` for other sites, `/chat/ws`."""

    name = WEB

    def __init__(self, settings: Settings, limits: WebChatLimits = WebChatLimits()) -> None:
        self._settings = settings
        self._limits = limits
        self._retention = timedelta(hours=settings.web_chat_retention_hours)
        self._outbound: WebChatOutbound | None = None
        self._transcripts: Transcripts | None = None
        self._keeper: TranscriptKeeper | None = None

    def install(self, app: web.Application) -> None:
        """Add the chat's routes, its start-up and clean-up, and closing its websockets on shutdown."""
        app.cleanup_ctx.append(self._lifecycle)
        app.on_shutdown.append(self._close_chats)
        app.router.add_get("/", demo_page)
        app.router.add_get("/chat/embed.js", embed_script)
        app.router.add_get("/chat/strings.json", widget_strings)
        app.router.add_get("/chat/static/{name}", static_asset)
        app.router.add_get("/chat/ws", chat_socket)
        app.router.add_post("/chat/session", renew_session)
        app.router.add_post("/chat/upload", upload_file)

    async def _lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        assistant = app[ASSISTANT]
        # A chat whose handover to staff is open (or ended within the retention) is kept: replies reach it.
        transcripts = Transcripts(
            app[DATABASE], self._retention, assistant.clock, held=lambda since: held_conversations(WEB, since)
        )
        chats = OpenChats()
        keeper = TranscriptKeeper(transcripts)
        limits = self._limits
        app[WEB_CHAT] = WebChatRuntime(
            dialogue=assistant.dialogue,
            content=assistant.content,
            transcripts=transcripts,
            keeper=keeper,
            chats=chats,
            pace=assistant.limits.flood_guard(
                "web-chat", limits.frames_per_window, limits.window_seconds, limits.hang_up_after
            ),
            address_pace=assistant.limits.flood_guard("web-chat-address", limits.messages_per_address, limits.window_seconds),
            turns=FairQueue(limits.answering_at_once, limits.waiting_per_address, limits.waiting_in_all),
            limits=limits,
            origins=frozenset(self._settings.web_chat_origins),
            retention_seconds=int(self._retention.total_seconds()),
            channels=assistant.channels,
            handovers=assistant.handovers,
            held_cookie_seconds=int(self._retention.total_seconds() + self._settings.handover_retention_days * 86400),
            handover_retention_days=self._settings.handover_retention_days,
        )
        self._outbound = WebChatOutbound(transcripts, assistant.bus, keeper, chats)
        self._transcripts = transcripts
        self._keeper = keeper
        live = LiveFrames(chats)
        stop_receiving = assistant.bus.subscribe(LIVE_TOPIC, live.receive)
        assistant.channels.register(self)
        # In one instance at a time: the others would delete the same transcripts again.
        instance = app.get(INSTANCE)
        chores = instance.chores if instance is not None else Chores(None, "")
        forgetting = asyncio.create_task(
            chores.run("web-chat-retention", lambda: self._forget_old_chats(transcripts, assistant.conversations))
        )
        try:
            yield
        finally:
            forgetting.cancel()
            await asyncio.gather(forgetting, return_exceptions=True)
            assistant.channels.unregister(self)
            stop_receiving()
            await live.settled()
            self._outbound = None
            self._transcripts = None
            self._keeper = None
            await keeper.close()

    async def send(self, conversation: ConversationKey, reply: Reply) -> Arrival:
        """Add a reply written later (by staff) to the chat and show it in its open tabs."""
        if self._outbound is None:
            raise UnknownChannel("the web chat is not running")
        return await self._outbound.send(conversation, reply)

    async def forget(self, conversation: ConversationKey) -> int:
        """Erase the chat's transcript now (the person's data was erased); return how many lines went."""
        if self._transcripts is None or self._keeper is None:
            raise UnknownChannel("the web chat is not running")
        # Lines still waiting to be written (storage was slow) would otherwise outlive the erasure.
        await self._keeper.forget(conversation.conversation_id)
        return await self._transcripts.forget(conversation.conversation_id)

    async def earlier(self, conversation_id: str, before: datetime) -> list[EarlierLine]:
        """Return what the person and the assistant said before `before`, as long as the transcript is kept."""
        if self._transcripts is None:
            return []
        lines = await self._transcripts.earlier(conversation_id, before)
        return [EarlierLine(line.author.value, line.text, at) for at, line in lines]

    async def media(self, reference: str) -> Media:
        """The web chat keeps no files itself: the desk keeps what people upload (bot.channels.web.upload)."""
        raise MediaUnavailable("the web chat keeps no attachments of its own")

    async def _close_chats(self, app: web.Application) -> None:
        runtime = app.get(WEB_CHAT)
        if runtime is not None:
            await runtime.chats.close_all()

    async def _forget_old_chats(self, transcripts: Transcripts, conversations: ConversationStore) -> None:
        """Delete transcripts past their retention, and what the assistant remembers of them, while the app runs."""
        interval = min(600.0, max(1.0, self._retention.total_seconds() / 4))
        while True:
            try:
                forgotten = await transcripts.forget_inactive()
                if forgotten:
                    await conversations.forget(ConversationKey(WEB, session) for session in forgotten)
                    log.info("deleted %d web chat transcript(s) past their retention", len(forgotten))
            except SQLAlchemyError as error:
                log.warning("could not delete old web chat transcripts: %s", type(error).__name__)
            await asyncio.sleep(interval)
