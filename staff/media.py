"""Show a person's attachment to staff: fetched from its channel on demand, never kept on disk."""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import web

from staff.auth import staff_of
from staff.forms import path_id
from staff.inbox import inbox_of

# Shown in the page; anything else is offered as a download and never rendered by the browser.
INLINE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/gif", "audio/ogg", "audio/mpeg", "audio/mp4", "video/mp4"}
)
_UNSAFE = re.compile(r"[^\w.\- ]+")


async def attachment(request: web.Request) -> web.StreamResponse:
    """Serve one attachment to a logged-in colleague."""
    staff_of(request)
    inbox = inbox_of(request)
    # An attachment that is gone (MediaUnavailable) is answered 404 by the app's edge.
    media, name = await inbox.desk.media(path_id(request))
    mime_type = (media.mime_type or "").split(";")[0].strip().lower()
    inline = mime_type in INLINE_TYPES
    response = web.Response(body=media.content, content_type=mime_type if inline else "application/octet-stream")
    if not inline:
        filename = _UNSAFE.sub("_", name or "datei").strip() or "datei"
        response.headers["Content-Disposition"] = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(name or filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    # Opened on its own, a file runs nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
