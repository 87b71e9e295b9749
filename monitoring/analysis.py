"""The published figures of one period: every number the dashboard and the reports may show.

Counts live in "cubes": arrays whose axes hold the keys (weeks, topics, languages, ...), then named
groups of keys (all inquiries, people's channels, unmet need, ...), then the total. Every cell of
every cube, group and total alike, is published as its own perturbed value (the cell key method,
monitoring/cellkey.py): the same events always give the same number, wherever it appears. A value
below k is shown only as "<k". Every sentence, share and ranking is computed from these published
values, never from the counts behind them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from actions.inquiries import Outcome
from core.schedule import OfficeSchedule
from core.topics import PRODUCT_TOPICS
from monitoring.cellkey import KEY_MODULUS, PerturbationParameters, PerturbationTable
from monitoring.events import WAIT_CLASSES, WAIT_LONGER, WAIT_UNKNOWN
from monitoring.kinds import OUT_OF_SCOPE, PEOPLE_CHANNELS, SMALL_TALK, is_inquiry
from monitoring.labels import (
    OTHER_LANGUAGES,
    OUTCOME_NAMES,
    WAIT_NAMES,
    WEEKDAY_NAMES,
    channel_name,
    language_name,
    number,
    percent,
    topic_name,
)
from monitoring.queries import Cells, Counts, Period

IntArray = npt.NDArray[np.int64]

ALL = "*"  # a filter value or coordinate meaning "every key": the total
# Group keys (they never clash with codes, which are lower-case letters).
INQUIRIES = "#inquiries"
CHAT = "#small_talk"
PEOPLE = "#people"
MISSED = "#missed"
UNMET = "#unmet"
LONG_WAIT = "#long"

WAITS: tuple[str, ...] = (*(code for _, code in WAIT_CLASSES), WAIT_LONGER, WAIT_UNKNOWN)
# A wait for a person this long or longer is unmet need.
LONG_WAITS: tuple[str, ...] = ("1to4h", "4to24h", WAIT_LONGER)
OUTCOMES: tuple[str, ...] = tuple(outcome.value for outcome in Outcome)
# What the assistant handled itself (the topic cubes); relayed messages count only as outcomes.
HANDLED: tuple[str, ...] = tuple(o for o in OUTCOMES if o != Outcome.HANDED_OVER.value)
NOT_UNDERSTOOD = (Outcome.CLARIFIED.value, Outcome.NOT_UNDERSTOOD.value)
HANDOVERS = (Outcome.HANDOVER_REQUESTED.value, Outcome.HANDED_OVER.value)
ROW_HEADERS = {"week": "Woche", "topic": "Thema", "language": "Sprache", "weekday": "Wochentag", "waited": "Wartezeit"}
# Hours of the day in bands, for the table of demand outside the office hours.
HOUR_BANDS: tuple[tuple[int, int], ...] = ((0, 6), (6, 9), (9, 12), (12, 15), (15, 18), (18, 21), (21, 24))


@dataclass(frozen=True)
class AnalysisConfig:
    """What the analysis needs besides the counts: the office hours, the languages, the threshold k."""

    office_hours: OfficeSchedule
    languages: tuple[str, ...] = ("de", "en", "uk", "ru", "ar", "fa", "tr")
    min_count: int = 5

    @property
    def perturbation(self) -> PerturbationTable:
        return perturbation_table(self.min_count)


@cache
def perturbation_table(k: int) -> PerturbationTable:
    """Build (once) the perturbation table that publishes no count from 1 to k-1."""
    return PerturbationTable(PerturbationParameters.for_threshold(k))


@dataclass(frozen=True)
class Group:
    """A named set of keys along one axis, published like a key of its own."""

    key: str
    label: str
    members: tuple[Any, ...]


@dataclass(frozen=True)
class Dimension:
    """The keys along one axis of a cube with their German names, then groups, then the total."""

    name: str
    keys: tuple[Any, ...]
    labels: tuple[str, ...]
    groups: tuple[Group, ...] = ()

    def index(self, key: Any) -> int:
        if key == ALL:
            return len(self.keys) + len(self.groups)
        for i, group in enumerate(self.groups):
            if group.key == key:
                return len(self.keys) + i
        return self.keys.index(key)

    def label(self, key: Any) -> str:
        if key == ALL:
            return "Summe"
        for group in self.groups:
            if group.key == key:
                return group.label
        return self.labels[self.keys.index(key)]

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True, order=True)
class Published:
    """One published count: its value, or None where it is below k and shown only as "<k"."""

    value: int | None
    k: int = field(compare=False)

    @property
    def shown(self) -> bool:
        return self.value is not None

    @property
    def rank_value(self) -> int:
        """Order by: hidden counts come after every shown one."""
        return self.value if self.value is not None else -1

    def text(self) -> str:
        return number(self.value) if self.value is not None else f"<{self.k}"


def share(part: Published, whole: Published) -> float | None:
    """Return part/whole when both are published (and the whole is not 0)."""
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return part.value / whole.value


def share_text(part: Published, whole: Published) -> str:
    ratio = share(part, whole)
    return percent(ratio) if ratio is not None else "–"


@dataclass(frozen=True)
class Filter:
    """Which channel and language to show; ALL for every one (channels: every channel people use)."""

    channel: str = ALL
    language: str = ALL


@dataclass(frozen=True)
class Grid:
    """A table of published counts: rows, columns, and totals (published cells of their own)."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Published, ...], ...]
    row_totals: tuple[Published, ...] | None
    column_totals: tuple[Published, ...] | None
    total: Published | None
    row_keys: tuple[Any, ...] = ()
    column_keys: tuple[Any, ...] = ()
    row_header: str = ""  # what the rows are, e.g. "Woche" (the header of the rows' column)


