"""The tabular explainer's hooks for the many-instance engine (:mod:`limette._many`).

``prepare`` draws one row's perturbations and weights, ``compose`` turns queued rows of
one or more instances into one model input (a DataFrame when the explainer was built on
one), and ``finish`` fits the surrogate and packages the :class:`Explanation`.
``explain`` and ``explain_many`` both run through these, so they share every line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._adaptive import as_auto
from ._engine import explanation_fields
from ._frames import is_frame
from ._many import Neighbourhood
from ._random import RandomState, resolve_seed, seed_entropy
from ._tabular_sampling import CONTINUOUS_SAMPLERS, DEFAULT_SAMPLER
from ._validation import check_positive_int, lookup
from .errors import InputError
from .explanation import Explanation
from .sampling import SCHEMES
from .surrogates import Surrogate, as_surrogate

if TYPE_CHECKING:
    from .tabular import TabularExplainer


@dataclass(frozen=True)
class Invalid:
    """An instance that failed before sampling (e.g. an unseen category)."""

    error: Exception


@dataclass(frozen=True, eq=False)
class TabularPlan:
    """One call's options, bound to an explainer; picklable, shipped once per worker."""

    explainer: TabularExplainer
    seed: np.random.SeedSequence
    num_samples: Any
    labels: Sequence[int] | None
    top_labels: int | None
    num_features: int
    distance_metric: str | Callable[..., Any]
    surrogate: Surrogate
    sampling_method: str
    sampler: str = DEFAULT_SAMPLER

    @property
    def classification(self) -> bool:
        return bool(self.explainer.classification_)

    def prepare(self, instance: Any, rng: np.random.Generator) -> Neighbourhood:
        if isinstance(instance, Invalid):
            raise instance.error
        explainer = self.explainer
        row = explainer._encode_row(instance)
        draw, weigh = explainer._neighbourhood(
            row, rng, self.sampler, self.sampling_method, self.distance_metric
        )
        samples, inputs = draw(self.num_samples, True)
        return Neighbourhood(samples, weigh(samples), inputs, row)

    def compose(self, pieces: list[Any]) -> Any:
        rows = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
        return self.explainer._model_input(rows)

    def finish(self, neighbourhood: Neighbourhood, outputs: np.ndarray) -> Explanation:
        explainer = self.explainer
        fields = explanation_fields(
            neighbourhood.samples,
            neighbourhood.weights,
            outputs,
            classification=self.classification,
            labels=self.labels,
            top_labels=self.top_labels,
            num_features=self.num_features,
            feature_selection=explainer.feature_selection,
            surrogate=self.surrogate,
        )
        names, values = explainer._describe(neighbourhood.state)
        metric = self.distance_metric
        return Explanation(
            feature_names=tuple(names),
            feature_values=tuple(values),
            class_names=None if explainer.class_names is None else tuple(explainer.class_names),
            metadata={
                "explainer": type(explainer).__name__,
                "seed": seed_entropy(self.seed),
                "kernel_width": explainer.kernel_width,
                "feature_selection": explainer.feature_selection,
                "distance_metric": metric if isinstance(metric, str) else "callable",
                "discretizer": None
                if explainer.discretizer is None
                else type(explainer.discretizer).__name__,
                "sampling_method": self.sampling_method,
                "sampler": self.sampler,
            },
            **fields,
        )


def instance_rows(explainer: TabularExplainer, instances: Any, ndim: int) -> Any:
    """The instances as a sequence of rows for ``prepare``, checked per row later.

    A DataFrame is encoded at once; when that fails, row by row, so that only the rows
    with unknown values fail. NaN rows are left for ``prepare`` to reject one by one.
    """
    if is_frame(instances):
        if explainer.encoder_ is None:
            instances = instances.to_numpy()
        else:
            try:
                return explainer.encoder_.encode(instances, "instances")
            except InputError:
                return [_encode_one(explainer, instances.iloc[[i]]) for i in range(len(instances))]
    try:
        array = np.asarray(instances, dtype=float)
    except (TypeError, ValueError) as error:
        raise InputError(f"instances must be numeric rows; could not convert ({error})") from None
    if array.ndim != ndim:
        raise InputError(
            f"instances must be {ndim}-D (one instance per row); got shape {array.shape}"
        )
    return array


def _encode_one(explainer: TabularExplainer, frame: Any) -> Any:
    try:
        return explainer.encoder_.encode(frame, "instances")[0]  # type: ignore[union-attr]
    except InputError as error:
        return Invalid(error)


def make_plan(
    explainer: TabularExplainer,
    num_samples: Any,
    labels: Sequence[int] | None,
    top_labels: int | None,
    num_features: int,
    distance_metric: str | Callable[..., Any],
    model_regressor: Any,
    sampling_method: str,
    random_state: RandomState,
    sampler: str = DEFAULT_SAMPLER,
) -> TabularPlan:
    """Check one call's options and bind them to ``explainer``.

    ``num_samples`` stays an :class:`~limette.AutoSamples` rule for ``"auto"`` (only
    ``explain`` takes it).
    """
    lookup(CONTINUOUS_SAMPLERS, sampling_method, "sampling_method")
    lookup({**SCHEMES, "glime": None}, sampler, "sampler")
    explainer._tilt_width(sampler, distance_metric)
    rule = as_auto(num_samples)
    return TabularPlan(
        explainer=explainer,
        seed=resolve_seed(explainer.random_state if random_state is None else random_state),
        num_samples=rule
        if rule is not None
        else check_positive_int(num_samples, "num_samples", minimum=2),
        sampler=sampler,
        labels=labels,
        top_labels=top_labels,
        num_features=check_positive_int(num_features, "num_features"),
        distance_metric=distance_metric,
        surrogate=as_surrogate(model_regressor),
        sampling_method=sampling_method,
    )
