"""lime's discretizer classes, with lime's constructors, over limette's discretizers.

``QuartileDiscretizer(data, categorical_features, feature_names, labels=None,
random_state=None)`` bins every column not in ``categorical_features`` at construction,
as lime's does, and exposes lime's ``names``, ``lambdas``, ``means``, ``stds``, ``mins``,
``maxs`` (dicts keyed by column), ``bins``, ``discretize`` and ``undiscretize``. The bins,
names and the truncated-normal draws of ``undiscretize`` are limette's
(:mod:`limette.discretize`); ``undiscretize`` draws from the discretizer's own
``random_state``. A custom discretizer subclasses :class:`BaseDiscretizer` and defines
``bins(data, labels)``, as in lime; any of them can be passed to
``LimeTabularExplainer(discretizer=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from ..._validation import as_float_array
from ...tabular import discretize as native
from ._seeding import SEED_BOUND, check_random_state

__all__ = [
    "BaseDiscretizer",
    "DecileDiscretizer",
    "EntropyDiscretizer",
    "QuartileDiscretizer",
    "StatsDiscretizer",
]

_TABLES = ("means", "stds", "mins", "maxs")


class GivenThresholds(native.Discretizer):
    """A limette discretizer with fixed thresholds and, optionally, lime-style bin stats.

    This is what a lime discretizer object becomes inside ``LimeTabularExplainer``: the
    explainer refits it on its training data, keeping the thresholds (and the means,
    standard deviations and bounds of a discretizer built from ``data_stats``).
    """

    def __init__(self, thresholds: dict[int, np.ndarray], stats: dict[str, Any] | None = None):
        self.given = thresholds
        self.stats = stats

    def thresholds(self, data: np.ndarray, labels: np.ndarray | None) -> list[np.ndarray]:
        return [self.given[int(f)] for f in self.features_]

    def fit(
        self,
        data: np.ndarray,
        features: Sequence[int],
        feature_names: Sequence[str],
        labels: np.ndarray | None = None,
        stats: dict[str, Any] | None = None,
    ) -> native.Discretizer:
        chosen = self.stats if self.stats is not None else stats
        return super().fit(data, features, feature_names, labels, chosen)


class BaseDiscretizer:
    """lime's abstract discretizer: subclasses define ``bins(data, labels)``.

    Parameters
    ----------
    data : ndarray of shape (n, d)
    categorical_features : sequence of int
        Columns left alone; every other column is discretized.
    feature_names : sequence of str
    labels : array-like, optional
        Training labels (used by :class:`EntropyDiscretizer`).
    random_state : None, int or numpy.random.RandomState
        Drives ``undiscretize`` (NumPy's global state for ``None``, as in lime).
    data_stats : dict, optional
        ``means``, ``stds``, ``mins``, ``maxs`` per column, used instead of ``data``'s.
    """

    def __init__(
        self,
        data: Any,
        categorical_features: Sequence[int],
        feature_names: Sequence[str],
        labels: Any = None,
        random_state: Any = None,
        data_stats: dict[str, Any] | None = None,
    ) -> None:
        data = as_float_array(data, "data", 2)
        self.to_discretize = [x for x in range(data.shape[1]) if x not in categorical_features]
        self.data_stats = data_stats
        self.random_state = check_random_state(random_state)
        bins = self.bins(data, labels)
        thresholds = {
            f: np.unique(np.asarray(b, dtype=float)) for f, b in zip(self.to_discretize, bins)
        }
        stats = {k: data_stats[k] for k in _TABLES if k in data_stats} if data_stats else None
        fitted = GivenThresholds(thresholds).fit(
            data, list(thresholds), list(feature_names), None, stats
        )
        self._adopt(fitted, stats)

    @classmethod
    def of_limette(
        cls, fitted: native.Discretizer, random_state: np.random.RandomState
    ) -> BaseDiscretizer:
        """lime's view of a fitted limette discretizer (what ``LimeTabularExplainer``
        exposes as ``discretizer`` when given a name), without refitting."""
        view = cls.__new__(cls)
        view.to_discretize = [int(f) for f in fitted.features_]
        view.data_stats = None
        view.random_state = random_state
        view._adopt(fitted, None)
        return view

    def _adopt(self, fitted: native.Discretizer, stats: dict[str, Any] | None) -> None:
        self.fitted = fitted
        self.stats = stats or self._tables()
        features = [int(f) for f in self.fitted.features_]
        self.names = dict(zip(features, self.fitted.names_))
        self.lambdas = {
            f: partial(np.searchsorted, t) for f, t in zip(features, self.fitted.thresholds_)
        }
        self.means, self.stds = self.stats.get("means", {}), self.stats.get("stds", {})
        self.mins, self.maxs = self.stats.get("mins", {}), self.stats.get("maxs", {})

    def _tables(self) -> dict[str, dict[int, list[float]]]:
        counts = self.fitted.bin_counts_
        tables = (self.fitted.means_, self.fitted.stds_, self.fitted.mins_, self.fitted.maxs_)
        return {
            key: {
                int(f): table[i, : counts[i]].tolist() for i, f in enumerate(self.fitted.features_)
            }
            for key, table in zip(_TABLES, tables)
        }

    def bins(self, data: np.ndarray, labels: Any) -> list[np.ndarray]:
        """The thresholds of each column in ``to_discretize`` (to be overridden)."""
        if getattr(self, "fitted", None) is not None:  # a view of a fitted discretizer
            return [np.asarray(t) for t in self.fitted.thresholds_]
        raise NotImplementedError("Must override bins() method")

    def as_limette(self) -> native.Discretizer:
        """This discretizer's thresholds and bin statistics as a limette discretizer."""
        features = [int(f) for f in self.fitted.features_]
        return GivenThresholds(dict(zip(features, self.fitted.thresholds_)), self.stats)

    def discretize(self, data: Any) -> np.ndarray:
        """``data`` (1-D or 2-D) with every discretized column replaced by its bin index."""
        array = np.asarray(data)
        bins = self.fitted.discretize(np.atleast_2d(array))
        result = array.copy()
        if array.ndim == 1:
            result[self.fitted.features_] = bins[0, self.fitted.features_]
        else:
            result[:, self.fitted.features_] = bins[:, self.fitted.features_]
        return result

    def get_undiscretize_values(self, feature: int, values: Any) -> np.ndarray:
        """One draw per bin index in ``values`` from the bin's truncated normal."""
        i = int(np.flatnonzero(self.fitted.features_ == feature)[0])
        bins = np.asarray(values, dtype=np.intp).reshape(-1)
        table = self.fitted.inverse_cdf_
        rng = np.random.default_rng(int(self.random_state.randint(0, SEED_BOUND)))
        index = bins + self.fitted.offsets_[i]
        return native.inverse_cdf_values(table, index, rng.random(bins.shape))

    def undiscretize(self, data: Any) -> np.ndarray:
        """``data`` with bin indices replaced by draws from each bin (1-D or 2-D)."""
        array = np.asarray(data)
        rows = np.atleast_2d(array).astype(float)
        features = self.fitted.features_
        rng = np.random.default_rng(int(self.random_state.randint(0, SEED_BOUND)))
        rows[:, features] = self.fitted.undiscretize(rows[:, features].astype(np.intp), rng)
        return rows[0] if array.ndim == 1 else rows


