"""A path of 0.1, kept: the names of :mod:`limette.image.segmentation`."""

from .image.segmentation import (
    DEFAULT_SEGMENTER,
    SEGMENTERS,
    Segmenter,
    count_segments,
    felzenszwalb,
    get_segmenter,
    grid,
    quickshift,
    relabel,
    slic,
    watershed,
)

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
