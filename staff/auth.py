"""Who is using the inbox: only logged-in staff; scripts get 401 instead of the login page."""

from __future__ import annotations

from aiohttp import web

from accounts.presence import colleague_key
from accounts.web import current_session, require_role
from handover.views import StaffMember


def wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def staff_of(request: web.Request) -> tuple[StaffMember, str]:
    """Return the logged-in colleague and their CSRF token; redirect people to the login, refuse scripts."""
    if wants_json(request) and current_session(request) is None:
        raise web.HTTPUnauthorized(text="Bitte melden Sie sich an.")
    info = require_role(request, "staff")
    account = info.account
    return StaffMember(colleague_key(account.id), account.display_name, frozenset(account.language_list)), info.csrf_token
