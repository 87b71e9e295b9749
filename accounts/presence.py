"""Which colleagues are really there: available or away, as they set it, with an inbox open and recently active.

A colleague counts as present only while all of these hold: they have not set themselves away,
at least one inbox page of theirs is open (its websocket is connected), and they did something
in the inbox within the last minutes. Logging out makes them away at once, and so does closing
the last inbox page. People are told "a colleague is here and will answer shortly" only then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from aiohttp import web

from core.availability import OfficeState, OfficeStateSource

# Without any activity in the inbox for this long, a colleague counts as away.
IDLE_AFTER = timedelta(minutes=10)


@dataclass
class _Colleague:
    languages: frozenset[str]
    chose_away: bool = False
    last_active: datetime | None = None
    open_pages: int = 0


class Presence:
    """Who is available now, in this process (several processes share it through the event bus later)."""

    def __init__(self, clock: Callable[[], datetime], idle_after: timedelta = IDLE_AFTER) -> None:
        self._clock = clock
        self._idle_after = idle_after
        self._colleagues: dict[str, _Colleague] = {}

    def _colleague(self, key: str, languages: Iterable[str]) -> _Colleague:
        known = self._colleagues.setdefault(key, _Colleague(frozenset(languages)))
        known.languages = frozenset(languages)
        return known

    def page_opened(self, key: str, languages: Iterable[str]) -> None:
        """Note an open inbox page of the colleague (its websocket connected): they work in the inbox."""
        colleague = self._colleague(key, languages)
        colleague.open_pages += 1
        colleague.last_active = self._clock()

    def page_closed(self, key: str) -> None:
        """Note an inbox page gone (closed, reloaded, network lost); the last one makes them away."""
        colleague = self._colleagues.get(key)
        if colleague is not None:
            colleague.open_pages = max(0, colleague.open_pages - 1)

    def active(self, key: str, languages: Iterable[str]) -> None:
        """Note that the colleague did something in the inbox just now."""
        self._colleague(key, languages).last_active = self._clock()

    def choose(self, key: str, languages: Iterable[str], available: bool) -> None:
        """Set the colleague available or away, as they chose."""
        colleague = self._colleague(key, languages)
        colleague.chose_away = not available
        colleague.last_active = self._clock()

    def logged_out(self, key: str) -> None:
        """Forget the colleague: after logging out nobody can answer as them."""
        self._colleagues.pop(key, None)

    def available(self, key: str) -> bool:
        """Tell whether the colleague counts as present now."""
        colleague = self._colleagues.get(key)
        return colleague is not None and self._present(colleague, self._clock())

    def chose_away(self, key: str) -> bool:
        colleague = self._colleagues.get(key)
        return colleague is not None and colleague.chose_away

    def present(self) -> tuple[frozenset[str], ...]:
        """Return the languages of each colleague present now."""
        now = self._clock()
        return tuple(c.languages for c in self._colleagues.values() if self._present(c, now))

    def _present(self, colleague: _Colleague, now: datetime) -> bool:
        return (
            not colleague.chose_away
            and colleague.open_pages > 0
            and colleague.last_active is not None
            and now - colleague.last_active < self._idle_after
        )


@dataclass(frozen=True)
class OfficeNow:
    """What the office has set (closures, notice) together with who is present: what people are told."""

    calendar: OfficeStateSource
    presence: Presence

    def current(self) -> OfficeState:
        return replace(self.calendar.current(), present=self.presence.present())


PRESENCE = web.AppKey("presence", Presence)


def colleague_key(account_id: int) -> str:
    """Return the key a colleague is known by in the inbox, in presence and in handovers."""
    return f"account:{account_id}"
