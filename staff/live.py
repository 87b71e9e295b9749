"""The inbox's websocket: tell open inbox pages that a handover changed, so they show it at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSCloseCode, web

from accounts.web import ACCOUNTS, SESSION_COOKIE, same_origin
from handover.events import HandoverChange
from staff.auth import staff_of
from staff.inbox import STAFF_INBOX

log = logging.getLogger(__name__)

# How often an open socket checks that its login is still valid (logout, expiry).
SESSION_CHECK = 60.0


async def live_socket(request: web.Request) -> web.StreamResponse:
    """Push {"type": "change", "handover": id, "what": ...} to a logged-in colleague's page."""
    staff_of(request)
    if not same_origin(request):
        raise web.HTTPForbidden(text="Only the inbox's own pages may connect.")
    inbox = request.app.get(STAFF_INBOX)
    if inbox is None:
        raise web.HTTPServiceUnavailable(text="Der Posteingang ist nicht eingerichtet.")
    socket = web.WebSocketResponse(heartbeat=30.0, max_msg_size=4096)
    if not socket.can_prepare(request).ok:
        raise web.HTTPBadRequest(text="This address is the inbox's websocket.")
    await socket.prepare(request)
    inbox.sockets.add(socket)
    token = request.cookies.get(SESSION_COOKIE, "")
    with inbox.desk.events.watch() as changes:
        pushing = asyncio.create_task(_push(request, socket, changes, token))
        try:
            async for _ in socket:
                pass  # pages send nothing; this waits until the page goes away
        finally:
            pushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pushing
    return socket


async def _push(
    request: web.Request, socket: web.WebSocketResponse, changes: asyncio.Queue[HandoverChange], token: str
) -> None:
    await socket.send_json({"type": "hello"})
    while not socket.closed:
        try:
            change = await asyncio.wait_for(changes.get(), SESSION_CHECK)
        except TimeoutError:
            if await request.app[ACCOUNTS].session_for(token) is None:
                await socket.close(code=WSCloseCode.POLICY_VIOLATION, message=b"logged out")
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
