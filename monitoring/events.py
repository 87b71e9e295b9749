"""One inquiry event: what statistics keep of a handled message, and nothing that points to a person."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from actions.inquiries import HandledMessage, HandoverWait, Outcome
from core.schedule import OfficeSchedule

BERLIN = ZoneInfo("Europe/Berlin")

# Handover waiting times are kept only as these classes (upper bound, code).
WAIT_CLASSES: tuple[tuple[timedelta, str], ...] = (
    (timedelta(minutes=5), "lt5m"),
    (timedelta(minutes=15), "5to15m"),
    (timedelta(hours=1), "15to60m"),
    (timedelta(hours=4), "1to4h"),
    (timedelta(hours=24), "4to24h"),
)
WAIT_LONGER = "gt24h"
WAIT_UNKNOWN = "unknown"

# Only short codes reach the tables: free text can never be stored, whatever a caller passes.
_TOPIC = re.compile(r"[a-z][a-z0-9_]{0,39}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_CHANNEL = re.compile(r"[a-z][a-z0-9_]{0,15}")


@dataclass(frozen=True)
class InquiryEvent:
    """One handled message as counted: its local hour, topic, language, channel, outcome, office hours."""

    hour: datetime  # start of the hour in Europe/Berlin, as a UTC instant
    topic: str  # "" when the message had no topic (e.g. a photo)
    language: str  # "" when unknown
    channel: str
    outcome: Outcome
    in_hours: bool


@dataclass(frozen=True)
class WaitEvent:
    """One handover's wait for staff, as counted: the hour staff answered, language, channel, wait class."""

    hour: datetime
    language: str
    channel: str
    waited: str


def inquiry_event(handled: HandledMessage, office_hours: OfficeSchedule) -> InquiryEvent:
    """Reduce a handled message to its event: truncate the time, keep only codes, note office hours."""
    return InquiryEvent(
        hour=start_of_hour(handled.at, office_hours.timezone),
        topic=_code(handled.topic, _TOPIC, "other"),
        language=_code(handled.language, _LANGUAGE, "und"),
        channel=_code(handled.channel, _CHANNEL, "other"),
        outcome=Outcome(handled.outcome),
        in_hours=office_hours.status(handled.at).open_now,
    )


def wait_event(wait: HandoverWait, zone: ZoneInfo = BERLIN) -> WaitEvent:
    """Reduce a handover's waiting time to its event: the hour, codes and a coarse wait class."""
    return WaitEvent(
        hour=start_of_hour(wait.at, zone),
        language=_code(wait.language, _LANGUAGE, "und"),
        channel=_code(wait.channel, _CHANNEL, "other"),
        waited=wait_class(timedelta(seconds=wait.waited_seconds)),
    )


def start_of_hour(at: datetime, zone: ZoneInfo = BERLIN) -> datetime:
    """Return the start of the local hour containing `at`, as a UTC instant (DST-safe)."""
    if at.tzinfo is None:
        raise ValueError("naive datetimes are not counted; pass a timezone-aware one")
    local = at.astimezone(zone)
    # replace() keeps `fold`, so the repeated hour of the autumn change stays the right one.
    return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def week_of(day: date) -> date:
    """Return the Monday of the ISO week containing `day`."""
    return day - timedelta(days=day.weekday())


def wait_class(waited: timedelta | None) -> str:
    """Put a handover's waiting time into a coarse class."""
    if waited is None or waited < timedelta(0):
        return WAIT_UNKNOWN
    for bound, code in WAIT_CLASSES:
        if waited < bound:
            return code
    return WAIT_LONGER


def _code(value: str | None, pattern: re.Pattern[str], other: str) -> str:
    if not value:
        return ""
    value = value.strip().lower()
    return value if pattern.fullmatch(value) else other
