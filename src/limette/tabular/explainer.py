"""LIME for tables: :class:`TabularExplainer` and :class:`RecurrentTabularExplainer`.

The constructor learns from the training data what lime learns (feature means and
standard deviations, bins and their statistics, category frequencies); ``explain`` draws
perturbations, asks the model, and hands the rest to the engine. lime's argument names
are kept so that switching is a change of import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .._random import RandomState
from .._validation import as_float_array, check_names, check_positive_float, lookup
from ..engine import run
from ..engine.adaptive import AutoSamples
from ..errors import InputError
from ..explanation import Explanation
from ..explanation_set import ExplanationSet
from ..kernels import get_kernel
from ..selection import FEATURE_SELECTIONS
from ._encoder import RowEncoder
from ._frames import FrameEncoder, is_frame
from ._plan import TabularOptions, TabularPlan
from ._sampling import DEFAULT_SAMPLER, TableSampler
from .discretize import DISCRETIZERS, Discretizer

__all__ = ["TabularExplainer"]

_MODES = {"classification": True, "regression": False}


class TabularExplainer:
    """Explain predictions of any model on tabular data (NumPy arrays or pandas frames).

    Parameters
    ----------
    training_data : array-like or DataFrame of shape (n_samples, n_features)
        Data the statistics are learned from. With a DataFrame, feature names come from
        its columns, ``object``/``category``/``bool`` columns are categorical, and the
        model is called with DataFrames of the same layout.
    mode : {"classification", "regression"}
    training_labels : array-like, optional
        Needed by ``discretizer="entropy"``.
    feature_names : sequence of str, optional
    categorical_features : sequence of int or str, optional
        Indices or names of categorical columns (values are integer codes).
    categorical_names : mapping, optional
        ``{feature: [name of code 0, name of code 1, ...]}``.
    kernel_width : float, optional
        Defaults to ``0.75 * sqrt(n_features)``.
    kernel : callable or str, optional
        ``kernel(distances, kernel_width) -> weights``; lime's ``sqrt(exp(-d²/w²))`` by default.
    class_names : sequence of str, optional
    feature_selection : {"auto", "none", "forward_selection", "highest_weights", "lasso_path"}
    discretize_continuous : bool
        Explain continuous features through bins (lime's default) instead of their values.
    discretizer : {"quartile", "decile", "entropy"} or Discretizer
    sample_around_instance : bool
        Centre Gaussian samples on the instance instead of the training mean.
    random_state : None, int or numpy.random.Generator
        Seed of every explanation; ``explain`` may override it.
    training_data_stats : dict, optional
        lime's precomputed statistics (``means``, ``stds``, ``mins``, ``maxs``,
        ``feature_values``, ``feature_frequencies``, and ``bins``: each discretized
        feature's thresholds), replacing what would be learned; the training data may
        then be a placeholder of the right width.

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TabularExplainer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> predict = lambda rows: rows @ np.array([2.0, 0.0, -1.0])
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False,
    ...                              sample_around_instance=True, random_state=0)
    >>> explanation = explainer.explain(X[0], predict, num_features=2)
    >>> [name for name, weight in explanation.as_list()]
    ['0', '2']
    """

    def __init__(
        self,
        training_data: Any,
        mode: str = "classification",
        training_labels: Any = None,
        feature_names: Sequence[str] | None = None,
        categorical_features: Sequence[int | str] | None = None,
        categorical_names: Mapping[Any, Sequence[Any]] | None = None,
        kernel_width: float | None = None,
        kernel: Callable[[np.ndarray, float], np.ndarray] | str | None = None,
        class_names: Sequence[str] | None = None,
        feature_selection: str = "auto",
        discretize_continuous: bool = True,
        discretizer: str | Discretizer = "quartile",
        sample_around_instance: bool = False,
        random_state: RandomState = None,
        training_data_stats: dict[str, Any] | None = None,
    ) -> None:
        self.mode = mode
        self.classification_ = lookup(_MODES, mode, "mode")
        self.encoder_ = FrameEncoder.learn(training_data) if is_frame(training_data) else None
        data = self._training_array(training_data)
        n_features = data.shape[1]
        names = check_names(feature_names, n_features, "feature_names")
        if names is None:
            names = (
                [str(c) for c in self.encoder_.columns]
                if self.encoder_
                else [str(i) for i in range(n_features)]
            )
        self.feature_names = names
        self.categorical_features = self._categorical_indices(categorical_features)
        self.categorical_names = self._categorical_names(categorical_names)
        self.class_names = None if class_names is None else [str(c) for c in class_names]
        self.feature_selection = lookup(
            {name: name for name in FEATURE_SELECTIONS}, feature_selection, "feature_selection"
        )
        self.random_state = random_state
        self.sample_around_instance = sample_around_instance
        self.kernel_width = (
            check_positive_float(kernel_width, "kernel_width")
            if kernel_width is not None
            else 0.75 * np.sqrt(n_features)
        )
        self.kernel_fn = get_kernel(kernel, self.kernel_width)
        self.discretizer = self._fit_discretizer(
            data, discretize_continuous, discretizer, training_labels, training_data_stats
        )
        _check_stats(training_data_stats)
        self.sampler_ = TableSampler.learn(
            data, self.categorical_features, self.discretizer, training_data_stats
        )
        self.baseline_ = self._baseline(data)
        self.row_encoder_: RowEncoder = RowEncoder(self.encoder_, self.feature_names, self.sampler_)

    # ------------------------------------------------------------------ learning
    def _training_array(self, training_data: Any) -> np.ndarray:
        if self.encoder_ is not None:
            return as_float_array(
                self.encoder_.encode(training_data, "training_data"), "training_data", 2
            )
        return as_float_array(training_data, "training_data", 2)

    def _feature_index(self, feature: int | str, argument: str) -> int:
        if isinstance(feature, str):
            if feature not in self.feature_names:
                raise InputError(f"{argument} names {feature!r}, which is not a feature name")
            return self.feature_names.index(feature)
        if not 0 <= int(feature) < len(self.feature_names):
            raise InputError(
                f"{argument} has index {feature}; there are {len(self.feature_names)} features"
            )
        return int(feature)

    def _categorical_indices(self, given: Sequence[int | str] | None) -> list[int]:
        found = set(self.encoder_.categories) if self.encoder_ else set()
        found.update(self._feature_index(f, "categorical_features") for f in given or ())
        return sorted(found)

    def _categorical_names(self, given: Mapping[Any, Sequence[Any]] | None) -> dict[int, list[str]]:
        names = {
            i: [str(v) for v in values]
            for i, values in (self.encoder_.categories if self.encoder_ else {}).items()
        }
        for feature, values in (given or {}).items():
            names[self._feature_index(feature, "categorical_names")] = [str(v) for v in values]
        return names

    def _fit_discretizer(
        self,
        data: np.ndarray,
        enabled: bool,
        discretizer: str | Discretizer,
        labels: Any,
        stats: dict[str, Any] | None,
    ) -> Discretizer | None:
        continuous = [i for i in range(data.shape[1]) if i not in self.categorical_features]
        if not enabled or not continuous:
            return None
        if isinstance(discretizer, Discretizer):
            chosen = discretizer
        else:
            chosen = lookup(DISCRETIZERS, discretizer, "discretizer")()
        label_array = None if labels is None else np.asarray(labels)
        if label_array is not None and label_array.shape[0] != data.shape[0]:
            raise InputError(
                f"training_labels has {label_array.shape[0]} values; "
                f"training_data has {data.shape[0]} rows"
            )
        return chosen.fit(data, continuous, self.feature_names, label_array, stats)

    def _baseline(self, data: np.ndarray) -> np.ndarray:
        """Training mean of each column; most frequent value of categorical columns."""
        baseline = data.mean(axis=0)
        for column in self.categorical_features:
            values, counts = np.unique(data[:, column], return_counts=True)
            baseline[column] = values[np.argmax(counts)]
        return np.asarray(baseline)

    # ---------------------------------------------------------------- explaining
    def explain(
        self,
        data_row: Any,
        predict_fn: Callable[[Any], Any],
        labels: Sequence[int] | None = (1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int | str | AutoSamples = 5000,
        distance_metric: str | Callable[..., Any] = "euclidean",
        model_regressor: Any = None,
        sampling_method: str = "gaussian",
        batch_size: int | None = None,
        progress: bool = False,
        random_state: RandomState = None,
        sampler: str = DEFAULT_SAMPLER,
    ) -> Explanation:
        """Explain the model's prediction for one row.

        Parameters
        ----------
        data_row : array-like of shape (n_features,), Series, dict or one-row DataFrame
        predict_fn : callable
            ``predict_proba`` (classification, returns ``(n, n_classes)``) or ``predict``
            (regression, returns ``(n,)``) on a batch of rows.
        labels : sequence of int
            Labels to explain (classification); ignored with ``top_labels``.
        top_labels : int, optional
            Explain the ``top_labels`` labels with the highest predicted probability.
        num_features : int
            Most features in each explanation.
        num_samples : int, "auto" or AutoSamples
            Perturbed samples (the first is the instance itself). ``"auto"`` draws
            batches until the top-``num_features`` ranking is stable (see
            :class:`~limette.AutoSamples`); ``metadata`` records ``samples_used`` and
            ``stop_reason``.
        distance_metric : str or callable
            Distance of samples to the instance in the scaled interpretable space.
        model_regressor : scikit-learn regressor or limette surrogate, optional
            Defaults to ridge regression with ``alpha=1`` (lime's default).
        sampling_method : {"gaussian", "lhs"}
            How continuous features are drawn when they are not discretized.
        batch_size : int, optional
            Rows per model call; all at once by default.
        progress : bool
            Show a progress bar of samples evaluated by the model (needs tqdm).
        random_state : None, int or numpy.random.Generator, optional
            Overrides the explainer's ``random_state`` for this call.
        sampler : {"sobol", "stratified", "antithetic", "random", "glime"}
            How the perturbations' random numbers are drawn. ``"random"`` is lime's plain
            sampling; ``"sobol"`` (default), ``"stratified"`` and ``"antithetic"`` draw
            every row from the same distribution with less variance between re-draws;
            ``"glime"`` samples from the kernel-weighted distribution and fits with unit
            weights (needs the default kernel and ``distance_metric="euclidean"``).

        Returns
        -------
        Explanation
        """
        options = TabularOptions.of(locals())
        explanation: Explanation = run.explain(
            TabularPlan.build(self, options), predict_fn, data_row, options
        )
        return explanation

    def explain_many(
        self,
        instances: Any,
        predict_fn: Callable[[Any], Any],
        labels: Sequence[int] | None = (1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str | Callable[..., Any] = "euclidean",
        model_regressor: Any = None,
        sampling_method: str = "gaussian",
        batch_size: int | None = 20_000,
        chunk_size: int | None = None,
        executor: Any = None,
        errors: str = "raise",
        progress: bool = False,
        random_state: RandomState = None,
        sampler: str = DEFAULT_SAMPLER,
    ) -> ExplanationSet:
        """Explain many rows at once: large model calls across rows, bounded memory.

        ``explain_many(X)[i]`` is the same explanation, bit for bit, as ``explain(X[i])``
        with the same ``random_state``, whatever ``batch_size``, ``chunk_size`` and
        ``executor``: every row gets a fresh generator from the same seed.

        Parameters
        ----------
        instances : array-like of shape (n_rows, n_features) or DataFrame
        predict_fn, labels, top_labels, num_features, num_samples, distance_metric, \
model_regressor, sampling_method, random_state, sampler
            As in :meth:`explain` (``num_samples`` must be an integer here).
        batch_size : int, optional
            Rows per model call; a call may hold the samples of several instances.
        chunk_size : int, optional
            Instances per unit of work (what a worker gets, and what is held in memory
            per chunk); chosen from the number of workers by default.
        executor : concurrent.futures.Executor or dask.distributed.Client, optional
            Where chunks run: a thread or process pool, or a Dask cluster (pass the
            ``Client`` or ``client.get_executor()``). The explainer and the model are
            shipped once per worker; each chunk runs with one BLAS thread, and so does the
            model on workers, while a serial run leaves it your OpenMP threads. A model
            whose last bits depend on its thread count (a float32 network on the CPU)
            then differs by rounding between the two; run the call under
            ``threadpoolctl.threadpool_limits(1)`` for the same bits everywhere.
        errors : {"raise", "collect"}
            ``"raise"`` stops with :class:`~limette.errors.InstanceError` naming the first
            failing row; ``"collect"`` returns the rows that succeeded and lists
            ``(index, error)`` for the others in ``.errors``. A model call that fails for
            rows of several instances is retried instance by instance.
        progress : bool
            Show a progress bar of rows explained, with rate and time left (needs tqdm).

        Returns
        -------
        ExplanationSet

        Examples
        --------
        >>> import numpy as np
        >>> from limette import TabularExplainer
        >>> X = np.random.default_rng(0).normal(size=(300, 3))
        >>> predict = lambda rows: rows @ np.array([2.0, 0.0, -1.0])
        >>> explainer = TabularExplainer(X, mode="regression", random_state=0)
        >>> result = explainer.explain_many(X[:5], predict, num_samples=1000)
        >>> result[2].as_list() == explainer.explain(X[2], predict, num_samples=1000).as_list()
        True
        """
        options = TabularOptions.of(locals())
        plan = TabularPlan.build(self, options)
        return run.explain_many(plan, predict_fn, instances, options)

    def iter_explanations(
        self,
        instances: Any,
        predict_fn: Callable[[Any], Any],
        labels: Sequence[int] | None = (1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str | Callable[..., Any] = "euclidean",
        model_regressor: Any = None,
        sampling_method: str = "gaussian",
        batch_size: int | None = 20_000,
        chunk_size: int | None = None,
        executor: Any = None,
        errors: str = "raise",
        progress: bool = False,
        random_state: RandomState = None,
        sampler: str = DEFAULT_SAMPLER,
    ) -> Iterator[ExplanationSet]:
        """:meth:`explain_many` chunk by chunk: yields one :class:`ExplanationSet` per chunk.

        Only a bounded number of chunks is held at a time, so runs larger than memory can
        be written as they go (see :func:`limette.write_explanations`).
        """
        options = TabularOptions.of(locals())
        plan = TabularPlan.build(self, options)
        return run.iter_explanations(plan, predict_fn, instances, options)

    explain_instance = explain


_STAT_KEYS = ("bins", "feature_frequencies", "feature_values", "maxs", "means", "mins", "stds")


def _check_stats(stats: dict[str, Any] | None) -> None:
    if stats is None:
        return
    if not isinstance(stats, Mapping):
        raise InputError(f"training_data_stats must be a dict; got {type(stats).__name__}")
    unknown = sorted(set(stats) - set(_STAT_KEYS))
    if unknown:
        raise InputError(
            f"training_data_stats has unknown keys {unknown}; expected some of {list(_STAT_KEYS)}"
        )
