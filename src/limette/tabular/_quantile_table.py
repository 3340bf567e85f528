"""Each binned feature's inverse CDF as a table: a draw is two gathers and a multiply-add.

Sampling a discretized feature as lime does (a bin by its training frequency, then a value
from the bin's truncated normal) is one inverse CDF of one uniform: the mixture's. Its
quantile function is tabulated exactly at ``KNOTS + 1`` equally spaced probabilities when
the explainer is fitted, and a draw interpolates linearly between the two knots around its
uniform, instead of a normal quantile (``ndtri``, about 10 ns) per value.

How close to exact: where interpolation is used, it misses the exact quantile by at most
``TOLERANCE`` of the interval's own rise (checked at :data:`CHECKS` when the table is
built), so every draw is the exact quantile of a uniform moved by at most
``TOLERANCE / KNOTS`` (about 5e-6): the distribution's CDF is within that of lime's
everywhere. The intervals that miss the check (each holding a bin boundary, where the
function has a kink, and the steep far tails; 1-3 % of them with quartile bins, 2-9 %
with deciles on scikit-learn's tables) are computed exactly when drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .discretize import inverse_cdf_values

#: Knot intervals per feature: a 30-feature table (values and slopes) is 960 KB.
KNOTS = 2048

#: Slots per column beyond which :func:`slot_index` binary-searches instead of counting.
COUNTED_SLOTS = 32

#: Columns tabulated at once when the explainer is fitted (their exact evaluations take
#: about 6 MB).
BUILD_COLUMNS = 8

#: Fractions of a knot interval where interpolation is checked against the exact value.
CHECKS = np.arange(1, 8) / 8

#: The largest interpolation error allowed, as a fraction of the interval's rise.
TOLERANCE = 1e-2


@dataclass(frozen=True, eq=False)
class QuantileTable:
    """Tabulated quantile functions of some frequency-sampled columns.

    ``values[j * KNOTS + k]`` is column ``j``'s quantile at ``k / KNOTS`` and ``slopes``
    the change to the next knot, NaN for the intervals that interpolation does not fit
    (see :data:`TOLERANCE`), so that their draws mark themselves for the exact
    computation. ``slots``, ``cumulative`` and ``offsets`` are the exact sampler's
    constants for those columns (see :class:`~limette.tabular._sampling.TableSampler`).
    """

    values: np.ndarray
    slopes: np.ndarray
    slots: np.ndarray
    cumulative: np.ndarray
    offsets: np.ndarray

    @classmethod
    def build(cls, slots: np.ndarray, cumulative: np.ndarray, offsets: np.ndarray) -> QuantileTable:
        """Tabulate columns whose slots start at ``offsets`` (cumulative rows alike).

        Columns are tabulated :data:`BUILD_COLUMNS` at a time, so that the exact
        evaluations (8 per knot interval) stay a few megabytes whatever the width.
        """
        offsets = offsets[: len(cumulative)]
        blocks = [
            _knots_and_slopes(slots, cumulative, offsets, np.arange(start, stop))
            for start, stop in _spans(len(offsets), BUILD_COLUMNS)
        ]
        knots = np.hstack([knots for knots, _ in blocks])
        slopes = np.hstack([slopes for _, slopes in blocks])
        return cls(
            np.ascontiguousarray(knots[:-1].T).ravel(),
            np.ascontiguousarray(slopes.T).ravel(),
            slots,
            cumulative,
            offsets,
        )

    def draw(self, uniforms: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The quantiles of ``uniforms`` (``n × columns``), written to ``out`` (C-contiguous,
        same shape)."""
        position = np.multiply(uniforms, KNOTS)
        knot = position.astype(np.intp)
        np.minimum(knot, KNOTS - 1, out=knot)
        position -= knot
        knot += np.arange(0, self.slopes.size, KNOTS)
        self.slopes.take(knot, out=out)
        out *= position
        out += self.values.take(knot)
        exact = np.flatnonzero(np.isnan(out))
        if exact.size:
            rows, columns = np.divmod(exact, uniforms.shape[1])
            u = uniforms[rows, columns]
            index = slot_index(u, self.cumulative, self.offsets, columns)
            out.reshape(-1)[exact] = inverse_cdf_values(self.slots, index, u)
        return out


def _spans(count: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, count)) for start in range(0, max(count, 1), size)]


def _knots_and_slopes(
    slots: np.ndarray, cumulative: np.ndarray, offsets: np.ndarray, columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact knots ``(KNOTS + 1, c)`` of ``columns`` and the slopes between them, NaN
    where interpolation misses by more than :data:`TOLERANCE` of the rise at
    :data:`CHECKS` or where a bin boundary (a kink) falls inside the interval."""

    def quantiles(u: np.ndarray) -> np.ndarray:  # exact, for a (points, columns) grid
        grid = np.broadcast_to(
            np.minimum(u, np.nextafter(1.0, 0.0))[:, None], (len(u), len(columns))
        )
        return inverse_cdf_values(slots, slot_index(grid, cumulative, offsets, columns), grid)

    knots = quantiles(np.linspace(0.0, 1.0, KNOTS + 1))
    slopes = np.diff(knots, axis=0)
    inside = (np.arange(KNOTS)[:, None] + CHECKS[None, :]).ravel() / KNOTS
    error = np.abs(
        quantiles(inside).reshape(KNOTS, len(CHECKS), -1)
        - (knots[:-1, None] + CHECKS[None, :, None] * slopes[:, None])
    ).max(axis=1)
    inexact = error > TOLERANCE * np.abs(slopes)
    block = cumulative[columns]
    rows, where = np.nonzero((block > 0.0) & (block < 1.0))
    inexact[np.ceil(block[rows, where] * KNOTS).astype(np.intp) - 1, rows] = True
    slopes[inexact] = np.nan
    return knots, slopes


def slot_index(
    uniforms: np.ndarray, cumulative: np.ndarray, offsets: np.ndarray, columns: np.ndarray
) -> np.ndarray:
    """Global slot of each uniform, the inverse CDF of its column's frequencies.

    ``columns`` (broadcast against ``uniforms``) is each uniform's row of ``cumulative``.
    With few slots (bins) the boundaries each uniform has passed are counted, one pass
    per boundary; with many (a categorical column with hundreds of values) each column's
    uniforms are binary-searched instead.
    """
    if cumulative.shape[1] > COUNTED_SLOTS:
        return _searched_slot_index(uniforms, cumulative, offsets, columns)
    index = np.broadcast_to(offsets[columns], uniforms.shape).copy()
    for step in range(cumulative.shape[1] - 1):
        index += uniforms >= cumulative[columns, step]
    return index


def _searched_slot_index(
    uniforms: np.ndarray, cumulative: np.ndarray, offsets: np.ndarray, columns: np.ndarray
) -> np.ndarray:
    columns = np.broadcast_to(columns, uniforms.shape)
    index = np.empty(uniforms.shape, dtype=np.intp)
    for column in np.unique(columns):
        where = columns == column
        boundaries = cumulative[column, :-1]
        index[where] = offsets[column] + np.searchsorted(boundaries, uniforms[where], side="right")
    return index
