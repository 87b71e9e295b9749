"""Notice a chat sending far too much, far too fast: ask it once to slow down, skip the rest, then hang up."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum


class Admission(StrEnum):
    """What to do with one incoming frame."""

    ANSWER = "answer"
    SLOW_DOWN = "slow_down"
    SKIP = "skip"
    HANG_UP = "hang_up"


class ChatPace:
    """Allow `max_frames` per `window` seconds per chat; then one "slow down", then silence, then hang up."""

    def __init__(
        self,
        max_frames: int = 8,
        window: float = 10.0,
        hang_up_after: int = 40,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_frames
        self._window = window
        self._hang_up_after = max(hang_up_after, max_frames + 1)
        self._clock = clock
        self._arrivals: dict[str, deque[float]] = {}
        self._warned: set[str] = set()

    def admit(self, chat: str) -> Admission:
        """Count a frame of `chat` as it arrives and say what to do with it."""
        now = self._clock()
        if len(self._arrivals) > 4096:
            self._forget_quiet(now)
        arrivals = self._arrivals.setdefault(chat, deque(maxlen=self._hang_up_after))
        while arrivals and arrivals[0] <= now - self._window:
            arrivals.popleft()
        # Skipped frames count too: whoever keeps sending stays slowed down.
        arrivals.append(now)
        if len(arrivals) <= self._max:
            self._warned.discard(chat)
            return Admission.ANSWER
        if len(arrivals) >= self._hang_up_after:
            return Admission.HANG_UP
        if chat in self._warned:
            return Admission.SKIP
        self._warned.add(chat)
        return Admission.SLOW_DOWN

    def _forget_quiet(self, now: float) -> None:
        for chat, arrivals in list(self._arrivals.items()):
            if not arrivals or arrivals[-1] <= now - self._window:
                del self._arrivals[chat]
                self._warned.discard(chat)
