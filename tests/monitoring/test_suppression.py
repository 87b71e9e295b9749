"""Small counts are hidden, and no hidden small count can be worked out from what is published."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest

from monitoring.suppression import Link, Protected, add_margins, protect

Cell = tuple[int, ...]


def test_margins_are_appended_along_every_axis() -> None:
    cube = add_margins([[1, 2], [3, 4]])
    assert cube.tolist() == [[1, 2, 3], [3, 4, 7], [4, 6, 10]]


def test_every_count_below_k_is_hidden_and_large_counts_are_shown_where_safe() -> None:
    table = add_margins([[20, 30, 25], [40, 35, 50], [22, 18, 60]])
    result = protect({"t": table}, k=5)["t"]
    assert not result.hidden.any()
    table = add_margins([[0, 30, 25], [40, 35, 50], [22, 18, 60]])
    result = protect({"t": table}, k=5)["t"]
    assert result.primary[0, 0] and result.hidden[0, 0]


def test_a_lone_small_count_is_never_left_alone_in_a_line() -> None:
    table = add_margins([[2, 9, 11], [9, 9, 12], [14, 8, 30]])
    result = protect({"t": table}, k=5)["t"]
    assert result.hidden[0, 0]
    assert result.hidden[0, 1:].any() and result.hidden[1:, 0].any()
    assert _feasible_values(result, 5, (0, 0)) != {2}


def test_secondary_cells_are_marked_apart_from_small_ones() -> None:
    result = protect({"t": add_margins([[2, 9], [9, 9]])}, k=5)["t"]
    assert result.primary[0, 0] and result.secondary.any()
    assert not (result.primary & result.secondary).any()


def test_bounds_are_what_a_reader_can_tell() -> None:
    result = protect({"t": add_margins([[1, 1, 7], [3, 9, 0], [0, 6, 12]])}, k=5)["t"]
    assert (result.low <= result.values).all() and (result.values <= result.high).all()
    visible = ~result.hidden
    assert (result.low[visible] == result.values[visible]).all()


def test_linked_cubes_hide_shared_numbers_alike() -> None:
    # Two tables publishing the same column totals (e.g. inquiries per language, twice).
    first = add_margins(np.array([[3, 10, 12], [10, 11, 9]]))
    second = add_margins(np.array([[1, 20, 2], [12, 1, 19]]))
    cubes = {"first": first, "second": second}
    links = [Link("first", (-1, slice(None)), "second", (-1, slice(None)))]
    result = protect(cubes, k=5, links=links)
    assert (result["first"].hidden[-1] == result["second"].hidden[-1]).all()
    for name, cube in result.items():
        for cell in _positive_primaries(cube):
            assert len(_feasible_values(cube, 5, cell)) > 1, (name, cell)


def test_linked_cubes_must_agree() -> None:
    with pytest.raises(ValueError, match="disagree"):
        protect({"a": add_margins([[1, 2]]), "b": add_margins([[1, 3]])}, 5, [Link("a", (-1, -1), "b", (-1, -1))])


@pytest.mark.parametrize("seed", range(40))
def test_no_small_count_can_be_derived_in_random_tables(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.choice([3, 5]))
    shape = tuple(int(n) for n in rng.integers(2, 4, size=int(rng.choice([2, 3]))))
    interior = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 20], size=shape)
    result = protect({"t": add_margins(interior)}, k=k)["t"]
    for cell in _positive_primaries(result):
        values = _feasible_values(result, k, cell)
        assert result.values[cell] in values
        assert len(values) > 1, f"cell {cell} = {result.values[cell]} can be worked out"


def test_a_large_sparse_cube_is_protected_quickly() -> None:
    import time

    rng = np.random.default_rng(7)
    interior = rng.poisson(rng.gamma(0.4, 8, size=(53, 21, 9, 2)))
    started = time.perf_counter()
    result = protect({"t": add_margins(interior)}, k=5)["t"]
    assert time.perf_counter() - started < 5
    assert result.hidden[result.values < 5].all()


# An exact check, independent of the module's audit: search for another solution that fits
# everything published, with a small count between 0 and k-1 and a "×" cell at least k.


def _positive_primaries(result: Protected) -> Iterator[Cell]:
    for cell in map(tuple, np.argwhere(result.primary & (result.values > 0))):
        yield tuple(int(i) for i in cell)


def _feasible_values(result: Protected, k: int, target: Cell) -> set[int]:
    shape = result.values.shape
    limit = int(result.values.max()) + 2 * k
    domains: dict[Cell, tuple[int, int]] = {}
    for cell in itertools.product(*(range(n) for n in shape)):
        if not result.hidden[cell]:
            domains[cell] = (int(result.values[cell]),) * 2
        elif result.primary[cell]:
            domains[cell] = (0, k - 1)
        else:
            domains[cell] = (k, limit)
    lines = []
    for axis, size in enumerate(shape):
        others = [range(n) for i, n in enumerate(shape) if i != axis]
        for rest in itertools.product(*others):
            members = [rest[:axis] + (i,) + rest[axis:] for i in range(size)]
            lines.append((members[:-1], members[-1]))
    found = set()
    for value in range(domains[target][0], domains[target][1] + 1):
        trial = dict(domains)
        trial[target] = (value, value)
        if _solve(trial, lines):
            found.add(value)
    return found


def _solve(domains: dict[Cell, tuple[int, int]], lines: list[tuple[list[Cell], Cell]]) -> bool:
    domains = _propagate(dict(domains), lines)
    if domains is None:
        return False
    open_cells = [cell for cell, (lo, hi) in domains.items() if lo < hi]
    if not open_cells:
        return True
    cell = min(open_cells, key=lambda c: domains[c][1] - domains[c][0])
    lo, hi = domains[cell]
    for value in range(lo, hi + 1):
        trial = dict(domains)
        trial[cell] = (value, value)
        if _solve(trial, lines):
            return True
    return False


def _propagate(domains: dict[Cell, tuple[int, int]], lines: list[tuple[list[Cell], Cell]]) -> dict[Cell, tuple[int, int]] | None:
    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            sum_lo = sum(domains[c][0] for c in cells)
            sum_hi = sum(domains[c][1] for c in cells)
            t_lo, t_hi = domains[total]
            new_total = (max(t_lo, sum_lo), min(t_hi, sum_hi))
            if new_total[0] > new_total[1]:
                return None
            if new_total != (t_lo, t_hi):
                domains[total] = new_total
                changed = True
            t_lo, t_hi = new_total
            for c in cells:
                lo, hi = domains[c]
                new = (max(lo, t_lo - (sum_hi - hi)), min(hi, t_hi - (sum_lo - lo)))
                if new[0] > new[1]:
                    return None
                if new != (lo, hi):
                    domains[c] = new
                    changed = True
    return domains
