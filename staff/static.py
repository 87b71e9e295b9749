"""Serve the inbox's own script and styles (no CDN, nothing from elsewhere)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"
FILES = {"inbox.js": "text/javascript", "presence.js": "text/javascript", "inbox.css": "text/css"}


async def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in FILES:
        raise web.HTTPNotFound()
    response = web.Response(body=_read(name), content_type=FILES[name], charset="utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()
