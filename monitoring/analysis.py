"""The protected figures of one period: every number the dashboard and the reports may publish."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from actions.inquiries import Outcome
from core.schedule import OfficeSchedule
from core.topics import PRODUCT_TOPICS
from monitoring.events import WAIT_CLASSES, WAIT_LONGER, WAIT_UNKNOWN
from monitoring.labels import (
    KNOWN_CHANNELS,
    OTHER_LANGUAGES,
    OUTCOME_NAMES,
    SMALL_TALK,
    WAIT_NAMES,
    WEEKDAY_NAMES,
    channel_name,
    language_name,
    number,
    percent,
    topic_name,
)
from monitoring.queries import Counts, Period
from monitoring.suppression import IntArray, Link, Protected, add_margins, protect

ALL = "*"  # a filter value or coordinate meaning "every key": the total
WAITS: tuple[str, ...] = (*(code for _, code in WAIT_CLASSES), WAIT_LONGER, WAIT_UNKNOWN)
OUTCOMES: tuple[str, ...] = tuple(outcome.value for outcome in Outcome)
# Outcomes that mean the assistant did not understand well enough to answer directly.
NOT_UNDERSTOOD = (Outcome.CLARIFIED.value, Outcome.NOT_UNDERSTOOD.value)
HANDOVERS = (Outcome.HANDOVER_REQUESTED.value, Outcome.HANDED_OVER.value)


@dataclass(frozen=True)
class AnalysisConfig:
    """What the analysis needs besides the counts: the office hours, the languages, the threshold k."""

    office_hours: OfficeSchedule
    languages: tuple[str, ...] = ("de", "en", "uk", "ru", "ar", "fa", "tr")
    min_count: int = 5


@dataclass(frozen=True)
class Dimension:
    """The keys along one axis of a cube, with their German names; the total comes after the keys."""

    name: str
    keys: tuple[Any, ...]
    labels: tuple[str, ...]

    def index(self, key: Any) -> int:
        return len(self.keys) if key == ALL else self.keys.index(key)

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class Estimate:
    """A published count, or the range a reader can tell of a hidden one (and its mark)."""

    low: int
    high: int
    k: int
    mark: str = ""

    @property
    def exact(self) -> bool:
        return self.low == self.high and not self.mark

    @property
    def value(self) -> int | None:
        return self.low if self.exact else None

    @property
    def middle(self) -> float:
        return (self.low + self.high) / 2

    def text(self) -> str:
        """Show the count; "<k" for a small count; for one hidden to protect others, the range a
        reader can tell from the published figures when it is narrow, else "×"."""
        if self.exact:
            return number(self.low)
        if self.mark == "×" and self.high - self.low <= max(2 * self.k, self.high // 10):
            return f"{number(self.low)}–{number(self.high)}"
        return self.mark or (f"<{self.k}" if self.high < self.k else "×")

    def __add__(self, other: Estimate) -> Estimate:
        return _derived(self.low + other.low, self.high + other.high, self, other)

    def __sub__(self, other: Estimate) -> Estimate:
        return _derived(max(0, self.low - other.high), max(0, self.high - other.low), self, other)


def _derived(low: int, high: int, *parts: Estimate) -> Estimate:
    """Combine published numbers; where hidden ones take part, show the range a reader can tell."""
    k = parts[0].k
    if low == high:
        # Small results are shown like small counts, even where a reader could add them up.
        return Estimate(low, high, k, f"<{k}" if low < k else "")
    return Estimate(low, high, k, f"<{k}" if high < k else f"{number(low)}–{number(high)}")


def share_text(part: Estimate, whole: Estimate) -> str:
    """Show part/whole as a percentage when both are published, else the mark of the hidden one."""
    if part.exact and whole.exact and whole.low:
        return percent(part.low / whole.low)
    if not whole.exact:
        return whole.text()
    return part.text() if not part.exact else "–"


def share(part: Estimate, whole: Estimate) -> float | None:
    if part.exact and whole.exact and whole.low:
        return part.low / whole.low
    return None


@dataclass(frozen=True)
class Filter:
    """Which channel and language to show; ALL for every one."""

    channel: str = ALL
    language: str = ALL


@dataclass(frozen=True)
class Grid:
    """A table of published counts: rows, columns, and (where they are published) totals."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Estimate, ...], ...]
    row_totals: tuple[Estimate, ...] | None
    column_totals: tuple[Estimate, ...] | None
    total: Estimate | None
    row_keys: tuple[Any, ...] = ()
    column_keys: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Priority:
    """One topic of the priority list: demand and the signs of need the assistant could not meet."""

    topic: str
    name: str
    demand: Estimate
    unmet: Estimate
    not_understood: Estimate
    outside_hours: Estimate
    handovers: Estimate
    demand_rank: int
    unmet_rank: int


