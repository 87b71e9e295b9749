"""The office's own calendar in the database: closures, the notice, and who changed what when.

Every part of the assistant reads it through `OfficeCalendar.current()`: a snapshot in memory,
renewed at once when this process changes it, when another process signals a change, and every
few seconds anyway. The signal is a small interface (`CalendarSignal`); in one process it is a
plain callback list, across processes the event bus carries it (`BusSignal`, over Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from sqlalchemy import Date, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from core.availability import Closure, Notice, OfficeState
from core.bus import EventBus
from storage.db import Base, Database

log = logging.getLogger(__name__)

# Without a signal from another process (no Redis, or an event lost), a change made there shows here after at most this long.
REFRESH_EVERY = 10.0
CALENDAR_TOPIC = "office-calendar"
NOTE_CHARS = 200


class OfficeClosure(Base):
    """A day the office closes itself, with a reason from the list and a note for colleagues."""

    __tablename__ = "office_closures"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(NOTE_CHARS), default="")
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[datetime]


class OfficeNotice(Base):
    """The notice shown above answers on some days (at most one at a time)."""

    __tablename__ = "office_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    template: Mapped[str] = mapped_column(String(40))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    at_time: Mapped[str | None] = mapped_column(String(5))
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[datetime]


class OfficeCalendarChange(Base):
    """One change of the calendar: when, by whom, and what (in German, for colleagues)."""

    __tablename__ = "office_calendar_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    by: Mapped[str] = mapped_column(String(120))
    change: Mapped[str] = mapped_column(String(300))


@dataclass(frozen=True)
class ClosureEntry:
    """A closure as the staff page lists it: the day, reason, note, and who set it when."""

    closure: Closure
    set_by: str
    set_at: datetime


@dataclass(frozen=True)
class CalendarChange:
    """A line of the calendar's history."""

    at: datetime
    by: str
    change: str


class CalendarSignal(Protocol):
    """Tells every process of the assistant that the office's calendar changed."""

    async def publish(self) -> None:
        """Say that the calendar changed (here or anywhere)."""
        ...

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever any process changed the calendar."""
        ...


class LocalSignal:
    """The signal within one process."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    async def publish(self) -> None:
        for listener in list(self._listeners):
            listener()

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)


