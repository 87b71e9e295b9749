"""What `assistant serve` tells on start: where everything is, and (first start, not production) demo logins."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TextIO

from core.settings import Settings

DEMO_ROLES = ("staff", "analyst")


@dataclass(frozen=True)
class DemoLogin:
    """A login created for trying the product out; its password is shown once and stored only hashed."""

    role: str
    username: str
    password: str


async def create_demo_logins(settings: Settings) -> list[DemoLogin]:
    """Create a staff and an analyst login if neither role has an account yet; never in production."""
    if settings.production:
        return []
    from accounts.service import AccountService
    from storage.migrate import open_database

    async with open_database(settings.database_url) as database:
        service = AccountService(database)
        if any([await service.exists(role) for role in DEMO_ROLES]):
            return []
        logins = [DemoLogin(role, role, secrets.token_urlsafe(15)) for role in DEMO_ROLES]
        for login in logins:
            await service.create(login.username, login.password, [login.role], f"Demo {login.role}")
    return logins


def base_url(host: str, port: int) -> str:
    """Return the address a browser on this machine uses to reach the server."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def addresses(host: str, port: int) -> list[tuple[str, str]]:
    """Return what runs where: the web chat, the staff inbox and the analytics dashboard."""
    base = base_url(host, port)
    return [("web chat", f"{base}/"), ("staff inbox", f"{base}/staff/"), ("analytics", f"{base}/analytics/")]


def announce(host: str, port: int, logins: list[DemoLogin], out: TextIO) -> None:
    """Print the addresses, and the demo logins once, right after they were created."""
    width = max(len(name) for name, _ in addresses(host, port))
    for name, url in addresses(host, port):
        out.write(f"  {name:<{width}}  {url}\n")
    if logins:
        out.write(f"\nDemo logins, shown only this once (log in at {base_url(host, port)}/login):\n")
        for login in logins:
            out.write(f"  {login.role:<{width}}  user {login.username}  password {login.password}\n")
    out.write("\nCtrl-C stops everything.\n")
    out.flush()
