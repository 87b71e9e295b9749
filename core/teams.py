"""The office's teams: who answers people writing which language, and in which hours."""

from __future__ import annotations

from core.content import Content
from core.schedule import OfficeSchedule

# People writing these languages are served by the Ukraine team (Russian- and Ukrainian-speaking
# colleagues, with hours of their own), and offered to colleagues who speak them first.
UKRAINE_TEAM_LANGUAGES = frozenset({"uk", "ru"})


def schedule_for(content: Content, language: str) -> OfficeSchedule:
    """Return the hours of the team that answers people writing `language`."""
    name = "ukraine" if language in UKRAINE_TEAM_LANGUAGES else "consultation"
    return content.schedules[name]
