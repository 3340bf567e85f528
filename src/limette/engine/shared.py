"""One neighbourhood for every instance, where the samples do not depend on the instance.

In lime's default tabular setting the perturbed rows are drawn around the training data,
not around the instance: under one seed every instance gets the same rows ``1..n-1``,
and only its row 0, its interpretable indicators, its weights and its fit are its own.
A plan offers that with two optional hooks:

- ``shared(rng) -> SharedNeighbourhood | None``: draw the shared rows once (``rng`` is the
  generator every instance would get, so the rows are bit for bit those of ``prepare``);
  ``None`` where the options make the rows depend on the instance;
- ``prepare_with(shared, instance) -> Neighbourhood``: the instance's neighbourhood, whose
  ``inputs`` are its own row 0 only; the engine appends the shared outputs.

:func:`shared_neighbourhood` draws and scores the shared rows once per plan and model in
a process (threads share it; each process or Dask worker scores its own), so the model
sees ``n`` rows once plus about two rows per instance, instead of ``n`` rows per instance.
The rows sit where ``explain`` puts them: the shared ones at their offsets ``1..n-1`` of
the calls ``explain`` makes (row 0 a stand-in), each instance's row 0 among the first
half of a call of the size of ``explain``'s first call (padded with shared rows). Some
models' last bits depend on a row's place in its call (a BLAS kernel for the last rows
of a call: a scikit-learn LogisticRegression does so), so this keeps them the same as
``explain``'s; memory holds one neighbourhood per plan.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._random import instance_generator
from ..errors import ModelCallError


@dataclass(frozen=True, eq=False)
class SharedNeighbourhood:
    """Rows every instance shares: ``inputs``, ``n`` model rows (any sliceable form) whose
    row 0 stands in for each instance's own, ``state`` what the plan's ``prepare_with``
    needs, and ``outputs`` the model's outputs for rows ``1..n-1`` once scored."""

    inputs: Any
    state: Any
    outputs: np.ndarray | None = None


_LOCK = threading.Lock()
_SCORED: weakref.WeakKeyDictionary[Any, tuple[Any, SharedNeighbourhood]] = (
    weakref.WeakKeyDictionary()
)


def shared_neighbourhood(
    plan: Any,
    predict_fn: Callable[[Any], Any],
    batch_size: int | None,
    call: Callable[[list[Any], int, str], np.ndarray],
) -> SharedNeighbourhood | None:
    """The plan's shared neighbourhood, scored by ``call(pieces, rows, where)`` in calls of
    ``batch_size`` rows; ``None`` when the plan offers none or scoring it fails (then every
    instance runs alone, and a failing model is reported against each instance)."""
    offer = getattr(plan, "shared", None)
    if offer is None or getattr(plan, "prepare_with", None) is None:
        return None
    with _LOCK:
        known = _SCORED.get(plan)
        if known is not None and known[0] is predict_fn:
            return known[1]
        try:
            shared = offer(instance_generator(plan.seed))
            if shared is None:
                return None
            n = len(shared.inputs)
            size = min(batch_size or n, n) or 1
            parts = [  # copied at once: a model may reuse its output buffer
                np.array(
                    call_twice(
                        call,
                        [shared.inputs[start : min(start + size, n)]],
                        min(start + size, n) - start,
                        f"the shared samples {start}..{min(start + size, n) - 1}",
                    )
                )
                for start in range(0, n, size)
            ]
            if len({part.shape[1] for part in parts}) > 1:
                return None
        except Exception:
            return None
        scored = SharedNeighbourhood(shared.inputs, shared.state, np.concatenate(parts)[1:])
        _SCORED[plan] = (predict_fn, scored)
        return scored


def call_twice(
    call: Callable[[list[Any], int, str], np.ndarray], pieces: list[Any], rows: int, where: str
) -> np.ndarray:
    """``call``, tried once more when the model raises (a flaky model's second chance)."""
    try:
        return call(pieces, rows, where)
    except ModelCallError:
        return call(pieces, rows, where)
