"""The web app's edge: the one place that sets security headers and turns domain errors into HTTP answers.

Handlers state only what is particular to their page (its Content-Security-Policy when it loads
anything, how long it may be cached, who may embed it); everything else every response gets here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from core.channels import MediaUnavailable
from handover.errors import EmptyReply, HandoverError
from handover.labels import refusal
from staff.auth import wants_json
from staff.pages import refused_page

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# A response that does not say what it may load loads nothing and is shown in no frame.
DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'"
# A response that does not say how to cache it is not kept anywhere: staff and analysts' pages are private.
DEFAULT_CACHING = "no-store"
# Every other refusal is a conflict with the handover's state (409).
_STATUS: dict[type[Exception], int] = {EmptyReply: 400, MediaUnavailable: 404}
_CONVERSATION_PAGE = re.compile(r"/staff/c/(\d+)")


def install_edge(app: web.Application) -> None:
    """Put the edge in front of every other middleware, so it sees every response and every error."""
    app.middlewares.insert(0, edge)


@web.middleware
async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer domain errors with their HTTP status and words, and give every response its security headers."""
    try:
        response = await handler(request)
    except web.HTTPException as answer:
        secure(answer)
        raise
    except (HandoverError, MediaUnavailable) as error:
        log.info("%s %s refused: %s", request.method, request.path, type(error).__name__)
        response = _refused(request, error)
    secure(response)
    return response


def secure(response: web.StreamResponse) -> None:
    """Add the security headers a response does not set itself (not to an upgraded websocket: already sent)."""
    if response.prepared:
        return
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers.setdefault("Content-Security-Policy", DEFAULT_POLICY)
    response.headers.setdefault("Cache-Control", DEFAULT_CACHING)


def _refused(request: web.Request, error: HandoverError | MediaUnavailable) -> web.Response:
    status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 409)
    text = refusal(error)
    if wants_json(request):
        return web.json_response({"error": text}, status=status)
    page = _CONVERSATION_PAGE.match(request.path)
    back = f"/staff/c/{page.group(1)}" if page else "/staff/"
    return web.Response(text=refused_page(text, back), content_type="text/html", status=status)
