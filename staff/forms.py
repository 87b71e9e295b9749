"""Read what a browser or script sends to the inbox into typed values: a bad id is 404, a bad body 400, never 500."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from staff.auth import wants_json

# Ids are database integers: anything larger cannot name a row (and would overflow the driver).
LARGEST_ID = 2**31 - 1
# A form or JSON body of the inbox is small (a reply is at most a few thousand characters).
LARGEST_BODY = 64 * 1024


def path_id(request: web.Request, name: str = "id") -> int:
    """Return the id in the path; 404 when it is not a positive number that can name a row."""
    raw = request.match_info.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        raise web.HTTPNotFound(text="Dieses Gespräch gibt es nicht (mehr).")
    value = int(raw)
    if not 1 <= value <= LARGEST_ID:
        raise web.HTTPNotFound(text="Dieses Gespräch gibt es nicht (mehr).")
    return value


async def form_fields(request: web.Request) -> dict[str, str]:
    """Return a form's or a JSON object's fields as text; 400 for anything malformed, too big or not an object."""
    if request.content_length is not None and request.content_length > LARGEST_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=LARGEST_BODY, actual_size=request.content_length)
    if request.content_type == "application/json":
        try:
            raw = await request.read()
            if len(raw) > LARGEST_BODY:
                raise web.HTTPRequestEntityTooLarge(max_size=LARGEST_BODY, actual_size=len(raw))
            data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (ValueError, UnicodeDecodeError) as error:
            raise web.HTTPBadRequest(text="Der Inhalt ist kein gültiges JSON.") from error
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="Erwartet wird ein JSON-Objekt.")
        return {str(key): _text(value) for key, value in data.items()}
    try:
        posted = await request.post()
    except (ValueError, LookupError, AssertionError) as error:
        raise web.HTTPBadRequest(text="Das Formular ist fehlerhaft.") from error
    return {key: value for key, value in posted.items() if isinstance(value, str)}


def done(request: web.Request, location: str, data: dict[str, Any] | None = None) -> web.StreamResponse:
    """Answer a staff POST: JSON for the page's scripts, else a redirect to a page of the desk itself."""
    if wants_json(request):
        return web.json_response({"ok": True, **(data or {})})
    if not location.startswith("/") or location.startswith("//"):
        location = "/staff/"
    raise web.HTTPSeeOther(location)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float, bool)):
        return "1" if value is True else "0" if value is False else str(value)
    raise web.HTTPBadRequest(text="Erwartet werden nur einfache Werte.")
