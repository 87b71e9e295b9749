"""Log staff and analysts in and out of the web app; protect their pages and forms."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
import secrets
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from html import escape
from urllib.parse import quote, urljoin, urlsplit

from aiohttp import web

from accounts.presence import PRESENCE, colleague_key
from accounts.service import SESSION_IDLE, SESSION_LIFETIME, AccountError, AccountService, SessionInfo
from accounts.sockets import SessionSockets
from core.addresses import Network, client_address

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionPolicy:
    """How long login sessions last, and which proxies may say who the client is."""

    lifetime: timedelta = SESSION_LIFETIME
    idle: timedelta = SESSION_IDLE
    trusted_proxies: tuple[Network, ...] = ()


ACCOUNTS = web.AppKey("accounts", AccountService)
POLICY = web.AppKey("session_policy", SessionPolicy)
SESSION_SOCKETS = web.AppKey("session_sockets", SessionSockets)
CURRENT = web.RequestKey("current_session", SessionInfo)

SESSION_COOKIE = "assistant_session"
LOGIN_CSRF_COOKIE = "assistant_login_csrf"
# Forms under these paths change staff or analyst data and must carry the session's CSRF token.
CSRF_PROTECTED = ("/staff", "/analytics", "/logout", "/account")
HOME_OF_ROLE = {"staff": "/staff/", "analyst": "/analytics/"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def install_accounts(
    app: web.Application,
    database_key: web.AppKey,  # type: ignore[type-arg]
    policy: SessionPolicy = SessionPolicy(),
) -> None:
    """Add login, logout, changing one's password, the session middleware and the account service to `app`."""

    async def accounts(app: web.Application) -> AsyncIterator[None]:
        app[ACCOUNTS] = AccountService(app[database_key], lifetime=policy.lifetime, idle=policy.idle)
        yield

    app[POLICY] = policy
    app[SESSION_SOCKETS] = SessionSockets()
    app.cleanup_ctx.append(accounts)
    app.on_shutdown.append(_close_sockets)
    app.middlewares.append(session_middleware)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/account/password", password_page)
    app.router.add_post("/account/password", change_password)


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
            sent = str((await _posted(request)).get("csrf_token", ""))
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


def address_of(request: web.Request) -> str:
    """Return the client's address (the first untrusted hop behind the policy's trusted proxies)."""
    policy = request.app.get(POLICY) or SessionPolicy()
    return client_address(request.remote, request.headers.get("X-Forwarded-For"), policy.trusted_proxies)


