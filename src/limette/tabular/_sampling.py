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

from .._validation import lookup, warn_user
from ..engine.workspace import empty, rows
from ..errors import InputError
from ..sampling import UniformStream, uniform_stream
from ._quantile_table import QuantileTable, slot_index
from .discretize import Discretizer, inverse_cdf_values


def _gaussian(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((n, d))


def _latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    strata = np.argsort(rng.random((n, d)), axis=0)
    return np.asarray(ndtri((strata + rng.random((n, d))) / n))


CONTINUOUS_SAMPLERS = {"gaussian": _gaussian, "lhs": _latin_hypercube}

#: Values drawn per block (rows times columns, at least 64 rows): small enough for the
#: temporaries to stay in cache, large enough that per-block work is negligible.
BLOCK_VALUES = 32768

#: The default ``sampler`` of :meth:`TabularExplainer.explain` (see the benchmark
#: ``benchmarks/stability.py``): lime's distribution, less variance between re-draws.
DEFAULT_SAMPLER = "sobol"


@dataclass(frozen=True, eq=False)
class TableSampler:
    """What the sampler learned from the training data.

    Every frequency-sampled column (categorical columns; with a discretizer, all columns
    as bin indices) has one column per possible value ("slot") in ``slots``: the constants of
    :func:`~limette.discretize.inverse_cdf_values` that turns the uniform which chose the
    slot into the model input. A bin's row draws from its truncated normal, reusing the
    uniform's position inside the slot's frequency interval (uniform and independent of
    the slot), so one uniform per value does both jobs; a category's row returns the
    category itself. ``table`` tabulates that map from uniform to value per column
    (:class:`~limette.tabular._quantile_table.QuantileTable`); the interpretable value "same slot
    as the instance" is the uniform falling in the instance's frequency interval.
    """

    means: np.ndarray
    scales: np.ndarray
    spreads: np.ndarray
    columns: np.ndarray
    cumulative: np.ndarray
    offsets: np.ndarray
    slots: np.ndarray
    slot_values: np.ndarray
    categorical: np.ndarray
    discretizer: Discretizer | None
    table: QuantileTable
    slot_numbers: tuple[dict[float, int], ...]

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
        _warn_constant(np.flatnonzero(spreads <= 1e-12 * np.maximum(1.0, np.abs(means))))
        spreads[spreads <= 1e-12 * np.maximum(1.0, np.abs(means))] = 0.0
        scales = np.where(spreads > 0, spreads, 1.0)
        coded = data if discretizer is None else discretizer.discretize(data)
        if discretizer is None:
            columns = np.asarray(categorical, dtype=np.intp)
        else:
            columns = np.arange(data.shape[1])
        means[columns], scales[columns] = 0.0, 1.0
        tables = [_frequencies(coded[:, c], _stat(stats, c)) for c in columns]
        cumulative, offsets = _cumulative(tables)
        slots = np.concatenate(
            [np.zeros((0, 6))]
            + [_slot_rows(c, v, f, discretizer) for c, (v, f) in zip(columns, tables)]
        ).T.copy()
        slot_values = np.concatenate([v for v, _ in tables]) if tables else np.zeros(0)
        return cls(
            means,
            scales,
            spreads,
            columns,
            cumulative,
            offsets,
            slots,
            slot_values,
            np.asarray(categorical, dtype=np.intp),
            discretizer,
            QuantileTable.build(slots, cumulative, offsets),
            tuple({float(v): k for k, v in enumerate(values)} for values, _ in tables),
        )

    def check_categories(self, row: np.ndarray, names: list[str]) -> None:
        """Raise when a categorical value of ``row`` never occurs in the training data."""
        for column in self.categorical:
            if not np.any(self._column_values(column) == row[column]):
                raise InputError(
                    f"data_row has the value {row[column]:g} for categorical feature "
                    f"{names[column]!r}, which never occurs in the training data"
                )

    def _column_values(self, column: int) -> np.ndarray:
        j = int(np.flatnonzero(self.columns == column)[0])
        stop = self.offsets[j + 1] if j + 1 < len(self.offsets) else len(self.slot_values)
        return np.asarray(self.slot_values[self.offsets[j] : stop])

    def uniform_width(self, d: int) -> int:
        """Uniforms per row: one per Gaussian column (without bins), one per other column."""
        return (d if self.discretizer is None else 0) + len(self.columns)

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

        Rows are drawn in blocks of about :data:`BLOCK_VALUES` values so that temporaries
        stay in cache; the block size depends only on ``d``, so results never depend on how
        the caller batches.
        Every random choice comes from one stream of uniforms drawn with ``scheme``
        (:func:`limette.sampling.uniform_stream`); pass ``stream`` to continue one across
        calls, with ``first=False`` after the first call. With ``tilt_width`` the rows come
        from lime's distribution tilted by lime's kernel of that width (GLIME), to be
        fitted with unit weights.
        """
        d = row.shape[0]
        gaussian = d if self.discretizer is None else 0
        if stream is None:
            stream = uniform_stream(scheme, self.uniform_width(d), rng)
        inputs, interpretable = rows(n, d), empty((n, d))
        own = self._slot_of(row)
        low, high = self._interval(own)
        tilted = None if tilt_width is None else self._tilted(own, tilt_width)
        step = max(64, BLOCK_VALUES // max(d, 1))
        if hasattr(stream, "reserve"):  # a Sobol stream builds its points once
            stream.reserve(n - (1 if first else 0))
        for start in range(1 if first else 0, n, step):
            block = slice(start, min(start + step, n))
            u = stream.draw(block.stop - start)
            if gaussian:
                draws = self._gaussian(u[:, :d], rng, method, row, around_instance, tilt_width)
                inputs[block] = draws
                interpretable[block] = (draws - self.means) / self.scales
            if len(self.columns):
                self._frequency_block(
                    u[:, gaussian:], own, (low, high), tilted, interpretable[block], inputs[block]
                )
        if first:
            inputs[0] = row
            interpretable[0] = (row - self.means) / self.scales
            interpretable[0, self.columns] = 1.0
        return interpretable, inputs

    def _frequency_block(
        self,
        uniforms: np.ndarray,
        own: np.ndarray,
        interval: tuple[np.ndarray, np.ndarray],
        tilted: np.ndarray | None,
        interpretable: np.ndarray,
        inputs: np.ndarray,
    ) -> None:
        """Fill the frequency-sampled columns of one block from their uniforms."""
        whole = self.discretizer is not None  # then every column is frequency-sampled
        values = inputs if whole else np.empty(uniforms.shape)
        if tilted is None:
            same = (uniforms >= interval[0]) & (uniforms < interval[1])
            self.table.draw(uniforms, out=values)
        else:
            index = self._slot_index(uniforms, tilted)
            same = index == own
            inverse_cdf_values(self.slots, index, self._untilt(uniforms, index, tilted), out=values)
        if whole:
            interpretable[:] = same
        else:
            interpretable[:, self.columns] = same
            inputs[:, self.columns] = values

    def _gaussian(
        self,
        u: np.ndarray,
        rng: np.random.Generator,
        method: str,
        row: np.ndarray,
        around_instance: bool,
        tilt_width: float | None,
    ) -> np.ndarray:
        """Continuous columns: standard normals (from ``u``, or lime's LHS) to values.

        GLIME's tilt of ``N(c, 1)`` (interpretable units) by ``exp(-(z - z0)² / (2w²))`` is
        ``N((c w² + z0) / (w² + 1), w² / (w² + 1))``.
        """
        draw = lookup(CONTINUOUS_SAMPLERS, method, "sampling_method")
        if method == "gaussian":  # the stream's uniforms, so schemes apply to them too
            normals = ndtri(np.clip(u, 1e-16, 1.0 - 1e-16))
        else:
            normals = draw(len(u), u.shape[1], rng)
        centre = row if around_instance else self.means
        if tilt_width is not None:
            shift = (row - centre) / self.scales / (tilt_width**2 + 1.0)
            normals = normals * np.sqrt(tilt_width**2 / (tilt_width**2 + 1.0)) + shift
        return np.asarray(normals * self.spreads + centre)

    def _tilted(self, own: np.ndarray, tilt_width: float) -> np.ndarray:
        """Cumulative frequencies tilted by lime's kernel: a value other than the
        instance's is one unit of squared distance away, so its mass shrinks by
        ``exp(-1 / (2w²))``."""
        probabilities = np.diff(self.cumulative, axis=1, prepend=0.0)
        position = own - self.offsets
        factor = np.full(probabilities.shape, np.exp(-0.5 / tilt_width**2))
        inside = (position >= 0) & (position < probabilities.shape[1])
        factor[np.flatnonzero(inside), position[inside]] = 1.0
        tilted = np.cumsum(probabilities * factor, axis=1)
        tilted /= tilted[:, -1:]
        tilted[self.cumulative >= 1.0] = 1.0
        return np.asarray(tilted)

    def _untilt(self, uniforms: np.ndarray, index: np.ndarray, tilted: np.ndarray) -> np.ndarray:
        """Move each uniform from its slot's tilted interval to the same relative place in
        the slot's original interval (what the slot's inverse-CDF row expects)."""
        position = index - self.offsets
        rows = np.arange(len(self.columns))
        padded = np.hstack([np.zeros((len(rows), 1)), self.cumulative])
        padded_tilted = np.hstack([np.zeros((len(rows), 1)), tilted])
        low, high = padded[rows, position], padded[rows, position + 1]
        low_t, high_t = padded_tilted[rows, position], padded_tilted[rows, position + 1]
        share = (uniforms - low_t) / np.where(high_t > low_t, high_t - low_t, 1.0)
        return np.asarray(low + np.clip(share, 0.0, 1.0) * (high - low))

    def _slot_index(self, uniforms: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
        return slot_index(uniforms, cumulative, self.offsets, np.arange(len(self.columns)))

    def _slot_of(self, row: np.ndarray) -> np.ndarray:
        """The slot of the instance's own value in every frequency-sampled column (-1
        where the value never occurs in training)."""
        coded = row if self.discretizer is None else self.discretizer.discretize(row)
        return np.array(
            [
                offset + numbers[value] if (value := float(coded[column])) in numbers else -1
                for column, offset, numbers in zip(self.columns, self.offsets, self.slot_numbers)
            ],
            dtype=np.intp,
        )

    def _interval(self, own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The interval of uniforms that draws each column's slot ``own`` (empty for -1)."""
        padded = np.hstack([np.zeros((len(own), 1)), self.cumulative])
        position, rows = own - self.offsets, np.arange(len(own))
        known = own >= 0
        position = np.where(known, position, 0)
        low, high = padded[rows, position], padded[rows, position + 1]
        return np.where(known, low, 2.0), np.where(known, high, 2.0)


