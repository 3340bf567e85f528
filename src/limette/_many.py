"""Explain a chunk of instances in one process: large model calls across instances.

An explainer plugs in with a :class:`Plan`, two small hooks and a composer:

- ``prepare(instance, rng) -> Neighbourhood``: the instance's interpretable samples,
  their kernel weights, and ``inputs``, ``n`` model rows in any sliceable form;
- ``compose(pieces) -> model input``: one model call's input from slices of the
  ``inputs`` of one or more consecutive instances (in order);
- ``finish(neighbourhood, outputs) -> Explanation``: everything after the model call.

:func:`run_chunk` prepares instances one after another, queues their rows, and calls
the model on ``batch_size`` rows at a time, so one call may span several instances and
memory is bounded by one batch plus the instances whose rows are still in the queue.
Every instance gets a fresh generator from the same seed and its outputs in a fresh
array, so its explanation is the same bit for bit whatever else shares its chunk.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ._random import instance_generator
from ._validation import as_model_output
from .errors import LimetteError, ModelCallError
from .explanation import Explanation

Outcome = tuple[int, "Explanation | BaseException"]


@dataclass(frozen=True, eq=False)
class Neighbourhood:
    """One instance's perturbations: what the model is asked about and how to weigh it.

    ``samples`` are the interpretable samples ``(n, d)`` (row 0 is the instance),
    ``weights`` their kernel weights ``(n,)``, ``inputs`` the ``n`` model rows in any
    form that slices (an array, a list of texts, a lazy masked-image batch), and
    ``state`` whatever ``finish`` needs besides (the encoded row, the image).
    """

    samples: np.ndarray
    weights: np.ndarray
    inputs: Any
    state: Any = None

    @property
    def n(self) -> int:
        """Number of samples."""
        return len(self.samples)


class Plan(Protocol):
    """One call's recipe: what an explainer gives the engine to explain many instances."""

    classification: bool
    seed: np.random.SeedSequence

    def prepare(self, instance: Any, rng: np.random.Generator) -> Neighbourhood:
        """Sample the neighbourhood of one instance (may raise for a bad instance)."""
        ...

    def compose(self, pieces: list[Any]) -> Any:
        """The model's input for slices of consecutive instances' ``inputs``."""
        ...

    def finish(self, neighbourhood: Neighbourhood, outputs: np.ndarray) -> Explanation:
        """Build the explanation from the model's outputs ``(n, k)``."""
        ...


@dataclass(eq=False)
class _Waiting:
    """An instance whose rows are queued for the model."""

    index: int
    hood: Neighbourhood
    parts: list[np.ndarray] = field(default_factory=list)
    sent: int = 0
    received: int = 0
    error: BaseException | None = None


def _call(
    plan: Plan, predict_fn: Callable[[Any], Any], pieces: list[Any], rows: int, where: str
) -> np.ndarray:
    """One model call on ``pieces``; model errors become :class:`ModelCallError`."""
    inputs = plan.compose(pieces)
    try:
        raw = predict_fn(inputs)
    except LimetteError:
        raise
    except Exception as error:
        raise ModelCallError(
            f"predict_fn raised {type(error).__name__} on {where}: {error}"
        ) from error
    return as_model_output(raw, rows, "predict_fn", plan.classification)


def _span(piece: tuple[_Waiting, slice]) -> str:
    waiting, rows = piece
    return f"samples {rows.start}..{rows.stop - 1} of {waiting.hood.n}"


class _Chunk:
    """The queue of one chunk: instances in, outcomes out, in input order."""

    def __init__(
        self, plan: Plan, predict_fn: Callable[[Any], Any], batch_size: int | None
    ) -> None:
        self.plan, self.predict_fn, self.batch_size = plan, predict_fn, batch_size
        self.queue: deque[_Waiting] = deque()
        self.queued = 0
        self.outcomes: list[Outcome] = []

    def add(self, index: int, instance: Any) -> None:
        try:
            hood = self.plan.prepare(instance, instance_generator(self.plan.seed))
        except Exception as error:
            self.outcomes.append((index, error))
            return
        self.queue.append(_Waiting(index, hood))
        self.queued += hood.n
        size = self.batch_size or hood.n
        while self.queued >= size:
            self._batch(size)

    def flush(self) -> list[Outcome]:
        while self.queued:
            self._batch(min(self.queued, self.batch_size or self.queued))
        return sorted(self.outcomes, key=lambda outcome: outcome[0])

    def _batch(self, size: int) -> None:
        pieces: list[tuple[_Waiting, slice]] = []
        taken = 0
        for waiting in self.queue:
            take = min(size - taken, waiting.hood.n - waiting.sent)
            if take <= 0:
                break
            pieces.append((waiting, slice(waiting.sent, waiting.sent + take)))
            waiting.sent += take
            taken += take
        self.queued -= size
        live = [piece for piece in pieces if piece[0].error is None]
        if len(live) == 1:
            self._one(live[0])
        elif live:
            try:
                outputs = _call(
                    self.plan,
                    self.predict_fn,
                    [w.hood.inputs[rows] for w, rows in live],
                    sum(rows.stop - rows.start for _, rows in live),
                    f"a batch of {len(live)} instances",
                )
            except Exception:
                for piece in live:  # retried instance by instance: only real failures are lost
                    self._one(piece)
            else:
                start = 0
                for waiting, rows in live:
                    stop = start + rows.stop - rows.start
                    waiting.parts.append(outputs[start:stop])
                    start = stop
        for waiting, rows in pieces:
            waiting.received += rows.stop - rows.start
        while self.queue and self.queue[0].received == self.queue[0].hood.n:
            self._finish(self.queue.popleft())

    def _one(self, piece: tuple[_Waiting, slice]) -> None:
        waiting, rows = piece
        try:
            waiting.parts.append(
                _call(
                    self.plan,
                    self.predict_fn,
                    [waiting.hood.inputs[rows]],
                    rows.stop - rows.start,
                    _span(piece),
                )
            )
        except Exception as error:
            waiting.error = error

    def _finish(self, waiting: _Waiting) -> None:
        if waiting.error is not None:
            self.outcomes.append((waiting.index, waiting.error))
            return
        try:
            widths = {part.shape[1] for part in waiting.parts}
            if len(widths) > 1:
                raise LimetteError(
                    f"predict_fn returned a different number of outputs across batches: {widths}"
                )
            outputs = np.concatenate(waiting.parts, axis=0)  # a fresh array, however split
            self.outcomes.append((waiting.index, self.plan.finish(waiting.hood, outputs)))
        except Exception as error:
            self.outcomes.append((waiting.index, error))


def run_chunk(
    plan: Plan,
    predict_fn: Callable[[Any], Any],
    instances: Sequence[Any],
    indices: Sequence[int],
    batch_size: int | None,
    on_done: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Explain ``instances`` (numbered ``indices``); one outcome per instance, in order.

    An outcome is ``(index, Explanation)`` or ``(index, exception)``: nothing raises
    for one instance, so every instance is accounted for exactly once.
    """
    chunk = _Chunk(plan, predict_fn, batch_size)
    reported = 0
    for index, instance in zip(indices, instances):
        chunk.add(int(index), instance)
        if on_done is not None and len(chunk.outcomes) > reported:
            on_done(len(chunk.outcomes) - reported)
            reported = len(chunk.outcomes)
    outcomes = chunk.flush()
    if on_done is not None and len(outcomes) > reported:
        on_done(len(outcomes) - reported)
    return outcomes
