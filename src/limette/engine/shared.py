"""One neighbourhood for every instance, where the samples do not depend on the instance.

In lime's default tabular setting the perturbed rows are drawn around the training data,
not around the instance: under one seed every instance gets the same rows ``1..n-1``,
and only its row 0, its interpretable indicators, its weights and its fit are its own.
A plan offers that with two optional hooks:

- ``shared(rng) -> SharedNeighbourhood | None``: draw the shared rows once (``rng`` is the
  generator every instance would get, so the rows are bit for bit those of ``prepare``);
  ``None`` where the options make the rows depend on the instance;
- ``prepare_with(shared, instance) -> Neighbourhood``: the instance's neighbourhood, whose
  ``inputs`` are its own rows only (row 0); the engine appends the shared outputs.

:func:`shared_neighbourhood` draws and scores the shared rows once per plan and model in
a process (threads share it; each process or Dask worker scores its own), so the model
sees ``n - 1`` rows once plus one row per instance, instead of ``n`` rows per instance.
A model whose outputs for a row do not depend on the other rows of its call gives the
same explanation bit for bit as ``explain``; memory holds one neighbourhood per plan.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._random import instance_generator


@dataclass(frozen=True, eq=False)
class SharedNeighbourhood:
    """Rows every instance shares: ``inputs``, the ``n - 1`` model rows after row 0 (any
    sliceable form), ``state`` what the plan's ``prepare_with`` needs, and ``outputs`` the
    model's outputs for ``inputs`` once scored."""

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
            parts = [
                call(
                    [shared.inputs[start : min(start + size, n)]],
                    min(start + size, n) - start,
                    f"the shared samples {start + 1}..{min(start + size, n)}",
                )
                for start in range(0, n, size)
            ]
            if len({part.shape[1] for part in parts}) > 1:
                return None
        except Exception:
            return None
        scored = SharedNeighbourhood(shared.inputs, shared.state, np.concatenate(parts))
        _SCORED[plan] = (predict_fn, scored)
        return scored
