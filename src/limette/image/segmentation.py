"""Segmenters: split an image into superpixels, the interpretable features of image LIME.

Every segmenter maps an ``H×W`` or ``H×W×3`` image to an ``H×W`` integer label image
whose labels are exactly ``0..d-1`` (``d`` = :func:`count_segments`). Quickshift, SLIC,
Felzenszwalb and compact watershed come from scikit-image (imported only when used);
:func:`grid` needs nothing; :func:`relabel` turns any label mask a user already has into
that form.

The default, :data:`DEFAULT_SEGMENTER` (SLIC with 50 requested segments and compactness
20), gives about as many segments as lime's quickshift on a 224×224 photograph (47 vs 41
on chelsea) in about 8 % of its time; see ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .._validation import check_positive_int, lookup
from ..errors import InputError, MissingDependencyError

__all__ = [
    "DEFAULT_SEGMENTER",
    "SEGMENTERS",
    "Segmenter",
    "count_segments",
    "felzenszwalb",
    "get_segmenter",
    "grid",
    "quickshift",
    "relabel",
    "slic",
    "watershed",
]

Segmenter = Callable[[np.ndarray], np.ndarray]


def _skimage() -> Any:
    try:
        import skimage.segmentation
    except ImportError:
        raise MissingDependencyError(
            "this segmentation needs scikit-image: pip install 'limette[image]' "
            "(or use segmentation_fn='grid', which needs nothing)"
        ) from None
    return skimage


def _as_rgb(image: Any) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] != 3:
        raise InputError(f"image must have shape (H, W) or (H, W, 3); got {array.shape}")
    return array


def relabel(labels: Any) -> np.ndarray:
    """A user's label mask with its labels renumbered ``0..d-1`` (in increasing order).

    Examples
    --------
    >>> relabel([[5, 5, 9], [2, 2, 9]]).tolist()
    [[1, 1, 2], [0, 0, 2]]
    """
    array = np.asarray(labels)
    if array.ndim != 2 or array.size == 0:
        raise InputError(f"segments must be a non-empty 2-D label image; got shape {array.shape}")
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.bool_)):
        if not np.issubdtype(array.dtype, np.floating) or not np.all(array == np.round(array)):
            raise InputError(f"segments must hold integer labels; got dtype {array.dtype}")
    _, inverse = np.unique(array, return_inverse=True)
    return inverse.reshape(array.shape).astype(np.intp)


def count_segments(segments: np.ndarray) -> int:
    """The number of segments ``d`` of a label image with labels ``0..d-1``."""
    return int(np.max(segments)) + 1


def quickshift(
    image: Any,
    kernel_size: float = 4,
    max_dist: float = 200,
    ratio: float = 0.2,
    sigma: float = 0.0,
    random_seed: int = 42,
) -> np.ndarray:
    """Quickshift superpixels with lime's defaults (``kernel_size=4, max_dist=200, ratio=0.2``).

    About ten times slower than :func:`slic` for a similar number of segments.
    """
    skimage = _skimage()
    rgb = _as_rgb(image)
    labels = skimage.segmentation.quickshift(
        rgb, ratio=ratio, kernel_size=kernel_size, max_dist=max_dist, sigma=sigma, rng=random_seed
    )
    return relabel(labels)


def slic(
    image: Any, n_segments: int = 50, compactness: float = 20.0, sigma: float = 0.0
) -> np.ndarray:
    """SLIC superpixels (k-means in colour and position); the default segmenter.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((32, 32, 3)); image[:, 16:] = 1.0
    >>> count_segments(slic(image, n_segments=4))
    4
    """
    skimage = _skimage()
    n_segments = check_positive_int(n_segments, "n_segments")
    labels = skimage.segmentation.slic(
        _as_rgb(image), n_segments=n_segments, compactness=compactness, sigma=sigma, start_label=0
    )
    return relabel(labels)


def felzenszwalb(
    image: Any, scale: float = 200.0, sigma: float = 0.5, min_size: int = 50
) -> np.ndarray:
    """Felzenszwalb's graph-based segmentation (segments of uneven size and shape)."""
    skimage = _skimage()
    labels = skimage.segmentation.felzenszwalb(
        _as_rgb(image), scale=scale, sigma=sigma, min_size=min_size
    )
    return relabel(labels)


def watershed(image: Any, markers: int = 50, compactness: float = 0.001) -> np.ndarray:
    """Compact watershed of the Sobel gradient, seeded with ``markers`` regular markers."""
    _skimage()
    import skimage.color
    import skimage.filters
    import skimage.segmentation

    markers = check_positive_int(markers, "markers")
    gray = skimage.color.rgb2gray(_as_rgb(image).astype(np.float64))
    gradient = skimage.filters.sobel(gray)
    labels = skimage.segmentation.watershed(gradient, markers=markers, compactness=compactness)
    return relabel(labels)


def grid(image: Any, rows: int = 8, cols: int | None = None) -> np.ndarray:
    """Rectangular patches: ``rows × cols`` cells of (nearly) equal size; needs nothing.

    Examples
    --------
    >>> import numpy as np
    >>> grid(np.zeros((4, 6)), rows=2, cols=3).tolist()
    [[0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2], [3, 3, 4, 4, 5, 5], [3, 3, 4, 4, 5, 5]]
    """
    height, width = np.shape(image)[:2]
    rows = check_positive_int(rows, "rows")
    cols = rows if cols is None else check_positive_int(cols, "cols")
    row_of = np.arange(height) * rows // height
    col_of = np.arange(width) * cols // width
    return relabel(row_of[:, None] * cols + col_of[None, :])


SEGMENTERS: dict[str, Callable[..., np.ndarray]] = {
    "felzenszwalb": felzenszwalb,
    "grid": grid,
    "quickshift": quickshift,
    "slic": slic,
    "watershed": watershed,
}

#: The default segmenter: SLIC, as many segments as lime's quickshift at ~8 % of its cost.
DEFAULT_SEGMENTER: Segmenter = slic


def get_segmenter(segmenter: str | Segmenter | None = None, **params: Any) -> Segmenter:
    """A segmenter from a name (``'slic'``, ``'quickshift'``, ...) and its parameters.

    A callable (``image -> label image``, such as lime's ``SegmentationAlgorithm``) is
    returned as it is; ``None`` gives :data:`DEFAULT_SEGMENTER`.

    Examples
    --------
    >>> import numpy as np
    >>> count_segments(get_segmenter("grid", rows=4)(np.zeros((8, 8, 3))))
    16
    """
    if segmenter is None:
        segmenter = DEFAULT_SEGMENTER
    if callable(segmenter):
        return partial(segmenter, **params) if params else segmenter
    return partial(lookup(SEGMENTERS, segmenter, "segmentation_fn"), **params)
