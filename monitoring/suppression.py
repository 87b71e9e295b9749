"""Hide small counts (k-anonymity) and enough other cells that no hidden count follows from totals.

Counts live in "cubes": arrays whose every axis ends with the total over that axis, so each line
along an axis says `cells = total`. Primary suppression hides every count below k, zero included
(a published zero next to hidden cells would tell a reader those are at least one). Then an
audit works out, as a reader could, the narrowest range each hidden cell can have given everything
published (interval propagation over every line of every cube, and across cubes that publish the
same numbers, see `Link`); wherever a small count would be pinned to one value, secondary
suppression hides the smallest further count of k or more in one of its lines, and the audit runs
again. The reader is assumed to know the rule: a small count ("<k") is 0..k-1 and a cell hidden for
the others' sake ("×") is at least k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Index = tuple[int | slice, ...]

# Upper bound for cells of unknown size; far above any count, far below int64 overflow when summed.
_UNBOUNDED = 1 << 40
# Cost added per axis along which a cell is a total (counts stay far below it).
_LEVEL = 1 << 34
_MAX_AUDIT_ROUNDS = 500
_MAX_PASSES = 10_000
_MAX_UNPIN_DEPTH = 4


@dataclass(frozen=True)
class Link:
    """Two cubes publish the same numbers: `first[first_at]` equals `second[second_at]`, cell by cell."""

    first: str
    first_at: Index
    second: str
    second_at: Index


@dataclass(frozen=True)
class Protected:
    """A cube after suppression: which cells are hidden, and what a reader can still infer about each."""

    values: IntArray
    hidden: BoolArray
    primary: BoolArray
    low: IntArray
    high: IntArray

    @property
    def secondary(self) -> BoolArray:
        return self.hidden & ~self.primary


def add_margins(interior: npt.ArrayLike) -> IntArray:
    """Append the total over each axis as that axis's last entry."""
    cube = np.asarray(interior, dtype=np.int64)
    for axis in range(cube.ndim):
        cube = np.concatenate([cube, cube.sum(axis=axis, keepdims=True)], axis=axis)
    return cube


def protect(cubes: Mapping[str, IntArray], k: int = 5, links: Sequence[Link] = ()) -> dict[str, Protected]:
    """Suppress small counts in every cube, and further cells until no small count can be derived."""
    if k < 2:
        raise ValueError("k must be at least 2")
    values = {name: np.asarray(cube, dtype=np.int64) for name, cube in cubes.items()}
    for link in links:
        if not np.array_equal(values[link.first][link.first_at], values[link.second][link.second_at]):
            raise ValueError(f"linked cubes {link.first} and {link.second} disagree")
    primary = {name: cube < k for name, cube in values.items()}
    hidden = {name: mask.copy() for name, mask in primary.items()}
    before: dict[str, BoolArray] = {}
    for _ in range(_MAX_PASSES):
        settled = False
        while not settled:
            _share(hidden, links)
            settled = not any([_settle_lines(values[n], hidden[n], primary[n], k) for n in values])
        low, high = audit(values, hidden, primary, k, links)
        pinned = {name: hidden[name] & (low[name] == high[name]) for name in values}
        # A hidden zero that can be worked out tells nobody anything; a small positive count would.
        exposed = {name: pinned[name] & primary[name] & (values[name] > 0) for name in values}
        if not any(mask.any() for mask in exposed.values()):
            return {
                name: Protected(values[name], hidden[name], primary[name], low[name], high[name]) for name in values
            }
        # Cells still exposed after a round of hiding around them get every line through them hidden.
        stubborn = {n: exposed[n] & before[n] for n in values} if before else None
        before = exposed
        if stubborn and any(mask.any() for mask in stubborn.values()):
            if any([_hide_lines(values[n], hidden[n], stubborn[n]) for n in values]):
                continue
        if not _unpin(values, hidden, exposed, pinned, k, low, high):
            # Nothing to hide in the lines that pin them (rare): hide every line through them;
            # failing that, everything.
            if not any([_hide_lines(values[n], hidden[n], exposed[n]) for n in values]):
                return _withhold_everything(values)
    raise RuntimeError("suppression did not settle")  # pragma: no cover - each pass hides at least one cell


