"""The tabular explainer's plan: its rows, their perturbations and their explanation.

Built from the explainer's public learned state (``row_encoder_``, ``sampler_``,
``kernel_fn``, ``discretizer``, names): ``draws`` samples one row's perturbations from
one stream (a fixed ``num_samples`` draws once, ``"auto"`` in batches), ``compose`` turns
queued rows of one or more instances into one model input (a DataFrame when the explainer
was built on one), and ``finish`` fits the surrogate and packages the
:class:`Explanation`. ``explain`` and ``explain_many`` both run through these
(:mod:`limette.engine.run`), so they share every line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .._validation import check_sample_memory, lookup
from ..engine.adaptive import AutoSamples, Draw
from ..engine.chunk import Neighbourhood
from ..engine.plan import FitOptions
from ..engine.run import Draws, ModePlan, Options, SamplingPlan, check_num_samples
from ..engine.shared import SharedNeighbourhood
from ..engine.workspace import empty, joined
from ..errors import InputError
from ..explanation import Explanation
from ..kernels import exponential_kernel, get_distance, lime_kernel
from ..sampling import SCHEMES, uniform_stream
from ._sampling import CONTINUOUS_SAMPLERS, DEFAULT_SAMPLER
from ._shared import draw_shared, neighbourhood_with, shareable


class TabularSource(Protocol):
    """What the plan reads of its explainer: the public learned state of a
    :class:`~limette.tabular.TabularExplainer`. A protocol, so that the plan never imports
    its explainer."""

    categorical_features: Any
    categorical_names: Any
    class_names: Any
    classification_: Any
    discretizer: Any
    feature_names: Any
    feature_selection: Any
    kernel_fn: Any
    kernel_width: Any
    random_state: Any
    row_encoder_: Any
    sample_around_instance: Any
    sampler_: Any


@dataclass(frozen=True)
class TabularOptions(Options):
    """:class:`~limette.engine.run.Options` with how continuous features are drawn."""

    sampling_method: str = "gaussian"


@dataclass(frozen=True, eq=False)
class TabularPlan(ModePlan, SamplingPlan):
    """One call's options, bound to an explainer; picklable, shipped once per worker."""

    explainer: TabularSource
    fit: FitOptions
    num_samples: Any
    sampling_method: str
    sampler: str = DEFAULT_SAMPLER

    @classmethod
    def build(cls, explainer: TabularSource, options: TabularOptions) -> TabularPlan:
        """Check one call's options and bind them to ``explainer``.

        ``num_samples`` stays an :class:`~limette.AutoSamples` rule for ``"auto"`` (each
        instance then samples in batches and stops on its own).
        """
        lookup(CONTINUOUS_SAMPLERS, options.sampling_method, "sampling_method")
        lookup({**SCHEMES, "glime": None}, options.sampler, "sampler")
        tilt_width(explainer, options.sampler, options.distance_metric)
        num_samples = check_num_samples(options.num_samples)
        if not isinstance(num_samples, AutoSamples):
            check_sample_memory(num_samples, len(explainer.feature_names))
        return cls(
            explainer=explainer,
            fit=options.fit(explainer.random_state),
            num_samples=num_samples,
            sampling_method=options.sampling_method,
            sampler=options.sampler,
        )

    @property
    def feature_names(self) -> Sequence[str] | None:  # type: ignore[override]
        return self.explainer.feature_names

    def instances(self, instances: Any) -> Sequence[Any]:
        return self.explainer.row_encoder_.rows(instances)

    def draws(self, instance: Any, rng: np.random.Generator) -> Draws:
        explainer = self.explainer
        row = explainer.row_encoder_.encode(instance)
        new_draw, weigh = row_draws(
            explainer, row, rng, self.sampler, self.sampling_method, self.fit.distance_metric
        )
        return Draws(new_draw, weigh, explainer.row_encoder_.decode, row)

    def shared(self, rng: np.random.Generator) -> SharedNeighbourhood | None:
        """Rows ``1..n-1``, the same for every instance in lime's default setting."""
        explainer = self.explainer
        tilt = tilt_width(explainer, self.sampler, self.fit.distance_metric)
        around = explainer.sample_around_instance
        if not isinstance(self.num_samples, int):  # "auto" draws per instance
            return None
        if not shareable(self.sampler, tilt, explainer.discretizer is not None, around):
            return None
        d = len(explainer.feature_names)
        table = explainer.sampler_
        return draw_shared(table, d, self.num_samples, rng, self.sampler, self.sampling_method)

    def prepare_with(self, shared: SharedNeighbourhood, instance: Any) -> Neighbourhood:
        explainer = self.explainer
        row = explainer.row_encoder_.encode(instance)
        table, kernel = explainer.sampler_, explainer.kernel_fn
        return neighbourhood_with(table, shared, row, kernel, self.fit.distance_metric)

    def compose(self, pieces: list[Any]) -> Any:
        rows = pieces[0] if len(pieces) == 1 else joined(pieces)
        if rows is None:  # not back to back in one block: copied into one array
            rows = empty((sum(len(piece) for piece in pieces), pieces[0].shape[1]))
            np.concatenate(pieces, out=rows)
        return self.explainer.row_encoder_.decode(rows)

    def finish(
        self,
        neighbourhood: Neighbourhood,
        outputs: np.ndarray,
        extra: Mapping[str, Any] | None = None,
    ) -> Explanation:
        explainer = self.explainer
        fields = self.fit.fields(
            neighbourhood,
            outputs,
            classification=self.classification,
            feature_selection=explainer.feature_selection,
        )
        names, values = describe(explainer, neighbourhood.state)
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
                **(extra or {}),
            },
            **fields,
        )


