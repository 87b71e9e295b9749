"""Create accounts, check passwords with a throttle, and keep login sessions."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import delete, select

from accounts.models import Account, LoginSession
from accounts.passwords import hash_password, verify_password
from core.errors import AssistantError
from storage.db import Database

ROLES = frozenset({"staff", "analyst"})
SESSION_LIFETIME = timedelta(hours=12)


class AccountError(AssistantError):
    """An account cannot be created as asked."""


@dataclass(frozen=True)
class SessionInfo:
    """Who is logged in with a session, and the CSRF token their forms must carry."""

    account: Account
    csrf_token: str


class LoginThrottle:
    """Allow a few failed logins per user name and per address in a window, then refuse for a while."""

    def __init__(self, failures: int = 5, window: float = 900.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._failures = failures
        self._window = window
        self._clock = clock
        self._recent: dict[str, deque[float]] = defaultdict(deque)

    def allowed(self, *keys: str) -> bool:
        now = self._clock()
        for key in keys:
            recent = self._recent[key]
            while recent and now - recent[0] > self._window:
                recent.popleft()
            if len(recent) >= self._failures:
                return False
        return True

    def failed(self, *keys: str) -> None:
        for key in keys:
            self._recent[key].append(self._clock())

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._recent.pop(key, None)


class AccountService:
    """Accounts and login sessions in the database."""

    def __init__(self, database: Database, throttle: LoginThrottle | None = None) -> None:
        self._database = database
        self.throttle = throttle or LoginThrottle()

    async def create(
        self, username: str, password: str, roles: Iterable[str], display_name: str = "", languages: Iterable[str] = ()
    ) -> Account:
        """Create an account; refuse unknown roles, short passwords and taken names."""
        roles = sorted(set(roles))
        if not roles or not set(roles) <= ROLES:
            raise AccountError(f"roles must be some of {sorted(ROLES)}")
        if len(password) < 10:
            raise AccountError("the password must have at least 10 characters")
        username = username.strip().lower()
        async with self._database.sessions() as session, session.begin():
            if await session.scalar(select(Account).where(Account.username == username)):
                raise AccountError(f"the user name {username!r} is taken")
            account = Account(
                username=username,
                display_name=display_name or username,
                password_hash=hash_password(password),
                roles=",".join(roles),
                languages=",".join(languages),
                created_at=datetime.now(UTC),
            )
            session.add(account)
        return account

    async def exists(self, role: str) -> bool:
        async with self._database.sessions() as session:
            accounts = await session.scalars(select(Account))
            return any(account.has_role(role) for account in accounts)

    async def authenticate(self, username: str, password: str, address: str) -> Account | None:
        """Return the account for correct credentials; None when wrong or throttled."""
        username = username.strip().lower()
        keys = (f"user:{username}", f"address:{address}")
        if not self.throttle.allowed(*keys):
            return None
        async with self._database.sessions() as session:
            account = await session.scalar(select(Account).where(Account.username == username))
        # Verify even for unknown names so timing does not tell which names exist.
        valid = verify_password(password, account.password_hash if account else _dummy_hash())
        if account is None or not valid:
            self.throttle.failed(*keys)
            return None
        self.throttle.succeeded(f"user:{username}")
        return account

    async def start_session(self, account: Account) -> tuple[str, str]:
        """Open a login session; return the cookie token and the CSRF token."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        async with self._database.sessions() as session, session.begin():
            await session.execute(delete(LoginSession).where(LoginSession.expires_at < datetime.now(UTC)))
            session.add(
                LoginSession(
                    token_hash=_digest(token),
                    account_id=account.id,
                    csrf_token=csrf,
                    expires_at=datetime.now(UTC) + SESSION_LIFETIME,
                )
            )
        return token, csrf

    async def session_for(self, token: str) -> SessionInfo | None:
        """Return who is logged in with `token`, if the session is valid."""
        async with self._database.sessions() as session:
            row = await session.get(LoginSession, _digest(token))
            if row is None or row.expires_at < datetime.now(UTC):
                return None
            account = await session.get(Account, row.account_id)
        return SessionInfo(account, row.csrf_token) if account else None

    async def end_session(self, token: str) -> None:
        async with self._database.sessions() as session, session.begin():
            await session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