class StatsDiscretizer(BaseDiscretizer):
    """Bins given in ``data_stats["bins"]`` (``{column: thresholds}``), as lime's."""

    def bins(self, data: np.ndarray, labels: Any) -> list[np.ndarray]:
        given = (self.data_stats or {}).get("bins") or {}
        return [np.asarray(given[f]) for f in self.to_discretize]


class _Native(BaseDiscretizer):
    """Bins from one of limette's discretizers."""

    def make(self) -> native.Discretizer:
        raise NotImplementedError

    def bins(self, data: np.ndarray, labels: Any) -> list[np.ndarray]:
        label_array = None if labels is None else np.asarray(labels)
        return self.make().thresholds(data[:, self.to_discretize], label_array)


class QuartileDiscretizer(_Native):
    """Thresholds at the quartiles of each column (lime's default)."""

    def __init__(
        self,
        data: Any,
        categorical_features: Sequence[int],
        feature_names: Sequence[str],
        labels: Any = None,
        random_state: Any = None,
    ) -> None:
        super().__init__(data, categorical_features, feature_names, labels, random_state)

    def make(self) -> native.Discretizer:
        return native.QuartileDiscretizer()


class DecileDiscretizer(QuartileDiscretizer):
    """Thresholds at the deciles of each column."""

    def make(self) -> native.Discretizer:
        return native.DecileDiscretizer()


class EntropyDiscretizer(QuartileDiscretizer):
    """Splits of a depth-3 entropy tree of each column against ``labels`` (needed)."""

    def make(self) -> native.Discretizer:
        return native.EntropyDiscretizer(random_state=int(self.random_state.randint(0, SEED_BOUND)))
