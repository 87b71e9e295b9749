"""The staff inbox at /staff/: conversation lists, a conversation view, actions, attachments, live updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from accounts.presence import PRESENCE
from handover.desk import HandoverDesk
from handover.labels import person_name
from handover.views import StaffMember
from staff import pages
from staff.auth import staff_of, wants_json
from staff.inbox import STAFF_INBOX, StaffInbox
from staff.live import close_live_sockets, live_socket
from staff.media import attachment
from staff.static import static_file

# Pages of the inbox run only this app's own scripts and talk only to it (its websocket included).
# What happens when staff ask for something a handover's state does not allow (a domain error) is
# answered by the app's edge (bot/edge.py), which also adds every other security header.
CSP = (
    "default-src 'self'; img-src 'self'; media-src 'self'; connect-src 'self'; script-src 'self'; "
    "style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def install_staff_inbox(app: web.Application, assistant_key: web.AppKey[Any]) -> None:
    """Add the inbox's routes and run the handover desk (sending to people, retention) while the app runs."""

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        desk: HandoverDesk = app[assistant_key].handovers
        app[STAFF_INBOX] = StaffInbox(desk, app[assistant_key].content, app[assistant_key].database)
        async with desk.running():
            yield

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(close_live_sockets)
    router = app.router
    router.add_get("/staff", _to_inbox)
    router.add_get("/staff/", inbox_page)
    router.add_get("/staff/parts/inbox", inbox_part)
    router.add_get("/staff/c/{id:\\d+}", conversation_page)
    router.add_get("/staff/c/{id:\\d+}/parts", conversation_part)
    router.add_post("/staff/c/{id:\\d+}/reply", reply)
    router.add_post("/staff/c/{id:\\d+}/claim", claim)
    router.add_post("/staff/c/{id:\\d+}/release", release)
    router.add_post("/staff/c/{id:\\d+}/close", close)
    router.add_post("/staff/c/{id:\\d+}/erase", erase)
    router.add_post("/staff/m/{id:\\d+}/retry", retry)
    router.add_get("/staff/media/{id:\\d+}", attachment)
    router.add_get("/staff/ws", live_socket)
    router.add_get("/staff/static/{name}", static_file)


async def inbox_page(request: web.Request) -> web.StreamResponse:
    staff, csrf = staff_of(request)
    inbox = _inbox(request)
    body, waiting = await inbox.lists(staff)
    page = pages.page("Posteingang – Büro für Integrationsfragen", body, staff, csrf, waiting, "inbox", available=_available(request, staff))
    return _html(page)


async def inbox_part(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    body, waiting = await _inbox(request).lists(staff)
    return _json({"html": body, "waiting": waiting})


async def conversation_page(request: web.Request) -> web.StreamResponse:
    staff, csrf = staff_of(request)
    inbox = _inbox(request)
    handover = await inbox.desk.get(_id(request))
    if handover is None:
        raise web.HTTPNotFound(text="Dieses Gespräch gibt es nicht (mehr).")
    messages = await inbox.desk.messages(handover.id)
    body = pages.conversation(handover, messages, staff, inbox.content, inbox.desk.now(), csrf)
    title = f"{person_name(handover)} – Posteingang"
    waiting = await inbox.waiting()
    return _html(pages.page(title, body, staff, csrf, waiting, "conversation", handover.id, _available(request, staff)))


async def conversation_part(request: web.Request) -> web.StreamResponse:
    """Return the parts of a conversation view that change, freshly rendered (and escaped)."""
    staff, csrf = staff_of(request)
    inbox = _inbox(request)
    handover = await inbox.desk.get(_id(request))
    if handover is None:
        return _json({"gone": True, "waiting": await inbox.waiting()})
    now = inbox.desk.now()
    messages = await inbox.desk.messages(handover.id)
    return _json(
        {
            "summary": pages.summary(handover, staff, inbox.content, now),
            "actions": pages.actions(handover, staff, csrf),
            "messages": pages.message_list(handover, messages, inbox.content, now, csrf),
            "composer": pages.composer(handover, staff, inbox.content, csrf),
            "mode": pages.composer_mode(handover, staff),
            "waiting": await inbox.waiting(),
        }
    )


async def reply(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    form = await _form(request)
    handover_id = _id(request)
    text, key = str(form.get("text", "")), str(form.get("key", "")).strip()[:64]
    if not key:
        raise web.HTTPBadRequest(text="Die Nachricht hat keinen Schlüssel; bitte die Seite neu laden.")
    sent = await _inbox(request).desk.reply(handover_id, staff, text, key, force=form.get("force") == "1")
    return _done(request, f"/staff/c/{handover_id}", {"message": sent.id})


async def claim(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    form = await _form(request)
    handover_id = _id(request)
    await _inbox(request).desk.claim(handover_id, staff, force=form.get("force") == "1")
    return _done(request, f"/staff/c/{handover_id}")


async def release(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    handover_id = _id(request)
    await _inbox(request).desk.release(handover_id, staff)
    return _done(request, "/staff/")


async def close(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    await _inbox(request).desk.close(_id(request), staff)
    return _done(request, "/staff/")


async def erase(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    await _inbox(request).desk.erase(_id(request), staff)
    return _done(request, "/staff/")


async def retry(request: web.Request) -> web.StreamResponse:
    staff_of(request)
    handover_id = await _inbox(request).desk.retry(_id(request))
    return _done(request, f"/staff/c/{handover_id}")


def _available(request: web.Request, staff: StaffMember) -> bool | None:
    """Tell whether the colleague counts as available; an inbox page about to open counts as one."""
    presence = request.app.get(PRESENCE)
    return None if presence is None else not presence.chose_away(staff.key)


def _inbox(request: web.Request) -> StaffInbox:
    inbox = request.app.get(STAFF_INBOX)
    if inbox is None:
        raise web.HTTPServiceUnavailable(text="Der Posteingang ist nicht eingerichtet.")
    return inbox


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_type == "application/json":
        data = await request.json()
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {key: str(value) for key, value in (await request.post()).items() if isinstance(value, str)}


def _done(request: web.Request, location: str, data: dict[str, Any] | None = None) -> web.StreamResponse:
    if wants_json(request):
        return _json({"ok": True, **(data or {})})
    if not location.startswith("/") or location.startswith("//"):
        location = "/staff/"
    raise web.HTTPSeeOther(location)


async def _to_inbox(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/staff/")


def _html(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/html", headers={"Content-Security-Policy": CSP})


def _json(data: dict[str, Any]) -> web.Response:
    return web.json_response(data)
