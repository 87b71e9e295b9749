"""The web chat's websocket: refuse foreign pages, keep the session cookie, then run the conversation."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from accounts.web import address_of
from bot.channels.web.conversation import ChatConversation
from bot.channels.web.language import requested_language
from bot.channels.web.live import ChatConnection
from bot.channels.web.runtime import WEB_CHAT, WebChatRuntime
from bot.channels.web.session import keep_session, new_token, session_id, token_from

RETRY_LATER = {"Retry-After": "30"}


def origin_allowed(request: web.Request, allowed: frozenset[str]) -> bool:
    """Tell whether the page opening the websocket is this app's own or a site allowed to embed the chat."""
    origin = request.headers.get("Origin")
    if origin is None:
        # Not a browser (browsers always send Origin with websockets): no cookie of a victim to abuse.
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return parts.netloc.lower() == request.host.lower() or origin.rstrip("/") in allowed


async def cookie_seconds(runtime: WebChatRuntime, chat: str) -> int:
    """Keep the cookie as long as the transcript: longer while staff look after the chat."""
    held = await runtime.transcripts.is_held(chat)
    return max(runtime.held_cookie_seconds, runtime.retention_seconds) if held else runtime.retention_seconds


async def renew_session(request: web.Request) -> web.StreamResponse:
    """Set the cookie again with the lifetime the chat needs now (called by the page once staff look after it)."""
    runtime = request.app[WEB_CHAT]
    if not origin_allowed(request, runtime.origins):
        raise web.HTTPForbidden(text="This page may not use the chat.")
    token = token_from(request)
    if token is None:
        raise web.HTTPForbidden(text="No chat session.")
    response = web.Response(status=204)
    keep_session(response, request, token, await cookie_seconds(runtime, session_id(token)))
    return response


async def chat_socket(request: web.Request) -> web.StreamResponse:
    """Open a chat websocket for the browser's session (a new one if it has none)."""
    runtime = request.app[WEB_CHAT]
    if not origin_allowed(request, runtime.origins):
        raise web.HTTPForbidden(text="This page may not open the chat.")
    limits = runtime.limits
    socket = web.WebSocketResponse(
        max_msg_size=limits.max_frame_bytes, heartbeat=limits.heartbeat_seconds, compress=False
    )
    if not socket.can_prepare(request).ok:
        raise web.HTTPBadRequest(text="This address is the chat's websocket.")
    token = token_from(request) or new_token()
    chat = session_id(token)
    address = address_of(request)
    if runtime.chats.from_address(address) >= limits.sockets_per_address:
        # One address cannot take the room everyone shares; only it is turned away.
        raise web.HTTPTooManyRequests(text="Too many open chats from here; please try again later.", headers=RETRY_LATER)
    if runtime.chats.count(chat) >= limits.sockets_per_chat or runtime.chats.count() >= limits.sockets_in_all:
        raise web.HTTPServiceUnavailable(text="Too many open chats; please try again later.", headers=RETRY_LATER)
    connection = ChatConnection(chat, socket, address)
    # Counted before the first await (the cookie's lifetime, the handshake), so a burst of sockets
    # cannot slip past the limit.
    runtime.chats.add(connection)
    try:
        keep_session(socket, request, token, await cookie_seconds(runtime, chat))
        await socket.prepare(request)
        language = requested_language(request, runtime.content)
        await ChatConversation(runtime, connection, language).run()
    finally:
        runtime.chats.remove(connection)
    return socket
