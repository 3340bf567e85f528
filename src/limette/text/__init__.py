"""Texts: :class:`TextExplainer` and :class:`TextExplanation`."""

from .explainer import TextExplainer
from .explanation import TextExplanation

__all__ = ["TextExplainer", "TextExplanation"]
