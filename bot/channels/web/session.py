"""The web chat's one cookie: a random session token that keeps a conversation across reloads, nothing else."""

from __future__ import annotations

import hashlib
import re
import secrets

from aiohttp import web

COOKIE = "assistant_chat"

_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """Return a fresh, unguessable session token."""
    return secrets.token_urlsafe(32)


def token_from(request: web.Request) -> str | None:
    """Return the request's session token, if it carries a well-formed one."""
    token = request.cookies.get(COOKIE, "")
    return token if _TOKEN.fullmatch(token) else None


def session_id(token: str) -> str:
    """Return the id the server stores for a token; the token itself is only ever in the browser."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def keep_session(response: web.StreamResponse, request: web.Request, token: str, max_age: int) -> None:
    """Set the strictly necessary session cookie: HttpOnly, SameSite=Lax, Secure over https."""
    response.set_cookie(
        COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="Lax", secure=is_secure(request)
    )
