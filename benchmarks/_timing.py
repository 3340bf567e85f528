"""Shared helpers for the benchmarks: one BLAS thread, a timed model wrapper, medians."""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402


class TimedModel:
    """Wraps a predict function and accumulates the seconds spent inside it."""

    def __init__(self, predict: Callable[[Any], Any]) -> None:
        self.predict = predict
        self.seconds = 0.0
        self.rows = 0

    def __call__(self, batch: Any) -> Any:
        start = time.perf_counter()
        result = self.predict(batch)
        self.seconds += time.perf_counter() - start
        self.rows += len(batch)
        return result


def timed(
    run: Callable[[Callable[[Any], Any]], Any], predict: Callable[[Any], Any]
) -> tuple[float, float]:
    """``(total seconds, seconds inside the model)`` of ``run(timed_predict)``."""
    model = TimedModel(predict)
    start = time.perf_counter()
    run(model)
    return time.perf_counter() - start, model.seconds


def median_pair(samples: list[tuple[float, float]]) -> tuple[float, float]:
    """Median total and median model time over repeats."""
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def machine() -> str:
    """One line about the machine and versions, for RESULTS.md."""
    import numpy
    import scipy
    import sklearn

    return (
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}"
    )
