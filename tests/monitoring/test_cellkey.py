"""The perturbation table and the lookup by cell key: unbiased, the stated variance, never a count
from 1 to k-1, zeros unchanged, the same key always the same value, and differences that rarely
give a small count away."""

from __future__ import annotations

import numpy as np
import pytest

from monitoring.cellkey import KEY_MODULUS, PerturbationParameters, PerturbationTable, add_keys

TABLE = PerturbationTable(PerturbationParameters.for_threshold(5))
# The chance that subtracting two overlapping published counts gives a small count exactly
# (docs/monitoring.md states it; the differencing test replays the attack).
STATED_BOUND = 0.091  # docs/monitoring.md: "at most 9.1 %"


@pytest.mark.parametrize("count", [*range(0, 40), 100, 12_345])
def test_every_row_is_unbiased_and_never_publishes_a_small_count(count: int) -> None:
    published = TABLE.published(count)
    assert sum(published.values()) == pytest.approx(1.0, abs=1e-9)
    assert sum((value - count) * p for value, p in published.items()) == pytest.approx(0.0, abs=1e-7)
    assert all(value == 0 or value >= 5 for value in published), published
    assert all(abs(value - count) <= TABLE.parameters.max_deviation for value in published)
    if count == 0:
        assert published == {0: 1.0}  # nothing is made out of nothing
    if count >= 5:
        variance = sum((value - count) ** 2 * p for value, p in published.items())
        assert variance == pytest.approx(TABLE.parameters.variance, abs=1e-6)


def test_the_same_cell_key_always_gives_the_same_value_and_keys_are_spread_as_the_table_says() -> None:
    rng = np.random.default_rng(1)
    keys = rng.integers(0, KEY_MODULUS, size=200_000)
    counts = np.full(keys.shape, 19)
    first, again = TABLE.perturb(counts, keys), TABLE.perturb(counts, keys)
    assert (first == again).all()
    values, seen = np.unique(first, return_counts=True)
    expected = TABLE.published(19)
    for value, n in zip(values.tolist(), seen.tolist(), strict=True):
        assert n / len(keys) == pytest.approx(expected[value], abs=0.004)


def test_cell_keys_add_modulo_two_to_the_32() -> None:
    assert add_keys(KEY_MODULUS - 1, 5) == 4
    assert add_keys() == 0


@pytest.mark.parametrize("k", [2, 3, 5, 10, 20])
def test_the_parameters_work_for_every_threshold(k: int) -> None:
    table = PerturbationTable(PerturbationParameters.for_threshold(k))
    for count in range(0, 3 * k + 25):
        assert all(value == 0 or value >= k for value in table.published(count))


def test_impossible_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="larger than js"):
        PerturbationParameters(max_deviation=3, variance=2.0, blocked_up_to=4)
    with pytest.raises(ValueError, match="not reachable"):
        PerturbationTable(PerturbationParameters(max_deviation=5, variance=30.0, blocked_up_to=4))


def exact_difference_probability(table: PerturbationTable, before: int, added: int) -> float:
    """Chance that published(before + added) - published(before) == added: both noises equal.

    The two cell keys differ by the sum of the added events' random record keys, which is uniform
    and independent, so the two noises are independent draws of their rows.
    """
    later, earlier = table.noise(before + added), table.noise(before)
    return sum(p * earlier.get(v, 0.0) for v, p in later.items())


def test_subtracting_overlapping_counts_gives_a_small_count_away_rarely() -> None:
    worst = max(exact_difference_probability(TABLE, n, t) for n in range(0, 200) for t in range(1, 5))
    assert worst <= STATED_BOUND
    # The attack of issue 13: 22 against 19 discrimination inquiries.
    assert exact_difference_probability(TABLE, 19, 3) == pytest.approx(0.081, abs=0.002)