async def login_page(request: web.Request, message: str = "", status: int = 200) -> web.Response:
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    target = safe_next(request.query.get("next", ""), request.host)
    body = _LOGIN_PAGE.format(
        csrf=escape(csrf), next=escape(target), message=f'<p role="alert" class="error">{escape(message)}</p>' if message else ""
    )
    response = web.Response(text=body, content_type="text/html", status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="Strict", secure=_secure(request), path="/login")
    _allow_own_style(response)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    form = await _posted(request)
    csrf = str(form.get("csrf_token", ""))
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf or not cookie or not hmac.compare_digest(csrf, cookie):
        raise web.HTTPForbidden(text="Missing or wrong CSRF token.")
    service = request.app[ACCOUNTS]
    address = address_of(request)
    username = form.get("username", "")[:200]
    wait = await service.throttle.wait(username, address)
    if wait > timedelta(0):
        seconds = math.ceil(wait.total_seconds())
        response = await login_page(
            request,
            f"Zu viele Versuche. Bitte in {seconds} Sekunden erneut versuchen. / "
            f"Too many attempts; please try again in {seconds} seconds.",
            429,
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    account = await service.authenticate(username, form.get("password", "")[:1024], address)
    if account is None:
        return await login_page(request, "Name oder Passwort falsch. / Wrong name or password.", 401)
    token, _ = await service.start_session(account)
    response = web.HTTPFound(safe_next(form.get("next", ""), request.host) or _home(account.roles))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict", secure=_secure(request), path="/")
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        ended = await request.app[ACCOUNTS].end_session(token)
        await request.app[SESSION_SOCKETS].close([ended])
    info = current_session(request)
    presence = request.app.get(PRESENCE)
    if info is not None and presence is not None:
        presence.logged_out(colleague_key(info.account.id))  # nobody can answer as them any more
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def password_page(request: web.Request, message: str = "", status: int = 200) -> web.Response:
    """Show the form to change one's own password (any logged-in account)."""
    info = current_session(request)
    if info is None:
        raise web.HTTPFound(f"/login?next={quote('/account/password', safe='')}")
    notice = f'<p role="alert" class="error">{escape(message)}</p>' if message else ""
    response = web.Response(
        text=_PASSWORD_PAGE.format(csrf=escape(info.csrf_token), message=notice), content_type="text/html", status=status
    )
    _allow_own_style(response)
    return response


async def change_password(request: web.Request) -> web.StreamResponse:
    """Change one's password; every other session of the account ends and its sockets close at once."""
    info = current_session(request)
    if info is None:
        raise web.HTTPUnauthorized(text="Bitte melden Sie sich an.")
    form = await _posted(request)
    new = form.get("new_password", "")[:1024]
    if new != form.get("repeat_password", "")[:1024]:
        return await password_page(request, "Die neuen Passwörter stimmen nicht überein. / The new passwords differ.", 400)
    try:
        ended = await request.app[ACCOUNTS].change_password(
            info.account.id, form.get("current_password", "")[:1024], new, keep=info.token_hash
        )
    except AccountError as error:
        return await password_page(request, f"Nicht geändert / Not changed: {error}", 400)
    closed = await request.app[SESSION_SOCKETS].close(ended, b"password changed")
    log.info("password changed: %d other session(s) ended, %d socket(s) closed", len(ended), closed)
    raise web.HTTPSeeOther(_home(info.account.roles))


def safe_next(target: str, host: str = "") -> str:
    """Return `target` if it is a path of this site as a browser will read it, else "".

    Browsers drop tabs and newlines anywhere in a URL and read a backslash as a slash, so
    "/<TAB>/evil.example" becomes "//evil.example": control characters go first, then only an
    absolute path that stays on this host is accepted.
    """
    cleaned = "".join(ch for ch in target if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")).strip()
    if not cleaned.startswith("/") or cleaned.startswith("//") or "\\" in cleaned:
        return ""
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return ""
    base = f"http://{host or 'app.invalid'}/"
    if urlsplit(urljoin(base, cleaned)).netloc != urlsplit(base).netloc:
        return ""
    return cleaned


async def _posted(request: web.Request) -> dict[str, str]:
    """Read a form's text fields; a malformed body is a 400, never a 500."""
    try:
        form = await request.post()
    except (ValueError, LookupError, AssertionError) as error:
        raise web.HTTPBadRequest(text="Das Formular ist fehlerhaft. / The form is malformed.") from error
    return {str(key): value for key, value in form.items() if isinstance(value, str)}


def _home(roles: str) -> str:
    granted = roles.split(",")
    return next((path for role, path in HOME_OF_ROLE.items() if role in granted), "/")


async def _close_sockets(app: web.Application) -> None:
    await app[SESSION_SOCKETS].close_all()


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

_PASSWORD_PAGE = (
    _LOGIN_PAGE.split("<title>", 1)[0]
    + "<title>Passwort ändern – Büro für Integrationsfragen</title>\n<style>"
    + _LOGIN_PAGE.split("<style>", 1)[1].split("</style>", 1)[0]
    + """</style></head>
<body><main>
<h1>Passwort ändern / Change password</h1>
{message}
<form method="post" action="/account/password">
<input type="hidden" name="csrf_token" value="{csrf}">
<label for="current">Aktuelles Passwort / Current password</label><input id="current" name="current_password" type="password" autocomplete="current-password" required>
<label for="new">Neues Passwort (mind. 10 Zeichen) / New password (10+ characters)</label><input id="new" name="new_password" type="password" autocomplete="new-password" minlength="10" required>
<label for="repeat">Neues Passwort wiederholen / Repeat it</label><input id="repeat" name="repeat_password" type="password" autocomplete="new-password" minlength="10" required>
<button type="submit">Ändern / Change</button>
</form></main></body></html>
"""
)
