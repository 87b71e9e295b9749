"""Opening hours as data, and the pure question "is it open now, and when next?"."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

# Look this many days ahead for the next opening; long closures (e.g. summer) fit inside.
_HORIZON_DAYS = 120


@dataclass(frozen=True)
class OpeningSlot:
    """One weekly time window, e.g. Tuesday 10:00–12:00."""

    weekday: int  # Monday is 0, as in datetime.weekday()
    start: time
    end: time


@dataclass(frozen=True)
class OpenStatus:
    """Whether a schedule is open at a moment, until when, and when it opens next."""

    open_now: bool
    until: datetime | None
    next_opening: datetime | None


ClosedDay = Callable[[date], bool]


@dataclass(frozen=True)
class OfficeSchedule:
    """Weekly hours of one team, closed on the days `is_closed_day` says (see core/availability)."""

    name: str
    slots: tuple[OpeningSlot, ...]
    timezone: ZoneInfo
    is_closed_day: ClosedDay

    def status(self, now: datetime) -> OpenStatus:
        """Say whether the office is open at `now` and when it opens next."""
        local = now.astimezone(self.timezone)
        current = self._slot_at(local)
        if current is not None:
            until = datetime.combine(local.date(), current.end, self.timezone)
            return OpenStatus(True, until, self.next_opening(until))
        return OpenStatus(False, None, self.next_opening(local))

    def next_opening(self, after: datetime) -> datetime | None:
        """Return the start of the first slot that begins after `after`, or None if none soon."""
        local = after.astimezone(self.timezone)
        for offset in range(_HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if self.is_closed_day(day):
                continue
            for slot in sorted(self._slots_on(day.weekday()), key=lambda s: s.start):
                start = datetime.combine(day, slot.start, self.timezone)
                if start > local:
                    return start
        return None

    def _slot_at(self, local: datetime) -> OpeningSlot | None:
        if self.is_closed_day(local.date()):
            return None
        for slot in self._slots_on(local.weekday()):
            if slot.start <= local.time() < slot.end:
                return slot
        return None

    def _slots_on(self, weekday: int) -> Iterable[OpeningSlot]:
        return (slot for slot in self.slots if slot.weekday == weekday)


def parse_slot(raw: dict[str, str]) -> OpeningSlot:
    """Build a slot from `{weekday: tuesday, start: "10:00", end: "12:00"}`."""
    weekday = WEEKDAYS.index(str(raw["weekday"]).lower())
    start = time.fromisoformat(str(raw["start"]))
    end = time.fromisoformat(str(raw["end"]))
    if end <= start:
        raise ValueError(f"slot ends before it starts: {raw}")
    return OpeningSlot(weekday, start, end)


def parse_closed_days(raw: Iterable[object]) -> frozenset[date]:
    """Expand closures given as dates or `{from: ..., to: ...}` ranges into single days."""
    days: set[date] = set()
    for entry in raw:
        if isinstance(entry, dict):
            first = _as_date(entry["from"])
            last = _as_date(entry["to"])
            while first <= last:
                days.add(first)
                first += timedelta(days=1)
        else:
            days.add(_as_date(entry))
    return frozenset(days)


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
