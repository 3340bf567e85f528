"""Texts: :class:`TextExplainer` and :class:`TextExplanation`."""

from .explainer import TextExplainer, TextExplanation

__all__ = ["TextExplainer", "TextExplanation"]
