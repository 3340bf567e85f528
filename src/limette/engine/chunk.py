"""Explain a chunk of instances in one process: large model calls across instances.

An explainer plugs in with a :class:`Plan`, two small hooks and a composer:

- ``prepare(instance, rng) -> Neighbourhood``: the instance's interpretable samples,
  their kernel weights, and ``inputs``, ``n`` model rows in any sliceable form;
- ``compose(pieces) -> model input``: one model call's input from slices of the
  ``inputs`` of one or more consecutive instances (in order);
- ``finish(neighbourhood, outputs) -> Explanation``: everything after the model call.

A plan whose ``num_samples`` is an :class:`~limette.AutoSamples` rule also has
``explain_adaptive(instance, predict_fn, rng, batch_size) -> Explanation``: each such
instance samples in batches and stops on its own, with its own model calls.

:func:`run_chunk` prepares instances one after another, queues their rows, and calls
the model on up to ``batch_size`` rows at a time, so one call may span several instances
and memory is bounded by one batch.
Every instance gets a fresh generator from the same seed and its outputs in a fresh
array, so its explanation is the same bit for bit whatever else shares its chunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .._random import instance_generator
from .._validation import check_probabilities
from ..errors import LimetteError
from ..explanation import Explanation
from .adaptive import AutoSamples
from .batching import BatchSearch, BatchSize, rows_per_call
from .evaluate import call_model, place
from .shared import SharedNeighbourhood, call_twice, shared_neighbourhood
from .workspace import reusing_arrays

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

    @property
    def classification(self) -> bool:
        """Whether the model returns class probabilities."""
        ...

    @property
    def seed(self) -> np.random.SeedSequence:
        """The seed every instance's generator is built from."""
        ...

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
    outputs: np.ndarray | None = None
    error: BaseException | None = None
    tail: np.ndarray | None = None  # the shared rows' outputs, after the instance's own

    @property
    def rows(self) -> int:
        """The model rows this instance sends itself."""
        return self.hood.n if self.tail is None else len(self.hood.inputs)

    def first_call(self, batch_size: int | None) -> int:
        """Rows of the first call ``explain`` makes for this instance."""
        return min(batch_size or self.hood.n, self.hood.n)

    def own_row(self, part: np.ndarray, name: str) -> None:
        """The outputs: ``part`` (row 0's) followed by the shared rows' (copied)."""
        assert self.tail is not None
        self.outputs = place(None, part, slice(0, 1), self.hood.n, name)
        self.outputs = place(self.outputs, self.tail, slice(1, self.hood.n), self.hood.n, name)


def _call(
    plan: Plan, predict_fn: Callable[[Any], Any], pieces: list[Any], rows: int, where: str
) -> np.ndarray:
    """One model call on ``pieces``; model errors become :class:`ModelCallError`.

    Messages name the model as the plan's ``model_name`` (e.g. lime's ``classifier_fn``).
    """
    return call_model(
        predict_fn,
        plan.compose(pieces),
        rows,
        name=getattr(plan, "model_name", "predict_fn"),
        classification=plan.classification,
        where=where,
    )