def _withhold_everything(values: Mapping[str, IntArray]) -> dict[str, Protected]:
    """Publish nothing, not even which counts are small: the marks alone could give counts away."""
    return {
        name: Protected(
            cube,
            np.ones(cube.shape, dtype=bool),
            np.zeros(cube.shape, dtype=bool),
            np.zeros(cube.shape, dtype=np.int64),
            np.full(cube.shape, _UNBOUNDED, dtype=np.int64),
        )
        for name, cube in values.items()
    }


def audit(
    values: Mapping[str, IntArray],
    hidden: Mapping[str, BoolArray],
    primary: Mapping[str, BoolArray],
    k: int,
    links: Sequence[Link] = (),
) -> tuple[dict[str, IntArray], dict[str, IntArray]]:
    """Return the lowest and highest value a reader can infer for every cell of every cube."""
    low = {n: np.where(hidden[n], np.where(primary[n], 0, k), values[n]).astype(np.int64) for n in values}
    high = {n: np.where(hidden[n], np.where(primary[n], k - 1, _UNBOUNDED), values[n]).astype(np.int64) for n in values}
    # Lower bounds only rise and upper bounds only fall, so unchanged sums mean nothing changed.
    progress = sum(int(low[n].sum()) - int(high[n].sum()) for n in values)
    for _ in range(_MAX_AUDIT_ROUNDS):
        for name in values:
            for axis in range(values[name].ndim):
                _tighten(low[name], high[name], axis)
        for link in links:
            _meet(low, high, link)
        now = sum(int(low[n].sum()) - int(high[n].sum()) for n in values)
        if now == progress:
            break
        progress = now
    return low, high


def _tighten(low: IntArray, high: IntArray, axis: int) -> None:
    """Narrow the bounds of one axis's lines, in place: the cells sum to the total."""
    lo = np.moveaxis(low, axis, -1)
    hi = np.moveaxis(high, axis, -1)
    cells_lo, cells_hi = lo[..., :-1], hi[..., :-1]
    total_lo, total_hi = lo[..., -1:], hi[..., -1:]
    sum_lo = cells_lo.sum(axis=-1, keepdims=True)
    sum_hi = cells_hi.sum(axis=-1, keepdims=True)
    # Each cell is at least the total less the most the others can be, and at most the total
    # less the least they can be; the total lies between the sums of the cells' bounds.
    np.maximum(cells_lo, cells_hi + (total_lo - sum_hi), out=cells_lo)
    np.minimum(cells_hi, cells_lo + (total_hi - sum_lo), out=cells_hi)
    np.maximum(total_lo, sum_lo, out=total_lo)
    np.minimum(total_hi, sum_hi, out=total_hi)


def _meet(low: dict[str, IntArray], high: dict[str, IntArray], link: Link) -> None:
    lo = np.maximum(low[link.first][link.first_at], low[link.second][link.second_at])
    hi = np.minimum(high[link.first][link.first_at], high[link.second][link.second_at])
    low[link.first][link.first_at] = lo
    low[link.second][link.second_at] = lo
    high[link.first][link.first_at] = hi
    high[link.second][link.second_at] = hi


def _share(hidden: dict[str, BoolArray], links: Sequence[Link]) -> None:
    """Hide in both cubes what either hides of the numbers they share, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for link in links:
            first, second = hidden[link.first][link.first_at], hidden[link.second][link.second_at]
            both = first | second
            if (both != first).any() or (both != second).any():
                hidden[link.first][link.first_at] = both
                hidden[link.second][link.second_at] = both
                changed = True


def _settle_lines(values: IntArray, hidden: BoolArray, primary: BoolArray, k: int) -> bool:
    """Where one line alone pins a small count, hide that line's cheapest count of k or more."""
    low = np.where(hidden, np.where(primary, 0, k), values)
    high = np.where(hidden, np.where(primary, k - 1, _UNBOUNDED), values)
    small = hidden & primary & (values > 0)
    changed = False
    for axis in range(values.ndim):
        implied_low, implied_high = _implied(low, high, axis)
        pinned = small & (np.maximum(low, implied_low) >= np.minimum(high, implied_high))
        lines = np.moveaxis(pinned, axis, -1).any(axis=-1)
        if not lines.any():
            continue
        cost = _candidate_cost(np.moveaxis(values, axis, -1), np.moveaxis(hidden, axis, -1), k)
        position = cost.argmin(axis=-1)
        usable = lines & (np.take_along_axis(cost, position[..., None], axis=-1)[..., 0] < _UNBOUNDED)
        if usable.any():
            chosen = np.zeros(cost.shape, dtype=bool)
            np.put_along_axis(chosen, position[..., None], usable[..., None], axis=-1)
            np.moveaxis(hidden, axis, -1)[...] |= chosen
            changed = True
            low = np.where(hidden, np.where(primary, 0, k), values)
            high = np.where(hidden, np.where(primary, k - 1, _UNBOUNDED), values)
    return changed


