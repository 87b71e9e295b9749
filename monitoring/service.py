"""Read and publish the figures of a period once, and keep them a few minutes for the next request."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

from monitoring.analysis import Analysis, AnalysisConfig
from monitoring.queries import Period, load_counts
from storage.db import Database

# Distinct periods kept; the filters of one period share its analysis.
_CACHED_PERIODS = 8


class AnalysisService:
    """Analyses of periods, cached for `ttl` seconds (figures change only as new events arrive)."""

    def __init__(
        self,
        database: Database,
        config: AnalysisConfig,
        ttl: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self.config = config
        self._ttl = ttl
        self._clock = clock
        self._cache: OrderedDict[Period, tuple[float, Analysis]] = OrderedDict()
        self._lock = asyncio.Lock()

    async def analysis(self, period: Period) -> Analysis:
        """Return the protected figures of `period`, from the cache when fresh."""
        async with self._lock:
            cached = self._cache.get(period)
            if cached is not None and self._clock() - cached[0] < self._ttl:
                self._cache.move_to_end(period)
                return cached[1]
            counts = await load_counts(self._database, period, self.config.office_hours.timezone)
            # Perturbing the cubes is CPU work; a thread keeps the event loop (and people's replies) moving.
            analysis = await asyncio.to_thread(lambda: Analysis(period, counts, self.config).prepare())
            self._cache[period] = (self._clock(), analysis)
            while len(self._cache) > _CACHED_PERIODS:
                self._cache.popitem(last=False)
            return analysis