class _Chunk:
    """The queue of one chunk: instances in, outcomes out.

    A model call holds whole instances, as many as fit in ``batch_size`` rows; an
    instance larger than that is split into calls of its own. An instance's rows thus
    always sit at the same offsets of the same-sized calls, however many instances
    share its chunk, so even a model whose last bits depend on the batch it is in
    gives the same outputs inside ``explain_many`` as alone.
    """

    def __init__(self, plan: Plan, predict_fn: Callable[[Any], Any], batch_size: BatchSize) -> None:
        self.plan, self.predict_fn, self.sizes = plan, predict_fn, batch_size
        self.queue: list[_Waiting] = []
        self.queued = 0
        self.outcomes: list[Outcome] = []
        # until one call is found wanting; images have no regression mode, logits are fine
        self.check_probabilities = bool(getattr(plan, "expects_probabilities", False))
        self.shared: SharedNeighbourhood | None = None

    @property
    def batch_size(self) -> int | None:
        """Rows per call now (a :class:`~limette.engine.batching.BatchSearch` moves it)."""
        return rows_per_call(self.sizes)

    def share(self) -> None:
        """Score the plan's shared neighbourhood (if it offers one) for every instance."""
        self.shared = shared_neighbourhood(self.plan, self.predict_fn, self.batch_size, self._call)

    def add(self, index: int, instance: Any) -> None:
        if isinstance(getattr(self.plan, "num_samples", None), AutoSamples):
            self._adaptive(index, instance)
            return
        shared = self.shared
        try:
            if shared is None:
                hood = self.plan.prepare(instance, instance_generator(self.plan.seed))
                waiting = _Waiting(index, hood)
            else:
                hood = self.plan.prepare_with(shared, instance)  # type: ignore[attr-defined]
                waiting = _Waiting(index, hood, tail=shared.outputs)
        except Exception as error:
            self.outcomes.append((index, error))
            return
        size = self.batch_size or waiting.rows
        if waiting.tail is not None:  # own rows in the first half of explain's first call
            size = max(1, waiting.first_call(self.batch_size) // 2)
        if self.queue and self.queued + waiting.rows > size:
            self._run()
        self.queue.append(waiting)
        self.queued += waiting.rows
        if self.queued >= size:
            self._run()

    def _adaptive(self, index: int, instance: Any) -> None:
        """``num_samples="auto"``: the instance draws and calls the model on its own,
        batch after batch, until it stops (the plan's ``explain_adaptive``)."""
        rng = instance_generator(self.plan.seed)
        try:
            explanation = self.plan.explain_adaptive(  # type: ignore[attr-defined]
                instance, self.predict_fn, rng, self.batch_size
            )
        except Exception as error:
            self.outcomes.append((index, error))
        else:
            self.outcomes.append((index, explanation))

    def flush(self) -> list[Outcome]:
        if self.queue:
            self._run()
        return sorted(self.outcomes, key=lambda outcome: outcome[0])

    def _run(self) -> None:
        queue, self.queue, self.queued = self.queue, [], 0
        if queue[0].tail is not None:
            self._own_rows(queue)
        elif len(queue) == 1:
            self._alone(queue[0])
        else:
            try:
                outputs = self._call(
                    [waiting.hood.inputs for waiting in queue],
                    sum(waiting.hood.n for waiting in queue),
                    f"a batch of {len(queue)} instances",
                )
            except Exception:
                for waiting in queue:  # retried instance by instance: only real failures are lost
                    self._alone(waiting)
            else:  # each instance's rows copied out before the next call (see _alone)
                starts = np.cumsum([0] + [waiting.hood.n for waiting in queue])
                for waiting, start, stop in zip(queue, starts[:-1], starts[1:]):
                    waiting.outputs = outputs[start:stop].copy()
        for waiting in queue:
            self._finish(waiting)

    def _own_rows(self, queue: list[_Waiting]) -> None:
        """The instances' own rows (of a shared neighbourhood) in one call of the size of
        ``explain``'s first call, padded with shared rows; instance by instance on failure."""
        shared = self.shared
        assert shared is not None  # an instance has a tail only when the chunk shares
        size = queue[0].first_call(self.batch_size)
        if len(queue) > 1:
            pad = size - sum(waiting.rows for waiting in queue)
            pieces = [waiting.hood.inputs for waiting in queue] + [shared.inputs[1 : 1 + pad]]
            try:
                outputs = self._call(pieces, size, f"the own samples of {len(queue)} instances")
                for i, waiting in enumerate(queue):
                    waiting.own_row(outputs[i : i + 1], self._name)
                return
            except Exception:
                pass  # retried instance by instance
        for waiting in queue:
            pieces = [waiting.hood.inputs, shared.inputs[1:size]]
            try:
                waiting.own_row(self._call(pieces, size, "sample 0")[:1], self._name)
            except Exception as error:
                waiting.error = error

    def _alone(self, waiting: _Waiting) -> None:
        """Call the model on one instance's rows, ``batch_size`` at a time.

        A call the model raises on is tried once more before the instance fails. Each
        call's output is copied into the instance's own array before the next call:
        a model may return a view into a buffer that it overwrites on every call (an
        inference server, preallocated ONNX Runtime outputs). The copy is the one that
        joining the calls' outputs would make anyway.
        """
        n = waiting.hood.n
        waiting.outputs = None
        start = 0
        while start < n:
            rows = slice(start, min(start + (self.batch_size or n), n))
            start = rows.stop
            where = f"samples {rows.start}..{rows.stop - 1} of {n}"
            try:
                part = call_twice(
                    self._call, [waiting.hood.inputs[rows]], rows.stop - rows.start, where
                )
                waiting.outputs = place(waiting.outputs, part, rows, n, self._name)
            except Exception as error:
                waiting.error = error
                return

    def _call(self, pieces: list[Any], rows: int, where: str) -> np.ndarray:
        began = time.perf_counter()
        outputs = _call(self.plan, self.predict_fn, pieces, rows, where)
        if isinstance(self.sizes, BatchSearch):
            self.sizes.record(rows, time.perf_counter() - began)
        if self.check_probabilities:
            self.check_probabilities = not check_probabilities(outputs, self._name)
        return outputs

    @property
    def _name(self) -> str:
        return str(getattr(self.plan, "model_name", "predict_fn"))

    def _finish(self, waiting: _Waiting) -> None:
        if waiting.error is not None or waiting.outputs is None:
            self.outcomes.append((waiting.index, waiting.error or LimetteError("no outputs")))
            return
        try:
            self.outcomes.append((waiting.index, self.plan.finish(waiting.hood, waiting.outputs)))
        except Exception as error:
            self.outcomes.append((waiting.index, error))


def run_chunk(
    plan: Plan,
    predict_fn: Callable[[Any], Any],
    instances: Sequence[Any],
    indices: Sequence[int],
    batch_size: BatchSize,
    on_done: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Explain ``instances`` (numbered ``indices``); one outcome per instance, in order.

    An outcome is ``(index, Explanation)`` or ``(index, exception)``: nothing raises
    for one instance, so every instance is accounted for exactly once.
    """
    chunk = _Chunk(plan, predict_fn, batch_size)
    reported = 0
    with reusing_arrays(rows_per_call(batch_size)):
        if len(instances) > 1:
            chunk.share()
        for index, instance in zip(indices, instances):
            chunk.add(int(index), instance)
            if on_done is not None and len(chunk.outcomes) > reported:
                on_done(len(chunk.outcomes) - reported)
                reported = len(chunk.outcomes)
        outcomes = chunk.flush()
    if on_done is not None and len(outcomes) > reported:
        on_done(len(outcomes) - reported)
    return outcomes
