"""A path of 0.1, kept: the names of :mod:`limette.image.explanation`."""

from .image.explanation import ImageExplanation

__all__ = [
    "ImageExplanation",
]