@dataclass(frozen=True)
class KeyFigure:
    label: str
    count: Estimate
    share: str = ""


class Analysis:
    """Counts of one period in protected cubes (see monitoring.suppression), read by filter."""

    def __init__(self, period: Period, counts: Counts, config: AnalysisConfig) -> None:
        self.period = period
        self.config = config
        self.k = config.min_count
        self.weeks = Dimension("week", tuple(period.weeks()), tuple(week_label(w) for w in period.weeks()))
        self.topics = _topics(counts)
        self.languages = _languages(config.languages)
        self.channels = _channels(counts)
        self.outcomes = Dimension("outcome", OUTCOMES, tuple(OUTCOME_NAMES[o] for o in OUTCOMES))
        self.in_hours = Dimension("in_hours", (True, False), ("in den Sprechzeiten", "außerhalb der Sprechzeiten"))
        self.weekdays = Dimension("weekday", tuple(range(7)), WEEKDAY_NAMES)
        self.hours = Dimension("hour", tuple(range(24)), tuple(f"{h:02d}" for h in range(24)))
        self.waits = Dimension("waited", WAITS, tuple(WAIT_NAMES[w] for w in WAITS))
        self.cubes = self._protect(counts)

    @property
    def total(self) -> int:
        return int(self.cubes["topics"].values[(-1,) * 4])

    def get(self, cube: str, **at: Any) -> Estimate:
        """Return one published number of a cube; dimensions not named are totals."""
        protected = self.cubes[cube]
        index = tuple(dim.index(at.get(dim.name, ALL)) for dim in self._axes[cube])
        return self._estimate(protected, index)

    def grid(self, cube: str, rows: str, columns: str, where: Filter, **fixed: Any) -> Grid:
        """Return a rows × columns table of a cube for a filter, with totals where they exist."""
        dims = {dim.name: dim for dim in self._axes[cube]}
        row_dim, col_dim = dims[rows], dims[columns]
        at = {**self._filter(where, dims), **fixed}
        row_keys = [key for key in row_dim.keys if at.get(rows, ALL) in (ALL, key)]
        col_keys = [key for key in col_dim.keys if at.get(columns, ALL) in (ALL, key)]
        at.pop(rows, None)
        at.pop(columns, None)
        cells = tuple(tuple(self.get(cube, **at, **{rows: r, columns: c}) for c in col_keys) for r in row_keys)
        return Grid(
            rows=tuple(row_dim.labels[row_dim.keys.index(r)] for r in row_keys),
            columns=tuple(col_dim.labels[col_dim.keys.index(c)] for c in col_keys),
            cells=cells,
            row_totals=tuple(self.get(cube, **at, **{rows: r}) for r in row_keys),
            column_totals=tuple(self.get(cube, **at, **{columns: c}) for c in col_keys),
            total=self.get(cube, **at),
            row_keys=tuple(row_keys),
            column_keys=tuple(col_keys),
        )

    # The dashboard's and the reports' tables.

    def topics_by_week(self, where: Filter) -> Grid:
        return self.grid("topics", "week", "topic", where)

    def languages_by_week(self, where: Filter) -> Grid:
        return self.grid("topics", "week", "language", where)

    def clock(self, where: Filter) -> Grid:
        return self.grid("clock", "weekday", "hour", where)

    def handovers_by_week(self, where: Filter) -> Grid:
        grid = self.grid("handovers", "week", "outcome", where)
        keep = [i for i, key in enumerate(grid.column_keys) if key in HANDOVERS]
        return Grid(
            rows=grid.rows,
            columns=tuple(grid.columns[i] for i in keep),
            cells=tuple(tuple(row[i] for i in keep) for row in grid.cells),
            row_totals=None,  # the cube's row total counts every outcome, not these two
            column_totals=tuple(grid.column_totals[i] for i in keep) if grid.column_totals else None,
            total=None,
            row_keys=grid.row_keys,
            column_keys=tuple(grid.column_keys[i] for i in keep),
        )

    def waiting_times(self, where: Filter) -> Grid:
        at = self._filter(where, {d.name: d for d in self._axes["waits"]})
        cells = tuple((self.get("waits", **at, waited=w),) for w in self.waits.keys)
        total = self.get("waits", **at)
        return Grid(self.waits.labels, ("Übergaben",), cells, None, (total,), total, self.waits.keys, ("waits",))

    def understanding(self, where: Filter) -> tuple[Grid, Grid]:
        """Return (not understood or clarified, all inquiries) per topic and language."""
        all_inquiries = self.grid("needs", "topic", "language", where)
        parts = [self.grid("needs", "topic", "language", where, outcome=outcome) for outcome in NOT_UNDERSTOOD]
        missed = _sum_grids(parts)
        return missed, all_inquiries

    def key_figures(self, where: Filter) -> list[KeyFigure]:
        at = self._filter(where, {d.name: d for d in self._axes["needs"]})
        total = self.get("needs", **at)

        def outcome(name: str) -> Estimate:
            return self.get("needs", **at, outcome=name)

        missed = outcome("clarified") + outcome("not_understood")
        outside = self.get("needs", **at, in_hours=False)
        figures = [
            KeyFigure("Anfragen insgesamt", total),
            KeyFigure("direkt beantwortet", outcome("answered"), share_text(outcome("answered"), total)),
            KeyFigure("nicht (sicher) verstanden", missed, share_text(missed, total)),
            KeyFigure("außerhalb der Sprechzeiten", outside, share_text(outside, total)),
            KeyFigure("Person gewünscht", outcome("handover_requested"), share_text(outcome("handover_requested"), total)),
            KeyFigure("an Mitarbeitende weitergeleitet", outcome("handed_over"), share_text(outcome("handed_over"), total)),
        ]
        return figures

    def priorities(self, where: Filter) -> list[Priority]:
        """Rank the topics by unmet need (then demand): not answered directly, or outside the hours."""
        at = self._filter(where, {d.name: d for d in self._axes["needs"]})
        rows = []
        for topic in self.topics.keys:
            if topic in SMALL_TALK:
                continue
            demand = self.get("needs", **at, topic=topic)
            met = self.get("needs", **at, topic=topic, outcome="answered", in_hours=True)
            rows.append(
                (
                    topic,
                    demand,
                    demand - met,
                    self.get("needs", **at, topic=topic, outcome="clarified")
                    + self.get("needs", **at, topic=topic, outcome="not_understood"),
                    self.get("needs", **at, topic=topic, in_hours=False),
                    self.get("needs", **at, topic=topic, outcome="handover_requested")
                    + self.get("needs", **at, topic=topic, outcome="handed_over"),
                )
            )
        by_demand = {row[0]: rank for rank, row in enumerate(sorted(rows, key=lambda r: -r[1].middle), 1)}
        ranked = sorted(rows, key=lambda r: (-r[2].middle, -r[1].middle, r[0]))
        return [
            Priority(topic, topic_name(topic), demand, unmet, missed, outside, handovers, by_demand[topic], rank)
            for rank, (topic, demand, unmet, missed, outside, handovers) in enumerate(ranked, 1)
            if demand.high > 0
        ]

    def languages_present(self) -> list[tuple[str, str]]:
        return list(zip(self.languages.keys, self.languages.labels, strict=True))

    def channels_present(self) -> list[tuple[str, str]]:
        return list(zip(self.channels.keys, self.channels.labels, strict=True))

    def normalise(self, where: Filter) -> Filter:
        """Drop filter values this analysis does not know."""
        return Filter(
            where.channel if where.channel in self.channels.keys else ALL,
            where.language if where.language in self.languages.keys else ALL,
        )

    # Building and protecting the cubes.

    @property
    def _axes(self) -> dict[str, tuple[Dimension, ...]]:
        return {
            "topics": (self.weeks, self.topics, self.languages, self.channels),
            "needs": (self.topics, self.languages, self.channels, self.outcomes, self.in_hours),
            "clock": (self.weekdays, self.hours, self.languages, self.channels),
            "handovers": (self.weeks, self.languages, self.channels, self.outcomes),
            "waits": (self.waits, self.languages, self.channels),
        }

    def _protect(self, counts: Counts) -> dict[str, Protected]:
        group = self._language_group
        cubes = {
            "topics": self._cube("topics", counts.topics, lambda w, t, lang, c: (w, t, group(lang), c)),
            "needs": self._cube("needs", counts.needs, lambda t, lang, c, o, i: (t, group(lang), c, o, i)),
            "clock": self._cube("clock", counts.clock, lambda d, h, lang, c: (d, h, group(lang), c)),
            "handovers": self._cube("handovers", counts.outcomes, lambda w, lang, c, o: (w, group(lang), c, o)),
            "waits": self._cube("waits", counts.waits, lambda lang, c, waited: (_wait(waited), group(lang), c)),
        }
        everything = slice(None)
        links = [
            Link("topics", (-1, everything, everything, everything), "needs", (everything, everything, everything, -1, -1)),
            Link("topics", (everything, -1, everything, everything), "handovers", (everything, everything, everything, -1)),
            Link("needs", (-1, everything, everything, everything, -1), "handovers", (-1, everything, everything, everything)),
            Link("clock", (-1, -1, everything, everything), "topics", (-1, -1, everything, everything)),
        ]
        return protect(cubes, self.k, links)

    def _cube(
        self, name: str, counts: Counter[tuple[Any, ...]], project: Callable[..., tuple[Any, ...] | None]
    ) -> IntArray:
        dims = self._axes[name]
        interior = np.zeros(tuple(len(dim) for dim in dims), dtype=np.int64)
        projected = [(key, n) for raw, n in counts.items() if (key := project(*raw)) is not None]
        if projected:
            keys, amounts = zip(*projected, strict=True)
            columns = []
            for axis, dim in enumerate(dims):
                lookup = {key: i for i, key in enumerate(dim.keys)}
                # Unknown keys (a language group or week this analysis does not show) go to -1.
                columns.append(np.fromiter((lookup.get(key[axis], -1) for key in keys), dtype=np.int64, count=len(keys)))
            known = np.all(np.stack(columns) >= 0, axis=0)
            np.add.at(interior, tuple(column[known] for column in columns), np.asarray(amounts, dtype=np.int64)[known])
        return add_margins(interior)

    def _language_group(self, code: str) -> str:
        if code == "" or code in self.config.languages:
            return code
        return OTHER_LANGUAGES

    def _estimate(self, protected: Protected, index: tuple[int, ...]) -> Estimate:
        if not protected.hidden[index]:
            return Estimate(int(protected.values[index]), int(protected.values[index]), self.k)
        mark = f"<{self.k}" if protected.primary[index] else "×"
        return Estimate(int(protected.low[index]), int(protected.high[index]), self.k, mark)

    def _filter(self, where: Filter, dims: dict[str, Dimension]) -> dict[str, Any]:
        at: dict[str, Any] = {}
        if where.channel and "channel" in dims and where.channel in dims["channel"].keys:
            at["channel"] = where.channel
        if where.language and "language" in dims and where.language in dims["language"].keys:
            at["language"] = where.language
        return at


