"""``explain``, ``explain_many``, ``iter_explanations`` and ``num_samples="auto"``, written once.

An explainer's public methods keep their own signatures (names, defaults, docstrings) and
hand the call on as one :class:`Options` object, by keyword
(``Options.of(locals())``); the modality's plan is built from it and from the
explainer's public learned state, and the functions here run it. A plan is a
:class:`~limette.engine.chunk.Plan` that also gives, per instance, a
:class:`Draws` (``new_draw()``, ``weigh``, ``compose``, ``state``): ``prepare``
draws once from one stream (a fixed ``num_samples``) and :func:`explain_adaptive` draws
batches of replicates until a re-run would agree; both run through the many-instance
engine, which gives every instance its own generator and stopping point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

from .._random import RandomState
from .._validation import check_positive_int
from ..explanation import Explanation
from ..explanation_set import ExplanationSet
from .adaptive import AutoSamples, Draw, as_auto, sample_and_evaluate
from .batching import BatchSize
from .chunk import Neighbourhood, Plan
from .driver import explain_one, stream
from .evaluate import evaluate
from .plan import FitOptions

_O = TypeVar("_O", bound="Options")


@dataclass(frozen=True)
class Options:
    """One call's options, as the user gave them (named as in the public signatures).

    A modality adds its own fields in a subclass (``sampling_method``, ``hide_color``,
    ...). Build it with :meth:`of` from the public method's ``locals()``: every option
    then travels by its name, never by its position.
    """

    labels: Sequence[int] | None = (1,)
    top_labels: int | None = None
    num_features: int = 10
    num_samples: Any = 5000
    distance_metric: str | Callable[..., Any] = "euclidean"
    model_regressor: Any = None
    random_state: RandomState = None
    sampler: str = "random"
    batch_size: int | None = None
    chunk_size: int | None = None
    executor: Any = None
    errors: str = "raise"
    progress: bool = False

    @classmethod
    def of(cls: type[_O], arguments: Mapping[str, Any], **renamed: Any) -> _O:
        """The options among ``arguments`` (a method's ``locals()``), plus ``renamed`` ones."""
        names = {field.name for field in fields(cls)}
        given = {name: value for name, value in arguments.items() if name in names}
        return cls(**{**given, **renamed})

    def fit(self, default_state: RandomState) -> FitOptions:
        """The surrogate's options, checked; ``random_state`` overrides ``default_state``."""
        return FitOptions.build(
            default_state=default_state,
            random_state=self.random_state,
            labels=self.labels,
            top_labels=self.top_labels,
            num_features=self.num_features,
            distance_metric=self.distance_metric,
            model_regressor=self.model_regressor,
        )


def check_num_samples(num_samples: Any) -> int | AutoSamples:
    """An integer ``>= 2``, or the :class:`~limette.AutoSamples` rule."""
    rule = as_auto(num_samples)
    if rule is None:
        return check_positive_int(num_samples, "num_samples", minimum=2)
    return rule


@dataclass(frozen=True)
class Draws:
    """One instance's perturbations, drawn on demand from streams.

    ``new_draw()`` starts a stream and returns its ``draw(n, first)``: ``n``
    interpretable samples (row 0 the instance when ``first``) and their model rows
    (anything that slices); ``"auto"`` starts one stream per replicate. ``compose(rows[a:b])``
    is the model's input for a slice of them; ``weigh(samples)`` the proximity weights;
    ``state`` what the plan's ``finish`` needs (the encoded row, the tokens, the image).
    """

    new_draw: Callable[[], Draw]
    weigh: Callable[[np.ndarray], np.ndarray]
    compose: Callable[[Any], Any]
    state: Any


class RunPlan(Plan, Protocol):
    """A plan these functions run: a :class:`~limette.engine.chunk.Plan` with draws."""

    @property
    def fit(self) -> FitOptions: ...

    @property
    def num_samples(self) -> Any: ...

    @property
    def model_name(self) -> str: ...

    @property
    def feature_names(self) -> Sequence[str] | None: ...

    @property
    def expects_probabilities(self) -> bool: ...

    def draws(self, instance: Any, rng: np.random.Generator) -> Draws: ...

    def instances(self, instances: Any) -> Sequence[Any]: ...

    def batch_size(self, instances: Sequence[Any], given: int | None) -> int | None: ...

    def finish(
        self,
        neighbourhood: Neighbourhood,
        outputs: np.ndarray,
        extra: Mapping[str, Any] | None = None,
    ) -> Explanation: ...


class ModePlan:
    """For the plans of explainers with ``mode=`` (tables, texts): classification follows
    the explainer's ``classification_``, and outputs that are not probabilities then
    deserve a warning (``mode='regression'`` is the choice for scores)."""

    explainer: Any

    @property
    def classification(self) -> bool:
        return bool(self.explainer.classification_)

    @property
    def expects_probabilities(self) -> bool:
        return self.classification


class SamplingPlan:
    """What every modality's plan shares: ``seed``, ``prepare`` and the run's defaults.

    A subclass is a frozen dataclass with the fields ``fit`` and ``num_samples`` and the
    methods ``draws``, ``instances``, ``compose`` and ``finish``.
    """

    #: The model's name in error messages (lime's ``classifier_fn`` for text and images).
    model_name: ClassVar[str] = "predict_fn"
    #: Feature names shared by every instance (tables), for :class:`ExplanationSet`.
    feature_names: ClassVar[Sequence[str] | None] = None
    fit: FitOptions
    num_samples: Any

    @property
    def seed(self) -> np.random.SeedSequence:
        return self.fit.seed

    def draws(self, instance: Any, rng: np.random.Generator) -> Draws:
        raise NotImplementedError

    def prepare(self, instance: Any, rng: np.random.Generator) -> Neighbourhood:
        """``num_samples`` perturbations of ``instance``, weighed (the engine's hook)."""
        draws = self.draws(instance, rng)
        samples, inputs = draws.new_draw()(self.num_samples, True)
        return Neighbourhood(samples, draws.weigh(samples), inputs, draws.state)

    @property
    def expects_probabilities(self) -> bool:
        """Whether outputs that are not probabilities deserve a warning (none by default:
        images have no regression mode, and logits are fine)."""
        return False

    def batch_size(self, instances: Sequence[Any], given: int | None) -> int | None:
        """Rows per model call: ``given`` (a modality may choose one when it is ``None``)."""
        return given

    def explain_adaptive(
        self,
        instance: Any,
        predict_fn: Callable[[Any], Any],
        rng: np.random.Generator,
        batch_size: int | None,
    ) -> Explanation:
        """``num_samples="auto"`` for one instance: the chunk engine's hook."""
        plan: RunPlan = self  # type: ignore[assignment]
        return explain_adaptive(plan, predict_fn, instance, rng=rng, batch_size=batch_size)


def batch_sizes(
    plan: RunPlan, predict_fn: Callable[[Any], Any], instances: Sequence[Any], given: int | None
) -> BatchSize:
    """Rows per model call: ``given``; else the plan's choice, or a search for the best
    batch of ``predict_fn`` where the plan offers one (``searched_batch``, see
    :mod:`limette.engine.batching`)."""
    chosen = plan.batch_size(instances, given)
    search = getattr(plan, "searched_batch", None)
    if given is not None or search is None:
        return chosen
    return search(predict_fn, instances, chosen)


def explain(
    plan: RunPlan, predict_fn: Callable[[Any], Any], instance: Any, options: Options
) -> Any:
    """One instance: a fixed ``num_samples`` through the many-instance engine, or ``"auto"``."""
    batch_size = batch_sizes(plan, predict_fn, [instance], options.batch_size)
    return explain_one(
        plan,
        predict_fn,
        instance,
        batch_size=batch_size,
        progress=options.progress,
        num_samples=plan.num_samples,
    )


def iter_explanations(
    plan: RunPlan, predict_fn: Callable[[Any], Any], instances: Any, options: Options
) -> Iterator[ExplanationSet]:
    """Many instances, chunk by chunk (see :func:`limette.engine.driver.stream`)."""
    items = plan.instances(instances)
    return stream(
        plan,
        predict_fn,
        items,
        batch_size=batch_sizes(plan, predict_fn, items, options.batch_size),
        chunk_size=options.chunk_size,
        executor=options.executor,
        errors=options.errors,
        progress=options.progress,
        feature_names=plan.feature_names,
    )


def explain_many(
    plan: RunPlan, predict_fn: Callable[[Any], Any], instances: Any, options: Options
) -> ExplanationSet:
    """Many instances in one :class:`ExplanationSet`."""
    chunks = iter_explanations(plan, predict_fn, instances, options)
    return ExplanationSet.concat(chunks, plan.feature_names)


def explain_adaptive(
    plan: RunPlan,
    predict_fn: Callable[[Any], Any],
    instance: Any,
    *,
    rng: np.random.Generator,
    batch_size: BatchSize,
) -> Explanation:
    """``num_samples="auto"``: batches of replicates until a re-run would agree
    (:mod:`limette.engine.adaptive`).

    ``rng`` is the instance's generator (the engine's, as for a fixed ``num_samples``):
    the chunk engine calls this through the plan's ``explain_adaptive`` for each such
    instance, so ``explain`` and ``explain_many`` give the same explanation.
    """
    draws = plan.draws(instance, rng)
    model = partial(
        evaluate,
        predict_fn,
        compose=draws.compose,
        classification=plan.classification,
        batch_size=batch_size,
        name=plan.model_name,
        probabilities=plan.expects_probabilities,
    )
    samples, outputs, extra = sample_and_evaluate(
        plan.num_samples,
        draws.new_draw,
        model,
        draws.weigh,
        labels=plan.fit.labels,
        top_labels=plan.fit.top_labels,
        classification=plan.classification,
        num_features=plan.fit.num_features,
    )
    hood = Neighbourhood(samples, draws.weigh(samples), samples, draws.state)
    return plan.finish(hood, outputs, extra)
