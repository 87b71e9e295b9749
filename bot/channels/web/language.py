"""Pick the language a new web chat starts in: the page's, else the browser's, else the default."""

from __future__ import annotations

from aiohttp import web

from core.content import Content


def requested_language(request: web.Request, content: Content) -> str:
    """Return the `lang` the page asks for if we speak it, else the browser's best language we speak."""
    asked = _primary(request.query.get("lang", ""))
    if asked in content.languages:
        return asked
    for candidate in accepted_languages(request.headers.get("Accept-Language", "")):
        if candidate in content.languages:
            return candidate
    return content.default_language


def accepted_languages(header: str) -> list[str]:
    """Return the primary language codes of an Accept-Language header, most wanted first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            weighted.append((-quality, position, _primary(tag)))
    return [code for _, _, code in sorted(weighted)]


def _primary(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].lower()[:8]
