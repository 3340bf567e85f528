"""A path of 0.1, kept: the names of :mod:`limette.image.segmentation`."""

from .image.segmentation import *  # noqa: F403
from .image.segmentation import __all__ as __all__
