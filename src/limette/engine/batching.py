"""Rows per model call, learned from the model while it runs.

The best batch depends on the model and the machine: a CNN on a two-core CPU ran fastest
at 2 images per call, a scikit-learn forest on digit images pays a fixed cost per call
and wants hundreds. :class:`BatchSearch` starts small and doubles the batch while rows
per second improve, never beyond a memory cap; once settled, what it learned is kept for
the rest of the run and for later calls with the same model object
(:func:`batch_search`). Only how rows are split among calls changes: a model whose output
for a row does not depend on the other rows of its call gives the same explanation bit
for bit whatever the search chose.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

#: A batch must raise rows per second by this share to count as faster.
GAIN = 0.05
#: Calls timed at each size (the fastest counts): one slow call must not stop the search.
TRIES = 2
#: Most bytes of model input per call (the composed batch).
MEMORY_CAP = 256 * 2**20


@dataclass(eq=False)
class BatchSearch:
    """The batch size of a model being found: ``size`` rows per call now.

    ``start`` rows first, doubled while the best rate of :data:`TRIES` calls improves by
    :data:`GAIN`, at most ``cap`` rows; then ``size`` stays at the fastest size seen.
    """

    start: int
    cap: int
    size: int = 0
    settled: bool = False
    rates: dict[int, float] = field(default_factory=dict)
    calls: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cap = max(1, int(self.cap))
        self.size = self.size or min(max(1, int(self.start)), self.cap)

    def record(self, rows: int, seconds: float) -> None:
        """Note a call of ``rows`` rows that took ``seconds``; maybe move ``size``."""
        if self.settled or rows != self.size:
            return
        rate = rows / max(seconds, 1e-9)
        self.rates[rows] = max(self.rates.get(rows, 0.0), rate)
        self.calls[rows] = self.calls.get(rows, 0) + 1
        if self.calls[rows] < TRIES:
            return
        before = self.rates.get(rows // 2)
        if before is not None and self.rates[rows] < before * (1.0 + GAIN):
            self._settle()
        elif rows * 2 > self.cap:
            if rows < self.cap:
                self.size = self.cap
            else:
                self._settle()
        else:
            self.size = rows * 2

    def _settle(self) -> None:
        self.size = max(self.rates, key=lambda rows: self.rates[rows])
        self.settled = True


_LOCK = threading.Lock()
_LEARNED: weakref.WeakKeyDictionary[Any, dict[Any, BatchSearch]] = weakref.WeakKeyDictionary()


def _owner(model: Any) -> tuple[Any, Any]:
    """What to key a model by: a bound method's object (``model.predict`` is a new object
    at every access) and the function."""
    owner = getattr(model, "__self__", None)
    if owner is not None and getattr(model, "__func__", None) is not None:
        return owner, model.__func__
    return model, None


#: What the engine takes as a batch size: rows per call, a search, or all rows at once.
BatchSize = int | BatchSearch | None


def rows_per_call(batch_size: BatchSize) -> int | None:
    """The rows of the next call: ``batch_size`` itself, or the search's current size."""
    return batch_size.size if isinstance(batch_size, BatchSearch) else batch_size


def batch_search(model: Any, row_bytes: int, start: int, most_rows: int) -> BatchSearch:
    """The search for ``model`` on rows of ``row_bytes`` bytes: the one kept from an
    earlier call with the same model object and row size, or a new one from ``start``
    rows, capped at :data:`MEMORY_CAP` bytes and ``most_rows`` rows per call."""
    cap = max(1, min(int(most_rows), MEMORY_CAP // max(int(row_bytes), 1)))
    owner, function = _owner(model)
    key = (function, int(row_bytes), cap)
    with _LOCK:
        try:
            learned = _LEARNED.setdefault(owner, {})
        except TypeError:  # not weakly referable: nothing is kept
            return BatchSearch(start, cap)
        search = learned.get(key)
        if search is None:
            search = learned[key] = BatchSearch(start, cap)
        return search
