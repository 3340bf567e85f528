"""The text explainer's hooks for the many-instance engine (:mod:`limette.engine.chunk`).

``prepare`` cuts a document once and draws its binary samples and weights; the
perturbed documents are built only when a model call needs them (:class:`Deferred`),
and the documents of several instances' slices are joined into one list per call;
``finish`` fits the surrogate and packages the :class:`~limette.text.TextExplanation`.
``explain`` and ``explain_many`` both run through these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from ..engine.binary import Setup, binary_draws, check_sampler
from ..engine.chunk import Neighbourhood
from ..engine.plan import FitOptions, compose_deferred
from ..engine.run import Draws, ModePlan, Options, SamplingPlan, check_num_samples
from ..errors import InputError
from ..kernels import get_distance
from ..sampling import DEFAULT_SCHEME, UniformCountSampler
from .explanation import TextExplanation
from .tokens import SplitExpression


class TextSource(Protocol):
    """What the plan reads of its explainer: the public learned state of a
    :class:`~limette.text.TextExplainer`. A protocol, so that the plan never imports
    its explainer."""

    bow: Any
    char_level: Any
    class_names: Any
    classification_: Any
    feature_selection: Any
    kernel_fn: Any
    kernel_width: Any
    mask_string: Any
    random_state: Any
    split_expression: Any

    def index(self, text: str) -> Any:
        """The document cut into pieces (see :meth:`limette.TextExplainer.index`)."""
        ...


#: The text explainer's default ``sampler``: lime's stream (see
#: :data:`limette.sampling.DEFAULT_SCHEME` for why).
DEFAULT_SAMPLER = DEFAULT_SCHEME
#: Composed text per model call when ``batch_size`` is not given (bytes): bounds memory.
BATCH_BYTES = 1 << 24


@dataclass(frozen=True, eq=False)
class TextPlan(ModePlan, SamplingPlan):
    """One call's options, bound to a :class:`~limette.text.TextExplainer`; picklable."""

    explainer: TextSource
    fit: FitOptions
    num_samples: Any
    sampler: str = DEFAULT_SAMPLER

    model_name: ClassVar[str] = "classifier_fn"

    @classmethod
    def build(cls, explainer: TextSource, options: Options) -> TextPlan:
        """Check one call's options and bind them to ``explainer``.

        ``num_samples`` stays an :class:`~limette.AutoSamples` rule for ``"auto"`` (each
        instance then samples in batches and stops on its own).
        """
        return cls(
            explainer=explainer,
            fit=options.fit(explainer.random_state),
            num_samples=check_num_samples(options.num_samples),
            sampler=check_sampler(options.sampler),
        )

    def draws(self, instance: Any, rng: np.random.Generator) -> Draws:
        """lime's text sampling: a uniformly drawn number of words switched off."""
        indexed = self.explainer.index(instance)
        setup = Setup(indexed.num_features, indexed.compose, indexed)
        return binary_draws(UniformCountSampler(scheme=self.sampler), setup, self.weigh, rng)

    def weigh(self, samples: np.ndarray) -> np.ndarray:
        distances = text_distances(samples, self.fit.distance_metric)
        return np.asarray(self.explainer.kernel_fn(100.0 * distances))

    def instances(self, texts: Any) -> Sequence[Any]:
        return documents(texts)

    def batch_size(self, instances: Sequence[Any], given: int | None) -> int | None:
        return default_batch_size(instances) if given is None else given

    compose = staticmethod(compose_deferred)

    def finish(
        self,
        neighbourhood: Neighbourhood,
        outputs: np.ndarray,
        extra: Mapping[str, Any] | None = None,
    ) -> TextExplanation:
        explainer, indexed = self.explainer, neighbourhood.state
        fields = self.fit.fields(
            neighbourhood,
            outputs,
            classification=self.classification,
            feature_selection=explainer.feature_selection,
        )
        return TextExplanation(
            feature_names=indexed.words,
            feature_values=("True",) * indexed.num_features,
            class_names=None if explainer.class_names is None else tuple(explainer.class_names),
            text=indexed.text,
            positions=indexed.positions(),
            metadata={
                **self.fit.metadata(explainer),
                **text_options(explainer),
                "sampler": self.sampler,
                **(extra or {}),
            },
            **fields,
        )


def text_options(explainer: TextSource) -> dict[str, Any]:
    """The text options recorded in every explanation's metadata."""
    return {
        "bow": explainer.bow,
        "char_level": explainer.char_level,
        "mask_string": explainer.mask_string,
        "split_expression": describe_split(explainer.split_expression),
    }


def describe_split(split_expression: SplitExpression) -> str:
    """A regular expression's pattern, or ``"callable"``."""
    if isinstance(split_expression, re.Pattern):
        return split_expression.pattern
    return split_expression if isinstance(split_expression, str) else "callable"


def text_distances(samples: np.ndarray, metric: str | Callable[..., Any]) -> np.ndarray:
    """Distance of every binary row to the all-ones instance.

    For 0/1 rows the cosine similarity to a row of ones is ``sqrt(kept / d)``; a row with
    nothing kept has distance 1, as in scikit-learn.
    """
    if metric != "cosine":
        return np.asarray(get_distance(metric)(samples), dtype=float)
    kept = samples.sum(axis=1)
    return np.asarray(1.0 - np.sqrt(kept / samples.shape[1]))


def documents(texts: Any) -> Sequence[Any]:
    """``explain_many``'s documents as a sequence (each is checked by ``prepare``)."""
    if isinstance(texts, str):
        raise InputError("texts must be a sequence of documents; got one str (use explain)")
    try:
        return texts if isinstance(texts, Sequence) else list(texts)
    except TypeError:
        raise InputError(
            f"texts must be a sequence of documents; got {type(texts).__name__}"
        ) from None


def default_batch_size(texts: Sequence[Any]) -> int:
    """Documents per model call: as many as fit in :data:`BATCH_BYTES` of the longest text."""
    longest = max((len(t.encode("utf-8")) for t in texts if isinstance(t, str)), default=1)
    return max(1, BATCH_BYTES // max(1, longest))
