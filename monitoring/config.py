"""Build the monitoring's configuration from the settings and the content's hours and languages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from core.content import load_language_codes, load_schedules
from core.schedule import OfficeSchedule
from core.settings import Settings
from monitoring.analysis import AnalysisConfig

DEFAULT_MIN_COUNT = 5


def office_hours(schedules: Mapping[str, OfficeSchedule]) -> OfficeSchedule:
    """Combine every team's hours: a message counts as "in office hours" when any team is there."""
    first = next(iter(schedules.values()))
    slots = tuple(dict.fromkeys(slot for schedule in schedules.values() for slot in schedule.slots))
    return replace(first, name="office", slots=slots)


def load_office_hours(data_dir: Path) -> OfficeSchedule:
    """Read data/schedule.yml (only it, not the whole content) into the combined office hours."""
    return office_hours(load_schedules(data_dir))


def load_languages(data_dir: Path) -> tuple[str, ...]:
    """Return the codes of the languages the assistant speaks, in the content's order."""
    return load_language_codes(data_dir)


def analysis_config(settings: Settings) -> AnalysisConfig:
    """Build the analysis configuration (hours, languages, k) from the settings."""
    return AnalysisConfig(
        office_hours=load_office_hours(settings.data_dir),
        languages=load_languages(settings.data_dir),
        min_count=settings.analytics_min_count,
    )


def retention(settings: Settings) -> timedelta | None:
    """Return how long inquiry counts are kept (None: forever)."""
    days = settings.event_retention_days
    return timedelta(days=days) if days > 0 else None
