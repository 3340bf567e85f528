"""Thread pools of BLAS and OpenMP libraries: one thread for limette's work, the
caller's for a serial run's model.

limette's own linear algebra runs on one thread, so that it gives the same bits in a
serial run and on any worker, and workers do not oversubscribe the cores. A BLAS library
keeps one thread count for the whole process (and threadpoolctl lets one thread at a time
change OpenBLAS's); OpenMP keeps one per thread. The view of the loaded libraries is
rebuilt after imports, since an import can bring a pool of its own.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

_CONTROLLER: Any = None
_MODULES_SEEN = -1


def _controller() -> Any:
    """threadpoolctl's view of the loaded thread pools, rebuilt (about 3 ms) after any
    import since the last one: an import can load a library with a pool of its own
    (torch brings its own OpenMP), which a stale view would neither limit nor restore."""
    global _CONTROLLER, _MODULES_SEEN
    from threadpoolctl import ThreadpoolController

    if _CONTROLLER is None or len(sys.modules) != _MODULES_SEEN:
        _CONTROLLER = ThreadpoolController()
        _MODULES_SEEN = len(sys.modules)
    return _CONTROLLER


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Limit BLAS and OpenMP pools to one thread inside the block.

    A BLAS library keeps one thread count for the whole process, and threadpoolctl lets
    only one thread at a time change it (the first to limit it, until it restores it):
    threads of a pool must not each limit it around their own chunks, or the first to
    finish gives the others their threads back. Pools of threads therefore run inside
    the caller's block, each thread limiting only its own OpenMP count
    (:func:`own_openmp_thread`).
    """
    with _controller().limit(limits=1):
        yield


@contextlib.contextmanager
def own_openmp_thread() -> Iterator[None]:
    """Limit this thread's OpenMP pools to one thread (OpenMP counts are per thread)."""
    with _controller().select(user_api="openmp").limit(limits=1):
        yield


class CallerThreads:
    """A model that runs with its caller's OpenMP threads, inside :func:`single_thread`.

    A serial run keeps limette's own work on one thread (the same bits as on a worker),
    but a CPU model's OpenMP pool is the caller's: a torch network keeps every intra-op
    thread it had (EfficientNet-Lite0 on a batch of 32: 0.66 s with the caller's two
    OpenMP threads, 1.11 s with one; its BLAS thread count made no difference). The
    count is per thread, so restoring it cannot disturb other threads; BLAS stays on one
    thread, since its count is the whole process's. On workers the model stays on one.
    """

    def __init__(self, predict_fn: Callable[[Any], Any]) -> None:
        self.predict_fn = predict_fn
        self.openmp = _controller().select(user_api="openmp")
        self.limits = self.openmp.info()

    def __call__(self, inputs: Any) -> Any:
        with self.openmp.limit(limits=self.limits):
            return self.predict_fn(inputs)
