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


def _gaussian(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((n, d))


def _latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    strata = np.argsort(rng.random((n, d)), axis=0)
    return np.asarray(ndtri((strata + rng.random((n, d))) / n))


CONTINUOUS_SAMPLERS = {"gaussian": _gaussian, "lhs": _latin_hypercube}

#: Rows drawn per block: small enough for the temporaries to stay in cache.
BLOCK = 1024


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
        self, row: np.ndarray, n: int, rng: np.random.Generator, method: str, around_instance: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(interpretable, model_inputs)``, both ``(n, d)``; row 0 is the instance.

        Rows are drawn in fixed blocks of :data:`BLOCK` so that temporaries stay in cache;
        the block size is internal, so results never depend on how the caller batches.
        """
        d = row.shape[0]
        if self.discretizer is None:
            draws = lookup(CONTINUOUS_SAMPLERS, method, "sampling_method")(n, d, rng)
            inputs = draws * self.spreads + (row if around_instance else self.means)
            interpretable = (inputs - self.means) / self.scales
            first = row
        else:
            inputs, interpretable = np.empty((n, d)), np.empty((n, d))
            first = self.discretizer.discretize(row)
        for start in range(0, n, BLOCK):
            block = slice(start, min(start + BLOCK, n))
            drawn = self._draw_columns(block.stop - start, rng)
            interpretable[block, self.columns] = drawn == first[self.columns]
            inputs[block, self.columns] = drawn
            if self.discretizer is not None:
                binned = self.discretizer.features_
                bins = drawn[:, binned].astype(np.intp)
                inputs[block, binned] = self.discretizer.undiscretize(bins, rng)
        inputs[0] = row
        interpretable[0] = (row - self.means) / self.scales
        interpretable[0, self.columns] = 1.0
        return interpretable, inputs

    def _draw_columns(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Values of the frequency-sampled columns for ``n`` rows (inverse CDF by counting)."""
        uniforms = rng.random((n, len(self.columns)))
        index = np.zeros(uniforms.shape, dtype=np.intp)
        for step in range(self.cumulative.shape[1] - 1):
            index += uniforms >= self.cumulative[:, step]
        index += np.arange(len(self.columns)) * self.values.shape[1]
        return np.asarray(self.values.take(index))


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
