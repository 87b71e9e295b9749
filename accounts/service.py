"""Create accounts, check passwords with a throttle, and keep login sessions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import delete, or_, select, update

from accounts.models import Account, LoginSession
from accounts.passwords import hash_password, verify_password
from accounts.throttle import LoginThrottle
from core.clock import utc_now
from core.errors import AssistantError
from storage.db import Database

ROLES = frozenset({"staff", "analyst"})
MIN_PASSWORD_CHARS = 10
# A session ends this long after login however busy it is, and after this long without use.
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(minutes=60)
# A session's last use is written at most this often (not on every request).
_SEEN_EVERY = timedelta(seconds=60)


class AccountError(AssistantError):
    """An account cannot be created as asked."""


@dataclass(frozen=True)
class SessionInfo:
    """Who is logged in with a session, and the CSRF token their forms must carry."""

    account: Account
    csrf_token: str
    # The stored digest of the session's cookie: what the open sockets of this session are filed under.
    token_hash: str = ""


class AccountService:
    """Accounts and login sessions in the database."""

    def __init__(
        self,
        database: Database,
        throttle: LoginThrottle | None = None,
        lifetime: timedelta = SESSION_LIFETIME,
        idle: timedelta = SESSION_IDLE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self.throttle = throttle or LoginThrottle(database, clock=clock)
        self._lifetime = lifetime
        self._idle = idle
        self._clock = clock

    async def create(
        self, username: str, password: str, roles: Iterable[str], display_name: str = "", languages: Iterable[str] = ()
    ) -> Account:
        """Create an account; refuse unknown roles, short passwords and taken names."""
        roles = sorted(set(roles))
        if not roles or not set(roles) <= ROLES:
            raise AccountError(f"roles must be some of {sorted(ROLES)}")
        _check_password(password)
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
        """Return the account for correct credentials; None when wrong. Callers ask the throttle first."""
        username = username.strip().lower()
        async with self._database.sessions() as session:
            account = await session.scalar(select(Account).where(Account.username == username))
        # Verify even for unknown names so timing does not tell which names exist.
        valid = verify_password(password, account.password_hash if account else _dummy_hash())
        if account is None or not valid:
            await self.throttle.failed(username, address)
            return None
        await self.throttle.succeeded(username, address)
        return account

    async def start_session(self, account: Account) -> tuple[str, str]:
        """Open a login session; return the cookie token and the CSRF token."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self._clock()
        async with self._database.sessions() as session, session.begin():
            await session.execute(
                delete(LoginSession).where(
                    or_(LoginSession.expires_at < now, LoginSession.last_seen_at < now - self._idle)
                )
            )
            session.add(
                LoginSession(
                    token_hash=token_digest(token),
                    account_id=account.id,
                    csrf_token=csrf,
                    expires_at=now + self._lifetime,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return token, csrf

    async def session_for(self, token: str, touch: bool = True) -> SessionInfo | None:
        """Return who is logged in with `token`, if the session is neither expired nor idle too long."""
        now = self._clock()
        digest = token_digest(token)
        async with self._database.sessions() as session:
            row = await session.get(LoginSession, digest)
            if row is None or row.expires_at < now:
                return None
            seen = row.last_seen_at or row.created_at or now
            if seen < now - self._idle:
                return None
            account = await session.get(Account, row.account_id)
            csrf = row.csrf_token
        if account is None:
            return None
        if touch and now - seen >= _SEEN_EVERY:
            async with self._database.sessions() as session, session.begin():
                await session.execute(
                    update(LoginSession).where(LoginSession.token_hash == digest).values(last_seen_at=now)
                )
        return SessionInfo(account, csrf, digest)

    async def end_session(self, token: str) -> str:
        """End one login session; return its digest (to close its sockets)."""
        digest = token_digest(token)
        async with self._database.sessions() as session, session.begin():
            await session.execute(delete(LoginSession).where(LoginSession.token_hash == digest))
        return digest

    async def change_password(self, account_id: int, old: str, new: str, keep: str | None = None) -> list[str]:
        """Change a password when the old one is right; end every other session; return the ended digests."""
        _check_password(new)
        async with self._database.sessions() as session:
            account = await session.get(Account, account_id)
        if account is None or not verify_password(old, account.password_hash):
            raise AccountError("the current password is wrong")
        return await self._set_password(account.username, new, keep)

    async def set_password(self, username: str, password: str) -> list[str]:
        """Give an account a new password (the command line); end all its sessions; return their digests."""
        _check_password(password)
        return await self._set_password(username, password, None)

    async def remove(self, username: str) -> list[str]:
        """Delete an account and its sessions; return the ended sessions' digests."""
        username = username.strip().lower()
        async with self._database.sessions() as session, session.begin():
            account = await session.scalar(select(Account).where(Account.username == username))
            if account is None:
                raise AccountError(f"there is no account {username!r}")
            ended = list(
                await session.scalars(select(LoginSession.token_hash).where(LoginSession.account_id == account.id))
            )
            await session.execute(delete(LoginSession).where(LoginSession.account_id == account.id))
            await session.delete(account)
        return ended

    async def _set_password(self, username: str, password: str, keep: str | None) -> list[str]:
        username = username.strip().lower()
        async with self._database.sessions() as session, session.begin():
            account = await session.scalar(select(Account).where(Account.username == username))
            if account is None:
                raise AccountError(f"there is no account {username!r}")
            account.password_hash = hash_password(password)
            others = select(LoginSession.token_hash).where(
                LoginSession.account_id == account.id, LoginSession.token_hash != (keep or "")
            )
            ended = list(await session.scalars(others))
            await session.execute(delete(LoginSession).where(LoginSession.token_hash.in_(ended)))
        return ended


def token_digest(token: str) -> str:
    """Return what is stored of a session's cookie token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