def week_label(monday: date) -> str:
    """Return "KW 9" for the ISO week starting on `monday`."""
    return f"KW {monday.isocalendar().week}"


def week_span(monday: date, period: Period) -> str:
    """Return the days of a week inside the period, e.g. "02.03.–08.03.2026"."""
    first = max(monday, period.first)
    last = min(monday + timedelta(days=6), period.last)
    return f"{first:%d.%m.}–{last:%d.%m.%Y}"


def _wait(code: str) -> str:
    return code if code in WAITS else WAIT_UNKNOWN


def _topics(counts: Counts) -> Dimension:
    demand: Counter[str] = Counter()
    for (topic, *_), n in counts.needs.items():
        demand[topic] += n
    for topic in PRODUCT_TOPICS:
        demand[topic] += 0
    keys = sorted(demand, key=lambda t: (t == "", -demand[t], t))
    return Dimension("topic", tuple(keys), tuple(topic_name(t) for t in keys))


def _languages(core: Sequence[str]) -> Dimension:
    keys = (*core, OTHER_LANGUAGES, "")
    return Dimension("language", keys, tuple(language_name(code) for code in keys))


def _channels(counts: Counts) -> Dimension:
    seen = {key[3] for key in counts.topics} | set(KNOWN_CHANNELS)
    keys = sorted(seen, key=lambda c: (c not in KNOWN_CHANNELS, KNOWN_CHANNELS.index(c) if c in KNOWN_CHANNELS else 0, c))
    return Dimension("channel", tuple(keys), tuple(channel_name(c) for c in keys))


def _sum_grids(grids: list[Grid]) -> Grid:
    first = grids[0]

    def add(values: Sequence[Estimate]) -> Estimate:
        total = values[0]
        for value in values[1:]:
            total = total + value
        return total

    return Grid(
        rows=first.rows,
        columns=first.columns,
        cells=tuple(tuple(add([g.cells[r][c] for g in grids]) for c in range(len(first.columns))) for r in range(len(first.rows))),
        row_totals=tuple(add([g.row_totals[r] for g in grids if g.row_totals]) for r in range(len(first.rows))),
        column_totals=tuple(add([g.column_totals[c] for g in grids if g.column_totals]) for c in range(len(first.columns))),
        total=add([g.total for g in grids if g.total]),
        row_keys=first.row_keys,
        column_keys=first.column_keys,
    )
