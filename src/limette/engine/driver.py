"""Run many explanations in chunks: serially or on any ``concurrent.futures`` executor.

The unit of work is a chunk of instances (:func:`limette.engine.chunk.run_chunk`). Chunks are
submitted with ``submit`` and collected in order with ``result()`` only (Dask futures do
not work with ``concurrent.futures.as_completed``), with a bounded number in flight, so
memory stays bounded however many instances there are. The plan (explainer and options)
and the model travel once per worker: scattered to every worker on Dask (``hash=False``,
tasks submitted with ``pure=False`` so nothing is re-hashed), pickled once and unpickled
once per process elsewhere, shared as they are by threads. Every chunk runs with one
BLAS thread (``threadpoolctl``): many small solves in parallel processes are faster so,
and the numbers do not depend on the thread count.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._validation import check_positive_int, lookup, warn_user
from ..errors import InstanceError, LimetteError
from ..explanation import Explanation
from ..explanation_set import ExplanationSet
from .batching import BatchSearch, BatchSize
from .chunk import Outcome, Plan, run_chunk
from .evaluate import progress_bar
from .faults import run_tasks
from .relay import Relayed, RelayingFuture, recording
from .threads import CallerThreads, own_openmp_thread, single_thread

_ERRORS = {"raise": True, "collect": False}
_CACHE: dict[str, Any] = {}
_CHECKED_CLIENTS: set[str] = set()
#: Seconds to wait for a Dask worker before shipping the work again after a loss.
_WORKER_WAIT = 120


@dataclass(frozen=True)
class _Shipped:
    """A plan and model pickled once; each worker process unpickles them once.

    The pickle travels in ``blob``, or, for a pool of processes on this machine, waits in
    the file ``path`` so that each chunk carries only its name: a model of hundreds of
    megabytes is then neither pickled nor queued again for every chunk.
    """

    token: str
    blob: bytes | None = None
    path: str | None = None

    def pickled(self) -> bytes:
        """The pickle, from the message or from its file."""
        return self.blob if self.blob is not None else Path(str(self.path)).read_bytes()


def _dumps(value: Any) -> bytes:
    try:
        import cloudpickle
    except ImportError:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return bytes(cloudpickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _unship(payload: Any) -> Any:
    if not isinstance(payload, _Shipped):
        return payload
    if payload.token not in _CACHE:
        while len(_CACHE) >= 2:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[payload.token] = pickle.loads(payload.pickled())
    return _CACHE[payload.token]


def _portable(outcomes: list[Outcome]) -> list[Outcome]:
    """Replace errors that would not survive the trip back from a worker."""
    result: list[Outcome] = []
    for index, value in outcomes:
        if isinstance(value, BaseException):
            try:
                pickle.loads(pickle.dumps(value))
            except Exception:
                value = LimetteError(f"{type(value).__name__}: {value}")
        result.append((index, value))
    return result


def _remote_chunk(
    payload: Any, instances: Sequence[Any], indices: Sequence[int], batch_size: BatchSize
) -> Relayed:
    """One chunk on a worker, with one BLAS thread; what it warns travels back with it."""
    plan, predict_fn = _unship(payload)
    with single_thread(), recording() as caught:
        outcomes = _portable(run_chunk(plan, predict_fn, instances, indices, batch_size))
    return Relayed(outcomes, caught)


def _thread_chunk(
    payload: Any, instances: Sequence[Any], indices: Sequence[int], batch_size: BatchSize
) -> list[Outcome]:
    """One chunk on a thread of this process, whose BLAS the caller holds at one thread."""
    plan, predict_fn = payload
    with own_openmp_thread():
        return run_chunk(plan, predict_fn, instances, indices, batch_size)


def _dask_client(executor: Any) -> Any:
    """The Dask client behind ``executor`` (a ``Client`` or its executor), else ``None``."""
    if type(executor).__name__ == "ClientExecutor":
        return executor._client
    if type(executor).__name__ == "Client" and hasattr(executor, "scatter"):
        return executor
    return None


def _allocator_setting() -> tuple[bool, str | None, str | None]:
    """On a worker: whether it is Linux, and its glibc trim and mmap thresholds."""
    return (
        sys.platform.startswith("linux"),
        os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        os.environ.get("MALLOC_MMAP_THRESHOLD_"),
    )


def check_allocator(client: Any) -> None:
    """Warn, once per client, when Linux workers run with a trim threshold but no mmap
    threshold (Dask's default): glibc then maps every array over 128 KiB afresh, and
    explain_many runs about half as fast there (see :mod:`limette.distributed`)."""
    key = str(getattr(client, "id", id(client)))
    if key in _CHECKED_CLIENTS:
        return
    _CHECKED_CLIENTS.add(key)
    try:
        settings = client.run(_allocator_setting)
    except Exception:  # an old or unusual cluster: the check is only advice
        return
    slow = sorted(w for w, (linux, trim, mmap) in settings.items() if linux and trim and not mmap)
    if slow:
        warn_user(
            f"{len(slow)} of {len(settings)} Dask workers run with MALLOC_TRIM_THRESHOLD_ set "
            "and no MALLOC_MMAP_THRESHOLD_ (Dask's default), where explain_many runs about "
            "half as fast; start the cluster after os.environ.update("
            "limette.distributed.WORKER_ENVIRON)"
        )


class _Submitter:
    """Ships the work once and submits chunks to one kind of executor; after a lost chunk,
    replaces a broken process pool (the caller's stays broken: a pool cannot be mended)
    and ships the work again to a Dask cluster whose workers holding it are gone."""

    def __init__(
        self, executor: Any, plan: Plan, predict_fn: Callable[[Any], Any], batch_size: BatchSize
    ) -> None:
        self.client = _dask_client(executor)
        self.executor = executor
        self.work, self.batch_size = (plan, predict_fn), batch_size
        self.generation = 0
        self.owned: list[Executor] = []  # replacement pools, shut down at close
        self.scattered: list[Any] = []
        self.seen: set[tuple[type[Warning], str]] = set()  # the workers' warnings, shown once
        if self.client is not None:
            check_allocator(self.client)
            self.payload = self._scatter()
        elif isinstance(executor, ThreadPoolExecutor):
            self.payload = self.work
        elif isinstance(executor, ProcessPoolExecutor):  # its workers share this machine
            descriptor, path = tempfile.mkstemp(prefix="limette-", suffix=".pickle")
            with os.fdopen(descriptor, "wb") as file:
                file.write(_dumps(self.work))
            self.payload = _Shipped(uuid.uuid4().hex, path=path)
        elif isinstance(executor, Executor):
            self.payload = _Shipped(uuid.uuid4().hex, blob=_dumps(self.work))
        else:
            raise LimetteError(
                "executor must be a concurrent.futures.Executor or a Dask Client; "
                f"got {type(executor).__name__}"
            )

    def _scatter(self) -> Any:
        self.client.wait_for_workers(1, timeout=_WORKER_WAIT)  # after a loss, a nanny restarts
        [payload] = self.client.scatter([self.work], broadcast=True, hash=False)
        self.scattered.append(payload)
        return payload

    def workers(self) -> int:
        if self.client is not None:
            return max(1, sum(self.client.nthreads().values()))
        return int(getattr(self.executor, "_max_workers", None) or os.cpu_count() or 1)

    def submit(self, instances: Sequence[Any], indices: list[int]) -> Any:
        if self.client is not None:
            future = self.client.submit(
                _remote_chunk, self.payload, instances, indices, self.batch_size, pure=False
            )
        elif isinstance(self.executor, ThreadPoolExecutor):  # warnings reach the caller
            return self.executor.submit(
                _thread_chunk, self.payload, instances, indices, self.batch_size
            )
        else:
            future = self.executor.submit(
                _remote_chunk, self.payload, instances, indices, self.batch_size
            )
        return RelayingFuture(future, self.seen)

    def recover(self, error: BaseException, generation: int) -> None:
        if generation != self.generation:  # recovered since that chunk was submitted
            return
        if isinstance(error, BrokenProcessPool) and isinstance(self.executor, ProcessPoolExecutor):
            self.executor = _replacement(self.executor)
            self.owned.append(self.executor)
            self.generation += 1
        elif self.client is not None and not _held(self.client, self.payload):
            with contextlib.suppress(Exception):  # no worker yet: the next loss tries again
                self.payload = self._scatter()
                self.generation += 1

    def never_ran(self, error: BaseException) -> bool:
        # Dask cancels a task whose inputs were lost ("lost dependencies") before it runs
        return self.client is not None and isinstance(error, CancelledError)

    def close(self) -> None:
        for pool in self.owned:
            pool.shutdown(wait=True, cancel_futures=True)
        for payload in self.scattered:
            payload.release()
        if isinstance(self.payload, _Shipped) and self.payload.path is not None:
            Path(self.payload.path).unlink(missing_ok=True)


def _replacement(pool: ProcessPoolExecutor) -> ProcessPoolExecutor:
    """A new pool made like ``pool`` (its size, start method and initializer)."""
    return ProcessPoolExecutor(
        getattr(pool, "_max_workers", None),
        mp_context=getattr(pool, "_mp_context", None),
        initializer=getattr(pool, "_initializer", None),
        initargs=getattr(pool, "_initargs", ()),
    )


def _held(client: Any, payload: Any) -> bool:
    """Whether some live Dask worker still holds the scattered ``payload``."""
    try:
        return bool(client.who_has([payload]).get(payload.key))
    except Exception:  # the scheduler cannot say: ship it again to be safe
        return False


def _to_set(
    outcomes: list[Outcome], indices: list[int], raise_errors: bool, names: Sequence[str] | None
) -> ExplanationSet:
    """Check that every index came back once, then build the chunk's set."""
    if sorted(index for index, _ in outcomes) != sorted(indices):
        missing = sorted(set(indices) - {index for index, _ in outcomes})
        raise LimetteError(f"internal error: instances {missing} came back without a result")
    outcomes = sorted(outcomes, key=lambda outcome: outcome[0])  # retries come back late
    explained = [(i, v) for i, v in outcomes if isinstance(v, Explanation)]
    errors = [(i, v) for i, v in outcomes if not isinstance(v, Explanation)]
    if raise_errors and errors:
        index, error = errors[0]
        raise InstanceError(
            f"instance {index} failed: {type(error).__name__}: {error}", index
        ) from error
    return ExplanationSet(
        [v for _, v in explained],
        [i for i, _ in explained],
        errors,
        names,
    )


def stream(
    plan: Plan,
    predict_fn: Callable[[Any], Any],
    instances: Sequence[Any],
    *,
    batch_size: BatchSize,
    chunk_size: int | None,
    executor: Any = None,
    errors: str = "raise",
    progress: bool = False,
    feature_names: Sequence[str] | None = None,
) -> Iterator[ExplanationSet]:
    """Explain ``instances`` chunk by chunk; yield one :class:`ExplanationSet` per chunk.

    ``errors="raise"`` raises :class:`~limette.errors.InstanceError` naming the first
    failing instance of a chunk; ``"collect"`` keeps ``(index, error)`` in the sets. A
    chunk lost whole (a dead worker) is run again, then row by row (:mod:`.faults`):
    only a row that kills its worker each time fails, with
    :class:`~limette.errors.WorkerLostError`.
    """
    raise_errors = lookup(_ERRORS, errors, "errors")
    if batch_size is not None and not isinstance(batch_size, BatchSearch):
        check_positive_int(batch_size, "batch_size")
    n = len(instances)
    bar = progress_bar(n, progress)
    try:
        if executor is None:
            size = 64 if chunk_size is None else check_positive_int(chunk_size, "chunk_size")
            model = CallerThreads(predict_fn)
            for start in range(0, n, size):
                indices = list(range(start, min(start + size, n)))
                with single_thread():
                    outcomes = run_chunk(
                        plan,
                        model,
                        instances[start : indices[-1] + 1],
                        indices,
                        batch_size,
                        None if bar is None else bar.update,
                    )
                yield _to_set(outcomes, indices, raise_errors, feature_names)
        else:  # a pool of this process's threads runs inside this thread's BLAS limit
            threads = isinstance(executor, ThreadPoolExecutor)
            with single_thread() if threads else contextlib.nullcontext():
                yield from _distributed(
                    plan, predict_fn, instances, batch_size, chunk_size, executor, raise_errors,
                    bar, feature_names,
                )  # fmt: skip
    finally:
        if bar is not None:
            bar.close()


def _distributed(
    plan: Plan,
    predict_fn: Callable[[Any], Any],
    instances: Sequence[Any],
    batch_size: BatchSize,
    chunk_size: int | None,
    executor: Any,
    raise_errors: bool,
    bar: Any,
    feature_names: Sequence[str] | None,
) -> Iterator[ExplanationSet]:
    submitter = _Submitter(executor, plan, predict_fn, batch_size)
    try:
        workers = submitter.workers()
        n = len(instances)
        size = (
            max(1, min(64, math.ceil(n / (4 * workers))))
            if chunk_size is None
            else check_positive_int(chunk_size, "chunk_size")
        )
        for slot in run_tasks(submitter, instances, size, 2 * workers):
            if bar is not None:
                bar.update(len(slot.indices))
            yield _to_set(slot.outcomes, slot.indices, raise_errors, feature_names)
    finally:
        submitter.close()


class CountingModel:
    """A model wrapped to drive a progress bar of evaluated samples (``explain``'s)."""

    def __init__(self, predict_fn: Callable[[Any], Any], total: int) -> None:
        self.predict_fn = predict_fn
        self.bar = progress_bar(total, True, "model calls", "sample")

    def __call__(self, inputs: Any) -> Any:
        result = self.predict_fn(inputs)
        self.bar.update(len(inputs))
        return result

    def close(self) -> None:
        self.bar.close()


def explain_one(
    plan: Plan,
    predict_fn: Callable[[Any], Any],
    instance: Any,
    *,
    batch_size: BatchSize,
    progress: bool,
    num_samples: Any,
) -> Explanation:
    """``explain``: one instance through the same engine as ``explain_many``.

    The instance's own error (a bad input, a failing model) is raised unchanged.
    """
    total = getattr(num_samples, "max_samples", num_samples)  # at most, with "auto"
    model = predict_fn if not progress else CountingModel(predict_fn, total)
    try:
        [chunk] = stream(
            plan, model, [instance], batch_size=batch_size, chunk_size=1, errors="collect"
        )
    finally:
        if isinstance(model, CountingModel):
            model.close()
    if chunk.errors:
        raise chunk.errors[0][1]
    return chunk[0]
