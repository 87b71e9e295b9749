"""Synthetic inquiry events with a plausible shape (topics, languages, times of day), for the benchmark."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from actions.inquiries import Outcome
from core.schedule import OfficeSchedule
from monitoring.cellkey import KEY_MODULUS
from monitoring.events import (
    WAIT_CLASSES,
    WAIT_LONGER,
    InquiryEvent,
    WaitEvent,
    start_of_hour,
)

TOPICS = {
    "office_hours": 18, "ukraine_support": 10, "labour_market": 9, "appointment": 7, "location": 7,
    "courses": 6, "leisure_family": 5, "costs_confidentiality": 4, "discrimination_support": 3,
    "integration_report": 1, "integration_forum": 1, "human_handover": 5, "greeting": 8, "thanks": 5,
    "goodbye": 2, "help": 3, "language_switch": 2, "privacy": 1, "bot_challenge": 1, "out_of_scope": 4, "": 2,
}  # fmt: skip
LANGUAGES = {"uk": 28, "ar": 18, "de": 14, "ru": 10, "fa": 9, "tr": 8, "en": 8, "fr": 1, "pl": 1, "es": 1, "": 2}
CHANNELS = {"telegram": 70, "web": 30}
WEEKDAY_WEIGHTS = (1.1, 1.2, 1.1, 1.2, 1.0, 0.7, 0.7)
HOUR_WEIGHTS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 2, 3, 3.5, 3.5, 3, 3, 3, 3, 3, 3, 3.5, 4, 4, 3, 2, 0.8)
WAITS = (*(code for _, code in WAIT_CLASSES), WAIT_LONGER)


def synthetic_events(
    n: int, first: date, days: int, office_hours: OfficeSchedule, seed: int = 5
) -> list[tuple[InquiryEvent | WaitEvent, int, int]]:
    """Draw `n` events spread over `days` days from `first`, counted per kind, with their key sums.

    The sum of m uniform record keys modulo 2^32 is itself uniform, so each kind draws one key.
    """
    rng = np.random.default_rng(seed)
    zone = office_hours.timezone
    day_weights = np.array([WEEKDAY_WEIGHTS[(first + timedelta(d)).weekday()] for d in range(days)])
    day = rng.choice(days, n, p=day_weights / day_weights.sum())
    hour = rng.choice(24, n, p=np.array(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS))
    topic = rng.choice(len(TOPICS), n, p=_p(TOPICS))
    language = rng.choice(len(LANGUAGES), n, p=_p(LANGUAGES))
    channel = rng.choice(len(CHANNELS), n, p=_p(CHANNELS))
    roll = rng.random(n)
    wait = rng.choice(len(WAITS), n, p=[0.3, 0.25, 0.2, 0.15, 0.07, 0.03])
    keys, counts = np.unique(np.stack([day, hour, topic, language, channel, (roll * 100).astype(int), wait]), axis=1, return_counts=True)
    topics, languages, channels = list(TOPICS), list(LANGUAGES), list(CHANNELS)
    hours: dict[tuple[int, int], tuple[datetime, bool]] = {}
    events: Counter[InquiryEvent | WaitEvent] = Counter()
    for (d, h, t, l, c, r, w), count in zip(keys.T.tolist(), counts.tolist(), strict=True):
        if (d, h) not in hours:
            local = datetime.combine(first + timedelta(days=d), time(h, 30), zone)
            hours[(d, h)] = (start_of_hour(local, zone), office_hours.status(local).open_now)
        at, in_hours = hours[(d, h)]
        outcome = _outcome(topics[t], r)
        event = InquiryEvent(
            hour=at.astimezone(UTC),
            topic=topics[t],
            language=languages[l],
            channel=channels[c],
            outcome=outcome,
            in_hours=in_hours,
        )
        events[event] += count
        if outcome is Outcome.HANDOVER_REQUESTED:
            # Most requests get an answer from staff some time later.
            answered = InquiryEvent(at.astimezone(UTC), "", languages[l], channels[c], Outcome.HANDED_OVER, in_hours)
            events[answered] += count
            events[WaitEvent(at.astimezone(UTC), languages[l], channels[c], WAITS[w])] += count
    keys = rng.integers(0, KEY_MODULUS, size=len(events), dtype=np.int64).tolist()
    return [(event, count, key) for (event, count), key in zip(events.items(), keys, strict=True)]


def _outcome(topic: str, roll: int) -> Outcome:
    if topic in ("", "out_of_scope"):
        return Outcome.NOT_UNDERSTOOD
    if topic == "human_handover":
        return Outcome.HANDOVER_REQUESTED if roll < 80 else Outcome.ANSWERED
    if roll < 84:
        return Outcome.ANSWERED
    if roll < 95:
        return Outcome.CLARIFIED
    return Outcome.NOT_UNDERSTOOD if roll < 98 else Outcome.HANDOVER_REQUESTED


def _p(weights: dict[str, int]) -> np.ndarray:
    values = np.array(list(weights.values()), dtype=float)
    return values / values.sum()
