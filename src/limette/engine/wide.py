"""Products of a wide sample matrix, a block of columns at a time (for ``_design``).

When features outnumber samples (``d > n``: image-sized tensors, long documents) a design
is solved in the ``n × n`` form: everything it needs from the samples ``X`` (``n × d``)
is ``X Xᵀ`` (``n × n``), ``Xᵀ V`` and ``X M`` for thin ``V`` and ``M``. ``X`` may be
compact (``bool`` or ``uint8`` 0/1 samples); these helpers read it a block of columns at
a time, so no temporary is larger than a block (:data:`BLOCK_BYTES`) beyond the result.
0/1 blocks multiply in ``float32``: every entry of a block's ``X Xᵀ`` is a count of at
most the block's width (< 2²⁴), so it is exact, and the blocks add up in ``float64``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = [
    "column_blocks",
    "is_wide",
    "outer_gram",
    "times",
    "transposed_times",
    "weighted_square_sums",
]

#: Bytes of one block of columns converted to floating point.
BLOCK_BYTES = 32 * 2**20

_COMPACT = (np.dtype(bool), np.dtype(np.uint8))


def is_wide(X: np.ndarray) -> bool:
    """Whether ``X`` (``n × d``, or a stack ``B × n × d``) has more features than samples."""
    return bool(X.shape[-1] > X.shape[-2])


def column_blocks(X: np.ndarray, dtype: type = np.float64) -> Iterator[tuple[slice, np.ndarray]]:
    """``(columns, X[:, columns] as dtype)`` for consecutive blocks of columns."""
    n, d = X.shape
    step = max(1, BLOCK_BYTES // (np.dtype(dtype).itemsize * max(n, 1)))
    for start in range(0, d, step):
        columns = slice(start, min(start + step, d))
        yield columns, np.asarray(X[:, columns], dtype=dtype)


def transposed_times(X: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``Xᵀ V`` for ``V`` of shape ``(n,)`` or ``(n, k)``: ``(d,)`` or ``(d, k)``."""
    out = np.empty((X.shape[1], *V.shape[1:]))
    for columns, block in column_blocks(X):
        out[columns] = block.T @ V
    return out


def times(X: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``X M`` for ``M`` of shape ``(d,)`` or ``(d, k)``: ``(n,)`` or ``(n, k)``."""
    out = np.zeros((X.shape[0], *M.shape[1:]))
    for columns, block in column_blocks(X):
        out += block @ M[columns]
    return out


def outer_gram(X: np.ndarray) -> np.ndarray:
    """``X Xᵀ`` (``n × n``, float64); exact for 0/1 samples stored compactly."""
    n = X.shape[0]
    out = np.zeros((n, n))
    dtype = np.float32 if X.dtype in _COMPACT else np.float64
    for _, block in column_blocks(X, dtype):
        out += block @ block.T  # one array with its own transpose: BLAS syrk
    return out


def weighted_square_sums(X: np.ndarray, w: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``Σᵢ wᵢ (Xᵢⱼ - meanⱼ)²`` for every column ``j`` (``d``)."""
    out = np.empty(X.shape[1])
    for columns, block in column_blocks(X):
        centred = block - mean[columns]
        out[columns] = w @ (centred * centred)
    return out
