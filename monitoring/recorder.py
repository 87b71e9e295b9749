"""Record every handled message as an anonymous event, in the background, never delaying a reply."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType

from actions.inquiries import HandledMessage, HandoverWait
from core.schedule import OfficeSchedule
from monitoring.cellkey import KEY_MODULUS, KeySource, random_record_key
from monitoring.events import InquiryEvent, WaitEvent, inquiry_event, wait_event
from monitoring.retention import purge_before
from monitoring.store import add_counts, tally
from storage.db import Database

log = logging.getLogger(__name__)

# Most events one write takes; more wait for the next write.
_BATCH = 2000
# How often expired counts are deleted when a retention period is set.
_PURGE_EVERY = timedelta(hours=24)


def utc_now() -> datetime:
    return datetime.now(UTC)


class DatabaseInquiryRecorder:
    """Queue events in memory (bounded) and let one background task add them to the database.

    It is both the dialogue's InquiryRecorder (record) and the handover desk's HandoverStatistics
    (record_wait); both only queue and return.
    """

    def __init__(
        self,
        database: Database,
        office_hours: OfficeSchedule,
        *,
        max_pending: int = 10_000,
        retention: timedelta | None = None,
        retry_delays: Sequence[float] = (0.5, 2.0, 10.0),
        clock: Callable[[], datetime] = utc_now,
        record_keys: KeySource = random_record_key,
    ) -> None:
        self._database = database
        self._hours = office_hours
        self._queue: asyncio.Queue[InquiryEvent | WaitEvent] = asyncio.Queue(maxsize=max_pending)
        self._retention = retention
        self._retry_delays = tuple(retry_delays)
        self._clock = clock
        self._record_keys = record_keys
        self._worker: asyncio.Task[None] | None = None
        self._closed = False
        self._last_purge: datetime | None = None
        self.dropped = 0
        self.failed = 0

    async def record(self, handled: HandledMessage) -> None:
        """Queue the event of one handled message; never raise and never wait for the database."""
        try:
            event: InquiryEvent | WaitEvent = inquiry_event(handled, self._hours)
        except Exception as error:  # a broken schedule must not cost anyone an answer
            log.error("could not count a handled message (%s)", type(error).__name__)
            return
        self._enqueue(event)

    async def record_wait(self, wait: HandoverWait) -> None:
        """Queue how long a handover waited for staff; never raise and never wait for the database."""
        try:
            event = wait_event(wait, self._hours.timezone)
        except Exception as error:
            log.error("could not count a handover's waiting time (%s)", type(error).__name__)
            return
        self._enqueue(event)

    def _enqueue(self, event: InquiryEvent | WaitEvent) -> None:
        if self._closed:
            self._drop("the recorder is closed")
            return
        self._start()
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self._drop("the queue is full")

    async def flush(self) -> None:
        """Wait until every event queued so far is written (or given up on)."""
        if self._worker is not None and not self._worker.done():
            await self._queue.join()

    async def close(self, timeout: float = 10.0) -> None:
        """Write what is queued (waiting at most `timeout` seconds), then stop the background task."""
        self._closed = True
        if self._worker is None:
            return
        try:
            await asyncio.wait_for(self.flush(), timeout)
        except TimeoutError:
            log.error("gave up writing %d inquiry events at shutdown", self._queue.qsize())
        self._worker.cancel()
        try:
            await self._worker
        except asyncio.CancelledError:
            pass
        self._worker = None

    async def __aenter__(self) -> DatabaseInquiryRecorder:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    def _start(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="inquiry-recorder")

    def _drop(self, reason: str) -> None:
        self.dropped += 1
        # One line per power of ten, so a flood of events does not flood the log.
        if self.dropped & (self.dropped - 1) == 0:
            log.warning("dropped %d inquiry event(s) so far: %s", self.dropped, reason)

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < _BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._write(self._keyed(batch))
                await self._purge_if_due()
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _keyed(self, batch: list[InquiryEvent | WaitEvent]) -> dict[InquiryEvent | WaitEvent, list[int]]:
        """Give every event its random record key, and sum them (with the counts) per kind of event."""
        kinds: dict[InquiryEvent | WaitEvent, list[int]] = {}
        for event in batch:
            kind = kinds.setdefault(event, [0, 0])
            kind[0] += 1
            kind[1] = (kind[1] + self._record_keys()) % KEY_MODULUS
        return kinds

    async def _write(self, events: dict[InquiryEvent | WaitEvent, list[int]]) -> None:
        tallies = tally(((event, n, key) for event, (n, key) in events.items()), self._hours.timezone)
        total = sum(n for n, _ in events.values())
        for attempt, delay in enumerate((*self._retry_delays, None)):
            try:
                await add_counts(self._database, tallies)
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The exception's text may quote SQL parameters; only its kind is logged.
                log.error("could not store %d inquiry event(s), attempt %d (%s)", total, attempt + 1, type(error).__name__)
                if delay is None:
                    self.failed += total
                    return
                await asyncio.sleep(delay)

    async def _purge_if_due(self) -> None:
        if self._retention is None:
            return
        now = self._clock()
        if self._last_purge is not None and now - self._last_purge < _PURGE_EVERY:
            return
        self._last_purge = now
        try:
            await purge_before(self._database, now - self._retention, self._hours.timezone)
        except Exception as error:
            log.error("could not delete expired inquiry counts (%s)", type(error).__name__)
