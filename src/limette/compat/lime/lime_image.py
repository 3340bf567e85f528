"""lime's ``lime_image``: ``LimeImageExplainer`` and ``ImageExplanation``.

A thin layer over :class:`limette.ImageExplainer` with lime's positional order
(``hide_color`` before ``top_labels``), defaults (quickshift segments with
``kernel_size=4, max_dist=200, ratio=0.2``; ``top_labels=5``; ``batch_size=10``) and
``random_seed`` (the segmentation's seed, drawn from the explainer's random state when
omitted, as lime does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from ...image import ImageExplainer
from ...image.explanation import ImageExplanation as NativeImageExplanation
from ...image.segmentation import quickshift
from ._seeding import check_random_state, draw_seed
from .explanation import fill_from_limette

__all__ = ["ImageExplanation", "LimeImageExplainer"]


class ImageExplanation:
    """lime's image explanation: ``image``, ``segments``, ``local_exp``, ``intercept``,
    ``score``, ``local_pred``, ``top_labels`` and :meth:`get_image_and_mask`."""

    def __init__(self, image: Any, segments: Any) -> None:
        self.image = image
        self.segments = segments
        self.intercept: dict[int, float] = {}
        self.local_exp: dict[int, list[tuple[int, float]]] = {}
        self.local_pred: np.ndarray | None = None
        self.score: float | None = None
        self.top_labels: list[int] | None = None
        self.limette: NativeImageExplanation | None = None

    def get_image_and_mask(
        self,
        label: int,
        positive_only: bool = True,
        negative_only: bool = False,
        hide_rest: bool = False,
        num_features: int = 5,
        min_weight: float = 0.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """lime's ``(image, mask)`` for ``label`` (see
        :meth:`limette.ImageExplanation.get_image_and_mask`)."""
        if label not in self.local_exp:
            raise KeyError("Label not in explanation")
        if self.limette is None:
            raise KeyError("this explanation was not made by a limette explainer")
        return self.limette.get_image_and_mask(
            label, positive_only, negative_only, hide_rest, num_features, min_weight
        )


class LimeImageExplainer:
    """lime's image explainer (same arguments, order and defaults) over limette's.

    ``limette`` is the underlying :class:`limette.ImageExplainer`.
    """

    def __init__(
        self,
        kernel_width: float = 0.25,
        kernel: Callable[..., Any] | None = None,
        verbose: bool = False,
        feature_selection: str = "auto",
        random_state: Any = None,
    ) -> None:
        self.random_state = check_random_state(random_state)
        self.verbose = verbose
        self.feature_selection = feature_selection
        self.limette = ImageExplainer(
            kernel_width=kernel_width, kernel=kernel, feature_selection=feature_selection
        )

    def explain_instance(
        self,
        image: Any,
        classifier_fn: Callable[[Any], Any],
        labels: Sequence[int] = (1,),
        hide_color: Any = None,
        top_labels: int | None = 5,
        num_features: int = 100000,
        num_samples: int = 1000,
        batch_size: int = 10,
        segmentation_fn: Any = None,
        distance_metric: str = "cosine",
        model_regressor: Any = None,
        random_seed: int | None = None,
    ) -> ImageExplanation:
        """Explain ``classifier_fn``'s prediction for ``image`` (lime's arguments)."""
        if random_seed is None:
            random_seed = int(self.random_state.randint(0, 1000))
        if segmentation_fn is None:
            segmentation_fn = partial(
                quickshift, kernel_size=4, max_dist=200, ratio=0.2, random_seed=random_seed
            )
        native = self.limette.explain(
            image,
            classifier_fn,
            labels=list(labels) if labels is not None else None,
            top_labels=top_labels,
            hide_color=hide_color,
            num_features=num_features,
            num_samples=num_samples,
            batch_size=batch_size,
            segmentation_fn=segmentation_fn,
            distance_metric=distance_metric,
            model_regressor=model_regressor,
            random_state=draw_seed(self.random_state),
        )
        result = ImageExplanation(native.image, native.segments)
        fill_from_limette(result, native, self.verbose)
        return result
