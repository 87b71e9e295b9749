"""Fill an answer's placeholders with hours and who can help now, computed in core/availability."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from string import Formatter

from babel.dates import format_date, format_skeleton, get_datetime_format, get_day_names
from babel.lists import format_list

from core.availability import UKRAINE, Availability, DayOff, OfficeState, availability, team_availability
from core.content import Content
from core.localise import localise_digits
from core.schedule import OpeningSlot

# What the office has set nowhere: no closures of its own, no notice, nobody present.
NOTHING_SET = OfficeState()


def fill(template: str, content: Content, language: str, now: datetime, office: OfficeState = NOTHING_SET) -> str:
    """Replace the placeholders `template` uses; compute only those, in the language's digits."""
    names = {name for _, name, _, _ in Formatter().parse(template) if name}
    values = {name: localise_digits(_PLACEHOLDERS[name](content, language, now, office), language) for name in names}
    return template.format(**values)


def weekly_hours(slots: tuple[OpeningSlot, ...], language: str) -> str:
    """Say weekly hours, e.g. "Tuesday 10:00–12:00 and Thursday 14:00–17:00"."""
    days = get_day_names("wide", locale=language)
    parts = [f"{days[slot.weekday]} {slot.start:%H:%M}–{slot.end:%H:%M}" for slot in sorted(slots, key=lambda s: (s.weekday, s.start))]
    return format_list(parts, locale=language)


def moment(when: datetime, language: str) -> str:
    """Say a moment as weekday, date and time, joined the way the language does ("{1}، {0}")."""
    pattern = str(get_datetime_format("full", locale=language))
    return pattern.replace("{1}", format_date(when.date(), format="full", locale=language)).replace("{0}", f"{when:%H:%M}")


def upcoming(when: datetime, now: datetime, content: Content, language: str) -> str:
    """Say a coming moment: "today at 14:00" on the same day, else weekday, date and time."""
    if when.date() == now.date():
        return content.office_text("today_at", language).format(time=f"{when:%H:%M}")
    return moment(when, language)


def day_off_reason(day_off: DayOff, content: Content, language: str) -> str:
    """Name why the office is closed on a day: the public holiday, or the closure's reason."""
    if day_off.holiday is not None:
        return content.holiday_name(day_off.holiday, language)
    return content.closure_reason(day_off.reason or "organisational", language)


def person_status(content: Content, language: str, now: datetime, office: OfficeState) -> str:
    """Say who can help a person writing `language` now: open until when, closing soon, or closed and when next."""
    return status_sentences(availability(content.office, office, language, now), content, language)


def status_sentences(found: Availability, content: Content, language: str) -> str:
    """Say an availability as one or more sentences; never a placeholder where a moment is unknown."""
    say = content.office_text
    sentences = []
    if found.open_team is not None and found.until is not None:
        if found.closing_soon:
            sentences.append(say("closing_soon", language).format(until=f"{found.until:%H:%M}"))
        else:
            key = "open_now_ukraine" if found.open_team == UKRAINE else "open_now"
            return say(key, language).format(until=f"{found.until:%H:%M}")
    else:
        if found.day_off is not None:
            sentences.append(say("closed_today", language).format(reason=day_off_reason(found.day_off, content, language)))
        else:
            sentences.append(say("closed_now", language))
    if found.next_opening is None:
        sentences.append(say("no_next", language))
    else:
        key = "next_ukraine" if found.next_team == UKRAINE else "next_consultation"
        sentences.append(say(key, language).format(next=upcoming(found.next_opening, found.now, content, language)))
    return " ".join(sentences)


def ukraine_status(content: Content, language: str, now: datetime, office: OfficeState) -> str:
    """Say whether the Ukraine team is there now, until when, or when it is there next."""
    found = team_availability(content.office, office, UKRAINE, now)
    say = content.office_text
    sentences = []
    if found.open_now and found.until is not None:
        key = "ukraine_closing_soon" if found.closing_soon else "ukraine_open_now"
        sentences.append(say(key, language).format(until=f"{found.until:%H:%M}"))
        if not found.closing_soon:
            return sentences[0]
    elif found.day_off is not None:
        sentences.append(say("closed_today", language).format(reason=day_off_reason(found.day_off, content, language)))
    if found.next_opening is None:
        sentences.append(say("ukraine_no_next", language))
    else:
        sentences.append(say("ukraine_next", language).format(next=upcoming(found.next_opening, found.now, content, language)))
    return " ".join(sentences)


def closed_days(content: Content, language: str, now: datetime, office: OfficeState) -> str:
    """Say that public holidays and the yearly closures (24 and 31 December) close the office."""
    year = now.year
    days = sorted(date(year, month, day) for month, day in content.office.yearly_closures)
    dates = format_list([format_skeleton("MMMMd", day, locale=language) for day in days], locale=language)
    return content.office_text("holidays_closed", language).format(dates=dates)


_PLACEHOLDERS: dict[str, Callable[[Content, str, datetime, OfficeState], str]] = {
    "consultation_hours": lambda c, lang, now, office: weekly_hours(c.office.hours["consultation"], lang),
    "ukraine_hours": lambda c, lang, now, office: weekly_hours(c.office.hours[UKRAINE], lang),
    "open_status": person_status,
    "ukraine_status": ukraine_status,
    "closed_days": closed_days,
}