def _warn_constant(constant: np.ndarray) -> None:
    if constant.size:
        warn_user(
            f"training_data has constant features {constant.tolist()}; they are held at "
            "their value when sampling and get zero weight"
        )


def _frequencies(
    column: np.ndarray, given: tuple[Any, Any] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted values of a column and their relative frequencies."""
    if given is not None:
        values, counts = np.asarray(given[0], dtype=float), np.asarray(given[1], dtype=float)
    else:
        values, counts = np.unique(column, return_counts=True)
    return values, counts / counts.sum()


def _cumulative(tables: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Padded cumulative frequencies (the last real one exactly 1) and slot offsets."""
    width = max((len(v) for v, _ in tables), default=1)
    cumulative = np.ones((len(tables), width))
    for j, (_, frequencies) in enumerate(tables):
        cumulative[j, : len(frequencies)] = np.cumsum(frequencies)
        cumulative[j, len(frequencies) - 1 :] = 1.0
    sizes = [len(v) for v, _ in tables]
    return cumulative, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)


def _slot_rows(
    column: int, values: np.ndarray, frequencies: np.ndarray, discretizer: Discretizer | None
) -> np.ndarray:
    """Inverse-CDF rows for one column's slots, in terms of the uniform that chose them."""
    rows = np.zeros((len(values), 6))
    rows[:, 0] = 0.5
    rows[:, 3] = rows[:, 4] = rows[:, 5] = values
    if discretizer is None:
        return rows
    position = np.flatnonzero(discretizer.features_ == column)
    if len(position):
        i = int(position[0])
        bins = values.astype(np.intp)
        rows[:] = discretizer.inverse_cdf_[:, discretizer.offsets_[i] + bins].T
        before = np.concatenate([[0.0], np.cumsum(frequencies)[:-1]])
        safe = np.where(frequencies > 0, frequencies, 1.0)
        step = np.where(frequencies > 0, rows[:, 1] / safe, 0.0)
        rows[:, 0] = np.where(frequencies > 0, rows[:, 0] - before * step, 0.5)
        rows[:, 1] = step
    return rows


def _stat(stats: dict[str, Any] | None, column: int) -> tuple[Any, Any] | None:
    if not stats or "feature_values" not in stats:
        return None
    values, frequencies = stats["feature_values"], stats.get("feature_frequencies", {})
    key = int(column) if int(column) in values else str(column)
    if key not in values:
        return None
    return values[key], frequencies[key]
