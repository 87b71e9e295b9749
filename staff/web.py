"""The staff inbox at /staff/: conversation lists, a conversation view, actions, attachments, live updates."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from accounts.presence import PRESENCE
from core.templates import load_template_seeds
from handover.desk import HandoverDesk
from handover.labels import person_name
from handover.views import HandoverView, StaffMember
from staff import pages
from staff.auth import staff_of
from staff.forms import done, form_fields, path_id
from staff.inbox import STAFF_INBOX, StaffInbox, inbox_of
from staff.live import close_live_sockets, live_socket
from staff.media import attachment
from staff.pages import html_response
from staff.static import static_file
from staff import templates
from staff.templates import install_templates
from storage.instances import Instance

log = logging.getLogger(__name__)


def install_staff_inbox(
    app: web.Application, assistant_key: web.AppKey[Any], instance_key: web.AppKey[Instance] | None = None
) -> None:
    """Add the inbox's routes and run the handover desk (sending to people, retention) while the app runs.

    The desk runs as the app's instance (`instance_key`) among several, when the app has one.
    """

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        assistant = app[assistant_key]
        desk: HandoverDesk = assistant.handovers
        inbox = StaffInbox(desk, assistant.content, assistant.database)
        # The first set of reply templates: added once per key, never over what staff changed.
        added = await inbox.templates.seed(load_template_seeds(assistant.settings.data_dir), desk.now())
        if added:
            log.info("added %d reply template(s) from data/templates.yml", added)
        app[STAFF_INBOX] = inbox
        async with desk.running(app.get(instance_key) if instance_key is not None else None):
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
    router.add_post("/staff/c/{id:\\d+}/note", note)
    router.add_post("/staff/c/{id:\\d+}/hand", hand)
    router.add_post("/staff/m/{id:\\d+}/retry", retry)
    router.add_get("/staff/media/{id:\\d+}", attachment)
    router.add_get("/staff/ws", live_socket)
    router.add_get("/staff/static/{name}", static_file)
    install_templates(app)


async def inbox_page(request: web.Request) -> web.StreamResponse:
    staff, csrf = staff_of(request)
    inbox = inbox_of(request)
    body, waiting = await inbox.lists(staff)
    page = pages.page("Posteingang – Büro für Integrationsfragen", pages.inbox_body(body), staff, csrf, waiting, "inbox", available=_available(request, staff))
    return html_response(page)


async def inbox_part(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    body, waiting = await inbox_of(request).lists(staff)
    return _json({"html": body, "waiting": waiting})


async def conversation_page(request: web.Request) -> web.StreamResponse:
    staff, csrf = staff_of(request)
    inbox = inbox_of(request)
    handover = await inbox.desk.get(path_id(request))
    if handover is None:
        raise web.HTTPNotFound(text="Dieses Gespräch gibt es nicht (mehr).")
    messages = await inbox.desk.messages(handover.id)
    if messages:
        await inbox.desk.mark_read(handover.id, staff, messages[-1].id)
    earlier = await inbox.desk.earlier(handover)
    colleagues = [member for member in await inbox.colleagues() if member.key != staff.key]
    presence = request.app.get(PRESENCE)
    present = frozenset(m.key for m in colleagues if presence is not None and presence.available(m.key))
    picker = await _picker(inbox, handover)
    body = pages.conversation(
        handover, messages, staff, inbox.content, inbox.desk.now(), csrf, earlier, colleagues, picker, present
    )
    title = f"{person_name(handover)} – Posteingang"
    waiting = await inbox.waiting(staff)
    return html_response(pages.page(title, body, staff, csrf, waiting, "conversation", handover.id, _available(request, staff)))


async def conversation_part(request: web.Request) -> web.StreamResponse:
    """Return the parts of a conversation view that change, freshly rendered (and escaped)."""
    staff, csrf = staff_of(request)
    inbox = inbox_of(request)
    handover = await inbox.desk.get(path_id(request))
    if handover is None:
        return _json({"gone": True, "waiting": await inbox.waiting(staff)})
    now = inbox.desk.now()
    messages = await inbox.desk.messages(handover.id)
    if messages and request.query.get("seen") == "1":
        # Only a page the colleague is looking at marks what it shows as read.
        await inbox.desk.mark_read(handover.id, staff, messages[-1].id)
    return _json(
        {
            "summary": pages.summary(handover, staff, inbox.content, now),
            "actions": pages.actions(handover, staff, csrf),
            "messages": pages.message_list(handover, messages, inbox.content, now, csrf),
            "composer": pages.composer(handover, staff, inbox.content, csrf, await _picker(inbox, handover)),
            "mode": pages.composer_mode(handover, staff),
            "waiting": await inbox.waiting(staff),
        }
    )


async def reply(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    form = await form_fields(request)
    handover_id = path_id(request)
    text, key = str(form.get("text", "")), str(form.get("key", "")).strip()[:64]
    if not key:
        raise web.HTTPBadRequest(text="Die Nachricht hat keinen Schlüssel; bitte die Seite neu laden.")
    sent = await inbox_of(request).desk.reply(handover_id, staff, text, key, force=form.get("force") == "1")
    return done(request, f"/staff/c/{handover_id}", {"message": sent.id})


async def claim(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    form = await form_fields(request)
    handover_id = path_id(request)
    await inbox_of(request).desk.claim(handover_id, staff, force=form.get("force") == "1")
    return done(request, f"/staff/c/{handover_id}")


async def release(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    handover_id = path_id(request)
    await inbox_of(request).desk.release(handover_id, staff)
    return done(request, "/staff/")


async def close(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    handover_id = path_id(request)
    form = await form_fields(request)
    await inbox_of(request).desk.close(handover_id, staff, force=form.get("force") == "1")
    return done(request, "/staff/")


async def erase(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    handover_id = path_id(request)
    form = await form_fields(request)
    await inbox_of(request).desk.erase(handover_id, staff, force=form.get("force") == "1")
    return done(request, "/staff/")


async def note(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    form = await form_fields(request)
    handover_id = path_id(request)
    stored = await inbox_of(request).desk.note(handover_id, staff, str(form.get("text", "")))
    return done(request, f"/staff/c/{handover_id}", {"message": stored.id})


async def hand(request: web.Request) -> web.StreamResponse:
    """Give the conversation to the colleague chosen, with a note; they are told on their open pages."""
    staff, _ = staff_of(request)
    form = await form_fields(request)
    handover_id = path_id(request)
    inbox = inbox_of(request)
    colleague = await inbox.colleague(str(form.get("to", "")))
    await inbox.desk.hand_to(handover_id, staff, colleague, str(form.get("note", "")), force=form.get("force") == "1")
    return done(request, f"/staff/c/{handover_id}")


async def retry(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    message_id = path_id(request)
    form = await form_fields(request)
    handover_id = await inbox_of(request).desk.retry(message_id, staff, force=form.get("force") == "1")
    return done(request, f"/staff/c/{handover_id}")


def _available(request: web.Request, staff: StaffMember) -> bool | None:
    """Tell whether the colleague counts as available; an inbox page about to open counts as one."""
    presence = request.app.get(PRESENCE)
    return None if presence is None else not presence.chose_away(staff.key)


async def _picker(inbox: StaffInbox, handover: HandoverView) -> str:
    """The reply templates in the person's language, filled in for now."""
    return templates.picker(await inbox.templates.all(), inbox.content, handover.language, inbox.desk.now())


async def _to_inbox(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/staff/")


def _json(data: dict[str, Any]) -> web.Response:
    return web.json_response(data)