def _unpin(
    values: Mapping[str, IntArray],
    hidden: dict[str, BoolArray],
    exposed: Mapping[str, BoolArray],
    pinned: Mapping[str, BoolArray],
    k: int,
    low: Mapping[str, IntArray],
    high: Mapping[str, IntArray],
) -> bool:
    """Hide cells in the lines that pin exposed counts; where those lines have nothing left to hide,
    go on to the hidden cells a reader can work out in them, which is how the counts got pinned."""
    targets = dict(exposed)
    changed = False
    for depth in range(_MAX_UNPIN_DEPTH):
        following: dict[str, BoolArray] = {}
        for name in values:
            # Headline figures (totals along all axes but one) are not hidden just to unpin others.
            top = None if depth == 0 else values[name].ndim - 2
            hid, stuck = _hide_more(values[name], hidden[name], targets[name], k, low[name], high[name], True, top)
            changed |= hid
            # Chase pinned cells that hold information; chasing pinned zeros would hide totals for nothing.
            following[name] = _pinning_partners(stuck, pinned[name] & (values[name] > 0), low[name], high[name])
        if not any(mask.any() for mask in following.values()):
            break
        targets = following
    return changed


def _pinning_partners(stuck: BoolArray, pinned: BoolArray, low: IntArray, high: IntArray) -> BoolArray:
    """Mark the pinned hidden cells that share a pinning line with a stuck cell."""
    partners = np.zeros_like(stuck)
    cells = np.argwhere(stuck)
    for axis in range(stuck.ndim):
        pins = _pinning(low, high, cells, axis)
        for cell in map(tuple, cells[pins]):
            line = cell[:axis] + (slice(None),) + cell[axis + 1 :]
            partners[line] |= pinned[line]
    partners &= ~stuck
    return partners


def _pinning(low: IntArray, high: IntArray, cells: IntArray, axis: int) -> BoolArray:
    """Tell for each cell whether its line along `axis` alone gives it its current bound."""
    if not len(cells):
        return np.zeros(0, dtype=bool)
    others = tuple(np.delete(cells, axis, axis=1).T)
    lines_lo = np.moveaxis(low, axis, -1)[others]
    lines_hi = np.moveaxis(high, axis, -1)[others]
    position = cells[:, axis]
    rows = np.arange(len(cells))
    cell_lo, cell_hi = lines_lo[rows, position], lines_hi[rows, position]
    sum_lo, sum_hi = lines_lo[:, :-1].sum(axis=1), lines_hi[:, :-1].sum(axis=1)
    is_total = position == lines_lo.shape[1] - 1
    implied_lo = np.where(is_total, sum_lo, lines_lo[:, -1] - (sum_hi - cell_hi))
    implied_hi = np.where(is_total, sum_hi, lines_hi[:, -1] - (sum_lo - cell_lo))
    pins: BoolArray = (implied_lo >= cell_lo) | (implied_hi <= cell_hi)
    return pins


