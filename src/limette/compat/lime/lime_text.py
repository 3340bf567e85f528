"""lime's ``lime_text``: ``LimeTextExplainer``, ``IndexedString``, ``IndexedCharacters``.

The explainer is a thin layer over :class:`limette.TextExplainer` (lime's sampling:
a uniform number of words removed, cosine kernel of width 25); ``IndexedString`` and
``IndexedCharacters`` are lime's views of limette's :func:`~limette.text.tokens.index_text`
cut of a document (the same pieces, vocabulary and positions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...text import TextExplainer, TextExplanation
from ...text.tokens import IndexedText, index_text
from ._seeding import check_random_state, draw_seed
from .explanation import DomainMapper, Explanation

__all__ = ["IndexedCharacters", "IndexedString", "LimeTextExplainer", "TextDomainMapper"]


class IndexedString:
    """A document cut into words and separators, with lime's attributes.

    Attributes: ``raw`` (the text), ``as_list``/``as_np`` (the pieces), ``string_start``
    (the offset of each piece), ``inverse_vocab`` (the word of each feature),
    ``positions`` (the pieces of each feature: lists with ``bow``, one array otherwise),
    ``bow`` and ``mask_string``.

    Examples
    --------
    >>> s = IndexedString("a cat, a dog")
    >>> s.inverse_vocab, s.inverse_removing([1])
    (['a', 'cat', 'dog'], 'a , a dog')
    """

    _char_level = False

    def __init__(
        self,
        raw_string: str,
        split_expression: str | re.Pattern[str] | Callable[[str], Sequence[str]] = r"\W+",
        bow: bool = True,
        mask_string: str | None = None,
    ) -> None:
        self._build(index_text(raw_string, split_expression, bow, mask_string, self._char_level))

    def _build(self, indexed: IndexedText) -> None:
        self.indexed = indexed
        self.raw = indexed.text
        self.bow = indexed.mask_string is None
        default = chr(0) if self._char_level else "UNKWORDZ"
        self.mask_string = default if self.bow else indexed.mask_string
        self.as_list = list(indexed.pieces)
        self.as_np = np.array(self.as_list)
        self.string_start = indexed.starts
        self.inverse_vocab = list(indexed.words)
        pieces: list[list[int]] = [[] for _ in indexed.words]
        for piece, feature in enumerate(indexed.owner.tolist()):
            if feature >= 0:
                pieces[feature].append(piece)
        self.positions: Any = pieces if self.bow else np.array([p[0] for p in pieces])

    def raw_string(self) -> str:
        """The original document."""
        return self.raw

    def num_words(self) -> int:
        """Number of features."""
        return len(self.inverse_vocab)

    def word(self, id_: int) -> str:
        """The word of feature ``id_``."""
        return self.inverse_vocab[id_]

    def string_position(self, id_: int) -> np.ndarray:
        """Character offsets of the occurrences of feature ``id_``."""
        return np.asarray(self.string_start[np.atleast_1d(self.positions[id_])])

    def inverse_removing(self, words_to_remove: Sequence[int]) -> str:
        """The document without the features ``words_to_remove`` (masked when not ``bow``)."""
        keep = np.ones((1, self.num_words()), dtype=bool)
        keep[0, list(words_to_remove)] = False
        return self.indexed.compose(keep)[0]


class IndexedCharacters(IndexedString):
    """A document cut into characters, each a feature (lime's ``char_level``)."""

    _char_level = True

    def __init__(self, raw_string: str, bow: bool = True, mask_string: str | None = None) -> None:
        self._build(index_text(raw_string, bow=bow, mask_string=mask_string, char_level=True))


class TextDomainMapper(DomainMapper):
    """Feature ids of a text explanation to words (``word_3-40`` with ``positions``)."""

    def __init__(self, indexed_string: Any) -> None:
        self.indexed_string = indexed_string

    def map_exp_ids(
        self, exp: Sequence[tuple[int, float]], positions: bool = False, **kwargs: Any
    ) -> list[Any]:
        words = self.indexed_string
        if not positions:
            return [(words.word(i), weight) for i, weight in exp]
        return [
            (f"{words.word(i)}_{'-'.join(map(str, words.string_position(i)))}", weight)
            for i, weight in exp
        ]


class _ExplainedWords:
    """The words and offsets of a limette text explanation, read as an ``IndexedString``."""

    def __init__(self, native: TextExplanation) -> None:
        self.native = native

    def word(self, id_: int) -> str:
        return self.native.feature_names[id_]

    def string_position(self, id_: int) -> tuple[int, ...]:
        return self.native.positions[id_]

    def num_words(self) -> int:
        return len(self.native.feature_names)

    def raw_string(self) -> str:
        return self.native.text


class LimeTextExplainer:
    """lime's text explainer (same arguments, order and defaults) over limette's.

    ``limette`` is the underlying :class:`limette.TextExplainer`.
    """

    def __init__(
        self,
        kernel_width: float = 25,
        kernel: Callable[..., Any] | None = None,
        verbose: bool = False,
        class_names: Sequence[str] | None = None,
        feature_selection: str = "auto",
        split_expression: str | re.Pattern[str] | Callable[[str], Sequence[str]] = r"\W+",
        bow: bool = True,
        mask_string: str | None = None,
        random_state: Any = None,
        char_level: bool = False,
    ) -> None:
        self.random_state = check_random_state(random_state)
        self.verbose = verbose
        self.class_names = None if class_names is None else list(class_names)
        self.feature_selection = feature_selection
        self.bow = bow
        self.mask_string = mask_string
        self.split_expression = split_expression
        self.char_level = char_level
        self.limette = TextExplainer(
            kernel_width=kernel_width,
            kernel=kernel,
            class_names=class_names,
            feature_selection=feature_selection,
            split_expression=split_expression,
            bow=bow,
            mask_string=mask_string,
            char_level=char_level,
        )

    def explain_instance(
        self,
        text_instance: str,
        classifier_fn: Callable[[list[str]], Any],
        labels: Sequence[int] = (1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str = "cosine",
        model_regressor: Any = None,
    ) -> Explanation:
        """Explain ``classifier_fn``'s prediction for ``text_instance`` (lime's arguments)."""
        native = self.limette.explain(
            text_instance,
            classifier_fn,
            labels=list(labels) if labels is not None else None,
            top_labels=top_labels,
            num_features=num_features,
            num_samples=num_samples,
            distance_metric=distance_metric,
            model_regressor=model_regressor,
            random_state=draw_seed(self.random_state),
        )
        return Explanation.from_limette(
            native, TextDomainMapper(_ExplainedWords(native)), self.verbose
        )
