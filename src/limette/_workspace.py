"""Arrays reused within a run of ``explain_many``, when nothing else holds them.

A fresh array of a few megabytes is handed back to the operating system when freed and
faulted back in, page by page, when the next one is made. One instance at a time, the C
allocator recycles the same blocks; but ``explain_many`` keeps several instances'
perturbations alive to join them into one model call, and measured here with 5000
samples of 30 features and 20 000 rows per call, refaulting the pages cost more than the
sampling itself. Inside :func:`reusing_arrays`, :func:`empty` returns an array of the
requested shape that is no longer referenced anywhere (not by a result, a view, or a
model that kept its input), or makes a new one.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
def reusing_arrays() -> Iterator[None]:
    """Within this block (in this thread), :func:`empty` reuses arrays; they are
    released when the outermost block ends."""
    outermost = getattr(_LOCAL, "pool", None) is None
    if outermost:
        _LOCAL.pool = {}
    try:
        yield
    finally:
        if outermost:
            del _LOCAL.pool


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