@dataclass(frozen=True)
class Priority:
    """One topic of the priority list: demand and the need the assistant could not meet."""

    topic: str
    name: str
    demand: Published
    unmet: Published
    not_understood: Published
    person_wanted: Published
    outside_hours: Published
    demand_rank: int | None
    unmet_rank: int | None


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str
    count: Published
    of: Published | None = None  # the whole this figure is a share of

    @property
    def share(self) -> str:
        return share_text(self.count, self.of) if self.of is not None else ""


@dataclass(frozen=True)
class OutsideHour:
    """A weekday's hour outside the office hours, with its published count of inquiries."""

    weekday: int
    hour: int
    count: Published


class Analysis:
    """Counts of one period in published cubes, read by filter."""

    def __init__(self, period: Period, counts: Counts, config: AnalysisConfig) -> None:
        self.period = period
        self.config = config
        self.k = config.min_count
        self.weeks = Dimension("week", tuple(period.weeks()), tuple(week_label(w) for w in period.weeks()))
        self.topics = _topics(counts)
        self.languages = _languages(config.languages)
        self.channels = _channels(counts)
        self.outcomes = Dimension("outcome", OUTCOMES, tuple(OUTCOME_NAMES[o] for o in OUTCOMES))
        self.handled = Dimension(
            "outcome",
            HANDLED,
            tuple(OUTCOME_NAMES[o] for o in HANDLED),
            (
                Group(MISSED, "nicht (sicher) verstanden", NOT_UNDERSTOOD),
                Group(UNMET, "ungedeckter Bedarf", (*NOT_UNDERSTOOD, Outcome.HANDOVER_REQUESTED.value)),
            ),
        )
        self.in_hours = Dimension("in_hours", (True, False), ("in den Sprechzeiten", "außerhalb der Sprechzeiten"))
        self.weekdays = Dimension("weekday", tuple(range(7)), WEEKDAY_NAMES)
        self.hours = Dimension(
            "hour",
            tuple(range(24)),
            tuple(f"{h:02d}–{h + 1:02d} Uhr" for h in range(24)),
            tuple(Group(f"#{a}-{b}", f"{a}–{b} Uhr", tuple(range(a, b))) for a, b in HOUR_BANDS),
        )
        self.waits = Dimension(
            "waited", WAITS, tuple(WAIT_NAMES[w] for w in WAITS), (Group(LONG_WAIT, "länger als 1 Std.", LONG_WAITS),)
        )
        self._counts = counts
        self._cubes: dict[str, IntArray] = {}

    def prepare(self) -> Analysis:
        """Build every cube now (in a worker thread, say), rather than on first use."""
        for name in self._axes:
            self.cube(name)
        return self

    def cube(self, name: str) -> IntArray:
        """Return the published values of a cube, built and perturbed when first needed."""
        if name not in self._cubes:
            group = self._group
            projections: dict[str, tuple[Cells, Callable[..., tuple[Any, ...]]]] = {
                "topics": (self._counts.topics, lambda w, t, lang, c: (w, t, group(lang), c)),
                "needs": (self._counts.needs, lambda t, lang, c, o, i: (t, group(lang), c, o, i)),
                "clock": (self._counts.clock, lambda d, h, lang, c, i: (d, h, group(lang), c, i)),
                "handovers": (self._counts.outcomes, lambda w, lang, c, o: (w, group(lang), c, o)),
                "waits": (self._counts.waits, lambda lang, c, waited: (_wait(waited), group(lang), c)),
            }
            cells, project = projections[name]
            self._cubes[name] = self._cube(name, cells, project)
        return self._cubes[name]

    def get(self, cube: str, **at: Any) -> Published:
        """Return one published number of a cube; dimensions not named are totals."""
        index = tuple(dim.index(at.get(dim.name, ALL)) for dim in self._axes[cube])
        value = int(self.cube(cube)[index])
        return Published(value if value >= self.k else None, self.k)

    def where(self, cube: str, where: Filter) -> dict[str, Any]:
        """Turn a filter into coordinates of a cube: by default people's channels only."""
        names = {dim.name for dim in self._axes[cube]}
        at: dict[str, Any] = {}
        if "channel" in names:
            at["channel"] = where.channel if where.channel in self.channels.keys else PEOPLE
        if "language" in names and where.language in self.languages.keys:
            at["language"] = where.language
        return at

    def grid(
        self,
        cube: str,
        rows: Sequence[Any],
        columns: Sequence[Any],
        row_dim: str,
        column_dim: str,
        at: dict[str, Any],
        all_rows: Any = ALL,
        all_columns: Any = ALL,
    ) -> Grid:
        """Return a rows × columns table of a cube at the given coordinates, with its totals.

        The totals are published cells of their own: `all_rows` / `all_columns` name the key that
        stands for every row / column (a group such as all inquiries, or the axis' total).
        """
        dims = {dim.name: dim for dim in self._axes[cube]}
        return Grid(
            rows=tuple(dims[row_dim].label(r) for r in rows),
            columns=tuple(dims[column_dim].label(c) for c in columns),
            cells=tuple(tuple(self.get(cube, **at, **{row_dim: r, column_dim: c}) for c in columns) for r in rows),
            row_totals=tuple(self.get(cube, **at, **{row_dim: r, column_dim: all_columns}) for r in rows),
            column_totals=tuple(self.get(cube, **at, **{row_dim: all_rows, column_dim: c}) for c in columns),
            total=self.get(cube, **at, **{row_dim: all_rows, column_dim: all_columns}),
            row_keys=tuple(rows),
            column_keys=tuple(columns),
            row_header=ROW_HEADERS.get(row_dim, ""),
        )

    # What the dashboard and the reports show.

    def inquiry_topics(self) -> tuple[str, ...]:
        return tuple(t for t in self.topics.keys if is_inquiry(t))

    def small_talk_topics(self) -> tuple[str, ...]:
        return tuple(t for t in self.topics.keys if t in SMALL_TALK or t == OUT_OF_SCOPE)

    def first_week(self, where: Filter) -> int:
        """Return the index of the first week with published messages: timelines start there."""
        at = self.where("topics", where)
        for i, week in enumerate(self.weeks.keys):
            if self.get("topics", **at, week=week).shown:
                return i
        return 0

    def weekly_rows(self, where: Filter) -> tuple[date, ...]:
        return self.weeks.keys[self.first_week(where) :]

    def topics_by_week(self, where: Filter) -> Grid:
        at = self.where("topics", where)
        return self.grid("topics", self.weekly_rows(where), self.inquiry_topics(), "week", "topic", at, all_columns=INQUIRIES)

    def languages_by_week(self, where: Filter) -> Grid:
        at = {**self.where("topics", where), "topic": INQUIRIES}
        languages = tuple(lang for lang in self.languages.keys if at.get("language", lang) == lang)
        at.pop("language", None)
        return self.grid("topics", self.weekly_rows(where), languages, "week", "language", at)

    def clock(self, where: Filter, in_hours: Any = ALL) -> Grid:
        at = {**self.where("clock", where), "in_hours": in_hours}
        return self.grid("clock", self.weekdays.keys, self.hours.keys, "weekday", "hour", at)

    def outside_hours_by_band(self, where: Filter) -> Grid:
        at = {**self.where("clock", where), "in_hours": False}
        return self.grid("clock", self.weekdays.keys, tuple(g.key for g in self.hours.groups), "weekday", "hour", at)

    def busiest_outside_hours(self, where: Filter, count: int = 5) -> list[OutsideHour]:
        """Return the hours of the week with the most published inquiries outside the office hours."""
        at = {**self.where("clock", where), "in_hours": False}
        cells = [
            OutsideHour(d, h, self.get("clock", **at, weekday=d, hour=h)) for d in self.weekdays.keys for h in self.hours.keys
        ]
        shown = [cell for cell in cells if cell.count.shown]
        return sorted(shown, key=lambda c: (-c.count.rank_value, c.weekday, c.hour))[:count]

    def handovers_by_week(self, where: Filter) -> Grid:
        grid = self.grid("handovers", self.weekly_rows(where), HANDOVERS, "week", "outcome", self.where("handovers", where))
        # The cube's row totals count every outcome, not these two.
        return replace(grid, row_totals=None, total=None)

    def waiting_times(self, where: Filter) -> Grid:
        at = self.where("waits", where)
        keys = (*self.waits.keys, LONG_WAIT)
        cells = tuple((self.get("waits", **at, waited=w),) for w in keys)
        total = self.get("waits", **at)
        return Grid(tuple(self.waits.label(w) for w in keys), ("Übergaben",), cells, None, (total,), total, keys, ("waits",), "Wartezeit")

    def understanding(self, where: Filter) -> tuple[Grid, Grid]:
        """Return (not (surely) understood, all inquiries) per inquiry topic and language."""
        at = self.where("needs", where)
        languages = tuple(lang for lang in self.languages.keys if at.get("language", lang) == lang)
        at.pop("language", None)
        topics = self.inquiry_topics()
        asked = self.grid("needs", topics, languages, "topic", "language", at, all_rows=INQUIRIES)
        missed = self.grid("needs", topics, languages, "topic", "language", {**at, "outcome": MISSED}, all_rows=INQUIRIES)
        return missed, asked

    def non_inquiries(self, where: Filter) -> Grid:
        """Messages that are not inquiries: small talk, out of scope, and messages relayed to staff."""
        at = self.where("needs", where)
        topics = self.small_talk_topics()
        cells = tuple((self.get("needs", **at, topic=t),) for t in topics)
        relayed = self.get("handovers", **self.where("handovers", where), outcome=Outcome.HANDED_OVER.value)
        rows = (*(topic_name(t) for t in topics), "Nachrichten an Mitarbeitende während einer Übergabe")
        return Grid(rows, ("Nachrichten",), (*cells, (relayed,)), None, None, None, (*topics, Outcome.HANDED_OVER.value), ("messages",), "Art")

    def inquiries(self, where: Filter) -> Published:
        return self.get("needs", **self.where("needs", where), topic=INQUIRIES)

    def key_figures(self, where: Filter) -> list[KeyFigure]:
        at = {**self.where("needs", where), "topic": INQUIRIES}
        total = self.get("needs", **at)
        waits = self.where("waits", where)
        handovers = self.get("waits", **waits)
        return [
            KeyFigure("inquiries", "Anfragen", total),
            KeyFigure("answered", "direkt beantwortet", self.get("needs", **at, outcome=Outcome.ANSWERED.value), total),
            KeyFigure("unmet", "ungedeckter Bedarf", self.get("needs", **at, outcome=UNMET), total),
            KeyFigure("missed", "nicht (sicher) verstanden", self.get("needs", **at, outcome=MISSED), total),
            KeyFigure("person", "Person gewünscht", self.get("needs", **at, outcome=Outcome.HANDOVER_REQUESTED.value), total),
            KeyFigure("long_wait", "Übergaben mit über 1 Std. Wartezeit", self.get("waits", **waits, waited=LONG_WAIT), handovers),
            KeyFigure("outside", "außerhalb der Sprechzeiten", self.get("needs", **at, in_hours=False), total),
            KeyFigure("small_talk", "Begrüßung, Dank u. Ä. (keine Anfragen)", self.get("needs", **self.where("needs", where), topic=CHAT)),
        ]

    def priorities(self, where: Filter) -> list[Priority]:
        """Rank the inquiry topics by published unmet need, then demand; hidden values rank last."""
        at = self.where("needs", where)
        rows = []
        for topic in self.inquiry_topics():
            rows.append(
                (
                    topic,
                    self.get("needs", **at, topic=topic),
                    self.get("needs", **at, topic=topic, outcome=UNMET),
                    self.get("needs", **at, topic=topic, outcome=MISSED),
                    self.get("needs", **at, topic=topic, outcome=Outcome.HANDOVER_REQUESTED.value),
                    self.get("needs", **at, topic=topic, in_hours=False),
                )
            )
        demand_ranks = ranks({row[0]: row[1] for row in rows})
        unmet_ranks = ranks({row[0]: row[2] for row in rows})
        ordered = sorted(rows, key=lambda r: (-r[2].rank_value, -r[1].rank_value, topic_name(r[0])))
        return [
            Priority(topic, topic_name(topic), demand, unmet, missed, person, outside, demand_ranks[topic], unmet_ranks[topic])
            for topic, demand, unmet, missed, person, outside in ordered
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

    # Building the published cubes.

    @property
    def _axes(self) -> dict[str, tuple[Dimension, ...]]:
        return {
            "topics": (self.weeks, self.topics, self.languages, self.channels),
            "needs": (self.topics, self.languages, self.channels, self.handled, self.in_hours),
            "clock": (self.weekdays, self.hours, self.languages, self.channels, self.in_hours),
            "handovers": (self.weeks, self.languages, self.channels, self.outcomes),
            "waits": (self.waits, self.languages, self.channels),
        }

    def _cube(self, name: str, cells: Cells, project: Callable[..., tuple[Any, ...]]) -> IntArray:
        """Sum counts and keys into the cube (keys, groups, totals on every axis) and perturb every cell."""
        dims = self._axes[name]
        counts = np.zeros(tuple(len(dim) for dim in dims), dtype=np.int64)
        keys = np.zeros_like(counts)
        items = [(project(*raw), n, cells.key(raw)) for raw, n in cells.counts.items()]
        if items:
            coordinates = []
            for axis, dim in enumerate(dims):
                lookup = {key: i for i, key in enumerate(dim.keys)}
                # Keys this analysis does not show (a week outside the period) go to -1 and are left out.
                coordinates.append(np.fromiter((lookup.get(item[0][axis], -1) for item in items), dtype=np.int64, count=len(items)))
            known = np.all(np.stack(coordinates) >= 0, axis=0)
            where = tuple(column[known] for column in coordinates)
            np.add.at(counts, where, np.fromiter((n for _, n, _ in items), dtype=np.int64, count=len(items))[known])
            np.add.at(keys, where, np.fromiter((k for _, _, k in items), dtype=np.int64, count=len(items))[known] % KEY_MODULUS)
        for axis, dim in enumerate(dims):
            counts = _extend(counts, axis, dim)
            keys = _extend(keys, axis, dim) % KEY_MODULUS
        return self.config.perturbation.perturb(counts, keys)

    def _group(self, code: str) -> str:
        if code == "" or code in self.config.languages:
            return code
        return OTHER_LANGUAGES


def _extend(cube: IntArray, axis: int, dim: Dimension) -> IntArray:
    """Append the groups and the total of one axis (sums along it)."""
    parts = [cube]
    for group in dim.groups:
        members = [dim.keys.index(m) for m in group.members if m in dim.keys]
        parts.append(np.take(cube, members, axis=axis).sum(axis=axis, keepdims=True))
    parts.append(np.take(cube, range(len(dim.keys)), axis=axis).sum(axis=axis, keepdims=True))
    return np.concatenate(parts, axis=axis)


def ranks(values: dict[str, Published]) -> dict[str, int | None]:
    """Rank published values, largest first; equal values share a rank; hidden ones get none."""
    shown = sorted({v.value for v in values.values() if v.value is not None}, reverse=True)
    position: dict[int, int] = {}
    place = 1
    for value in shown:
        position[value] = place
        place += sum(1 for v in values.values() if v.value == value)
    return {key: position[v.value] if v.value is not None else None for key, v in values.items()}


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
    """Every topic of the product and any other seen, in a fixed order (never by counts)."""
    seen = {topic for topic, *_ in counts.needs.counts} | {key[1] for key in counts.topics.counts}
    keys = sorted(PRODUCT_TOPICS | seen, key=lambda t: (t == "", topic_name(t)))
    inquiries = tuple(t for t in keys if is_inquiry(t))
    chat = tuple(t for t in keys if t in SMALL_TALK)
    groups = (Group(INQUIRIES, "alle Anfragen", inquiries), Group(CHAT, "Begrüßung, Dank u. Ä.", chat))
    return Dimension("topic", tuple(keys), tuple(topic_name(t) for t in keys), groups)


def _languages(core: Sequence[str]) -> Dimension:
    keys = (*core, OTHER_LANGUAGES, "")
    return Dimension("language", keys, tuple(language_name(code) for code in keys))


def _channels(counts: Counts) -> Dimension:
    seen = {key[3] for key in counts.topics.counts} | {key[2] for key in counts.outcomes.counts} | set(PEOPLE_CHANNELS)
    keys = sorted(seen, key=lambda c: (c not in PEOPLE_CHANNELS, PEOPLE_CHANNELS.index(c) if c in PEOPLE_CHANNELS else 0, c))
    labels = tuple(channel_name(c) if c in PEOPLE_CHANNELS else f"{channel_name(c)} (nicht gezählt)" for c in keys)
    return Dimension("channel", tuple(keys), labels, (Group(PEOPLE, "alle Kanäle", PEOPLE_CHANNELS),))
