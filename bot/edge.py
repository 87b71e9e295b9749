"""The web app's edge: the one place that sets security headers and turns domain errors into HTTP answers.

Handlers state only what is particular to their page (its Content-Security-Policy when it loads
anything, how long it may be cached, who may embed it); everything else every response gets here.
"""

from __future__ import annotations

import logging
import re
import traceback
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
    # Also as the very last step before headers go out: responses made outside the middlewares
    # (a websocket's refusal, aiohttp's own answers) get them too, and nobody learns the server's versions.
    app.on_response_prepare.append(_before_sending)


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
    except Exception as error:
        # The exception's message may quote what someone wrote: log its type and where it happened.
        where = "".join(traceback.format_tb(error.__traceback__))
        log.error("%s %s failed: %s\n%s", request.method, request.path, type(error).__name__, where)
        response = web.Response(
            text="Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es gleich noch einmal.", status=500
        )
    secure(response)
    return response


def secure(response: web.StreamResponse) -> None:
    """Add the security headers a response does not set itself (not to an upgraded websocket: already sent)."""
    if not response.prepared:
        _add_headers(response)


def _add_headers(response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers.setdefault("Content-Security-Policy", DEFAULT_POLICY)
    if response.status >= 400:
        # An error is about this one request: never kept by a browser or a proxy.
        response.headers["Cache-Control"] = DEFAULT_CACHING
    response.headers.setdefault("Cache-Control", DEFAULT_CACHING)


async def _before_sending(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.pop("Server", None)
    if response.status != 101:
        _add_headers(response)


def _refused(request: web.Request, error: HandoverError | MediaUnavailable) -> web.Response:
    status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 409)
    text = refusal(error)
    if wants_json(request):
        return web.json_response({"error": text}, status=status)
    page = _CONVERSATION_PAGE.match(request.path)
    back = f"/staff/c/{page.group(1)}" if page else "/staff/"
    return web.Response(text=refused_page(text, back), content_type="text/html", status=status)
