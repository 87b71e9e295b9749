"""What every web chat connection shares while the app runs, and the limits it keeps to."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from actions.dialogue import Dialogue
from bot.channels.web.keeper import TranscriptKeeper
from bot.channels.web.live import OpenChats
from core.channels import Channels
from core.fair import FairQueue
from core.flood import FloodCheck
from core.content import Content
from handover.desk import HandoverDesk
from storage.web_chat import Transcripts


@dataclass(frozen=True)
class WebChatLimits:
    """How much one chat may send: characters per message, bytes per frame, frames per window."""

    # Longer messages get a polite "please write less"; the input field stops at `input_chars`.
    max_text_chars: int = 4000
    input_chars: int = 2000
    # Frames above this close the websocket (1009) before they are read into memory.
    max_frame_bytes: int = 32 * 1024
    frames_per_window: int = 8
    window_seconds: float = 10.0
    hang_up_after: int = 40
    heartbeat_seconds: float = 30.0
    # Open websockets: per chat (tabs of one browser) and in all.
    sockets_per_chat: int = 8
    sockets_in_all: int = 2000
    # One address (a flooder, or everyone behind one NAT): open websockets, messages per window, and
    # messages waiting for the NLU server. Beyond these only that address is turned away.
    sockets_per_address: int = 30
    messages_per_address: int = 40
    waiting_per_address: int = 8
    # Answers worked on at once (each asks the NLU server), and messages waiting for a turn in all.
    answering_at_once: int = 4
    waiting_in_all: int = 256
    # When an answer takes long (storage slow or locked): "one moment" after this, an apology after that.
    wait_notice_after: float = 3.0
    apology_after: float = 30.0


@dataclass(frozen=True)
class WebChatRuntime:
    """The dialogue, the content, the transcripts and the open chats of a running web chat."""

    dialogue: Dialogue
    content: Content
    transcripts: Transcripts
    # Writes the transcript in order, retrying; nothing waits for it and no line is dropped.
    keeper: TranscriptKeeper
    chats: OpenChats
    pace: FloodCheck
    # Messages per address, and the fair turns in which answers are worked on (round-robin by address).
    address_pace: FloodCheck
    turns: FairQueue
    limits: WebChatLimits
    # Sites other than the app's own that may open the chat's websocket.
    origins: frozenset[str]
    retention_seconds: int
    # The running channels (a conversation may move to Telegram) and the staff desk.
    channels: Channels | None = None
    handovers: HandoverDesk | None = None
    # The cookie's lifetime while staff look after the chat, renewed on every visit: the person
    # must find the reply even days later (the transcript is kept until the handover ends).
    held_cookie_seconds: int = 31 * 86400
    # What was said with staff is kept this long after the handover ends (said in the privacy note).
    handover_retention_days: int = 30


WEB_CHAT = web.AppKey("web_chat", WebChatRuntime)
