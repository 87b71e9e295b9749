"""The clock everything asks for "now": injected, so tests and `chat --at` can set the moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current moment, timezone-aware."""
    return datetime.now(UTC)
