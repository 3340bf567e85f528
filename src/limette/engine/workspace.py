"""Arrays reused within a run of ``explain_many``, when nothing else holds them.

A fresh array of a few megabytes is handed back to the operating system when freed and
faulted back in, page by page, when the next one is made. One instance at a time, the C
allocator recycles the same blocks; but ``explain_many`` keeps several instances'
perturbations alive to join them into one model call, and measured here with 5000
samples of 30 features and 20 000 rows per call, refaulting the pages cost more than the
sampling itself. Inside :func:`reusing_arrays`, :func:`empty` returns an array of the
requested shape that is no longer referenced anywhere (not by a result, a view, or a
model that kept its input), or makes a new one; and :func:`rows` hands out consecutive
rows of one block, so that the model inputs of the instances of one call already lie
back to back and :func:`joined` passes them to the model without a copy.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise

import numpy as np

_LOCAL = threading.local()

#: Arrays kept per shape and dtype in one thread.
POOL_SIZE = 8


def _references(arrays: list[np.ndarray], index: int) -> int:
    """References to ``arrays[index]``, counted the same way every time."""
    return sys.getrefcount(arrays[index])


def _unshared() -> int:
    """What :func:`_references` counts when only the pool holds the array (calibrated:
    the temporary references differ between Python versions)."""
    return _references([np.empty(0)], 0)


_UNSHARED = _unshared()


@contextmanager
def reusing_arrays(block_rows: int | None = None) -> Iterator[None]:
    """Within this block (in this thread), :func:`empty` reuses arrays and :func:`rows`
    hands out rows of blocks of ``block_rows`` rows; all are released when the outermost
    block ends."""
    outermost = getattr(_LOCAL, "pool", None) is None
    if outermost:
        _LOCAL.pool, _LOCAL.block_rows, _LOCAL.block, _LOCAL.used = {}, block_rows, [], 0
    try:
        yield
    finally:
        if outermost:
            del _LOCAL.pool, _LOCAL.block_rows, _LOCAL.block, _LOCAL.used


def rows(n: int, d: int) -> np.ndarray:
    """``n`` uninitialised float rows of width ``d``: inside :func:`reusing_arrays` with
    ``block_rows``, the next free rows of the current block.

    The block starts over once nothing holds any of its rows, and a new one is made when
    it is full while some are still held.
    """
    size = getattr(_LOCAL, "block_rows", None)
    if size is None or n > size:
        return empty((n, d))
    block: list[np.ndarray] = _LOCAL.block
    if block and block[0].shape[1] == d and _references(block, 0) == _UNSHARED:
        _LOCAL.used = 0
    if not block or block[0].shape[1] != d or _LOCAL.used + n > size:
        block[:] = [np.empty((size, d))]
        _LOCAL.used = 0
    start = _LOCAL.used
    _LOCAL.used += n
    return block[0][start : start + n]


def joined(pieces: list[np.ndarray]) -> np.ndarray | None:
    """``pieces`` as one array without a copy, when they are consecutive rows of one block
    (as :func:`rows` hands them out); otherwise ``None``."""
    base = pieces[0].base
    if not isinstance(base, np.ndarray) or not base.flags.c_contiguous:
        return None
    if not pieces[0].flags.c_contiguous:
        return None
    for before, after in pairwise(pieces):
        if (
            after.base is not base
            or not after.flags.c_contiguous
            or before.ctypes.data + before.nbytes != after.ctypes.data
        ):
            return None
    start = (pieces[0].ctypes.data - base.ctypes.data) // base.strides[0]
    return base[start : start + sum(len(piece) for piece in pieces)]


def empty(shape: tuple[int, ...], dtype: type | np.dtype = float) -> np.ndarray:
    """An uninitialised array, one of the pool's free ones inside :func:`reusing_arrays`."""
    pool: dict[tuple[tuple[int, ...], np.dtype], list[np.ndarray]] | None = getattr(
        _LOCAL, "pool", None
    )
    if pool is None:
        return np.empty(shape, dtype)
    arrays = pool.setdefault((tuple(shape), np.dtype(dtype)), [])
    for index in range(len(arrays)):
        if _references(arrays, index) == _UNSHARED:
            return arrays[index]
    array = np.empty(shape, dtype)
    if len(arrays) < POOL_SIZE:
        arrays.append(array)
    return array
