"""The result of an image explanation: weights per segment plus the image and its segments."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from ..explanation import Explanation

__all__ = ["ImageExplanation"]


@dataclass(frozen=True, eq=False)
class ImageExplanation(Explanation):
    """An :class:`~limette.Explanation` whose features are the segments of an image.

    Feature ``j`` is segment ``j`` of :attr:`segments`; :meth:`as_map` gives
    ``{label: [(segment, weight), ...]}`` as lime's ``local_exp`` does.

    Attributes
    ----------
    segments : ndarray of int, shape (H, W)
        Segment id ``0..d-1`` of every pixel.
    image : ndarray of shape (H, W, 3)
        The explained image (on the host, in its own dtype).
    """

    segments: np.ndarray | None = None
    image: np.ndarray | None = None

    kind: ClassVar[str] = "image"

    def downscaled(self, max_side: int) -> ImageExplanation:
        """A copy whose image and segments fit in ``max_side × max_side`` pixels (blocks of
        the image averaged, each block's centre segment kept), for reports; the same weights.
        Itself when it is that small already or holds no image.

        Examples
        --------
        >>> import numpy as np
        >>> from limette import ImageExplanation
        >>> big = ImageExplanation(
        ...     labels=(0,), coef=np.ones((1, 1)), intercept=np.zeros(1), score=np.ones(1),
        ...     local_pred=np.ones(1), feature_names=("0",), feature_values=np.ones(1),
        ...     selected=np.ones((1, 1), bool), model_output=np.ones(1),
        ...     segments=np.zeros((900, 600), int), image=np.zeros((900, 600, 3), np.uint8))
        >>> big.downscaled(300).image.shape
        (300, 200, 3)
        """
        if self.segments is None or self.image is None:
            return self
        from .plot import shrink

        segments, image = shrink(np.asarray(self.segments), np.asarray(self.image), max_side)
        if segments.shape == np.shape(self.segments):
            return self
        metadata = {**self.metadata, "downscaled_from": list(np.shape(self.segments))}
        return replace(self, segments=segments, image=image, metadata=metadata)

    def image_and_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """The explained image and its segment labels (an error when they were not kept)."""
        if self.segments is None or self.image is None:
            raise InputError("this explanation holds no image and segments to draw on")
        return np.asarray(self.image), np.asarray(self.segments)

    def ranked_segments(self, label: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Segments by decreasing absolute weight (lime's ``local_exp[label]``) and weights."""
        row = self.label_row(label)
        order = self.feature_order(row)
        return order, self.coef[row, order]

    def get_image_and_mask(
        self,
        label: int,
        positive_only: bool = True,
        negative_only: bool = False,
        hide_rest: bool = False,
        num_features: int = 5,
        min_weight: float = 0.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """lime's ``(image, mask)`` for ``label``, for ``skimage.segmentation.mark_boundaries``.

        With ``positive_only`` (or ``negative_only``) the mask is 1 on the ``num_features``
        strongest segments with weight above ``min_weight`` (below ``-min_weight``); with
        both False it is +1/-1 on the strongest segments, which are also tinted green or
        red in the image. ``hide_rest`` blacks out every other pixel.
        """
        if positive_only and negative_only:
            raise InputError("positive_only and negative_only cannot both be True")
        image, segments = self.image_and_segments()
        ranked, weights = self.ranked_segments(label)
        d = len(self.feature_names)
        value = np.zeros(d, dtype=segments.dtype)
        if positive_only or negative_only:
            if positive_only:
                keep = (weights > 0) & (weights > min_weight)
            else:
                keep = (weights < 0) & (np.abs(weights) > min_weight)
            value[ranked[keep][:num_features]] = 1
            channel = None
        else:
            top, top_weights = ranked[:num_features], weights[:num_features]
            shown = np.abs(top_weights) >= min_weight
            value[top[shown]] = np.where(top_weights[shown] < 0, -1, 1)
            channel = np.full(d, -1)
            channel[top[shown]] = np.where(top_weights[shown] < 0, 0, 1)
        mask = value[segments]
        picture = np.zeros(image.shape) if hide_rest else image.copy()
        chosen = mask != 0
        picture[chosen] = image[chosen]
        if channel is not None:
            rows, cols = np.nonzero(chosen)
            picture[rows, cols, channel[segments[chosen]]] = np.max(image)
        return picture, mask

    def heatmap(self, label: int | None = None) -> np.ndarray:
        """Per-pixel weight ``(H, W)``: each pixel carries its segment's weight for ``label``."""
        _, segments = self.image_and_segments()
        return np.asarray(self.coef[self.label_row(label)][segments])

    def overlay(self, label: int | None = None, **kwargs: Any) -> np.ndarray:
        """The image with positive segments tinted green and negative violet, as uint8 RGB.

        Keyword arguments go to :func:`limette.plot_image.render_overlay`.
        """
        from .plot import render_overlay

        return render_overlay(self, label, **kwargs)

    def as_pyplot_figure(self, label: int | None = None, **kwargs: Any) -> Any:
        """A matplotlib figure: the image, the overlay and the heatmap for ``label``."""
        from .plot import image_figure

        return image_figure(self, label, **kwargs)
