"""What the binary explainers (images, text) share: ``sampler=`` and ``num_samples="auto"``.

An image or a document becomes ``d`` interpretable features, every sample is a 0/1 row
(which segments or words are kept), and the model rows are composed from those rows only
when a model call needs them. A plan of such an explainer gives :func:`neighbourhood`

- ``setup(instance) -> Setup``: ``d``, the composer of model rows and what ``finish`` needs;
- ``binary_sampler``: the sampler object, built from the ``sampler`` name;
- ``weigh(samples) -> weights``: the proximity weights;

and both ``prepare`` (a fixed ``num_samples``) and :func:`explain_adaptive`
(``num_samples="auto"``: batches of replicates until a re-run would agree; each instance
of ``explain_many`` on its own) run through them, so the two explainers share every line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import numpy as np

from .._validation import check_positive_int, check_sample_memory, lookup
from ..explanation import Explanation
from ..sampling import SCHEMES, Sampler
from .adaptive import AutoSamples, as_auto, binary_draw, sample_and_evaluate
from .chunk import Neighbourhood, Plan
from .driver import explain_one
from .evaluate import evaluate
from .plan import Deferred, FitOptions


@dataclass(frozen=True)
class Setup:
    """One instance cut into ``d`` features: how to compose model rows, and the rest."""

    d: int
    compose: Callable[[np.ndarray], Any]
    state: Any


class BinaryPlan(Plan, Protocol):
    """An image or text plan: a :class:`~limette.engine.chunk.Plan` with the parts that
    :func:`neighbourhood` and :func:`explain_adaptive` use."""

    @property
    def fit(self) -> FitOptions: ...

    @property
    def num_samples(self) -> Any: ...

    @property
    def model_name(self) -> str: ...

    @property
    def binary_sampler(self) -> Sampler: ...

    def setup(self, instance: Any) -> Setup: ...

    def weigh(self, samples: np.ndarray) -> np.ndarray: ...


def check_sampler(sampler: str) -> str:
    """``sampler`` if it names a scheme of :data:`limette.sampling.SCHEMES`.

    >>> check_sampler("sobol")
    'sobol'
    """
    lookup(SCHEMES, sampler, "sampler")
    return sampler


def check_num_samples(num_samples: Any) -> int | AutoSamples:
    """An integer ``>= 2``, or the :class:`~limette.AutoSamples` rule."""
    rule = as_auto(num_samples)
    if rule is None:
        return check_positive_int(num_samples, "num_samples", minimum=2)
    return rule


def neighbourhood(plan: BinaryPlan, instance: Any, rng: np.random.Generator) -> Neighbourhood:
    """A plan's ``prepare``: ``num_samples`` rows of the plan's sampler, weighed."""
    setup = plan.setup(instance)
    check_sample_memory(plan.num_samples, setup.d)
    samples = plan.binary_sampler.sample(plan.num_samples, setup.d, rng)
    return Neighbourhood(
        samples, plan.weigh(samples), Deferred(setup.compose, samples), setup.state
    )


def explain_single(
    plan: BinaryPlan,
    predict_fn: Callable[[Any], Any],
    instance: Any,
    *,
    batch_size: int | None,
    progress: bool,
) -> Explanation:
    """``explain``: one instance through the engine, a fixed ``num_samples`` or ``"auto"``."""
    return explain_one(
        plan, predict_fn, instance, batch_size=batch_size, progress=progress,
        num_samples=plan.num_samples,
    )  # fmt: skip


def explain_adaptive(
    plan: BinaryPlan,
    instance: Any,
    predict_fn: Callable[[Any], Any],
    rng: np.random.Generator,
    batch_size: int | None,
) -> Explanation:
    """A plan's ``explain_adaptive`` (``num_samples="auto"``): batches of replicates
    until a re-run would agree (:mod:`limette.engine.adaptive`).

    ``rng`` is the instance's generator (the engine's, as for a fixed ``num_samples``).
    """
    setup = plan.setup(instance)
    model = partial(
        evaluate,
        predict_fn,
        compose=setup.compose,
        classification=plan.classification,
        batch_size=batch_size,
        name=plan.model_name,
        probabilities=bool(getattr(plan, "expects_probabilities", False)),
    )
    samples, outputs, extra = sample_and_evaluate(
        plan.num_samples,
        partial(binary_draw, plan.binary_sampler, setup.d, rng),
        model,
        plan.weigh,
        labels=plan.fit.labels,
        top_labels=plan.fit.top_labels,
        classification=plan.classification,
        num_features=plan.fit.num_features,
    )
    hood = Neighbourhood(
        samples, plan.weigh(samples), Deferred(setup.compose, samples), setup.state
    )
    explanation = plan.finish(hood, outputs)
    explanation.metadata.update(extra)
    return explanation
