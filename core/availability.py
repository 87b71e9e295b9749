"""Who can help a person now, and what happens next: the one place availability is computed.

The open consultation serves everyone; the Ukraine team serves Ukrainian and Russian speakers in
addition, in its own hours. Public holidays of Lower Saxony, the yearly closures of the content
(24 and 31 December) and closures the office sets itself close both. A colleague who is present
and speaks the person's language can answer at any time. Everything here is a pure function of a
moment, the office's rules (data/) and the office's current state (closures, notice, presence).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

from core.schedule import OfficeSchedule, OpeningSlot

CONSULTATION = "consultation"
UKRAINE = "ukraine"
# People writing these languages are served by the Ukraine team (Russian- and Ukrainian-speaking
# colleagues, with hours of their own) in addition to the open consultation.
UKRAINE_TEAM_LANGUAGES = frozenset({"uk", "ru"})
# Every colleague of the office speaks German, whatever else they list.
OFFICE_LANGUAGE = "de"
# Closer than this to the end of the hours, "shortly" would not be honest: say when it closes and what next.
LAST_CALL = timedelta(minutes=15)


@dataclass(frozen=True)
class Closure:
    """A day the office closes itself: a reason from the list in data/availability.yml and a note for staff."""

    day: date
    reason: str
    note: str = ""


@dataclass(frozen=True)
class Notice:
    """A short notice shown above answers on some days, from a pre-translated template."""

    template: str
    first_day: date
    last_day: date
    # For templates that name a time of day ("opens later today, at 11:00").
    at: time | None = None

    def applies(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class OfficeState:
    """What the office sets itself: closures, the notice, and the languages of each colleague present now."""

    closures: Mapping[date, Closure] = field(default_factory=dict)
    notice: Notice | None = None
    present: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class DayOff:
    """Why the office is closed on a day: a public holiday (its German name) or a closure reason."""

    day: date
    holiday: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class OfficeRules:
    """The office's standing rules from data/: each team's weekly hours, public holidays, yearly closures."""

    timezone: ZoneInfo
    hours: Mapping[str, tuple[OpeningSlot, ...]]
    holiday_country: str = "DE"
    holiday_subdivision: str | None = "NI"
    # (month, day) -> closure reason, e.g. (12, 24) -> "christmas_eve".
    yearly_closures: Mapping[tuple[int, int], str] = field(default_factory=dict)
    # Dated closures written into data/schedule.yml, with the reason "closed".
    fixed_closures: Mapping[date, str] = field(default_factory=dict)

    def day_off(self, day: date, state: OfficeState) -> DayOff | None:
        """Say why the office is closed on `day`, or None if its usual hours apply."""
        holiday = public_holidays(self.holiday_country, self.holiday_subdivision, day.year).get(day)
        if holiday is not None:
            return DayOff(day, holiday=str(holiday).split(";")[0].strip())
        closure = state.closures.get(day)
        if closure is not None:
            return DayOff(day, reason=closure.reason)
        yearly = self.yearly_closures.get((day.month, day.day))
        if yearly is not None:
            return DayOff(day, reason=yearly)
        fixed = self.fixed_closures.get(day)
        return DayOff(day, reason=fixed) if fixed is not None else None

    def schedule(self, team: str, state: OfficeState) -> OfficeSchedule:
        """Return one team's hours with every closure of the rules and the state applied."""
        return OfficeSchedule(team, self.hours[team], self.timezone, lambda day: self.day_off(day, state) is not None)

    def combined(self, state: OfficeState) -> OfficeSchedule:
        """Return the hours in which any team is there (the statistics' "office open")."""
        slots = tuple(dict.fromkeys(slot for slots in self.hours.values() for slot in slots))
        return OfficeSchedule("office", slots, self.timezone, lambda day: self.day_off(day, state) is not None)


@dataclass(frozen=True)
class Availability:
    """Who can help a person (or a team's people) at a moment, until when, and what happens next."""

    now: datetime
    # The team open now: the Ukraine team only when it alone serves the person now.
    open_team: str | None
    until: datetime | None
    next_opening: datetime | None
    next_team: str | None
    # Why today is closed, if it is.
    day_off: DayOff | None
    # A colleague who speaks the person's language is present and can answer shortly.
    colleague_present: bool = False
    notice: Notice | None = None

    @property
    def open_now(self) -> bool:
        return self.open_team is not None

    @property
    def closing_soon(self) -> bool:
        """Tell whether the hours end within the last call, so "shortly" would not be true."""
        return self.until is not None and self.until - self.now < LAST_CALL


def teams_for(language: str) -> tuple[str, ...]:
    """Return the teams that serve people writing `language`, the open consultation first."""
    return (CONSULTATION, UKRAINE) if language in UKRAINE_TEAM_LANGUAGES else (CONSULTATION,)


def can_answer(colleague_languages: frozenset[str], language: str) -> bool:
    """Tell whether a colleague who speaks these languages (and German) can answer a person writing `language`."""
    return language == OFFICE_LANGUAGE or language in colleague_languages


def availability(rules: OfficeRules, state: OfficeState, language: str, now: datetime) -> Availability:
    """Say who can help a person writing `language` at `now`, until when, and when someone is there next."""
    present = any(can_answer(languages, language) for languages in state.present)
    return _for_teams(rules, state, teams_for(language), now, present)


def team_availability(rules: OfficeRules, state: OfficeState, team: str, now: datetime) -> Availability:
    """Say whether one team is there at `now` and when next (e.g. the Ukraine team, asked about by anyone)."""
    return _for_teams(rules, state, (team,), now, present=False)


def _for_teams(
    rules: OfficeRules, state: OfficeState, teams: tuple[str, ...], now: datetime, present: bool
) -> Availability:
    local = now.astimezone(rules.timezone)
    schedules = [rules.schedule(team, state) for team in teams]
    open_teams = [s.name for s in schedules if s.status(local).open_now]
    until = _end_of_hours(schedules, local) if open_teams else None
    after = until or local
    upcoming = [(opening, s.name) for s in schedules if (opening := s.next_opening(after)) is not None]
    # At the same moment, the team serving everyone is named first.
    next_opening, next_team = min(upcoming, key=lambda item: (item[0], teams.index(item[1])), default=(None, None))
    notice = state.notice if state.notice is not None and state.notice.applies(local.date()) else None
    return Availability(
        now=local,
        open_team=(CONSULTATION if CONSULTATION in open_teams else open_teams[0]) if open_teams else None,
        until=until,
        next_opening=next_opening,
        next_team=next_team,
        day_off=rules.day_off(local.date(), state),
        colleague_present=present,
        notice=notice,
    )


def _end_of_hours(schedules: list[OfficeSchedule], local: datetime) -> datetime:
    """Return when the last open team goes, across hours of several teams that follow each other."""
    end = local
    while True:
        ends = [status.until for s in schedules if (status := s.status(end)).open_now and status.until is not None]
        if not ends:
            return end
        end = max(ends)


@lru_cache(maxsize=16)
def public_holidays(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    """Return the public holidays of a year, named in German (the keys of their translations)."""
    return holidays.country_holidays(country, subdiv=subdivision, years=year, language="de")


class OfficeStateSource(Protocol):
    """Where the running assistant reads what the office has set, at once and without waiting."""

    def current(self) -> OfficeState:
        """Return the office's closures, notice and presence as they are now."""
        ...


@dataclass(frozen=True)
class FixedOffice:
    """An office state that never changes (the terminal chat, tests)."""

    state: OfficeState = field(default_factory=OfficeState)

    def current(self) -> OfficeState:
        return self.state
