"""Runs that survive dead workers: a finished row is never lost, and a healthy row never
fails because of another.

A chunk whose future raises (its process died and broke the pool, its Dask worker was
killed, the data it needed was lost with a worker) came back with no outcome at all; its
rows are not at fault yet. The rule, per task (a chunk or one row of it):

1. lost while running beside others: run it again *alone*, nothing else in flight, on a
   pool the executor's owner has replaced (:meth:`Submitter.recover`);
2. lost alone, several rows: the culprit is among them; run each row alone, one after
   another (the healthy ones come back, and no healthy row dies beside the culprit);
3. one row lost alone: that row kills its worker; it is reported as that row's
   :class:`~limette.errors.WorkerLostError`.

So a row that kills its worker costs three deaths (its chunk, its chunk alone, itself
alone), each task runs at most twice at each size and a run always ends; a row that dies
once and then succeeds (a flaky worker) comes back as if nothing had happened. A task that
never ran, because shipped work it needed was lost with its workers (Dask's "lost
dependencies"), is not suspected: it is resubmitted as it was, at most twice, once the
work has been shipped again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ..errors import WorkerLostError
from .chunk import Outcome


@dataclass(eq=False)
class Slot:
    """One chunk as the caller sees it: its rows, and their outcomes as they come."""

    indices: list[int]
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return len(self.outcomes) == len(self.indices)


@dataclass(eq=False)
class Task:
    """Rows of one slot to run as one unit of work."""

    slot: Slot
    indices: list[int]
    instances: Sequence[Any]
    alone: bool = False
    stale: int = 0


class Submitter(Protocol):
    """What :func:`run_tasks` needs from an executor's driver."""

    #: Bumped each time the pool is replaced or the work shipped again.
    generation: int

    def submit(self, instances: Sequence[Any], indices: list[int]) -> Any:
        """A future of the chunk's outcomes."""
        ...

    def recover(self, error: BaseException, generation: int) -> None:
        """After a future submitted at ``generation`` was lost: replace a broken pool,
        ship the work again where the workers holding it are gone."""
        ...

    def never_ran(self, error: BaseException) -> bool:
        """Whether ``error`` says the task did not run at all (its inputs were lost)."""
        ...


class _Failed:
    """A future that failed at submission (a broken pool refuses work)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def result(self) -> Any:
        raise self.error

    def cancel(self) -> bool:
        return False


def after_loss(
    task: Task, error: BaseException, never_ran: bool
) -> tuple[list[Task], list[Outcome]]:
    """The tasks to run next for a lost ``task``, and the outcomes it ends with."""
    if never_ran and task.stale < 2:
        return [replace(task, stale=task.stale + 1)], []
    if not task.alone:
        return [replace(task, alone=True)], []
    if len(task.indices) > 1:
        return [
            Task(task.slot, [index], task.instances[k : k + 1], alone=True)
            for k, index in enumerate(task.indices)
        ], []
    [index] = task.indices
    failure = WorkerLostError(
        f"instance {index} came back without a result each time it was tried, also alone: "
        f"its worker died or its task was lost ({type(error).__name__}: {error})",
        index,
    )
    failure.__cause__ = error
    return [], [(index, failure)]


def run_tasks(
    submitter: Submitter,
    instances: Sequence[Any],
    size: int,
    in_flight: int,
) -> Iterator[Slot]:
    """Run ``instances`` in chunks of ``size`` with at most ``in_flight`` futures; yield
    every chunk, in order, once each of its rows has its outcome.

    Results are taken oldest first with ``result()`` only (Dask futures do not work with
    ``concurrent.futures.as_completed``); at most ``2 * in_flight`` chunks wait to be
    yielded, so memory stays bounded.
    """
    n = len(instances)
    starts = iter(range(0, n, size))
    slots: deque[Slot] = deque()
    waiting: deque[Task] = deque()  # retries, run before new chunks
    running: deque[tuple[Task, Any, int]] = deque()

    def next_task() -> Task | None:
        if running and running[-1][0].alone:
            return None
        if waiting:
            return waiting.popleft() if not (waiting[0].alone and running) else None
        start = next(starts, None) if len(slots) < 2 * in_flight else None
        if start is None:
            return None
        slot = Slot(list(range(start, min(start + size, n))))
        slots.append(slot)
        return Task(slot, slot.indices, instances[start : start + len(slot.indices)])

    try:
        while True:
            while len(running) < in_flight and (task := next_task()) is not None:
                try:
                    future = submitter.submit(task.instances, task.indices)
                except Exception as error:
                    future = _Failed(error)
                running.append((task, future, submitter.generation))
            if not running:
                break
            task, future, generation = running.popleft()
            try:
                outcomes = future.result()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:
                submitter.recover(error, generation)
                again, outcomes = after_loss(task, error, submitter.never_ran(error))
                waiting.extendleft(reversed(again))
            task.slot.outcomes += outcomes
            while slots and slots[0].done:
                yield slots.popleft()
    finally:
        for _, future, _ in running:
            future.cancel()
