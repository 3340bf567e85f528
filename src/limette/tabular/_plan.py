"""The tabular explainer's hooks for the many-instance engine (:mod:`limette.engine.chunk`).

``prepare`` draws one row's perturbations and weights, ``compose`` turns queued rows of
one or more instances into one model input (a DataFrame when the explainer was built on
one), and ``finish`` fits the surrogate and packages the :class:`Explanation`.
``explain`` and ``explain_many`` both run through these, so they share every line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from .._random import RandomState
from .._validation import check_positive_int, check_sample_memory, lookup
from ..engine.adaptive import as_auto, sample_and_evaluate
from ..engine.chunk import Neighbourhood
from ..engine.evaluate import evaluate
from ..engine.plan import FitOptions
from ..engine.workspace import empty, joined
from ..errors import InputError
from ..explanation import Explanation
from ..sampling import SCHEMES
from ._frames import is_frame
from ._sampling import CONTINUOUS_SAMPLERS, DEFAULT_SAMPLER

if TYPE_CHECKING:
    from .explainer import TabularExplainer


@dataclass(frozen=True)
class Invalid:
    """An instance that failed before sampling (e.g. an unseen category)."""

    error: Exception


@dataclass(frozen=True, eq=False)
class TabularPlan:
    """One call's options, bound to an explainer; picklable, shipped once per worker."""

    explainer: TabularExplainer
    fit: FitOptions
    num_samples: Any
    sampling_method: str
    sampler: str = DEFAULT_SAMPLER

    @property
    def seed(self) -> np.random.SeedSequence:
        return self.fit.seed

    @property
    def classification(self) -> bool:
        return bool(self.explainer.classification_)

    @property
    def expects_probabilities(self) -> bool:
        """Whether outputs that are not probabilities deserve a warning (classification
        mode, where mode='regression' is the choice for scores)."""
        return self.classification

    def prepare(self, instance: Any, rng: np.random.Generator) -> Neighbourhood:
        if isinstance(instance, Invalid):
            raise instance.error
        explainer = self.explainer
        row = explainer._encode_row(instance)
        new_draw, weigh = explainer._neighbourhood(
            row, rng, self.sampler, self.sampling_method, self.fit.distance_metric
        )
        samples, inputs = new_draw()(self.num_samples, True)
        return Neighbourhood(samples, weigh(samples), inputs, row)

    def explain_adaptive(
        self,
        instance: Any,
        predict_fn: Callable[[Any], Any],
        rng: np.random.Generator,
        batch_size: int | None,
    ) -> Explanation:
        """``num_samples="auto"``: batches until a re-run would agree (one row)."""
        if isinstance(instance, Invalid):
            raise instance.error
        explainer = self.explainer
        row = explainer._encode_row(instance)
        new_draw, weigh = explainer._neighbourhood(
            row, rng, self.sampler, self.sampling_method, self.fit.distance_metric
        )
        model = partial(
            evaluate,
            predict_fn,
            compose=explainer._model_input,
            classification=self.classification,
            batch_size=batch_size,
            probabilities=self.expects_probabilities,
        )
        samples, outputs, extra = sample_and_evaluate(
            self.num_samples,
            new_draw,
            model,
            weigh,
            labels=self.fit.labels,
            top_labels=self.fit.top_labels,
            classification=self.classification,
            num_features=self.fit.num_features,
        )
        explanation = self.finish(Neighbourhood(samples, weigh(samples), samples, row), outputs)
        explanation.metadata.update(extra)
        return explanation

    def compose(self, pieces: list[Any]) -> Any:
        rows = pieces[0] if len(pieces) == 1 else joined(pieces)
        if rows is None:  # not back to back in one block: copied into one array
            rows = empty((sum(len(piece) for piece in pieces), pieces[0].shape[1]))
            np.concatenate(pieces, out=rows)
        return self.explainer._model_input(rows)

    def finish(self, neighbourhood: Neighbourhood, outputs: np.ndarray) -> Explanation:
        explainer = self.explainer
        fields = self.fit.fields(
            neighbourhood,
            outputs,
            classification=self.classification,
            feature_selection=explainer.feature_selection,
        )
        names, values = explainer._describe(neighbourhood.state)
        return Explanation(
            feature_names=tuple(names),
            feature_values=tuple(values),
            class_names=None if explainer.class_names is None else tuple(explainer.class_names),
            metadata={
                **self.fit.metadata(explainer),
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

    ``num_samples`` stays an :class:`~limette.AutoSamples` rule for ``"auto"`` (each
    instance then runs :meth:`TabularPlan.explain_adaptive`).
    """
    lookup(CONTINUOUS_SAMPLERS, sampling_method, "sampling_method")
    lookup({**SCHEMES, "glime": None}, sampler, "sampler")
    explainer._tilt_width(sampler, distance_metric)
    rule = as_auto(num_samples)
    if rule is None:
        num_samples = check_positive_int(num_samples, "num_samples", minimum=2)
        check_sample_memory(num_samples, len(explainer.feature_names))
    fit = FitOptions.build(
        explainer.random_state, random_state, labels, top_labels, num_features,
        distance_metric, model_regressor,
    )  # fmt: skip
    return TabularPlan(
        explainer=explainer,
        fit=fit,
        num_samples=rule or num_samples,
        sampling_method=sampling_method,
        sampler=sampler,
    )
