"""lime's ``lime_tabular``: ``LimeTabularExplainer`` and ``RecurrentTabularExplainer``.

Thin layers over :class:`limette.TabularExplainer` and
:class:`limette.RecurrentTabularExplainer` with lime's signatures, attributes
(``feature_names``, ``categorical_features``, ``feature_values``, ``feature_frequencies``,
``discretizer``, ``class_names``) and results (:class:`~.explanation.Explanation`).
Differences from lime: the perturbations are limette's (scrambled Sobol draws of lime's
distributions by default), and a ``scipy.sparse`` row or training set is densified (with
sparse training data the continuous features are not discretized, as in lime, but every
column is perturbed, not only the row's non-zero ones).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ...errors import InputError, LimetteWarning
from ...tabular import TabularExplainer
from ...tabular.recurrent import RecurrentTabularExplainer as NativeRecurrent
from ._seeding import check_random_state, draw_seed
from .discretize import BaseDiscretizer
from .explanation import DomainMapper, Explanation, fill_from_limette

__all__ = ["LimeTabularExplainer", "RecurrentTabularExplainer", "TableDomainMapper"]

_REQUIRED_STATS = ("means", "mins", "maxs", "stds", "feature_values", "feature_frequencies")


def _dense(value: Any) -> Any:
    """A ``scipy.sparse`` matrix as a dense array; anything else unchanged."""
    toarray = getattr(value, "toarray", None)
    if toarray is not None and getattr(value, "nnz", None) is not None:
        return np.asarray(toarray())
    return value


def _is_sparse(value: Any) -> bool:
    return getattr(value, "nnz", None) is not None and hasattr(value, "toarray")


class TableDomainMapper(DomainMapper):
    """Feature ids of a tabular explanation to their readable conditions and values."""

    def __init__(
        self,
        feature_names: Sequence[str],
        feature_values: Sequence[Any],
        scaled_row: Any = None,
        categorical_features: Sequence[int] = (),
        discretized_feature_names: Sequence[str] | None = None,
        feature_indexes: Sequence[int] | None = None,
    ) -> None:
        self.exp_feature_names = list(discretized_feature_names or feature_names)
        self.feature_names = list(feature_names)
        self.feature_values = list(feature_values)
        self.scaled_row = scaled_row
        self.categorical_features = list(categorical_features)
        self.feature_indexes = feature_indexes

    def map_exp_ids(self, exp: Sequence[tuple[int, float]], **kwargs: Any) -> list[Any]:
        """``[(condition, weight), ...]`` for ``[(feature id, weight), ...]``."""
        return [(self.exp_feature_names[i], weight) for i, weight in exp]


class LimeTabularExplainer:
    """lime's tabular explainer (same arguments, in the same order, with the same defaults).

    The explainer's ``random_state`` (a ``RandomState``; NumPy's global one for ``None``)
    gives every explanation its seed. ``limette`` is the underlying
    :class:`limette.TabularExplainer` (``explain_many``, adaptive sampling, ...).
    """

    _native_class: Callable[..., TabularExplainer] = TabularExplainer

    def __init__(
        self,
        training_data: Any,
        mode: str = "classification",
        training_labels: Any = None,
        feature_names: Sequence[str] | None = None,
        categorical_features: Sequence[int] | None = None,
        categorical_names: Mapping[int, Sequence[Any]] | None = None,
        kernel_width: float | None = None,
        kernel: Callable[..., Any] | None = None,
        verbose: bool = False,
        class_names: Sequence[str] | None = None,
        feature_selection: str = "auto",
        discretize_continuous: bool = True,
        discretizer: Any = "quartile",
        sample_around_instance: bool = False,
        random_state: Any = None,
        training_data_stats: dict[str, Any] | None = None,
    ) -> None:
        self.random_state = check_random_state(random_state)
        self.mode = mode
        self.verbose = verbose
        self.categorical_names = dict(categorical_names or {})
        self.sample_around_instance = sample_around_instance
        self.training_data_stats = training_data_stats
        if training_data_stats:
            self.validate_training_data_stats(training_data_stats)
        discretize_continuous = discretize_continuous and not _is_sparse(training_data)
        data = _dense(training_data)
        categorical = [] if categorical_features is None else [int(c) for c in categorical_features]
        self._discretizer_state: np.random.RandomState | None = None
        native_discretizer: Any = discretizer
        uses_labels = not isinstance(discretizer, BaseDiscretizer) and discretizer not in (
            "quartile",
            "decile",
        )
        if discretize_continuous and training_data_stats:
            native_discretizer = "quartile"  # the thresholds come from stats["bins"]
            uses_labels = False
        elif discretize_continuous and isinstance(discretizer, BaseDiscretizer):
            categorical = sorted(set(categorical) - set(discretizer.to_discretize))
            native_discretizer = discretizer.as_limette()
            if discretizer.random_state is not self.random_state:
                self._discretizer_state = discretizer.random_state
        with warnings.catch_warnings():
            if training_data_stats:  # placeholder data: its constant columns are expected
                warnings.filterwarnings("ignore", "training_data has constant", LimetteWarning)
            self.limette = self._native_class(
                data,
                mode=mode,
                training_labels=training_labels if uses_labels else None,
                feature_names=None if feature_names is None else [str(f) for f in feature_names],
                categorical_features=categorical,
                categorical_names=self.categorical_names,
                kernel_width=kernel_width,
                kernel=kernel,
                class_names=class_names,
                feature_selection=feature_selection,
                discretize_continuous=discretize_continuous,
                discretizer=native_discretizer,
                sample_around_instance=sample_around_instance,
                training_data_stats=training_data_stats,
            )
        self.discretizer: BaseDiscretizer | None = None
        if isinstance(discretizer, BaseDiscretizer) and not training_data_stats:
            self.discretizer = discretizer
        elif self.limette.discretizer is not None:
            self.discretizer = BaseDiscretizer.of_limette(
                self.limette.discretizer, self.random_state
            )
        self.feature_names = list(self.limette.feature_names)
        self.class_names = None if class_names is None else list(class_names)
        self.feature_selection = feature_selection
        self.kernel_width = self.limette.kernel_width
        self.categorical_features = (
            list(range(len(self.feature_names)))
            if self.limette.discretizer is not None
            else list(self.limette.categorical_features)
        )
        self.feature_values, self.feature_frequencies = self._frequencies(
            self._flatten(np.asarray(data, dtype=float)), training_data_stats
        )

    @staticmethod
    def _flatten(data: np.ndarray) -> np.ndarray:
        """The training data as the native explainer's rows of interpretable columns."""
        return data

    def _frequencies(
        self, data: np.ndarray, stats: dict[str, Any] | None
    ) -> tuple[dict[int, list[Any]], dict[int, np.ndarray]]:
        """lime's ``feature_values`` and ``feature_frequencies`` of each categorical column."""
        values: dict[int, list[Any]] = {}
        frequencies: dict[int, np.ndarray] = {}
        if stats:
            for feature in self.categorical_features:
                values[feature] = list(stats["feature_values"][feature])
                counts = np.asarray(stats["feature_frequencies"][feature], dtype=float)
                frequencies[feature] = counts / counts.sum()
            return values, frequencies
        native_discretizer = self.limette.discretizer
        coded = data if native_discretizer is None else native_discretizer.discretize(data)
        for feature in self.categorical_features:
            found, counts = np.unique(coded[:, feature], return_counts=True)
            values[feature] = found.tolist()
            frequencies[feature] = counts / counts.sum()
        return values, frequencies

    @staticmethod
    def convert_and_round(values: Sequence[float]) -> list[str]:
        """Every value as a string with two decimals (lime's helper)."""
        return [f"{v:.2f}" for v in values]

    @staticmethod
    def validate_training_data_stats(training_data_stats: Mapping[str, Any]) -> None:
        """Raise when ``training_data_stats`` lacks one of the keys lime needs."""
        missing = sorted(set(_REQUIRED_STATS) - set(training_data_stats))
        if missing:
            raise InputError(
                f"training_data_stats is missing the keys {missing}; lime's stats need "
                f"{list(_REQUIRED_STATS)} (and 'bins' to discretize)"
            )

    def _seed(self) -> int:
        states = [self.random_state]
        if self._discretizer_state is not None:
            states.append(self._discretizer_state)
        return draw_seed(*states)

    def explain_instance(
        self,
        data_row: Any,
        predict_fn: Callable[[Any], Any],
        labels: Sequence[int] = (1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str = "euclidean",
        model_regressor: Any = None,
    ) -> Explanation:
        """Explain ``predict_fn``'s prediction for ``data_row`` (lime's arguments).

        Returns lime's :class:`~.explanation.Explanation`; its ``limette`` attribute is
        limette's own explanation of the same run.
        """
        native = self.limette.explain(
            _dense(data_row) if _is_sparse(data_row) else data_row,
            predict_fn,
            labels=list(labels) if labels is not None else None,
            top_labels=top_labels,
            num_features=num_features,
            num_samples=num_samples,
            distance_metric=distance_metric,
            model_regressor=model_regressor,
            random_state=self._seed(),
        )
        mapper = TableDomainMapper(
            self.feature_names, native.feature_values, None, self.categorical_features,
            native.feature_names,
        )  # fmt: skip
        result = Explanation(mapper, self.mode, self.class_names)
        fill_from_limette(result, native, self.verbose)
        return result


class RecurrentTabularExplainer(LimeTabularExplainer):
    """lime's explainer for sequences ``(samples, timesteps, features)``.

    Every (feature, timestep) pair is one interpretable feature named ``name_t-k``; the
    model receives batches of shape ``(n, timesteps, features)``.
    """

    _native_class = NativeRecurrent

    def __init__(
        self,
        training_data: Any,
        mode: str = "classification",
        training_labels: Any = None,
        feature_names: Sequence[str] | None = None,
        categorical_features: Sequence[int] | None = None,
        categorical_names: Mapping[int, Sequence[Any]] | None = None,
        kernel_width: float | None = None,
        kernel: Callable[..., Any] | None = None,
        verbose: bool = False,
        class_names: Sequence[str] | None = None,
        feature_selection: str = "auto",
        discretize_continuous: bool = True,
        discretizer: Any = "quartile",
        random_state: Any = None,
    ) -> None:
        super().__init__(
            training_data, mode, training_labels, feature_names, categorical_features,
            categorical_names, kernel_width, kernel, verbose, class_names, feature_selection,
            discretize_continuous, discretizer, False, random_state,
        )  # fmt: skip

    @staticmethod
    def _flatten(data: np.ndarray) -> np.ndarray:
        if data.ndim != 3:
            raise InputError(
                f"training_data must have 3 dimensions (samples, timesteps, features); "
                f"got shape {data.shape}"
            )
        return data.transpose(0, 2, 1).reshape(len(data), -1)

    def explain_instance(
        self,
        data_row: Any,
        classifier_fn: Callable[[Any], Any],
        labels: Sequence[int] = (1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str = "euclidean",
        model_regressor: Any = None,
    ) -> Explanation:
        """Explain ``classifier_fn``'s prediction for one sequence ``(timesteps, features)``."""
        return super().explain_instance(
            data_row, classifier_fn, labels, top_labels, num_features, num_samples,
            distance_metric, model_regressor,
        )  # fmt: skip
