"""Perturbations of one table row, drawn as lime draws them, for all samples at once.

Categorical columns (and, with a discretizer, every column as a bin index) are drawn
from their training frequencies; the interpretable value is "same as the instance".
Continuous columns are drawn from a normal with the training standard deviation, around
the training mean or the instance, and standardised. With a discretizer, values are drawn
back from each sampled bin's truncated normal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri

from ._validation import lookup
from .discretize import Discretizer
from .errors import InputError, LimetteWarning
from .sampling import UniformStream, uniform_stream


def _gaussian(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((n, d))


def _latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    strata = np.argsort(rng.random((n, d)), axis=0)
    return np.asarray(ndtri((strata + rng.random((n, d))) / n))


CONTINUOUS_SAMPLERS = {"gaussian": _gaussian, "lhs": _latin_hypercube}

#: Rows drawn per block: small enough for the temporaries to stay in cache.
BLOCK = 1024

#: The default ``sampler`` of :meth:`TabularExplainer.explain` (see the benchmark
#: ``benchmarks/stability.py``): same distribution as lime's, lower variance.
DEFAULT_SAMPLER = "sobol"


@dataclass(frozen=True, eq=False)
class TableSampler:
    """What the sampler learned from the training data."""

    means: np.ndarray
    scales: np.ndarray
    spreads: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    cumulative: np.ndarray
    categorical: np.ndarray
    discretizer: Discretizer | None

    @classmethod
    def learn(
        cls,
        data: np.ndarray,
        categorical: list[int],
        discretizer: Discretizer | None,
        stats: dict[str, Any] | None,
    ) -> TableSampler:
        """Learn the statistics lime's sampler needs from ``data``."""
        means, spreads = data.mean(axis=0), data.std(axis=0)
        constant = np.flatnonzero(spreads <= 1e-12 * np.maximum(1.0, np.abs(means)))
        if constant.size:
            import warnings

            warnings.warn(
                f"training_data has constant features {constant.tolist()}; they are held at "
                "their value when sampling and get zero weight",
                LimetteWarning,
                stacklevel=4,
            )
            spreads[constant] = 0.0
        scales = np.where(spreads > 0, spreads, 1.0)
        coded = data if discretizer is None else discretizer.discretize(data)
        columns = (
            np.arange(data.shape[1])
            if discretizer is not None
            else np.asarray(categorical, dtype=int)
        )
        means[columns], scales[columns] = 0.0, 1.0
        values, cumulative = _frequency_tables(coded, columns, stats)
        return cls(
            means,
            scales,
            spreads,
            columns,
            values,
            cumulative,
            np.asarray(categorical, dtype=int),
            discretizer,
        )

    def check_categories(self, row: np.ndarray, names: list[str]) -> None:
        """Raise when a categorical value of ``row`` never occurs in the training data."""
        for column in self.categorical:
            position = int(np.flatnonzero(self.columns == column)[0])
            if not np.any(self.values[position] == row[column]):
                raise InputError(
                    f"data_row has the value {row[column]:g} for categorical feature "
                    f"{names[column]!r}, which never occurs in the training data"
                )

    def sample(
        self,
        row: np.ndarray,
        n: int,
        rng: np.random.Generator,
        method: str,
        around_instance: bool,
        scheme: str = "random",
        tilt_width: float | None = None,
        first: bool = True,
        stream: UniformStream | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(interpretable, model_inputs)``, both ``(n, d)``; row 0 is the instance.

        Rows are drawn in fixed blocks of :data:`BLOCK` so that temporaries stay in cache;
        the block size is internal, so results never depend on how the caller batches.
        Every random choice comes from one stream of uniforms drawn with ``scheme``
        (:func:`limette.sampling.uniform_stream`; pass ``stream`` to continue one across
        calls, with ``first=False`` for every call after the first). With ``tilt_width``
        the rows come from lime's distribution tilted by lime's kernel of that width
        (GLIME), to be fitted with unit weights.
        """
        d = row.shape[0]
        coded = row if self.discretizer is None else self.discretizer.discretize(row)
        binned = np.arange(0) if self.discretizer is None else self.discretizer.features_
        gaussian = d if self.discretizer is None else 0
        if stream is None:
            stream = uniform_stream(scheme, gaussian + len(self.columns) + len(binned), rng)
        cumulative = self._cumulative(coded, tilt_width)
        inputs, interpretable = np.empty((n, d)), np.empty((n, d))
        for start in range(1 if first else 0, n, BLOCK):
            block = slice(start, min(start + BLOCK, n))
            u = stream.draw(block.stop - start)
            if gaussian:
                draws = self._gaussian(u[:, :d], rng, method, row, around_instance, tilt_width)
                inputs[block] = draws
                interpretable[block] = (draws - self.means) / self.scales
            drawn = _inverse_cdf(
                u[:, gaussian : gaussian + len(self.columns)], cumulative, self.values
            )
            interpretable[block, self.columns] = drawn == coded[self.columns]
            inputs[block, self.columns] = drawn
            if self.discretizer is not None:
                bins = drawn[:, binned].astype(np.intp)
                inputs[block, binned] = self.discretizer.undiscretize(
                    bins, rng, u[:, len(self.columns) :]
                )
        if first:
            inputs[0] = row
            interpretable[0] = (row - self.means) / self.scales
            interpretable[0, self.columns] = 1.0
        return interpretable, inputs

    def _gaussian(
        self,
        u: np.ndarray,
        rng: np.random.Generator,
        method: str,
        row: np.ndarray,
        around_instance: bool,
        tilt_width: float | None,
    ) -> np.ndarray:
        """Continuous columns: standard normals (from ``u``, or lime's LHS) to values."""
        if method == "lhs":
            normals = _latin_hypercube(len(u), u.shape[1], rng)
        else:
            lookup(CONTINUOUS_SAMPLERS, method, "sampling_method")
            normals = ndtri(np.clip(u, 1e-16, 1.0 - 1e-16))
        centre = row if around_instance else self.means
        if tilt_width is not None:
            shrink = tilt_width**2 / (tilt_width**2 + 1.0)
            shift = (row - centre) / self.scales / (tilt_width**2 + 1.0)
            normals = normals * np.sqrt(shrink) + shift
        return np.asarray(normals * self.spreads + centre)

    def _cumulative(self, coded: np.ndarray, tilt_width: float | None) -> np.ndarray:
        """Cumulative frequencies, tilted towards the instance's values under GLIME."""
        if tilt_width is None:
            return self.cumulative
        probabilities = np.diff(self.cumulative, prepend=0.0, axis=1)
        probabilities[:, -1] = 0.0
        probabilities[:, -1] = 1.0 - probabilities.sum(axis=1)
        same = self.values == coded[self.columns][:, None]
        tilted = probabilities * np.where(same, 1.0, np.exp(-0.5 / tilt_width**2))
        cumulative = np.cumsum(tilted, axis=1) / tilted.sum(axis=1, keepdims=True)
        cumulative[:, -1] = np.inf
        return cumulative


def _inverse_cdf(uniforms: np.ndarray, cumulative: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values of the frequency-sampled columns for uniforms ``(n, m)`` (by counting)."""
    index = np.zeros(uniforms.shape, dtype=np.intp)
    for step in range(cumulative.shape[1] - 1):
        index += uniforms >= cumulative[:, step]
    index += np.arange(uniforms.shape[1]) * values.shape[1]
    return np.asarray(values.take(index))


def _frequency_tables(
    coded: np.ndarray, columns: np.ndarray, stats: dict[str, Any] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Padded tables of each column's sorted values and cumulative frequencies."""
    tables = []
    for column in columns:
        given_values = _stat(stats, "feature_values", column)
        if given_values is not None:
            values = np.asarray(given_values, dtype=float)
            counts = np.asarray(_stat(stats, "feature_frequencies", column), dtype=float)
        else:
            values, counts = np.unique(coded[:, column], return_counts=True)
        tables.append((values, np.cumsum(counts) / counts.sum()))
    width = max((len(v) for v, _ in tables), default=1)
    values = np.zeros((len(tables), width))
    cumulative = np.ones((len(tables), width))
    for j, (v, c) in enumerate(tables):
        values[j, : len(v)], values[j, len(v) :] = v, v[-1]
        cumulative[j, : len(c)] = c
    cumulative[:, -1] = np.inf
    return values, cumulative


def _stat(stats: dict[str, Any] | None, key: str, column: int) -> Any:
    if not stats or key not in stats:
        return None
    table = stats[key]
    return table.get(int(column), table.get(str(column)))