def row_draws(
    explainer: TabularSource,
    row: np.ndarray,
    rng: np.random.Generator,
    sampler: str,
    sampling_method: str,
    distance_metric: str | Callable[..., Any],
) -> tuple[Callable[[], Draw], Callable[..., np.ndarray]]:
    """``new_draw()``, which starts a stream of perturbations of ``row`` and returns its
    ``draw(n, first)`` (one stream per replicate of ``num_samples="auto"``), and
    ``weigh(samples)``."""
    lookup({**SCHEMES, "glime": None}, sampler, "sampler")
    tilt = tilt_width(explainer, sampler, distance_metric)
    table = explainer.sampler_
    scheme, width = DEFAULT_SAMPLER if tilt is not None else sampler, table.uniform_width(len(row))
    around = explainer.sample_around_instance
    kernel_fn = explainer.kernel_fn

    def new_draw() -> Draw:
        stream = uniform_stream(scheme, width, rng)

        def draw(n: int, first: bool) -> tuple[np.ndarray, np.ndarray]:
            return table.sample(
                row, n, rng, sampling_method, around, tilt_width=tilt, first=first, stream=stream
            )

        return draw

    def weigh(samples: np.ndarray) -> np.ndarray:
        if tilt is not None:
            return np.ones(len(samples))
        return np.asarray(kernel_fn(get_distance(distance_metric)(samples)))

    return new_draw, weigh


def tilt_width(explainer: TabularSource, sampler: str, distance_metric: Any) -> float | None:
    """The kernel width GLIME tilts by, or ``None`` for the other samplers."""
    if sampler != "glime":
        return None
    kernel = getattr(explainer.kernel_fn, "func", None)
    if kernel not in (lime_kernel, exponential_kernel) or distance_metric != "euclidean":
        raise InputError(
            "sampler='glime' needs lime's kernel and distance_metric='euclidean' (the "
            "tilted distribution is known in closed form only for them); got "
            f"kernel={getattr(kernel, '__name__', kernel)!r}, "
            f"distance_metric={distance_metric!r}"
        )
    return float(explainer.kernel_width)


def describe(explainer: TabularSource, row: np.ndarray) -> tuple[list[str], list[str]]:
    """The explained row's feature names (bins, categories) and values, as lime shows them."""
    names = list(explainer.feature_names)
    values = [f"{value:.2f}" for value in row]
    for i in explainer.categorical_features:
        code = int(row[i])
        label = explainer.categorical_names.get(i, [])
        shown = label[code] if code < len(label) else str(code)
        names[i] = f"{names[i]}={shown}"
        values[i] = "True"
    discretizer = explainer.discretizer
    if discretizer is not None:
        bins = discretizer.discretize_columns(row[None, discretizer.features_])[0]
        for feature, names_of_bins, b in zip(discretizer.features_, discretizer.names_, bins):
            names[feature] = names_of_bins[b]
    return names, values
