"""Images: :class:`ImageExplainer`, :class:`ImageExplanation`, segmenters and image plots."""

from .explainer import ImageExplainer
from .explanation import ImageExplanation

__all__ = ["ImageExplainer", "ImageExplanation"]
