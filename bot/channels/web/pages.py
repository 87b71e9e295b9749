"""The web chat's pages and files: the demo page, the embeddable script, the widget and its strings.

Each response states only what is particular to it (its policy, caching, who may load it); the app's
edge (bot/edge.py) adds the security headers every response gets.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from string import Template

from aiohttp import web

from bot.channels.web.language import requested_language
from bot.channels.web.runtime import WEB_CHAT
from core.content import Content

STATIC = Path(__file__).parent / "static"
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")
# The only files served under /chat/static/ (no directory listing, no other paths).
ASSETS = {
    "widget.js": "text/javascript",
    "widget.css": "text/css",
    "demo.css": "text/css",
    "favicon.svg": "image/svg+xml",
}
# Interface strings the widget shows, by the name it uses; the privacy notes get the retention filled in.
WIDGET_STRINGS = {
    "title": "web_title",
    "input_label": "web_input_label",
    "send": "web_send",
    "language": "web_language",
    "open": "web_open",
    "close": "web_close",
    "you": "web_you",
    "assistant": "web_assistant",
    "staff": "handover_staff_label",  # the name staff go by on every channel
    "suggestions": "web_suggestions",
    "connecting": "web_connecting",
    "offline": "web_offline",
    "too_long": "web_too_long",
    "privacy": "web_privacy",
    "privacy_team": "web_privacy_team",
    "with_team": "web_with_team",
    "back": "handover_cancel",
    "attach": "web_attach",
    "file_too_big": "web_file_too_big",
    "file_type": "web_file_type",
    "telegram": "web_telegram",
    "moved": "web_moved",
    "new_reply": "web_new_reply",
    "sound": "web_sound",
}


async def demo_page(request: web.Request) -> web.Response:
    """Serve a page with the chat on it, as the city's site would show it (`?lang=uk` picks the language)."""
    runtime = request.app[WEB_CHAT]
    content = runtime.content
    language = requested_language(request, content)
    page = _demo_template().substitute(
        lang=language,
        dir="rtl" if content.is_rtl(language) else "ltr",
    )
    response = web.Response(text=page, content_type="text/html", charset="utf-8")
    # The Host header names the websocket's address; only a well-formed one goes into the policy.
    host = request.host if _HOST.fullmatch(request.host) else ""
    sockets = f" ws://{host} wss://{host}" if host else ""
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self'{sockets}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return response


async def embed_script(request: web.Request) -> web.FileResponse:
    """Serve the script other sites include to show the chat."""
    return _asset(STATIC / "embed.js", "text/javascript")


async def static_asset(request: web.Request) -> web.FileResponse:
    """Serve one of the widget's files."""
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return _asset(STATIC / name, ASSETS[name])


async def widget_strings(request: web.Request) -> web.Response:
    """Serve the languages and the widget's interface strings in each (public, cacheable, no cookies)."""
    runtime = request.app[WEB_CHAT]
    hours = max(1, round(runtime.retention_seconds / 3600))
    response = web.json_response(strings(runtime.content, hours, runtime.limits.input_chars, runtime.handover_retention_days))
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response


def strings(content: Content, retention_hours: int, input_chars: int, handover_days: int) -> dict[str, object]:
    """Return the widget's languages with their names, direction and interface strings."""

    def text(key: str, code: str) -> str:
        hours, days = content.count("hours", retention_hours, code), content.count("days", handover_days, code)
        return content.ui_text(key, code).replace("{hours}", hours).replace("{days}", days)

    return {
        "default": content.default_language,
        "max_chars": input_chars,
        "languages": [
            {
                "code": code,
                "name": language.name,
                "rtl": language.rtl,
                "ui": {name: text(key, code) for name, key in WIDGET_STRINGS.items()},
            }
            for code, language in content.languages.items()
        ],
    }


@cache
def _demo_template() -> Template:
    return Template((STATIC / "demo.html").read_text(encoding="utf-8"))


def _asset(path: Path, content_type: str) -> web.FileResponse:
    response = web.FileResponse(path, headers={"Content-Type": f"{content_type}; charset=utf-8"})
    response.headers["Cache-Control"] = "no-cache"
    # The city's pages load these from another origin.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
