"""Samplers of binary interpretable vectors: which features of the instance are kept.

A sampler's ``sample(n, d, rng)`` returns an ``(n, d)`` float array of 0/1 whose first
row is all ones (the instance itself). When features outnumber samples (``d > n``) the
built-in binary samplers return booleans instead (an eighth of the memory: 1000 samples
of 150 528 features take 150 MB, not 1.2 GB), and draw them a block of rows at a time.
Tabular rows are sampled differently (from training statistics) in
:mod:`limette.tabular._sampling`, from the same uniform streams.

Every sampler turns uniform numbers into samples, so *how the uniforms are drawn* is a
separate choice (:func:`uniform_stream`): ``"random"`` (independent, lime's plain
sampling), ``"antithetic"`` (pairs ``u`` and ``1 - u``), ``"sobol"`` (scrambled Sobol
points, :class:`scipy.stats.qmc.Sobol`,
under a random digital shift) or ``"stratified"`` (a Latin hypercube: each
column's ``n`` values fall one in each of ``n`` equal strata). Each row is still uniform,
so every scheme draws each sample from the same distribution as lime, with less
variance between re-draws. :class:`KernelWeightedSampler` (GLIME) instead draws from the
kernel-weighted distribution, so the surrogate is fitted with unit weights.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ._validation import lookup
from .errors import InputError

__all__ = [
    "BERNOULLI_SCHEME",
    "DEFAULT_SCHEME",
    "SCHEMES",
    "BernoulliSampler",
    "KernelWeightedSampler",
    "Sampler",
    "ShapleySampler",
    "UniformCountSampler",
    "all_coalitions",
    "get_sampler",
    "uniform_stream",
]

#: The default scheme of :class:`BernoulliSampler` (images; see
#: :func:`uniform_stream`). ``"sobol"`` cut the total variance of the weights 1.4-3.1× on
#: EfficientNet-Lite0 with three photographs at 250 and 1000 samples, with the same
#: expected explanation (``benchmarks/stability.py``, ``benchmarks/RESULTS.md``).
BERNOULLI_SCHEME = "sobol"
#: The default scheme of the other binary samplers: lime's stream. With
#: :class:`UniformCountSampler` (text) ``"sobol"`` cut the variance of the weights only
#: 1.0-1.5× on a long document (1.3-2.3× on a short one), too unevenly to be the default.
DEFAULT_SCHEME = "random"


class UniformStream(Protocol):
    """Successive blocks of uniforms in ``[0, 1)``, ``draw(n) -> (n, width)``."""

    def draw(self, n: int) -> np.ndarray: ...


@dataclass
class _Random:
    rng: np.random.Generator
    width: int

    def draw(self, n: int) -> np.ndarray:
        return self.rng.random((n, self.width))


@dataclass
class _Antithetic:
    rng: np.random.Generator
    width: int

    def draw(self, n: int) -> np.ndarray:
        half = self.rng.random(((n + 1) // 2, self.width))
        return np.stack([half, 1.0 - half], axis=1).reshape(-1, self.width)[:n]


@dataclass
class _Stratified:
    rng: np.random.Generator
    width: int

    def draw(self, n: int) -> np.ndarray:
        strata = np.argsort(self.rng.random((n, self.width)), axis=0)
        return np.asarray((strata + self.rng.random((n, self.width))) / n)


#: Bits of every Sobol coordinate (SciPy's default).
_SOBOL_BITS = 30


#: SciPy's Sobol sequences exist up to this many dimensions.
SOBOL_MAX_WIDTH = 21201

#: Point sets are kept between explanations while they take at most this much in all
#: (least recently used first out).
_SOBOL_CACHE_BYTES = 64 * 2**20


def _sobol_points(width: int, log2_n: int) -> np.ndarray:
    """The first ``2**log2_n`` points of one fixed scrambled Sobol sequence, as integers.

    Sets are built once per shape and kept (:data:`_SOBOL_CACHE_BYTES`): SciPy's
    scrambling costs a millisecond per explanation for 30 columns and 14 ms for 300, and a
    random digital shift of a fixed scrambled sequence is as much a randomised QMC point
    set as a fresh scramble. Smaller sizes are prefixes of larger ones (one seed), so the
    cache never changes a result.
    """
    return _POINT_SETS.get((width, log2_n))


class _PointSetCache:
    """Scrambled Sobol point sets by ``(width, log2_n)``, within a byte budget (LRU).

    One seed makes a smaller set a prefix of a larger one of the same width, so a kept
    larger set answers for every smaller size."""

    def __init__(self) -> None:
        self.sets: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[int, int]) -> np.ndarray:
        width, log2_n = key
        with self.lock:
            for (kept_width, kept_log2), points in reversed(self.sets.items()):
                if kept_width == width and kept_log2 >= log2_n:  # a prefix of a kept set
                    self.sets.move_to_end((kept_width, kept_log2))
                    return points[: 1 << log2_n]
        points = _scrambled_sobol_points(*key)
        with self.lock:
            self.sets[key] = points
            while sum(p.nbytes for p in self.sets.values()) > _SOBOL_CACHE_BYTES:
                self.sets.popitem(last=False)
        return points

    def clear(self) -> None:
        with self.lock:
            self.sets.clear()


_POINT_SETS = _PointSetCache()


def _scrambled_sobol_points(width: int, log2_n: int) -> np.ndarray:
    from scipy.stats import qmc

    engine = qmc.Sobol(width, scramble=True, seed=np.random.default_rng(0x5EED), bits=_SOBOL_BITS)
    points = np.rint(engine.random_base2(log2_n) * 2.0**_SOBOL_BITS).astype(np.uint32)
    points.setflags(write=False)
    return points


class _Sobol:
    """Scrambled Sobol points under a random digital shift: each point is uniform on the
    cube, and the set keeps the sequence's low discrepancy. Wider than
    :data:`SOBOL_MAX_WIDTH` no Sobol sequence exists, and the stream draws independent
    uniforms (the same distribution, without the variance reduction)."""

    def __init__(self, rng: np.random.Generator, width: int) -> None:
        self.width, self.position, self.rng = width, 0, rng
        self.shift = rng.integers(0, 2**_SOBOL_BITS, size=width, dtype=np.uint32)
        self.points: np.ndarray | None = None  # kept by the stream: it draws in many blocks

    def reserve(self, n: int) -> None:
        """Have the next ``n`` points at hand: a caller that draws them in many blocks
        says so first, so that a set too large to keep is built once."""
        if self.width <= SOBOL_MAX_WIDTH:
            self._points_until(self.position + n)

    def _points_until(self, stop: int) -> np.ndarray:
        if self.points is None or len(self.points) < stop:
            self.points = _sobol_points(self.width, max(int(np.ceil(np.log2(max(stop, 1)))), 0))
        return self.points

    def draw(self, n: int) -> np.ndarray:
        if self.width > SOBOL_MAX_WIDTH:
            return self.rng.random((n, self.width))
        stop = self.position + n
        shifted = self._points_until(stop)[self.position : stop] ^ self.shift
        self.position = stop
        return np.multiply(shifted, 2.0**-_SOBOL_BITS)


SCHEMES: dict[str, Callable[[np.random.Generator, int], UniformStream]] = {
    "antithetic": _Antithetic,
    "random": _Random,
    "sobol": _Sobol,
    "stratified": _Stratified,
}


def uniform_stream(scheme: str, width: int, rng: np.random.Generator) -> UniformStream:
    """A stream of ``width``-dimensional uniforms drawn with ``scheme``.

    Successive ``draw`` calls continue the stream (the Sobol sequence goes on; antithetic
    pairs and strata are formed within each call), so drawing in batches is deterministic.

    Examples
    --------
    >>> import numpy as np
    >>> u = uniform_stream("antithetic", 2, np.random.default_rng(0)).draw(4)
    >>> np.allclose(u[0] + u[1], 1.0)
    True
    """
    return lookup(SCHEMES, scheme, "sampler")(rng, width)


@runtime_checkable
class Sampler(Protocol):
    """Draws ``n`` binary vectors of length ``d``; row 0 is the instance (all ones)."""

    def sample(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        """An ``(n, d)`` array of 0.0/1.0 with ``Z[0] == 1``."""
        ...


def _with_instance(rows: np.ndarray, d: int) -> np.ndarray:
    return np.vstack([np.ones((1, d)), rows])


@dataclass(frozen=True)
class BernoulliSampler:
    """Each feature kept independently with probability ``p`` (lime's images, Captum).

    ``scheme`` chooses how the uniforms are drawn (:func:`uniform_stream`); every scheme
    keeps each feature with probability ``p``, independently. ``"sobol"`` (default,
    :data:`BERNOULLI_SCHEME`) has less variance between re-draws; ``"random"`` is lime's
    plain sampling.

    Examples
    --------
    >>> import numpy as np
    >>> Z = BernoulliSampler(0.5).sample(1025, 3, np.random.default_rng(0))
    >>> Z[0].tolist(), Z[1:].mean(axis=0).round(2).tolist()
    ([1.0, 1.0, 1.0], [0.5, 0.5, 0.5])
    """

    p: float = 0.5
    scheme: str = BERNOULLI_SCHEME

    def __post_init__(self) -> None:
        if not 0.0 < self.p < 1.0:
            raise InputError(f"p must be strictly between 0 and 1; got {self.p}")
        lookup(SCHEMES, self.scheme, "scheme")

    def sample(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        if d <= n:
            return _with_instance(self.rows(d, rng)(n - 1), d)
        stream = uniform_stream(self.scheme, d, rng)
        # wide: booleans; plain draws continue the same stream a block of rows at a time
        step = _wide_rows(d) if self.scheme == "random" else n
        Z = np.empty((n, d), dtype=bool)
        Z[0] = True
        for start in range(1, n, step):
            stop = min(start + step, n)
            np.less(stream.draw(stop - start), self.p, out=Z[start:stop])
        return Z

    def rows(self, d: int, rng: np.random.Generator) -> Callable[[int], np.ndarray]:
        """``next_rows(n)``: the next ``n`` sampled rows (no instance row) of one stream, so
        that rows drawn in several calls continue one Sobol sequence (``sample(n, d, rng)``
        is the instance and ``next_rows(n - 1)``).

        >>> import numpy as np
        >>> a = BernoulliSampler().rows(4, np.random.default_rng(0))
        >>> b = BernoulliSampler().rows(4, np.random.default_rng(0))
        >>> np.array_equal(np.vstack([a(3), a(5)]), b(8))
        True
        """
        stream = uniform_stream(self.scheme, d, rng)

        def next_rows(n: int) -> np.ndarray:
            return (stream.draw(n) < self.p).astype(float)

        return next_rows


def _wide_rows(d: int) -> int:
    """Rows of ``d`` uniforms in a block of about 32 MB."""
    return max(1, 2**22 // d)


def _subsets(counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rows keeping ``counts[i]`` features: the ones with the smallest uniform keys."""
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    return (ranks < counts[:, None]).astype(float)


@dataclass(frozen=True)
class UniformCountSampler:
    """lime's text sampling: switch off a uniformly drawn number ``1..d`` of features.

    Which features go off is a uniformly random subset of that size: the features whose
    uniform keys are among the ``off_count`` smallest of their row (one sort and a
    threshold, not a rank of a rank). Keys are drawn and sorted a block of rows at a time
    in two small reused buffers, which stay in cache; the stream of random numbers, and
    so the samples, are the same as drawing every key at once.

    ``scheme`` chooses how the uniforms are drawn (:func:`uniform_stream`; a row's first
    uniform gives its count, the others its keys). The default is ``"random"``
    (:data:`DEFAULT_SCHEME`), lime's exact stream: ``"sobol"`` cut the weights' variance
    by 1.0-2.3× on VADER and a TF-IDF model (1.0-1.5× on a document of 198 distinct
    words), too unevenly to be the default (``benchmarks/RESULTS.md``).
    """

    block: int = 256
    scheme: str = DEFAULT_SCHEME

    def __post_init__(self) -> None:
        if isinstance(self.block, bool) or not isinstance(self.block, int) or self.block < 1:
            raise InputError(f"block must be a positive integer; got {self.block!r}")
        lookup(SCHEMES, self.scheme, "scheme")

    def sample(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        if self.scheme == "random":
            off_count = rng.integers(1, d + 1, size=n)
            uniforms = None
        else:
            uniforms = uniform_stream(self.scheme, d + 1, rng).draw(n)
            off_count = 1 + np.minimum((uniforms[:, 0] * d).astype(np.intp), d - 1)
        wide = d > n  # booleans, and blocks of rows within about 32 MB (same samples)
        Z = np.empty((n, d), dtype=bool if wide else float)
        block = min(self.block, _wide_rows(d)) if wide else self.block
        keys, ordered = np.empty((min(n, block), d)), np.empty((min(n, block), d))
        for start in range(0, n, block):
            rows = slice(start, min(start + block, n))
            size = rows.stop - start
            if uniforms is None:
                rng.random(out=keys[:size])
            else:
                keys[:size] = uniforms[rows, 1:]
            ordered[:size] = keys[:size]
            ordered[:size].sort(axis=1)
            largest_off = ordered[np.arange(size), off_count[rows] - 1]
            np.greater(keys[:size], largest_off[:, None], out=Z[rows])
        Z[0] = 1.0
        return Z


@dataclass(frozen=True)
class KernelWeightedSampler:
    """GLIME (Tan et al., NeurIPS 2023): sample from the kernel-weighted distribution.

    LIME fits a surrogate weighted by ``kernel(distance)`` to samples from a base
    distribution; the same population fit is an *unweighted* fit to samples drawn from
    the base distribution tilted by the kernel, and those samples waste nothing on
    far-away points of tiny weight. For binary samples the distance to the instance
    (all ones) depends only on how many features are kept, so the tilted distribution is:
    draw the count ``s`` with probability ``∝ P_base(s) · weight(s)``, then a uniform
    subset of that size. Fit the result with unit weights (``kernel_weighted`` is True).

    Parameters
    ----------
    weight : callable
        ``weight(Z) -> (n,)`` proximity weights of samples ``Z`` (row 0 all ones), e.g.
        ``lambda Z: kernel(distance(Z))``; called once on ``d + 1`` representative rows.
    base : {"bernoulli", "uniform_count"}
        The base distribution (Bernoulli(1/2) or lime's uniform count of features off).
    scheme : str
        How the uniforms are drawn (:func:`uniform_stream`).
    """

    weight: Callable[[np.ndarray], np.ndarray]
    base: str = "bernoulli"
    scheme: str = DEFAULT_SCHEME
    kernel_weighted = True

    def count_probabilities(self, d: int) -> np.ndarray:
        """Probability of keeping ``s = 0..d`` features under the tilted distribution."""
        from scipy.stats import binom

        counts = np.arange(d + 1)
        base = lookup(
            {
                "bernoulli": binom.pmf(counts, d, 0.5),
                "uniform_count": np.where(counts < d, 1.0 / d, 0.0),
            },
            self.base,
            "base",
        )
        rows = _with_instance((counts[:, None] > np.arange(d)[None, :]).astype(float), d)
        tilted = base * np.asarray(self.weight(rows), dtype=float)[1:]
        if not np.all(np.isfinite(tilted)) or tilted.sum() <= 0:
            raise InputError("weight must return finite, non-negative weights, not all zero")
        return np.asarray(tilted / tilted.sum())

    def sample(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        cumulative = np.cumsum(self.count_probabilities(d))
        u = uniform_stream(self.scheme, d + 1, rng).draw(n - 1)
        counts = np.minimum(np.searchsorted(cumulative, u[:, 0], side="right"), d)
        return _with_instance(_subsets(counts, u[:, 1:]), d)


def _subsets_of_sizes(sizes: np.ndarray, d: int, rng: np.random.Generator) -> np.ndarray:
    """One uniformly random subset of each size, as rows of 0/1 (ranks of uniform keys)."""
    return _subsets(sizes, rng.random((len(sizes), d)))


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
