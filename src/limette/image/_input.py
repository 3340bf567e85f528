"""The image explainer's boundary: check the image and the segments, build the baseline.

Everything here runs once per explanation on the host; the per-sample work (composition)
is :func:`limette.compose.mask_compose`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.ndimage import gaussian_filter

from .._validation import check_finite
from ..compose import is_torch
from ..errors import InputError
from .segmentation import Segmenter, count_segments, get_segmenter, relabel

#: Gaussian blur of ``hide_color="blur"``: sigma as a fraction of the longer image side.
BLUR_FRACTION = 1.0 / 16.0


def to_numpy(value: Any) -> np.ndarray:
    """A host NumPy array of ``value`` (NumPy, array-like or a torch tensor on any device)."""
    if is_torch(value):
        return np.asarray(value.detach().cpu().numpy())
    return np.asarray(value)


def check_image(image: Any) -> np.ndarray:
    """The image as an ``H×W×3`` NumPy array of its own dtype (grayscale repeated, as lime).

    Accepts integer (uint8, ...) and floating images, ``H×W`` or ``H×W×3``, finite.
    """
    array = to_numpy(image)
    kind = array.dtype.kind
    if kind not in "uif":
        raise InputError(
            f"image must hold integers (such as uint8) or floats; got dtype {array.dtype}"
        )
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] != 3:
        raise InputError(
            "image must have shape (H, W) (grayscale) or (H, W, 3) (channels last); "
            f"got an array of shape {array.shape}"
        )
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise InputError(f"image is empty; got an array of shape {array.shape}")
    if kind == "f":
        check_finite(array, "image")
    return array


def segment(
    image: np.ndarray, segmentation_fn: Any, default: Segmenter
) -> tuple[np.ndarray, int, str]:
    """Label image (``0..d-1``), segment count ``d >= 2`` and a description of the segmenter.

    ``segmentation_fn`` is a segmenter name, a callable ``image -> labels`` or a label mask.
    """
    if segmentation_fn is None:
        segmenter, name = default, getattr(default, "__name__", type(default).__name__)
    elif isinstance(segmentation_fn, str):
        segmenter, name = get_segmenter(segmentation_fn), segmentation_fn
    elif callable(segmentation_fn):
        segmenter = segmentation_fn
        name = getattr(segmentation_fn, "__name__", type(segmentation_fn).__name__)
    else:
        segmenter, name = (lambda _: to_numpy(segmentation_fn)), "user mask"
    labels = to_numpy(segmenter(image))
    if labels.shape != image.shape[:2]:
        raise InputError(
            f"the segmentation must have the image's shape {image.shape[:2]}; "
            f"got {labels.shape} from {name}"
        )
    segments = relabel(labels)
    d = count_segments(segments)
    if d < 2:
        raise InputError(
            f"the segmentation ({name}) found a single segment: nothing to explain. "
            "Use a finer segmentation_fn (for example 'grid' or 'slic' with more n_segments)"
        )
    return segments, d, str(name)


def segment_means(image: np.ndarray, segments: np.ndarray, d: int) -> np.ndarray:
    """Each pixel replaced by its segment's mean colour (lime's ``hide_color=None``)."""
    flat = segments.ravel()
    counts = np.bincount(flat, minlength=d)
    pixels = image.reshape(-1, 3).astype(np.float64)
    sums = np.stack([np.bincount(flat, pixels[:, c], minlength=d) for c in range(3)], axis=1)
    means = sums / counts[:, None]
    return means[segments].astype(image.dtype)


def _blur(image: np.ndarray) -> np.ndarray:
    sigma = BLUR_FRACTION * max(image.shape[:2])
    blurred = gaussian_filter(image.astype(np.float64), sigma=(sigma, sigma, 0))
    if image.dtype.kind in "ui":
        blurred = np.rint(blurred)
    return blurred.astype(image.dtype)


def _cast(values: np.ndarray, dtype: np.dtype, what: str) -> np.ndarray:
    check_finite(values.astype(np.float64), "hide_color")
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        if values.min() < info.min or values.max() > info.max:
            raise InputError(
                f"hide_color {what} has values outside the range of the image's dtype {dtype} "
                f"({info.min}..{info.max}); got {values.min()}..{values.max()}"
            )
    return values.astype(dtype)


def baseline(image: np.ndarray, segments: np.ndarray, d: int, hide_color: Any) -> np.ndarray:
    """What a hidden segment shows, broadcastable against ``image`` and of its dtype.

    ``None``: each segment's mean colour (lime); a number or an RGB triple: that colour;
    ``'blur'``: a Gaussian-blurred copy; an ``H×W`` or ``H×W×3`` array: that image.
    """
    if hide_color is None:
        return segment_means(image, segments, d)
    if isinstance(hide_color, str):
        if hide_color != "blur":
            raise InputError(
                f"hide_color={hide_color!r} is not known; use None (segment means), 'blur', "
                "a number, an RGB triple or a baseline image"
            )
        return _blur(image)
    try:
        values = to_numpy(hide_color).astype(np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(f"hide_color must be numeric; got {hide_color!r}") from error
    if values.shape in {(), (1,), (3,)}:
        return _cast(values, image.dtype, "colour")
    if values.shape == image.shape[:2]:
        values = np.repeat(values[..., None], 3, axis=2)
    if values.shape != image.shape:
        raise InputError(
            "hide_color must be None, 'blur', a number, an RGB triple or an image of shape "
            f"{image.shape[:2]} or {image.shape}; got an array of shape {values.shape}"
        )
    return _cast(values, image.dtype, "image")
