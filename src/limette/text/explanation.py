"""The explanation of a document: :class:`TextExplanation`, and its panel in reports."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import ClassVar

from ..explanation import Explanation
from ..views.report import register_section
from ._highlight import highlight_html

__all__ = ["TextExplanation"]


@dataclass(frozen=True, eq=False)
class TextExplanation(Explanation):
    """An :class:`Explanation` of a document, with where each feature occurs in it.

    Attributes
    ----------
    text : str
        The explained document.
    positions : tuple of tuple of int
        Character offsets of the occurrences of each feature (one with positional
        features, every occurrence of the word with ``bow``).
    """

    text: str = ""
    positions: tuple[tuple[int, ...], ...] = ()

    kind: ClassVar[str] = "text"

    def as_list(self, label: int | None = None, positions: bool = False) -> list[tuple[str, float]]:
        """``[(word, weight), ...]`` by decreasing absolute weight.

        With ``positions=True`` words read ``word_3-40`` (their offsets), as in lime.
        """
        row = self.label_row(label)
        order = self.feature_order(row)
        if not positions:
            return [(self.feature_names[j], float(self.coef[row, j])) for j in order]
        return [
            (
                f"{self.feature_names[j]}_{'-'.join(map(str, self.positions[j]))}",
                float(self.coef[row, j]),
            )
            for j in order
        ]

    def spans(self, label: int | None = None) -> list[tuple[int, int, float]]:
        """``(start, length, weight)`` of every occurrence of every explained word."""
        row = self.label_row(label)
        return [
            (start, len(self.feature_names[j]), float(self.coef[row, j]))
            for j in self.feature_order(row)
            for start in self.positions[j]
        ]

    def highlight_html(self, label: int | None = None) -> str:
        """The document as escaped HTML, explained words coloured by sign and weight."""
        return highlight_html(self.text, self.spans(label))

    def details_html(self) -> str:
        """One highlighted copy of the document per explained label."""
        return "".join(
            f"<h3>Words in the document for {escape(self.label_name(label))}</h3>"
            f"{self.highlight_html(label)}"
            for label in self.labels
        )


@register_section("text")
def _document_section(explanation: Explanation, label: int) -> str:
    """The report's panel for one label: the document with its words highlighted."""
    if not isinstance(explanation, TextExplanation):
        return ""
    return explanation.highlight_html(label)
