"""The office sets its availability at /staff/availability: closures, the notice, and each colleague's presence.

Closures take a day, a reason from the translated list (data/availability.yml) and an optional
note for colleagues; the notice is one of the pre-translated templates for one or more days. Each
change takes effect at once for every channel (storage/office_calendar.py) and is recorded with
who made it and when. Presence: a colleague sets themselves available or away (header of every
inbox page); activity pings keep them present.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from string import Formatter
from typing import Any

from aiohttp import web

from accounts.presence import PRESENCE, Presence
from actions.placeholders import person_status
from core.availability import Closure, Notice
from core.content import Content
from staff import pages
from staff.availability_page import availability as render_availability
from staff.auth import staff_of, wants_json
from staff.forms import done, form_fields
from staff.inbox import STAFF_INBOX, inbox_of
from staff.pages import html_response
from storage.office_calendar import NOTE_CHARS, OfficeCalendar

CALENDAR = web.AppKey("office_calendar", OfficeCalendar)
# A notice covers at most this many days; closures are set at most this far ahead.
LONGEST_NOTICE = timedelta(days=62)
FURTHEST_AHEAD = timedelta(days=3 * 366)
PREVIEW_LANGUAGES = ("de", "uk", "ar")


class BadInput(web.HTTPBadRequest):
    """A form value the page cannot take, said in German on a page of its own with a way back."""

    def __init__(self, message: str) -> None:
        super().__init__(text=pages.refused_page(message, "/staff/availability"), content_type="text/html")


def install_availability(app: web.Application, assistant_key: web.AppKey[Any]) -> None:
    """Add the availability page and the presence routes; follow calendar changes while the app runs."""

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        assistant = app[assistant_key]
        app[CALENDAR] = assistant.calendar
        app[PRESENCE] = assistant.presence
        async with assistant.calendar.running():
            yield

    app.cleanup_ctx.append(lifecycle)
    router = app.router
    router.add_get("/staff/availability", availability_page)
    router.add_post("/staff/availability/closures", add_closure)
    router.add_post("/staff/availability/closures/remove", remove_closure)
    router.add_post("/staff/availability/notice", set_notice)
    router.add_post("/staff/availability/notice/clear", clear_notice)
    router.add_post("/staff/presence", choose_presence)
    router.add_post("/staff/presence/active", still_active)


async def availability_page(request: web.Request) -> web.StreamResponse:
    staff, csrf = staff_of(request)
    calendar, content, now = _calendar(request), inbox_of(request).content, inbox_of(request).desk.now()
    today = now.astimezone(content.office.timezone).date()
    closures = await calendar.store.closures(today)
    history = await calendar.store.history()
    state = calendar.current()
    preview = [(language, person_status(content, language, now, state)) for language in PREVIEW_LANGUAGES]
    body = render_availability(content, closures, state.notice, history, preview, today, csrf)
    inbox = request.app.get(STAFF_INBOX)
    waiting = await inbox.waiting(staff) if inbox is not None else 0
    presence = _presence(request)
    return html_response(
        pages.page("Erreichbarkeit – Büro für Integrationsfragen", body, staff, csrf, waiting, "availability", available=not presence.chose_away(staff.key))
    )


async def add_closure(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    form = await form_fields(request)
    content, now = inbox_of(request).content, inbox_of(request).desk.now()
    today = now.astimezone(content.office.timezone).date()
    day = _day(form.get("day", ""), "Datum")
    if day < today:
        raise BadInput("Schließtage lassen sich nur für heute oder später eintragen.")
    if day > today + FURTHEST_AHEAD:
        raise BadInput("So weit im Voraus lassen sich keine Schließtage eintragen (höchstens drei Jahre).")
    reason = form.get("reason", "")
    if reason not in content.office_texts.reasons:
        raise BadInput("Bitte einen Grund aus der Liste wählen.")
    note = " ".join(form.get("note", "").split())
    if len(note) > NOTE_CHARS:
        raise BadInput(f"Die Notiz ist zu lang (höchstens {NOTE_CHARS} Zeichen).")
    await _calendar(request).close_day(Closure(day, reason, note), staff.name, now)
    return done(request, "/staff/availability")


async def remove_closure(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    form = await form_fields(request)
    await _calendar(request).open_day(_day(form.get("day", ""), "Datum"), staff.name, inbox_of(request).desk.now())
    return done(request, "/staff/availability")


async def set_notice(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    form = await form_fields(request)
    content, now = inbox_of(request).content, inbox_of(request).desk.now()
    today = now.astimezone(content.office.timezone).date()
    template = form.get("template", "")
    if template not in content.office_texts.notices:
        raise BadInput("Bitte einen Hinweis aus der Liste wählen.")
    first = _day(form.get("first_day", ""), "erster Tag")
    last = _day(form.get("last_day", "") or form.get("first_day", ""), "letzter Tag")
    if last < first:
        raise BadInput("Der letzte Tag liegt vor dem ersten.")
    if last < today:
        raise BadInput("Dieser Hinweis läge ganz in der Vergangenheit.")
    if last - first > LONGEST_NOTICE:
        raise BadInput("Ein Hinweis gilt höchstens zwei Monate; für längere Schließzeiten bitte Schließtage eintragen.")
    at: time | None = None
    if needs_time(content, template):
        try:
            at = time.fromisoformat(form.get("time", ""))
        except ValueError:
            raise BadInput("Dieser Hinweis nennt eine Uhrzeit: bitte eine Uhrzeit angeben (z. B. 11:00).") from None
        at = at.replace(second=0, microsecond=0)
    await _calendar(request).set_notice(Notice(template, first, last, at), staff.name, now)
    return done(request, "/staff/availability")


async def clear_notice(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    await _calendar(request).set_notice(None, staff.name, inbox_of(request).desk.now())
    return done(request, "/staff/availability")


async def choose_presence(request: web.Request) -> web.StreamResponse:
    """Set the colleague available or away, as they chose (the header's button)."""
    staff, _ = staff_of(request)
    form = await form_fields(request)
    state = form.get("state", "")
    if state not in ("available", "away"):
        raise web.HTTPBadRequest(text="state must be available or away")
    _presence(request).choose(staff.key, staff.languages, state == "available")
    if wants_json(request):
        return web.json_response({"ok": True, "available": _presence(request).available(staff.key)})
    back = form.get("back", "")
    raise web.HTTPSeeOther(back if back.startswith("/staff") and "//" not in back and "\\" not in back else "/staff/")


async def still_active(request: web.Request) -> web.StreamResponse:
    """Note activity in an open inbox page (keys, clicks), so the colleague does not turn away by inactivity."""
    staff, _ = staff_of(request)
    presence = _presence(request)
    presence.active(staff.key, staff.languages)
    return web.json_response({"available": presence.available(staff.key)})


def needs_time(content: Content, template: str) -> bool:
    """Tell whether a notice template names a time of day."""
    text = content.notice_text(template, content.default_language)
    return any(name == "time" for _, name, _, _ in Formatter().parse(text))


def _day(value: str, label: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"Bitte ein gültiges Datum angeben ({label}).") from None


def _calendar(request: web.Request) -> OfficeCalendar:
    calendar = request.app.get(CALENDAR)
    if calendar is None:
        raise web.HTTPServiceUnavailable(text="Die Erreichbarkeit ist nicht eingerichtet.")
    return calendar


def _presence(request: web.Request) -> Presence:
    presence = request.app.get(PRESENCE)
    if presence is None:
        raise web.HTTPServiceUnavailable(text="Die Anwesenheit ist nicht eingerichtet.")
    return presence
