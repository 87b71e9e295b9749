"""Fill an answer's placeholders with hours and open/closed status computed for now."""

from __future__ import annotations

from datetime import datetime
from string import Formatter

from babel.dates import format_date, get_datetime_format, get_day_names
from babel.lists import format_list

from core.content import Content
from core.localise import localise_digits
from core.schedule import OfficeSchedule


def fill(template: str, content: Content, language: str, now: datetime) -> str:
    """Replace the placeholders `template` uses; compute only those, in the language's digits."""
    names = {name for _, name, _, _ in Formatter().parse(template) if name}
    values = {name: localise_digits(_PLACEHOLDERS[name](content, language, now), language) for name in names}
    return template.format(**values)


def weekly_hours(schedule: OfficeSchedule, language: str) -> str:
    """Say a schedule's weekly hours, e.g. "Tuesday 10:00–12:00 and Thursday 14:00–17:00"."""
    days = get_day_names("wide", locale=language)
    parts = [
        f"{days[slot.weekday]} {slot.start:%H:%M}–{slot.end:%H:%M}"
        for slot in sorted(schedule.slots, key=lambda s: (s.weekday, s.start))
    ]
    return format_list(parts, locale=language)


def moment(when: datetime, language: str) -> str:
    """Say a moment as weekday, date and time, joined the way the language does ("{1}، {0}")."""
    pattern = str(get_datetime_format("full", locale=language))
    return pattern.replace("{1}", format_date(when.date(), format="full", locale=language)).replace("{0}", f"{when:%H:%M}")


def status_sentence(schedule: OfficeSchedule, content: Content, language: str, now: datetime, prefix: str) -> str:
    """Say whether `schedule` is open now and until when, or when it opens next."""
    status = schedule.status(now)
    if status.open_now and status.until is not None:
        return content.ui_text(f"{prefix}open_now", language).format(until=f"{status.until:%H:%M}")
    upcoming = moment(status.next_opening, language) if status.next_opening else "—"
    return content.ui_text(f"{prefix}closed_now", language).format(next=upcoming)


_PLACEHOLDERS = {
    "consultation_hours": lambda c, lang, now: weekly_hours(c.schedules["consultation"], lang),
    "ukraine_hours": lambda c, lang, now: weekly_hours(c.schedules["ukraine"], lang),
    "open_status": lambda c, lang, now: status_sentence(c.schedules["consultation"], c, lang, now, ""),
    "ukraine_status": lambda c, lang, now: status_sentence(c.schedules["ukraine"], c, lang, now, "ukraine_"),
}
