"""Log staff and analysts in and out of the web app; protect their pages and forms."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import cache
from html import escape
from urllib.parse import quote

from aiohttp import web

from accounts.presence import PRESENCE, colleague_key
from accounts.service import AccountService, SessionInfo

ACCOUNTS = web.AppKey("accounts", AccountService)
CURRENT = web.RequestKey("current_session", SessionInfo)

SESSION_COOKIE = "assistant_session"
LOGIN_CSRF_COOKIE = "assistant_login_csrf"
# Forms under these paths change staff or analyst data and must carry the session's CSRF token.
CSRF_PROTECTED = ("/staff", "/analytics", "/logout")
HOME_OF_ROLE = {"staff": "/staff/", "analyst": "/analytics/"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def install_accounts(app: web.Application, database_key: web.AppKey) -> None:  # type: ignore[type-arg]
    """Add login, logout, the session middleware and the account service to `app`."""

    async def accounts(app: web.Application) -> AsyncIterator[None]:
        app[ACCOUNTS] = AccountService(app[database_key])
        yield

    app.cleanup_ctx.append(accounts)
    app.middlewares.append(session_middleware)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Attach the logged-in session (if any) and refuse protected forms without its CSRF token."""
    token = request.cookies.get(SESSION_COOKIE)
    info = await request.app[ACCOUNTS].session_for(token) if token else None
    if info is not None:
        request[CURRENT] = info
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.path.startswith(CSRF_PROTECTED):
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = str((await request.post()).get("csrf_token", ""))
        if info is None or not sent or not hmac.compare_digest(sent, info.csrf_token):
            raise web.HTTPForbidden(text="Missing or wrong CSRF token.")
    return await handler(request)


def current_session(request: web.Request) -> SessionInfo | None:
    return request.get(CURRENT)


def require_role(request: web.Request, role: str) -> SessionInfo:
    """Return the session of a logged-in account with `role`; redirect to login or refuse otherwise."""
    info = current_session(request)
    if info is None:
        raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='')}")
    if not info.account.has_role(role):
        raise web.HTTPForbidden(text="This page is not for your role.")
    return info


def same_origin(request: web.Request) -> bool:
    """Tell whether a websocket or form request comes from a page of this app (no cross-site use)."""
    origin = request.headers.get("Origin")
    return origin is None or origin.split("://", 1)[-1] == request.host


async def login_page(request: web.Request, message: str = "", status: int = 200) -> web.Response:
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    target = _safe_next(request.query.get("next", ""))
    body = _LOGIN_PAGE.format(
        csrf=escape(csrf), next=escape(target), message=f'<p role="alert" class="error">{escape(message)}</p>' if message else ""
    )
    response = web.Response(text=body, content_type="text/html", status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="Strict", secure=_secure(request), path="/login")
    _allow_own_style(response)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    csrf = str(form.get("csrf_token", ""))
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf or not cookie or not hmac.compare_digest(csrf, cookie):
        raise web.HTTPForbidden(text="Missing or wrong CSRF token.")
    service = request.app[ACCOUNTS]
    address = request.remote or "unknown"
    username = str(form.get("username", ""))
    if not service.throttle.allowed(f"user:{username.strip().lower()}", f"address:{address}"):
        return await login_page(request, "Zu viele Versuche. Bitte warten Sie 15 Minuten. / Too many attempts; please wait 15 minutes.", 429)
    account = await service.authenticate(username, str(form.get("password", "")), address)
    if account is None:
        return await login_page(request, "Name oder Passwort falsch. / Wrong name or password.", 401)
    token, _ = await service.start_session(account)
    home = next((path for role, path in HOME_OF_ROLE.items() if account.has_role(role)), "/")
    response = web.HTTPFound(_safe_next(str(form.get("next", ""))) or home)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict", secure=_secure(request), path="/")
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await request.app[ACCOUNTS].end_session(token)
    info = current_session(request)
    presence = request.app.get(PRESENCE)
    if info is not None and presence is not None:
        presence.logged_out(colleague_key(info.account.id))  # nobody can answer as them any more
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def _safe_next(target: str) -> str:
    # Only paths of this site: no scheme, no host, no protocol-relative "//evil".
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else ""


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto") == "https"


def _allow_own_style(response: web.StreamResponse) -> None:
    # The login page's own inline styles are allowed by their hash; nothing else inline runs. (The
    # app's edge adds the other security headers, and keeps the page out of every cache.)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; style-src 'self' '{_login_style_hash()}'; frame-ancestors 'none'"
    )


@cache
def _login_style_hash() -> str:
    style = _LOGIN_PAGE.split("<style>", 1)[1].split("</style>", 1)[0].replace("{{", "{").replace("}}", "}")
    return "sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()


_LOGIN_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Anmelden – Büro für Integrationsfragen</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f4f6f8;color:#1b1f23;display:flex;justify-content:center;padding:3rem 1rem}}
main{{background:#fff;border-radius:8px;padding:2rem;max-width:22rem;width:100%;box-shadow:0 1px 4px #0002}}
label{{display:block;margin-top:1rem;font-weight:600}} input{{width:100%;padding:.6rem;font-size:1rem;box-sizing:border-box}}
button{{margin-top:1.5rem;width:100%;padding:.7rem;font-size:1rem;background:#0b5cad;color:#fff;border:0;border-radius:4px}}
.error{{color:#a40000;font-weight:600}}
</style></head>
<body><main>
<h1>Anmelden / Log in</h1>
{message}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{csrf}"><input type="hidden" name="next" value="{next}">
<label for="username">Benutzername / User name</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Passwort / Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Anmelden / Log in</button>
</form></main></body></html>
"""
