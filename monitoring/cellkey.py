"""The cell key method: consistent random noise on every published count, so overlapping tables
cannot be subtracted to reveal small counts.

This follows the method of the German and Austrian statistical offices (Giessing and Tent, 2019;
Destatis' R package `ptable`, Statistik Austria's `cellKey`), as used for the 2022 census:

* Every recorded event draws a random *record key*, an integer in [0, 2^32). The tables only keep
  each row's *cell key*: the sum of its events' record keys modulo 2^32 (`add_keys`). A published
  cell's key is the sum of its rows' keys, so the same events always give the same key, wherever
  and however they are read, and different sets of events give unrelated keys.
* A *perturbation table* gives, for each original count n, the probabilities of publishing
  n + v for v in -D..D. They maximise entropy subject to: the noise has mean 0 and variance V;
  nothing below 0 is published; no count 1..js is published (zeros are never changed). Counts
  above D + js are all perturbed like D + js + 1 (the distribution no longer touches 0..js).
* A cell's published value is n + v, where v is picked by where the cell key, read as a fraction
  of 2^32, falls in the cumulative probabilities of row n. The same cell therefore always gets the
  same value, and a difference of two overlapping cells carries the noise of both.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

KEY_BITS = 32
KEY_MODULUS = 1 << KEY_BITS

# A source of record keys: by default the operating system's random numbers (not guessable).
KeySource = Callable[[], int]


def random_record_key() -> int:
    """Draw one event's record key, uniformly from [0, 2^32)."""
    return secrets.randbits(KEY_BITS)


def add_keys(*keys: int) -> int:
    """Add cell keys (or record keys) the way the tables do: modulo 2^32."""
    return sum(keys) % KEY_MODULUS


@dataclass(frozen=True)
class PerturbationParameters:
    """D (largest change), V (variance of the noise) and js (no count 1..js is ever published)."""

    max_deviation: int = 10
    variance: float = 12.0
    blocked_up_to: int = 4

    def __post_init__(self) -> None:
        if self.max_deviation < 1 or self.variance <= 0 or self.blocked_up_to < 0:
            raise ValueError("D and V must be positive and js not negative")
        if self.max_deviation <= self.blocked_up_to:
            raise ValueError("D must be larger than js, or a count of 1 could not be published unbiased")

    @classmethod
    def for_threshold(cls, k: int) -> PerturbationParameters:
        """Return the assistant's parameters for the threshold k: no count 1..k-1 is published,
        changes of at most max(10, 2k) with variance 12 (see docs/monitoring.md for the choice)."""
        return cls(max_deviation=max(10, 2 * k), variance=12.0, blocked_up_to=k - 1)