class BusSignal:
    """The signal over the event bus (core.bus): with Redis, every process hears of a change at once."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    async def publish(self) -> None:
        self._bus.publish(CALENDAR_TOPIC, {"changed": True})

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._bus.subscribe(CALENDAR_TOPIC, lambda _event: listener())


class OfficeCalendarStore:
    """Closures, the notice and the history of changes, in the database."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def state(self) -> OfficeState:
        """Read every closure and the notice (a few dozen rows a year)."""
        async with self._database.sessions() as session:
            closures = (await session.scalars(select(OfficeClosure))).all()
            notice = (await session.scalars(select(OfficeNotice).order_by(OfficeNotice.id.desc()).limit(1))).first()
        return OfficeState(
            closures={row.day: Closure(row.day, row.reason, row.note) for row in closures},
            notice=_notice(notice) if notice is not None else None,
        )

    async def closures(self, first: date) -> list[ClosureEntry]:
        """List the closures from `first` on, earliest first."""
        async with self._database.sessions() as session:
            rows = (await session.scalars(select(OfficeClosure).where(OfficeClosure.day >= first).order_by(OfficeClosure.day))).all()
        return [ClosureEntry(Closure(row.day, row.reason, row.note), row.set_by, row.set_at) for row in rows]

    async def history(self, limit: int = 20) -> list[CalendarChange]:
        """Return the latest changes, newest first."""
        async with self._database.sessions() as session:
            rows = (await session.scalars(select(OfficeCalendarChange).order_by(OfficeCalendarChange.id.desc()).limit(limit))).all()
        return [CalendarChange(row.at, row.by, row.change) for row in rows]

    async def close_day(self, closure: Closure, by: str, now: datetime) -> None:
        """Close a day (or change its reason and note), and record who did it."""
        async with self._database.sessions.begin() as session:
            row = await session.get(OfficeClosure, closure.day)
            if row is None:
                session.add(OfficeClosure(day=closure.day, reason=closure.reason, note=closure.note, set_by=by, set_at=now))
                what = "geschlossen"
            else:
                row.reason, row.note, row.set_by, row.set_at = closure.reason, closure.note, by, now
                what = "geändert"
            note = f" – {closure.note}" if closure.note else ""
            session.add(OfficeCalendarChange(at=now, by=by, change=f"{closure.day:%d.%m.%Y} {what}: {closure.reason}{note}"[:300]))

    async def open_day(self, day: date, by: str, now: datetime) -> bool:
        """Take a closure back; return whether there was one."""
        async with self._database.sessions.begin() as session:
            removed = await session.execute(delete(OfficeClosure).where(OfficeClosure.day == day))
            if not removed.rowcount:  # type: ignore[attr-defined]
                return False
            session.add(OfficeCalendarChange(at=now, by=by, change=f"{day:%d.%m.%Y} wieder geöffnet"))
        return True

    async def set_notice(self, notice: Notice | None, by: str, now: datetime) -> None:
        """Show `notice` from now on instead of any earlier one (None: show none), and record it."""
        async with self._database.sessions.begin() as session:
            await session.execute(delete(OfficeNotice))
            if notice is None:
                change = "Hinweis entfernt"
            else:
                at = f"{notice.at:%H:%M}" if notice.at else None
                session.add(
                    OfficeNotice(template=notice.template, first_day=notice.first_day, last_day=notice.last_day, at_time=at, set_by=by, set_at=now)
                )
                change = f"Hinweis {notice.template}{' ' + at if at else ''}: {notice.first_day:%d.%m.%Y}–{notice.last_day:%d.%m.%Y}"
            session.add(OfficeCalendarChange(at=now, by=by, change=change))


def _notice(row: OfficeNotice) -> Notice:
    return Notice(row.template, row.first_day, row.last_day, time.fromisoformat(row.at_time) if row.at_time else None)


class OfficeCalendar:
    """The calendar as every channel reads it: at once, from a snapshot that follows every change."""

    def __init__(self, store: OfficeCalendarStore, signal: CalendarSignal | None = None, refresh_every: float = REFRESH_EVERY) -> None:
        self.store = store
        self._signal = signal or LocalSignal()
        self._refresh_every = refresh_every
        self._state = OfficeState()
        self._changed = asyncio.Event()
        self._signal.subscribe(self._changed.set)
        self._follower: asyncio.Task[None] | None = None

    def current(self) -> OfficeState:
        """Return the closures and the notice as last read."""
        return self._state

    async def refresh(self) -> OfficeState:
        """Read the calendar again now."""
        self._state = await self.store.state()
        return self._state

    async def close_day(self, closure: Closure, by: str, now: datetime) -> None:
        await self.store.close_day(closure, by, now)
        await self._changed_here()

    async def open_day(self, day: date, by: str, now: datetime) -> bool:
        opened = await self.store.open_day(day, by, now)
        await self._changed_here()
        return opened

    async def set_notice(self, notice: Notice | None, by: str, now: datetime) -> None:
        await self.store.set_notice(notice, by, now)
        await self._changed_here()

    async def _changed_here(self) -> None:
        await self.refresh()
        await self._signal.publish()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[OfficeCalendar]:
        """Read the calendar, then follow changes (signalled, or every few seconds) until the app stops.

        Entered again while running (the assistant and the web app both ask), it only reads afresh.
        """
        await self.refresh()
        if self._follower is not None:
            yield self
            return
        self._follower = asyncio.create_task(self._follow(), name="office-calendar")
        try:
            yield self
        finally:
            follower, self._follower = self._follower, None
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower

    async def _follow(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), self._refresh_every)
            self._changed.clear()
            try:
                await self.refresh()
            except Exception as error:  # a database hiccup keeps the last snapshot; people still get answers
                log.warning("office calendar not refreshed (%s)", type(error).__name__)
