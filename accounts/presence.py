"""Which colleagues are really there: available or away, as they set it, with an inbox open and recently active.

A colleague counts as present only while all of these hold: they have not set themselves away,
at least one inbox page of theirs is open (its websocket is connected), and they did something
in the inbox within the last minutes. Logging out makes them away at once, and so does closing
the last inbox page. People are told "a colleague is here and will answer shortly" only then.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from aiohttp import web

from core.availability import OfficeState, OfficeStateSource
from core.bus import Event, EventBus

# Without any activity in the inbox for this long, a colleague counts as away.
IDLE_AFTER = timedelta(minutes=10)
# Over a shared bus, each process tells the others whom it sees this often (and at every change) ...
PRESENCE_TOPIC = "presence"
ANNOUNCE_EVERY = 5.0
# ... and what a process said is forgotten once it has been silent this long (it stopped or died).
SILENT_AFTER = timedelta(seconds=15)


@dataclass
class _Seen:
    """What one process sees of a colleague: their languages, open inbox pages and last activity there."""

    languages: frozenset[str]
    last_active: datetime | None = None
    open_pages: int = 0


@dataclass(frozen=True)
class _Choice:
    """Available or away as the colleague chose it, and when: the latest choice on any process counts."""

    away: bool
    at: datetime


@dataclass
class _Elsewhere:
    """What another process last told us, and when we heard from it."""

    heard: datetime
    colleagues: dict[str, _Seen] = field(default_factory=dict)


class Presence:
    """Who is available now: in this process, and with a shared event bus in every process of the assistant.

    Each process counts the inbox pages open on it; over a shared bus (core.bus) it tells the others
    what it sees at every change and every few seconds, and hears what they see. A colleague's
    choice (available or away) and logging out apply on every process.
    """

    def __init__(
        self, clock: Callable[[], datetime], idle_after: timedelta = IDLE_AFTER, bus: EventBus | None = None
    ) -> None:
        self._clock = clock
        self._idle_after = idle_after
        self._here: dict[str, _Seen] = {}
        self._choices: dict[str, _Choice] = {}
        self._elsewhere: dict[str, _Elsewhere] = {}
        # Only a bus that reaches other processes has anything to carry.
        self._bus = bus if bus is not None and bus.shared else None
        self._origin = secrets.token_hex(8)
        if self._bus is not None:
            self._bus.subscribe(PRESENCE_TOPIC, self._receive)

    # --- what happens in this process's inbox pages --------------------------------------------------

    def _seen(self, key: str, languages: Iterable[str]) -> _Seen:
        known = self._here.setdefault(key, _Seen(frozenset(languages)))
        known.languages = frozenset(languages)
        return known

    def page_opened(self, key: str, languages: Iterable[str]) -> None:
        """Note an open inbox page of the colleague (its websocket connected): they work in the inbox."""
        seen = self._seen(key, languages)
        seen.open_pages += 1
        seen.last_active = self._clock()
        self._announce()

    def page_closed(self, key: str) -> None:
        """Note an inbox page gone (closed, reloaded, network lost); the last one makes them away."""
        seen = self._here.get(key)
        if seen is not None:
            seen.open_pages = max(0, seen.open_pages - 1)
            self._announce()

    def active(self, key: str, languages: Iterable[str]) -> None:
        """Note that the colleague did something in the inbox just now."""
        self._seen(key, languages).last_active = self._clock()
        self._announce()

    def choose(self, key: str, languages: Iterable[str], available: bool) -> None:
        """Set the colleague available or away, as they chose."""
        now = self._clock()
        self._seen(key, languages).last_active = now
        self._choices[key] = _Choice(not available, now)
        self._announce()

    def logged_out(self, key: str) -> None:
        """Forget the colleague: after logging out nobody can answer as them."""
        self._forget(key)
        if self._bus is not None:
            self._bus.publish(PRESENCE_TOPIC, {"type": "gone", "origin": self._origin, "key": key})

    # --- who is there, on any process ---------------------------------------------------------------

    def available(self, key: str) -> bool:
        """Tell whether the colleague counts as present now."""
        now = self._clock()
        seen = self._everywhere(now).get(key)
        return seen is not None and self._present(key, seen, now)

    def chose_away(self, key: str) -> bool:
        choice = self._choices.get(key)
        return choice is not None and choice.away

    def present(self) -> tuple[frozenset[str], ...]:
        """Return the languages of each colleague present now."""
        now = self._clock()
        return tuple(seen.languages for key, seen in self._everywhere(now).items() if self._present(key, seen, now))

    def _present(self, key: str, seen: _Seen, now: datetime) -> bool:
        return (
            not self.chose_away(key)
            and seen.open_pages > 0
            and seen.last_active is not None
            and now - seen.last_active < self._idle_after
        )

    def _everywhere(self, now: datetime) -> dict[str, _Seen]:
        """Add up what every live process sees of each colleague: pages open anywhere, the latest activity."""
        merged = {key: replace(seen) for key, seen in self._here.items()}
        for origin, elsewhere in list(self._elsewhere.items()):
            if now - elsewhere.heard > SILENT_AFTER:
                del self._elsewhere[origin]  # stopped or died: its pages are gone
                continue
            for key, seen in elsewhere.colleagues.items():
                known = merged.get(key)
                if known is None:
                    merged[key] = replace(seen)
                    continue
                known.open_pages += seen.open_pages
                if seen.last_active is not None and (known.last_active is None or seen.last_active > known.last_active):
                    known.last_active, known.languages = seen.last_active, seen.languages
        return merged

    def _forget(self, key: str) -> None:
        self._here.pop(key, None)
        self._choices.pop(key, None)
        for elsewhere in self._elsewhere.values():
            elsewhere.colleagues.pop(key, None)

    # --- telling the other processes, hearing from them ----------------------------------------------

    @asynccontextmanager
    async def running(self, every: float = ANNOUNCE_EVERY) -> AsyncIterator[Presence]:
        """Ask the others what they see, then keep telling them what we see, while the block runs."""
        if self._bus is None:
            yield self
            return
        self._bus.publish(PRESENCE_TOPIC, {"type": "ask", "origin": self._origin})
        announcing = asyncio.create_task(self._keep_announcing(every), name="presence")
        try:
            yield self
        finally:
            announcing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await announcing
            self._bus.publish(PRESENCE_TOPIC, {"type": "bye", "origin": self._origin})

    async def _keep_announcing(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self._announce()

    def _announce(self) -> None:
        """Tell the other processes whom this one sees, with ages instead of times (their clocks may differ a little)."""
        if self._bus is None:
            return
        now = self._clock()
        self._bus.publish(
            PRESENCE_TOPIC,
            {
                "type": "seen",
                "origin": self._origin,
                "colleagues": {
                    key: {
                        "languages": sorted(seen.languages),
                        "pages": seen.open_pages,
                        "idle": None if seen.last_active is None else (now - seen.last_active).total_seconds(),
                    }
                    for key, seen in self._here.items()
                },
                "choices": {key: {"away": c.away, "ago": (now - c.at).total_seconds()} for key, c in self._choices.items()},
            },
        )

    def _receive(self, event: Event) -> None:
        origin = event.get("origin")
        if not isinstance(origin, str) or origin == self._origin:
            return
        kind = event.get("type")
        try:
            if kind == "seen":
                self._heard(origin, event)
            elif kind == "ask":
                self._announce()
            elif kind == "bye":
                self._elsewhere.pop(origin, None)
            elif kind == "gone" and isinstance(event.get("key"), str):
                self._forget(event["key"])
        except (TypeError, ValueError, KeyError, AttributeError):
            pass  # a malformed event (another version?) changes nothing

    def _heard(self, origin: str, event: Event) -> None:
        now = self._clock()
        colleagues: dict[str, _Seen] = {}
        for key, seen in dict(event["colleagues"]).items():
            idle = seen["idle"]
            colleagues[str(key)] = _Seen(
                frozenset(str(language) for language in seen["languages"]),
                None if idle is None else now - timedelta(seconds=float(idle)),
                int(seen["pages"]),
            )
        self._elsewhere[origin] = _Elsewhere(now, colleagues)
        for key, choice in dict(event["choices"]).items():
            at = now - timedelta(seconds=float(choice["ago"]))
            known = self._choices.get(str(key))
            if known is None or at >= known.at:  # at the same moment, the later event wins
                self._choices[str(key)] = _Choice(bool(choice["away"]), at)


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
