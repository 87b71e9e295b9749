"""Slow down password guessing without locking the real owner out.

Failed logins are counted per (user name, address) and per address, never per user name alone: a
guesser slows down themselves (and, after many more failures, their address), while the owner's
correct password from any other address always gets in. Past a few free failures every further one
doubles the wait, up to a cap. Failures are kept in the database, so every app process sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from accounts.models import LoginFailure
from core.clock import utc_now
from storage.db import Database

log = logging.getLogger(__name__)

# Failures of a name that then logged in from the address: no name's any more, still the address's.
_FORGIVEN = ""


@dataclass(frozen=True)
class ThrottleRules:
    """How many failures are free, and how the wait grows after them."""

    # Wrong passwords for one name from one address before the first wait.
    per_name_and_address: int = 5
    # Wrong passwords from one address (any names: an office behind one NAT) before the first wait.
    per_address: int = 30
    first_wait: timedelta = timedelta(seconds=30)
    longest_wait: timedelta = timedelta(minutes=15)
    # Failures older than this are forgotten.
    window: timedelta = timedelta(hours=1)

    def wait_after(self, failures: int, free: int) -> timedelta:
        """Return how long to wait after `failures` failures of which `free` cost nothing."""
        if failures < free:
            return timedelta(0)
        return min(self.longest_wait, self.first_wait * 2 ** (failures - free))


class LoginThrottle:
    """Decide whether a login attempt may be checked now; remember failures and successes."""

    def __init__(
        self, database: Database, rules: ThrottleRules = ThrottleRules(), clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._database = database
        self.rules = rules
        self._clock = clock

    async def wait(self, username: str, address: str) -> timedelta:
        """Return how long this (name, address) must still wait before a password is checked; zero if not."""
        username, address = _name(username), _address(address)
        now = self._clock()
        since = now - self.rules.window
        async with self._database.sessions() as session:
            pair = (
                await session.execute(
                    select(func.count(), func.max(LoginFailure.at)).where(
                        LoginFailure.username == username, LoginFailure.address == address, LoginFailure.at >= since
                    )
                )
            ).one()
            by_address = (
                await session.execute(
                    select(func.count(), func.max(LoginFailure.at)).where(
                        LoginFailure.address == address, LoginFailure.at >= since
                    )
                )
            ).one()
        waits = [timedelta(0)]
        for (count, last), free in ((pair, self.rules.per_name_and_address), (by_address, self.rules.per_address)):
            if last is not None:
                last = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)
                waits.append(last + self.rules.wait_after(int(count), free) - now)
        return max(waits)

    async def failed(self, username: str, address: str) -> None:
        """Count a wrong password (the password itself is never kept or logged)."""
        username, address = _name(username), _address(address)
        now = self._clock()
        async with self._database.sessions() as session, session.begin():
            await session.execute(delete(LoginFailure).where(LoginFailure.at < now - self.rules.window))
            session.add(LoginFailure(username=username, address=address, at=now))
        wait = await self.wait(username, address)
        if wait > timedelta(0):
            log.warning(
                "login throttled: account %r from address %s must wait %d s", username, address, wait.total_seconds()
            )

    async def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of this name from this address (they still count for the address)."""
        username, address = _name(username), _address(address)
        async with self._database.sessions() as session, session.begin():
            await session.execute(
                update(LoginFailure)
                .where(LoginFailure.username == username, LoginFailure.address == address)
                .values(username=_FORGIVEN)
            )


def _name(username: str) -> str:
    return username.strip().lower()[:80]


def _address(address: str) -> str:
    return address[:64]
