"""What every explainer's plan shares (see :mod:`limette.engine.chunk`).

:class:`FitOptions` holds one call's fitting options (seed, labels, surrogate, ...) and
turns a neighbourhood and the model's outputs into an explanation's fields;
:class:`Deferred` is a neighbourhood's model rows built only when a model call needs
them (perturbed documents, masked images), so memory is bounded by one batch;
:func:`concat_inputs` joins composed batches of several instances (lists, NumPy arrays
or torch tensors, which stay on their device).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._random import RandomState, resolve_seed, seed_entropy
from .._validation import check_positive_int
from ..compose import is_torch
from ..kernels import get_distance
from ..surrogates import Surrogate, as_surrogate
from .chunk import Neighbourhood
from .evaluate import explanation_fields


@dataclass(frozen=True, eq=False)
class FitOptions:
    """One call's options for the surrogate fit, checked once, shared by all instances."""

    seed: np.random.SeedSequence
    labels: Sequence[int] | None
    top_labels: int | None
    num_features: int
    distance_metric: str | Callable[..., Any]
    surrogate: Surrogate

    @classmethod
    def build(
        cls,
        default_state: RandomState,
        random_state: RandomState,
        labels: Sequence[int] | None,
        top_labels: int | None,
        num_features: int,
        distance_metric: str | Callable[..., Any],
        model_regressor: Any,
    ) -> FitOptions:
        """Check the options; ``random_state`` overrides the explainer's ``default_state``."""
        get_distance(distance_metric)  # an unknown name fails here, before any sampling
        return cls(
            seed=resolve_seed(default_state if random_state is None else random_state),
            labels=labels,
            top_labels=top_labels,
            num_features=check_positive_int(num_features, "num_features"),
            distance_metric=distance_metric,
            surrogate=as_surrogate(model_regressor),
        )

    def fields(
        self,
        hood: Neighbourhood,
        outputs: np.ndarray,
        *,
        classification: bool,
        feature_selection: str,
    ) -> dict[str, Any]:
        """The fitted fields of an :class:`~limette.explanation.Explanation`."""
        return explanation_fields(
            hood.samples,
            hood.weights,
            outputs,
            classification=classification,
            labels=self.labels,
            top_labels=self.top_labels,
            num_features=self.num_features,
            feature_selection=feature_selection,
            surrogate=self.surrogate,
        )

    def metadata(self, explainer: Any) -> dict[str, Any]:
        """The metadata every explainer records (``interval_level``: the surrogate's, if any)."""
        metric = self.distance_metric
        recorded = {
            "explainer": type(explainer).__name__,
            "seed": seed_entropy(self.seed),
            "kernel_width": explainer.kernel_width,
            "feature_selection": explainer.feature_selection,
            "distance_metric": metric if isinstance(metric, str) else "callable",
        }
        level = getattr(self.surrogate, "interval_level", None)
        if level is not None:  # the surrogate's own level of its intervals
            recorded["interval_level"] = float(level)
        return recorded


@dataclass(frozen=True, eq=False)
class Deferred:
    """Model rows ``compose(keep)`` not built yet; slicing slices ``keep`` only."""

    compose: Callable[[np.ndarray], Any]
    keep: np.ndarray

    def __len__(self) -> int:
        return len(self.keep)

    def __getitem__(self, rows: slice) -> Deferred:
        return Deferred(self.compose, self.keep[rows])

    def build(self) -> Any:
        """The composed rows (a list of texts, a batch of images, ...)."""
        return self.compose(self.keep)

    def extended(self, others: list[Deferred]) -> Deferred:
        """These rows followed by those of ``others`` (the same composer)."""
        return Deferred(self.compose, np.concatenate([self.keep, *(o.keep for o in others)]))


def concat_inputs(parts: list[Any]) -> Any:
    """Join composed batches in order: lists, NumPy arrays or torch tensors."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], list):
        return [item for part in parts for item in part]
    if is_torch(parts[0]):
        import torch

        return torch.cat(parts)
    return np.concatenate(parts)


def compose_deferred(pieces: list[Any]) -> Any:
    """A plan's ``compose`` for :class:`Deferred` inputs: build each piece, then join."""
    return concat_inputs([piece.build() for piece in pieces])
