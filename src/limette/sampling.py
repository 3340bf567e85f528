"""Samplers of binary interpretable vectors: which features of the instance are kept.

A sampler's ``sample(n, d, rng)`` returns an ``(n, d)`` float array of 0/1 whose first
row is all ones (the instance itself). Tabular rows are sampled differently (from training
statistics) in :mod:`limette._tabular_sampling`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ._validation import lookup
from .errors import InputError

__all__ = [
    "BernoulliSampler",
    "Sampler",
    "ShapleySampler",
    "UniformCountSampler",
    "all_coalitions",
    "get_sampler",
]


@runtime_checkable
class Sampler(Protocol):
    """Draws ``n`` binary vectors of length ``d``; row 0 is the instance (all ones)."""

    def sample(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        """An ``(n, d)`` array of 0.0/1.0 with ``Z[0] == 1``."""
        ...


@dataclass(frozen=True)
class BernoulliSampler:
    """Each feature kept independently with probability ``p`` (lime's images, Captum)."""

    p: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.p < 1.0:
            raise InputError(f"p must be strictly between 0 and 1; got {self.p}")

    def sample(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        Z = (rng.random((n, d)) < self.p).astype(float)
        Z[0] = 1.0
        return Z


@dataclass(frozen=True)
class UniformCountSampler:
    """lime's text sampling: switch off a uniformly drawn number ``1..d`` of features.

    Which features go off is a uniformly random subset of that size: the features whose
    uniform keys are among the ``off_count`` smallest of their row (one sort and a
    threshold, not a rank of a rank). Keys are drawn and sorted a block of rows at a time
    in two small reused buffers, which stay in cache; the stream of random numbers, and
    so the samples, are the same as drawing every key at once.
    """

    block: int = 256

    def __post_init__(self) -> None:
        if isinstance(self.block, bool) or not isinstance(self.block, int) or self.block < 1:
            raise InputError(f"block must be a positive integer; got {self.block!r}")

    def sample(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        off_count = rng.integers(1, d + 1, size=n)
        Z = np.empty((n, d))
        keys, ordered = np.empty((min(n, self.block), d)), np.empty((min(n, self.block), d))
        for start in range(0, n, self.block):
            rows = slice(start, min(start + self.block, n))
            size = rows.stop - start
            rng.random(out=keys[:size])
            ordered[:size] = keys[:size]
            ordered[:size].sort(axis=1)
            largest_off = ordered[np.arange(size), off_count[rows] - 1]
            np.greater(keys[:size], largest_off[:, None], out=Z[rows])
        Z[0] = 1.0
        return Z


def _subsets_of_sizes(sizes: np.ndarray, d: int, rng: np.random.Generator) -> np.ndarray:
    """One uniformly random subset of each size, as rows of 0/1 (ranks of uniform keys)."""
    ranks = np.argsort(np.argsort(rng.random((len(sizes), d)), axis=1), axis=1)
    return (ranks < sizes[:, None]).astype(float)


@dataclass(frozen=True)
class ShapleySampler:
    """Kernel SHAP's coalitions: sizes drawn with probability ∝ ``(d-1) / (s (d-s))``.

    Row 0 is the full coalition and row 1 the empty one (the efficiency constraint's
    anchors); every other row is a uniformly random subset of a size drawn from the
    Shapley kernel's marginal, so that equal weights make the least-squares fit the
    Shapley kernel's. With ``paired=True`` each coalition is followed by its complement
    (antithetic sampling), which cancels the odd-order error terms.

    Examples
    --------
    >>> import numpy as np
    >>> Z = ShapleySampler().sample(6, 4, np.random.default_rng(0))
    >>> Z[:2].tolist(), (Z[2] + Z[3]).tolist()
    ([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]], [1.0, 1.0, 1.0, 1.0])
    """

    paired: bool = True

    def sample(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        Z = np.zeros((n, d))
        Z[0] = 1.0
        if n <= 2 or d < 2:
            Z[2::2] = 1.0
            return Z
        sizes = np.arange(1, d)
        probabilities = (d - 1) / (sizes * (d - sizes))
        count = (n - 1) // 2 if self.paired else n - 2
        drawn = rng.choice(sizes, size=count, p=probabilities / probabilities.sum())
        coalitions = _subsets_of_sizes(drawn, d, rng)
        if self.paired:
            pairs = np.stack([coalitions, 1.0 - coalitions], axis=1).reshape(-1, d)
            Z[2:] = pairs[: n - 2]
        else:
            Z[2:] = coalitions
        return Z


def all_coalitions(d: int) -> np.ndarray:
    """All ``2**d`` rows of 0/1: the full coalition first, the empty one second.

    Examples
    --------
    >>> all_coalitions(2).tolist()
    [[1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    """
    codes = np.arange(2**d)
    codes = np.concatenate([[2**d - 1, 0], codes[1:-1]])
    return ((codes[:, None] >> np.arange(d)) & 1).astype(float)


SAMPLERS: dict[str, type] = {
    "bernoulli": BernoulliSampler,
    "shapley": ShapleySampler,
    "uniform_count": UniformCountSampler,
}


def get_sampler(sampler: str | Sampler) -> Sampler:
    """A sampler object from a name (``'bernoulli'``, ``'uniform_count'``) or a sampler."""
    if isinstance(sampler, Sampler):
        return sampler
    sampler_class: type = lookup(SAMPLERS, sampler, "sampler")
    instance: Sampler = sampler_class()
    return instance
