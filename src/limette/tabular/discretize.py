"""Discretizers: bin continuous features, name the bins, and sample values back from bins.

A discretizer learns thresholds per feature from training data (quartiles, deciles, or
entropy-based splits against training labels), and for each bin the training mean,
standard deviation and bounds. Undiscretising draws from a normal truncated to the bin,
for all samples and features in one vectorised inverse-CDF step.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from ..errors import InputError

__all__ = [
    "DecileDiscretizer",
    "Discretizer",
    "EntropyDiscretizer",
    "PercentileDiscretizer",
    "QuartileDiscretizer",
    "truncated_normal",
]


class Discretizer:
    """Base class: subclasses define :meth:`thresholds`; ``fit`` learns everything else.

    After :meth:`fit`: ``features_`` (column indices), ``thresholds_`` (one sorted array
    per feature), ``names_`` (one condition string per bin), and per-bin tables
    ``means_``, ``stds_``, ``mins_``, ``maxs_`` of shape ``(n_features, max_bins)``.
    """

    def thresholds(self, data: np.ndarray, labels: np.ndarray | None) -> list[np.ndarray]:
        """Sorted thresholds for each column of ``data`` (``n × m``)."""
        raise NotImplementedError

    def fit(
        self,
        data: np.ndarray,
        features: Sequence[int],
        feature_names: Sequence[str],
        labels: np.ndarray | None = None,
        stats: dict[str, Any] | None = None,
    ) -> Discretizer:
        """Learn thresholds and bin statistics for the columns ``features`` of ``data``."""
        self.features_ = np.asarray(features, dtype=int)
        columns = data[:, self.features_]
        given = _stat_table(stats, "bins", self.features_)
        learned = (
            self.thresholds(columns, labels)
            if any(t is None for t in given)
            else [None] * len(given)
        )
        self.thresholds_ = [
            np.unique(np.asarray(t if t is not None else fitted, dtype=float))
            for t, fitted in zip(given, learned)
        ]
        self.names_ = [
            _bin_names(feature_names[f], t) for f, t in zip(self.features_, self.thresholds_)
        ]
        width = max(len(t) for t in self.thresholds_) + 1 if self.thresholds_ else 1
        self.means_, self.stds_ = (
            np.zeros((len(self.features_), width)),
            np.zeros((len(self.features_), width)),
        )
        self.mins_, self.maxs_ = np.zeros_like(self.means_), np.zeros_like(self.means_)
        bins = self.discretize_columns(columns)
        for i, t in enumerate(self.thresholds_):
            self._fit_bins(i, columns[:, i], bins[:, i], t)
        if stats is not None:
            self._apply_stats(stats)
        self._tabulate()
        return self

    def _tabulate(self) -> None:
        """Per-bin constants of the truncated-normal inverse CDF, one row per bin.

        The six rows of ``inverse_cdf_`` (columns: bins, those of feature ``i`` from
        ``offsets_[i]``) are ``start, step, scale, mean, low, high``: a draw is
        ``clip(mean + scale * ndtri(start + u * step), low, high)``. The normal CDF at the
        bounds is computed once per bin here, and bins above their mean are mirrored so
        that CDF differences never cancel.
        """
        counts = self.bin_counts_
        self.offsets_ = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        columns = np.repeat(np.arange(len(counts)), counts)
        slots = np.arange(counts.sum()) - np.repeat(self.offsets_, counts)
        mean, std = self.means_[columns, slots], self.stds_[columns, slots]
        low, high = self.mins_[columns, slots], self.maxs_[columns, slots]
        a, b = (low - mean) / std, (high - mean) / std
        sign = np.where(a > 0, -1.0, 1.0)
        p_low = ndtr(np.where(sign < 0, -b, a))
        p_high = ndtr(np.where(sign < 0, -a, b))
        degenerate = low >= high
        self.inverse_cdf_ = np.vstack(
            [
                np.where(degenerate, 0.5, np.where(sign < 0, p_high, p_low)),
                np.where(degenerate, 0.0, sign * (p_high - p_low)),
                np.where(degenerate, 0.0, sign * std),
                np.where(degenerate, low, mean),
                low,
                np.maximum(low, high),
            ]
        )

    def _fit_bins(
        self, i: int, column: np.ndarray, bins: np.ndarray, thresholds: np.ndarray
    ) -> None:
        n_bins = len(thresholds) + 1
        counts = np.bincount(bins, minlength=n_bins)
        sums = np.bincount(bins, weights=column, minlength=n_bins)
        means = np.divide(sums, counts, out=np.zeros(n_bins), where=counts > 0)
        deviations = np.bincount(bins, weights=(column - means[bins]) ** 2, minlength=n_bins)
        self.means_[i, :n_bins] = means
        self.stds_[i, :n_bins] = (
            np.sqrt(np.divide(deviations, counts, out=np.zeros(n_bins), where=counts > 0)) + 1e-11
        )
        self.mins_[i, :n_bins] = np.concatenate([[column.min()], thresholds])
        self.maxs_[i, :n_bins] = np.concatenate([thresholds, [column.max()]])

    def _apply_stats(self, stats: dict[str, Any]) -> None:
        """Override bin statistics with lime-style ``training_data_stats``."""
        for key, table in (
            ("means", self.means_),
            ("stds", self.stds_),
            ("mins", self.mins_),
            ("maxs", self.maxs_),
        ):
            for i, values in enumerate(_stat_table(stats, key, self.features_)):
                if values is None:
                    continue
                if len(values) != self.bin_counts_[i]:
                    raise InputError(
                        f"training_data_stats[{key!r}] has {len(values)} values for feature "
                        f"{self.features_[i]}, which has {self.bin_counts_[i]} bins (give "
                        "its thresholds in training_data_stats['bins'])"
                    )
                table[i, : len(values)] = values

    def discretize_columns(self, columns: np.ndarray) -> np.ndarray:
        """Bin index of each value of the discretized columns (``n × m`` → ints): the
        number of the column's thresholds below the value."""
        if len(columns) <= 64:  # a few rows (an instance): one comparison for all columns
            padded = self._padded_thresholds()
            return np.asarray((columns[:, :, None] > padded).sum(axis=2), dtype=np.intp)
        bins = np.empty(columns.shape, dtype=np.intp)
        for i, t in enumerate(self.thresholds_):
            bins[:, i] = np.searchsorted(t, columns[:, i])
        return bins

    def _padded_thresholds(self) -> np.ndarray:
        """``thresholds_`` as one ``(m, max thresholds)`` array padded with ``inf``."""
        cached = getattr(self, "_padded", None)
        if cached is None or cached[0] is not self.thresholds_:
            width = max((len(t) for t in self.thresholds_), default=0)
            padded = np.full((len(self.thresholds_), width), np.inf)
            for i, t in enumerate(self.thresholds_):
                padded[i, : len(t)] = t
            cached = self._padded = (self.thresholds_, padded)
        return cached[1]

    def discretize(self, X: np.ndarray) -> np.ndarray:
        """``X`` with every discretized feature replaced by its bin index."""
        X = np.array(X, dtype=float, copy=True)
        X[..., self.features_] = self.discretize_columns(
            np.atleast_2d(X)[:, self.features_]
        ).reshape(X[..., self.features_].shape)
        return X

    def undiscretize(self, bins: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Draw one value per bin index (``n × m``) from the bin's truncated normal.

        The same draws as :func:`truncated_normal` on the bin's standardised bounds, with
        every per-bin constant gathered in one step from ``inverse_cdf_``.
        """
        return inverse_cdf_values(self.inverse_cdf_, bins + self.offsets_, rng.random(bins.shape))

    @property
    def bin_counts_(self) -> np.ndarray:
        """Number of bins of each discretized feature."""
        return np.array([len(t) + 1 for t in self.thresholds_])


def _stat_table(stats: dict[str, Any] | None, key: str, features: np.ndarray) -> list[Any]:
    """``stats[key]`` per feature (keyed by int or str), ``None`` where it is not given."""
    given = (stats or {}).get(key) or {}
    return [given.get(int(f), given.get(str(f))) for f in features]


def _bin_names(name: str, thresholds: np.ndarray) -> list[str]:
    names = [f"{name} <= {thresholds[0]:.2f}"]
    names += [f"{low:.2f} < {name} <= {high:.2f}" for low, high in pairwise(thresholds)]
    return [*names, f"{name} > {thresholds[-1]:.2f}"]


def inverse_cdf_values(
    table: np.ndarray, index: np.ndarray, uniforms: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """``clip(mean + scale * ndtri(start + u * step), low, high)`` with table columns ``index``.

    ``table`` has shape ``(6, K)`` (see :meth:`Discretizer._tabulate`); ``index`` and
    ``uniforms`` have the same shape. One gather brings all six constants, each contiguous.
    The probability is kept in ``[0, 1]`` so that rounding never produces NaN; an infinite
    quantile is clipped to the bin's bound.
    """
    start, step, scale, mean, low, high = table.take(index, axis=1)
    step *= uniforms
    step += start
    np.clip(step, 0.0, 1.0, out=step)
    values = ndtri(step, out=step if out is None else out)
    values *= scale
    values += mean
    return np.clip(values, low, high, out=values)


def truncated_normal(a: np.ndarray, b: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Standard-normal quantiles truncated to ``[a, b]`` for uniforms ``u`` (inverse CDF).

    Works in whichever tail is accurate: where ``a > 0`` the problem is mirrored, so
    the CDF differences never cancel catastrophically.
    """
    flip = a > 0
    low, high = np.where(flip, -b, a), np.where(flip, -a, b)
    p_low, p_high = ndtr(low), ndtr(high)
    u = np.where(flip, 1.0 - u, u)
    x = np.clip(ndtri(p_low + u * (p_high - p_low)), low, high)
    return np.where(flip, -x, x)


class PercentileDiscretizer(Discretizer):
    """Thresholds at the given percentiles of the training data."""

    def __init__(self, percentiles: Sequence[float]) -> None:
        self.percentiles = tuple(float(p) for p in percentiles)

    def thresholds(self, data: np.ndarray, labels: np.ndarray | None) -> list[np.ndarray]:
        return list(np.percentile(data, self.percentiles, axis=0).T)


class QuartileDiscretizer(PercentileDiscretizer):
    """lime's default: thresholds at the 25th, 50th and 75th percentiles."""

    def __init__(self) -> None:
        super().__init__((25, 50, 75))


class DecileDiscretizer(PercentileDiscretizer):
    """Thresholds at the 10th, 20th, ..., 90th percentiles."""

    def __init__(self) -> None:
        super().__init__(range(10, 100, 10))


class EntropyDiscretizer(Discretizer):
    """Splits of a depth-3 entropy decision tree of each feature against training labels."""

    def __init__(self, max_depth: int = 3, random_state: int | None = None) -> None:
        self.max_depth = max_depth
        self.random_state = random_state

    def thresholds(self, data: np.ndarray, labels: np.ndarray | None) -> list[np.ndarray]:
        if labels is None:
            raise InputError("discretizer='entropy' needs training_labels")
        from sklearn.tree import DecisionTreeClassifier  # imported only when asked

        result = []
        for column in data.T:
            tree = DecisionTreeClassifier(
                criterion="entropy", max_depth=self.max_depth, random_state=self.random_state
            ).fit(column[:, None], labels)
            splits = tree.tree_.threshold[tree.tree_.feature >= 0]
            result.append(np.sort(splits) if splits.size else np.array([np.median(column)]))
        return result


DISCRETIZERS: dict[str, type[Discretizer]] = {
    "decile": DecileDiscretizer,
    "entropy": EntropyDiscretizer,
    "quartile": QuartileDiscretizer,
}