class PerturbationTable:
    """The transition probabilities of every original count, and the lookup by cell key."""

    def __init__(self, parameters: PerturbationParameters) -> None:
        self.parameters = parameters
        d, js = parameters.max_deviation, parameters.blocked_up_to
        # Row n holds the noise of original count n; the last row serves every larger count.
        self.last_row = d + js + 1
        rows: list[tuple[IntArray, FloatArray]] = [(np.zeros(1, dtype=np.int64), np.ones(1))]
        for n in range(1, self.last_row + 1):
            targets = np.array([j for j in range(max(0, n - d), n + d + 1) if not 1 <= j <= js], dtype=np.int64)
            noise = targets - n
            # Counts that may not be published (1..js) must move; only unbiasedness is asked of them.
            variance = None if n <= js else parameters.variance
            rows.append((noise, maximum_entropy(noise, variance)))
        self.rows = tuple(rows)

    def noise(self, count: int) -> dict[int, float]:
        """Return the probability of each change v for an original count."""
        values, probabilities = self.rows[min(count, self.last_row)]
        return {int(v): float(p) for v, p in zip(values, probabilities, strict=True) if p > 0}

    def published(self, count: int) -> dict[int, float]:
        """Return the probability of each value published for an original count."""
        return {count + v: p for v, p in self.noise(count).items()}

    @cached_property
    def _lookup(self) -> tuple[IntArray, IntArray]:
        """Cumulative bounds (as integer key thresholds) and noise values, one padded row per count."""
        width = max(len(values) for values, _ in self.rows)
        bounds = np.full((len(self.rows), width), KEY_MODULUS, dtype=np.int64)
        noise = np.zeros((len(self.rows), width), dtype=np.int64)
        for n, (values, probabilities) in enumerate(self.rows):
            cumulative = np.rint(np.cumsum(probabilities) * KEY_MODULUS).astype(np.int64)
            cumulative[-1] = KEY_MODULUS
            bounds[n, : len(values)] = cumulative
            noise[n, : len(values)] = values
            noise[n, len(values) :] = values[-1]
        return bounds, noise

    def perturb(self, counts: npt.ArrayLike, keys: npt.ArrayLike) -> IntArray:
        """Return the published values of cells with these original counts and cell keys."""
        count = np.asarray(counts, dtype=np.int64)
        key = np.asarray(keys, dtype=np.int64) % KEY_MODULUS
        if (count < 0).any():
            raise ValueError("counts cannot be negative")
        bounds, noise = self._lookup
        row = np.minimum(count, self.last_row)
        # The noise is the first one whose cumulative bound lies above the key.
        position = (key[..., None] >= bounds[row]).sum(axis=-1)
        change = np.take_along_axis(noise[row], position[..., None], axis=-1)[..., 0]
        result: IntArray = count + change
        return result


def maximum_entropy(noise: IntArray, variance: float | None) -> FloatArray:
    """Return the most even probabilities over `noise` with mean 0 (and the variance, if given).

    The solution has the form p(v) ~ exp(a*v + b*v^2); a and b are found by Newton's method on the
    convex dual (log-partition minus the targets), with step halving for safety.
    """
    v = noise.astype(float)
    if len(v) == 1:
        if v[0] != 0:
            raise ValueError("a single target must be the count itself")
        return np.ones(1)
    if not v.min() < 0 < v.max():
        raise ValueError(f"no unbiased noise on {noise.tolist()}")
    if variance is None:
        features, target = v[None, :], np.zeros(1)
    else:
        lowest, highest = _lowest_variance(v), float(-v.min() * v.max())
        if not lowest < variance < highest:
            raise ValueError(f"variance {variance} is not reachable with changes {noise.tolist()} (only {lowest:g} to {highest:g})")
        features, target = np.stack([v, v * v]), np.array([0.0, variance])
    weights = np.zeros(len(target))

    def dual(w: FloatArray) -> float:
        exponent = w @ features
        top = exponent.max()
        return float(top + np.log(np.exp(exponent - top).sum()) - w @ target)

    for _ in range(100):
        exponent = weights @ features
        p = np.exp(exponent - exponent.max())
        p /= p.sum()
        moments = features @ p
        gradient = moments - target
        if np.abs(gradient).max() < 1e-9:
            break
        covariance = (features * p) @ features.T - np.outer(moments, moments)
        step = np.linalg.solve(covariance + 1e-12 * np.eye(len(target)), gradient)
        scale = 1.0
        while dual(weights - scale * step) > dual(weights) and scale > 1e-10:
            scale /= 2
        if scale <= 1e-10:
            break  # as close as floating point allows
        weights = weights - scale * step
    if np.abs(gradient).max() > 1e-7:  # pragma: no cover - the dual is smooth and convex
        raise RuntimeError("the perturbation probabilities did not converge")
    exponent = weights @ features
    p = np.exp(exponent - exponent.max())
    result: FloatArray = p / p.sum()
    return result


def _lowest_variance(v: FloatArray) -> float:
    """Return the smallest variance of a mean-zero distribution on `v` (the highest puts all on the
    extremes): the two values around 0."""
    if 0 in v:
        return 0.0
    below, above = v[v < 0].max(), v[v > 0].min()
    return float(-below * above)
