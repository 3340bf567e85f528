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

__all__ = ["BernoulliSampler", "Sampler", "UniformCountSampler", "get_sampler"]


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


SAMPLERS: dict[str, type] = {"bernoulli": BernoulliSampler, "uniform_count": UniformCountSampler}


def get_sampler(sampler: str | Sampler) -> Sampler:
    """A sampler object from a name (``'bernoulli'``, ``'uniform_count'``) or a sampler."""
    if isinstance(sampler, Sampler):
        return sampler
    sampler_class: type = lookup(SAMPLERS, sampler, "sampler")
    instance: Sampler = sampler_class()
    return instance
