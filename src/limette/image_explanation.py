"""A path of 0.1, kept: the names of :mod:`limette.image.explanation`."""

from .image.explanation import *  # noqa: F403
from .image.explanation import __all__ as __all__
