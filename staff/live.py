"""The inbox's websocket: tell open inbox pages that a handover changed, so they show it at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSCloseCode, web

from accounts.presence import PRESENCE
from accounts.web import ACCOUNTS, SESSION_COOKIE, SESSION_SOCKETS, current_session, same_origin
from handover.events import HandoverChange
from staff.auth import staff_of
from staff.inbox import STAFF_INBOX, inbox_of

log = logging.getLogger(__name__)

# How often an open socket checks that its login is still valid (expiry, or ended by another process).
# A logout, password change or account removal in this process closes it at once (accounts.sockets),
# and every change is sent only after the login was checked again, so an ended login hears nothing.
SESSION_CHECK = 5.0


async def live_socket(request: web.Request) -> web.StreamResponse:
    """Push {"type": "change", "handover": id, "what": ...} to a logged-in colleague's page."""
    staff, _ = staff_of(request)
    if not same_origin(request):
        raise web.HTTPForbidden(text="Only the inbox's own pages may connect.")
    inbox = inbox_of(request)
    socket = web.WebSocketResponse(heartbeat=30.0, max_msg_size=4096)
    if not socket.can_prepare(request).ok:
        raise web.HTTPBadRequest(text="This address is the inbox's websocket.")
    info = current_session(request)
    assert info is not None  # staff_of let only a logged-in colleague through
    await socket.prepare(request)
    inbox.sockets.add(socket)
    registry = request.app[SESSION_SOCKETS]
    registry.add(info.token_hash, socket)
    # An open inbox page is what makes a colleague present; its socket going away ends that.
    presence = request.app.get(PRESENCE)
    if presence is not None:
        presence.page_opened(staff.key, staff.languages)
    token = request.cookies.get(SESSION_COOKIE, "")
    try:
        with inbox.desk.events.watch() as changes:
            pushing = asyncio.create_task(_push(request, socket, changes, token))
            try:
                async for _ in socket:
                    pass  # pages send nothing; this waits until the page goes away
            finally:
                if presence is not None:
                    presence.page_closed(staff.key)
                pushing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pushing
    finally:
        registry.remove(info.token_hash, socket)
    return socket


async def _push(
    request: web.Request, socket: web.WebSocketResponse, changes: asyncio.Queue[HandoverChange], token: str
) -> None:
    await socket.send_json({"type": "hello"})
    accounts = request.app[ACCOUNTS]
    while not socket.closed:
        try:
            change = await asyncio.wait_for(changes.get(), SESSION_CHECK)
        except TimeoutError:
            change = None
        # An open inbox counts as use of the login; an ended or expired login gets nothing more.
        if await accounts.session_for(token, touch=change is None) is None:
            await socket.close(code=WSCloseCode.POLICY_VIOLATION, message=b"logged out")
            return
        if change is None:
            continue
        try:
            frame: dict[str, object] = {"type": "change", "handover": change.handover_id, "what": change.what}
            if change.to is not None:
                frame["to"] = change.to
            await socket.send_json(frame)
        except (ConnectionError, RuntimeError) as error:
            log.info("inbox update not sent (%s)", type(error).__name__)
            return


async def close_live_sockets(app: web.Application) -> None:
    """Close every inbox socket when the app stops, so stopping does not wait for browsers."""
    inbox = app.get(STAFF_INBOX)
    if inbox is None:
        return
    await asyncio.gather(
        *(socket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping") for socket in list(inbox.sockets)),
        return_exceptions=True,
    )