def _hide_more(
    values: IntArray,
    hidden: BoolArray,
    exposed: BoolArray,
    k: int,
    low: IntArray,
    high: IntArray,
    strict: bool,
    top: int | None = None,
) -> tuple[bool, BoolArray]:
    """In every line that pins an exposed cell, hide the line's cheapest visible count of k or more.

    A cell pinned by several lines stays pinned until each of them has one more hidden cell. Unless
    `strict`, cells no pinning line can help get one more hidden cell in their cheapest other line.
    Cells that are totals along more than `top` axes are not hidden (None: any may be).
    Return whether anything was hidden, and the exposed cells some pinning line could not help.
    """
    cells = np.argwhere(exposed)
    stuck = np.zeros_like(exposed)
    if not len(cells):
        return False, stuck
    helped = np.zeros(len(cells), dtype=bool)
    blocked = np.zeros(len(cells), dtype=bool)
    other_cost = np.full(len(cells), _UNBOUNDED, dtype=np.int64)
    other_cell = cells.copy()
    chosen: list[IntArray] = []
    for axis in range(values.ndim):
        cost = _candidate_cost(np.moveaxis(values, axis, -1), np.moveaxis(hidden, axis, -1), k, top)
        position = cost.argmin(axis=-1)
        cheapest = np.take_along_axis(cost, position[..., None], axis=-1)[..., 0]
        line = tuple(np.delete(cells, axis, axis=1).T)
        usable = cheapest[line] < _UNBOUNDED
        pins = _pinning(low, high, cells, axis)
        candidate = cells.copy()
        candidate[:, axis] = position[line]
        chosen.append(candidate[pins & usable])
        helped |= pins & usable
        blocked |= pins & ~usable
        better = ~pins & usable & (cheapest[line] < other_cost)
        other_cost[better] = cheapest[line][better]
        other_cell[better] = candidate[better]
    if not strict:
        chosen.append(other_cell[~helped & (other_cost < _UNBOUNDED)])
    picked = np.concatenate(chosen) if chosen else np.empty((0, values.ndim), dtype=np.int64)
    before = int(hidden.sum())
    if len(picked):
        hidden[tuple(picked.T)] = True
    stuck[tuple(cells[blocked | ~helped].T)] = True
    return int(hidden.sum()) > before, stuck


def _hide_lines(values: IntArray, hidden: BoolArray, exposed: BoolArray) -> bool:
    """Hide every positive count in every line through the exposed cells."""
    before = int(hidden.sum())
    for cell in map(tuple, np.argwhere(exposed)):
        for axis in range(values.ndim):
            line = cell[:axis] + (slice(None),) + cell[axis + 1 :]
            hidden[line] |= values[line] > 0
    return int(hidden.sum()) > before


def _implied(low: IntArray, high: IntArray, axis: int) -> tuple[IntArray, IntArray]:
    """Return the bounds each cell would get from its line along `axis` alone."""
    lo = np.moveaxis(low, axis, -1)
    hi = np.moveaxis(high, axis, -1)
    cells_lo, cells_hi = lo[..., :-1], hi[..., :-1]
    sum_lo = cells_lo.sum(axis=-1, keepdims=True)
    sum_hi = cells_hi.sum(axis=-1, keepdims=True)
    implied_lo = np.concatenate([lo[..., -1:] - (sum_hi - cells_hi), sum_lo], axis=-1)
    implied_hi = np.concatenate([hi[..., -1:] - (sum_lo - cells_lo), sum_hi], axis=-1)
    return np.moveaxis(implied_lo, -1, axis), np.moveaxis(implied_hi, -1, axis)


def _candidate_cost(values: IntArray, hidden: BoolArray, k: int, top: int | None = None) -> IntArray:
    """Cost of hiding each cell of the lines along the last axis; unusable cells cost _UNBOUNDED."""
    # Hide detailed cells before totals, and totals before grand totals: readers look at those first.
    level = _level(values.shape)
    usable = ~hidden & (values >= k)
    if top is not None:
        usable &= level <= top
    return np.where(usable, values + level * _LEVEL, _UNBOUNDED).astype(np.int64)


def _level(shape: tuple[int, ...]) -> IntArray:
    """Count, for every cell, the axes along which it is a total."""
    level = np.zeros(shape, dtype=np.int64)
    for axis, size in enumerate(shape):
        index: list[int | slice] = [slice(None)] * len(shape)
        index[axis] = size - 1
        level[tuple(index)] += 1
    return level
