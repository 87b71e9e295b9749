"""Notice someone sending far too much, far too fast: tell them once, skip the rest, slow nobody else."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from enum import StrEnum
from typing import Protocol


class Admission(StrEnum):
    """What to do with one incoming message."""

    ANSWER = "answer"
    SLOW_DOWN = "slow_down"
    SKIP = "skip"
    HANG_UP = "hang_up"


class FloodCheck(Protocol):
    """Anything that decides, per sender, whether to answer a message (in this process or shared)."""

    async def check(self, sender: Hashable, sent_at: float | None = None) -> Admission:
        """Count a message from `sender` (sent at `sent_at`, Unix time, if known) and say what to do with it."""
        ...


class KeyedPace(Protocol):
    """Paces requests under keys ("overall", a chat's digest) for every process of the assistant."""

    async def wait(self, key: str | None, rate: float = 0.0, period: float = 1.0, burst: int = 1) -> float:
        """Wait until a request under `key` may go (`rate` per `period` after a burst; None: only a hold-off)."""
        ...

    async def hold_off(self, seconds: float) -> None:
        """Stop every process's requests for `seconds` (e.g. Telegram's retry_after)."""
        ...


class Limits(Protocol):
    """Where limits are counted: in this process, or for every process of the assistant (Redis)."""

    # Shared pacing of sends, or None: each channel paces its sends in this process.
    pace: KeyedPace | None

    def flood_guard(
        self,
        scope: str,
        max_messages: int,
        window: float,
        hang_up_after: int | None = None,
        clock: Callable[[], float] | None = None,
    ) -> FloodCheck:
        """Return the flood guard of `scope` (e.g. "telegram"), counted where these limits count.

        `clock` is the clock a `sent_at` is read on, for a guard counted in this process (Telegram's
        `date` needs wall-clock time); a shared guard counts on Redis's clock, which is Unix time.
        """
        ...


class LocalLimits:
    """Limits counted in this process: the embedded default."""

    pace: KeyedPace | None = None

    def flood_guard(
        self,
        scope: str,
        max_messages: int,
        window: float,
        hang_up_after: int | None = None,
        clock: Callable[[], float] | None = None,
    ) -> FloodCheck:
        return FloodGuard(max_messages, window, hang_up_after, clock=clock or time.monotonic)


class FloodGuard:
    """Allow `max_messages` per `window` seconds per sender; then one "slow down", then silence.

    With `hang_up_after`, a sender who goes on to that many messages in the window is to be cut off
    (channels with a connection to close, like the web chat's websocket).
    """

    def __init__(
        self,
        max_messages: int = 10,
        window: float = 10.0,
        hang_up_after: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_messages
        self._window = window
        self._hang_up_after = max(hang_up_after, max_messages + 1) if hang_up_after else None
        self._keep = self._hang_up_after or max_messages + 1
        self._clock = clock
        self._arrivals: dict[Hashable, deque[float]] = {}
        self._warned: set[Hashable] = set()

    async def check(self, sender: Hashable, sent_at: float | None = None) -> Admission:
        """Count a message from `sender` and say what to do with it (see `admit`)."""
        return self.admit(sender, sent_at)

    def admit(self, sender: Hashable, sent_at: float | None = None) -> Admission:
        """Count a message from `sender` and say what to do with it.

        `sent_at` is when the person sent it, on the guard's clock, where the channel knows it
        (Telegram's `date`): a backlog delivered at once after an outage is then no flood.
        Without it, the message counts as sent now.
        """
        now = self._clock()
        at = now if sent_at is None else min(sent_at, now)
        if len(self._arrivals) > 4096:
            self._forget_quiet(now)
        arrivals = self._arrivals.setdefault(sender, deque(maxlen=self._keep))
        # Messages sent more than a window before this one no longer count against it.
        newest = max(at, arrivals[-1]) if arrivals else at
        while arrivals and arrivals[0] <= newest - self._window:
            arrivals.popleft()
        # Skipped messages count too: whoever keeps sending stays slowed down.
        arrivals.append(at)
        if len(arrivals) <= self._max:
            self._warned.discard(sender)
            return Admission.ANSWER
        if self._hang_up_after is not None and len(arrivals) >= self._hang_up_after:
            return Admission.HANG_UP
        if sender in self._warned:
            return Admission.SKIP
        self._warned.add(sender)
        return Admission.SLOW_DOWN

    def _forget_quiet(self, now: float) -> None:
        for sender, arrivals in list(self._arrivals.items()):
            if not arrivals or arrivals[-1] <= now - self._window:
                del self._arrivals[sender]
                self._warned.discard(sender)
