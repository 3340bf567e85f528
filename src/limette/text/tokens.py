"""A document cut into pieces once, and the perturbed documents built from it in bulk.

:func:`index_text` reproduces lime's ``IndexedString`` and ``IndexedCharacters``: the
document is split into pieces (words and the separators between them, or characters),
and every word piece belongs to one interpretable feature (a distinct word with ``bow``,
one occurrence otherwise). :meth:`IndexedText.compose` then builds the perturbed
documents of a whole batch at once: the word occurrences are grouped in blocks of a few
consecutive ones, every way a block can read (each occurrence present or absent) is
written out once per document, and a batch is one gather of those variants by the bits
of the samples, one join and one slice per document. No Python work per sample grows with
the document's length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import InputError

__all__ = ["IndexedText", "index_text"]

SplitExpression = str | re.Pattern[str] | Callable[[str], Sequence[str]]


@dataclass(frozen=True, eq=False)
class IndexedText:
    """A document as pieces, with the feature each word piece belongs to.

    Attributes
    ----------
    text : str
    pieces : tuple of str
        The document cut into words and separators (or characters); they join to ``text``.
    owner : ndarray of int, shape (n_pieces,)
        Feature of each piece, ``-1`` for separators (always kept).
    words : tuple of str
        The word of each feature, in order of first appearance.
    mask_string : str or None
        What replaces an absent word (positional features only); ``None`` removes it.
    """

    text: str
    pieces: tuple[str, ...]
    owner: np.ndarray
    words: tuple[str, ...]
    mask_string: str | None

    @property
    def num_features(self) -> int:
        """Number of interpretable features ``d``."""
        return len(self.words)

    @property
    def starts(self) -> np.ndarray:
        """Character offset of every piece in ``text``."""
        lengths = np.fromiter((len(p) for p in self.pieces), dtype=np.int64, count=len(self.pieces))
        return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)

    def positions(self) -> tuple[tuple[int, ...], ...]:
        """Character offsets of every occurrence of every feature (lime's ``string_position``)."""
        starts = self.starts
        found: list[list[int]] = [[] for _ in self.words]
        for piece, feature in enumerate(self.owner.tolist()):
            if feature >= 0:
                found[feature].append(int(starts[piece]))
        return tuple(tuple(offsets) for offsets in found)

    def compose(self, keep: np.ndarray) -> list[str]:
        """The perturbed documents for a batch of 0/1 rows ``keep`` of shape ``(b, d)``."""
        return _compose(self._blocks, np.asarray(keep, dtype=bool))

    @cached_property
    def _blocks(self) -> _BlockTable:
        return _BlockTable.build(self)


#: Word occurrences per block of the composition table: ``2**BLOCK`` variants per block.
#: 6 was fastest on a 300-word document (fewer, longer pieces to join); documents with
#: very many words use 4 so the table stays small (4 strings per word instead of 11).
BLOCK, BLOCK_LARGE, LARGE = 6, 4, 20_000


@dataclass(frozen=True, eq=False)
class _BlockTable:
    """Every way each block of ``block`` consecutive word occurrences can read.

    The document is a prefix (separators before the first word) followed by blocks;
    each block is ``block`` occurrences, each followed by its separators. ``variants``
    holds, for block ``g`` and code ``c``, the block's text when occurrence ``j`` is
    present exactly where bit ``j`` of ``c`` is set (absent words removed, or replaced by
    the mask string), at index ``g * 2**block + c``; ``lengths`` holds their lengths.
    ``feature[j, g]`` is the feature of occurrence ``j`` of block ``g`` (``d`` for
    padding, always present). A batch of documents is then one gather of variant strings
    and one join.
    """

    feature: np.ndarray
    variants: np.ndarray
    lengths: np.ndarray
    block: int

    @classmethod
    def build(cls, indexed: IndexedText) -> _BlockTable:
        words: list[str] = []
        features: list[int] = []
        tails: list[str] = []
        prefix = ""
        for piece, feature in zip(indexed.pieces, indexed.owner.tolist()):
            if feature >= 0:
                words.append(piece)
                features.append(feature)
                tails.append("")
            elif tails:
                tails[-1] += piece
            else:
                prefix += piece
        size = BLOCK if len(words) <= LARGE else BLOCK_LARGE
        padding = -len(words) % size
        words += [""] * padding
        tails += [""] * padding
        features += [indexed.num_features] * padding
        absent = indexed.mask_string or ""
        variants: list[str] = []
        for start in range(0, len(words), size):
            block = [""]
            for j in range(start, start + size):
                kept, dropped = words[j] + tails[j], absent + tails[j]
                # the new occurrence is the highest bit so far: bit j of a code is occurrence j
                block = [text + dropped for text in block] + [text + kept for text in block]
            if start == 0:
                block = [prefix + text for text in block]
            variants += block
        table = np.array(variants, dtype=object)
        lengths = np.fromiter(map(len, variants), dtype=np.int64, count=len(variants))
        feature = np.array(features, dtype=np.intp).reshape(-1, size).T.copy()
        return cls(feature, table, lengths, size)


def _compose(table: _BlockTable, keep: np.ndarray) -> list[str]:
    b = keep.shape[0]
    present = np.concatenate([keep, np.ones((b, 1), dtype=bool)], axis=1).view(np.uint8)
    codes = present[:, table.feature[0]]
    for j in range(1, table.block):
        codes |= present[:, table.feature[j]] << j
    index = (np.arange(codes.shape[1]) << table.block) + codes
    joined = "".join(table.variants[index].ravel().tolist())
    ends = np.cumsum(table.lengths[index].sum(axis=1)).tolist()
    return [joined[begin:end] for begin, end in zip([0, *ends[:-1]], ends)]


def index_text(
    text: str,
    split_expression: SplitExpression = r"\W+",
    bow: bool = True,
    mask_string: str | None = None,
    char_level: bool = False,
) -> IndexedText:
    """Cut ``text`` into pieces and features exactly as lime's ``IndexedString`` does.

    Parameters
    ----------
    text : str
    split_expression : str or callable
        A regular expression of separators (used with :func:`re.split`), or a function
        returning the document's tokens in order.
    bow : bool
        A feature is a distinct word (every occurrence removed together); otherwise a
        feature is one occurrence, replaced by ``mask_string`` when absent.
    mask_string : str, optional
        Replacement of absent positional features: ``"UNKWORDZ"`` for words and
        ``chr(0)`` for characters by default, as in lime. Unused with ``bow``.
    char_level : bool
        Every character is a piece (lime's ``IndexedCharacters``).

    Examples
    --------
    >>> indexed = index_text("a cat, a dog")
    >>> indexed.words
    ('a', 'cat', 'dog')
    >>> indexed.compose(np.array([[1, 0, 1]]))
    ['a , a dog']
    """
    if not isinstance(text, str):
        raise InputError(f"text must be a str; got {type(text).__name__}")
    if not text:
        raise InputError("text is empty; there is nothing to explain")
    if char_level:
        pieces, is_word = list(text), (lambda piece: True)
        default_mask = chr(0)
    else:
        pieces, is_word = _split(text, split_expression)
        default_mask = "UNKWORDZ"
    owner, words = _features(pieces, is_word, bow)
    if not words:
        raise InputError(
            f"text has no tokens to explain with split_expression={split_expression!r}: "
            f"{text[:60]!r}"
        )
    mask = None if bow else (default_mask if mask_string is None else str(mask_string))
    return IndexedText(text, tuple(pieces), owner, tuple(words), mask)


def _split(text: str, split_expression: SplitExpression) -> tuple[list[str], Callable[[str], bool]]:
    if callable(split_expression):
        tokens = list(split_expression(text))
        vocabulary = set(tokens)
        return _segment(text, tokens), vocabulary.__contains__
    pattern, flags = split_expression, 0
    if isinstance(split_expression, re.Pattern):
        pattern, flags = split_expression.pattern, split_expression.flags
    if not isinstance(pattern, str):
        raise InputError(
            "split_expression must be a regular expression (str or compiled) or a callable "
            f"returning tokens; got {type(split_expression).__name__}"
        )
    try:
        splitter = re.compile(rf"({pattern})|$", flags)
    except re.error as error:
        raise InputError(
            f"split_expression must be a regular expression or a callable; "
            f"got {split_expression!r} ({error})"
        ) from error
    pieces = [piece for piece in splitter.split(text) if piece]
    return pieces, lambda piece: splitter.match(piece) is None


def _segment(text: str, tokens: Sequence[str]) -> list[str]:
    """Pieces of ``text``: every token, and the text between consecutive tokens."""
    pieces, pointer = [], 0
    for token in tokens:
        found = text.find(token, pointer)
        if found < 0:
            raise InputError(
                f"split_expression returned the token {token!r}, which does not occur in the "
                f"text after position {pointer}; tokens must be substrings of the text in order"
            )
        if found > pointer:
            pieces.append(text[pointer:found])
        pieces.append(token)
        pointer = found + len(token)
    if pointer < len(text):
        pieces.append(text[pointer:])
    return pieces


def _features(
    pieces: list[str], is_word: Callable[[str], bool], bow: bool
) -> tuple[np.ndarray, list[str]]:
    owner = np.full(len(pieces), -1, dtype=np.intp)
    words: list[str] = []
    vocabulary: dict[str, int] = {}
    separators: set[str] = set()
    for i, piece in enumerate(pieces):
        if piece in separators:
            continue
        if not is_word(piece):
            separators.add(piece)
            continue
        if bow:
            feature = vocabulary.setdefault(piece, len(words))
            if feature == len(words):
                words.append(piece)
        else:
            feature = len(words)
            words.append(piece)
        owner[i] = feature
    return owner, words
