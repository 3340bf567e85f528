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
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._validation import check_positive_int, lookup, warn_user
from ..errors import InstanceError, LimetteError
from ..explanation import Explanation
from ..explanation_set import ExplanationSet
from .chunk import Outcome, Plan, run_chunk
from .evaluate import progress_bar
from .threads import CallerThreads, own_openmp_thread, single_thread

_ERRORS = {"raise": True, "collect": False}
_CACHE: dict[str, Any] = {}
_CHECKED_CLIENTS: set[str] = set()


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
    payload: Any, instances: Sequence[Any], indices: Sequence[int], batch_size: int | None
) -> list[Outcome]:
    """One chunk on a worker, with one BLAS thread."""
    plan, predict_fn = _unship(payload)
    with single_thread():
        return _portable(run_chunk(plan, predict_fn, instances, indices, batch_size))


def _thread_chunk(
    payload: Any, instances: Sequence[Any], indices: Sequence[int], batch_size: int | None
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
    """Ships the work once and submits chunks to one kind of executor."""

    def __init__(self, executor: Any, plan: Plan, predict_fn: Callable[[Any], Any]) -> None:
        self.client = _dask_client(executor)
        self.executor = executor
        if self.client is not None:
            check_allocator(self.client)
            [self.payload] = self.client.scatter([(plan, predict_fn)], broadcast=True, hash=False)
        elif isinstance(executor, ThreadPoolExecutor):
            self.payload = (plan, predict_fn)
        elif isinstance(executor, ProcessPoolExecutor):  # its workers share this machine
            descriptor, path = tempfile.mkstemp(prefix="limette-", suffix=".pickle")
            with os.fdopen(descriptor, "wb") as file:
                file.write(_dumps((plan, predict_fn)))
            self.payload = _Shipped(uuid.uuid4().hex, path=path)
        elif isinstance(executor, Executor):
            self.payload = _Shipped(uuid.uuid4().hex, blob=_dumps((plan, predict_fn)))
        else:
            raise LimetteError(
                "executor must be a concurrent.futures.Executor or a Dask Client; "
                f"got {type(executor).__name__}"
            )

    def workers(self) -> int:
        if self.client is not None:
            return max(1, sum(self.client.nthreads().values()))
        return int(getattr(self.executor, "_max_workers", None) or os.cpu_count() or 1)

    def submit(self, instances: Sequence[Any], indices: list[int], batch_size: int | None) -> Any:
        if self.client is not None:
            return self.client.submit(
                _remote_chunk, self.payload, instances, indices, batch_size, pure=False
            )
        task = _thread_chunk if isinstance(self.executor, ThreadPoolExecutor) else _remote_chunk
        return self.executor.submit(task, self.payload, instances, indices, batch_size)

    def close(self) -> None:
        if self.client is not None:
            self.payload.release()
        elif isinstance(self.payload, _Shipped) and self.payload.path is not None:
            Path(self.payload.path).unlink(missing_ok=True)


def _to_set(
    outcomes: list[Outcome], indices: list[int], raise_errors: bool, names: Sequence[str] | None
) -> ExplanationSet:
    """Check that every index came back once, then build the chunk's set."""
    if sorted(index for index, _ in outcomes) != sorted(indices):
        missing = sorted(set(indices) - {index for index, _ in outcomes})
        raise LimetteError(f"internal error: instances {missing} came back without a result")
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
    batch_size: int | None,
    chunk_size: int | None,
    executor: Any = None,
    errors: str = "raise",
    progress: bool = False,
    feature_names: Sequence[str] | None = None,
) -> Iterator[ExplanationSet]:
    """Explain ``instances`` chunk by chunk; yield one :class:`ExplanationSet` per chunk.

    ``errors="raise"`` raises :class:`~limette.errors.InstanceError` naming the first
    failing instance of a chunk; ``"collect"`` keeps ``(index, error)`` in the sets. A
    chunk lost whole (a dead worker) counts as a failure of each of its instances.
    """
    raise_errors = lookup(_ERRORS, errors, "errors")
    if batch_size is not None:
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
    batch_size: int | None,
    chunk_size: int | None,
    executor: Any,
    raise_errors: bool,
    bar: Any,
    feature_names: Sequence[str] | None,
) -> Iterator[ExplanationSet]:
    submitter = _Submitter(executor, plan, predict_fn)
    workers = submitter.workers()
    n = len(instances)
    size = (
        max(1, min(64, math.ceil(n / (4 * workers))))
        if chunk_size is None
        else check_positive_int(chunk_size, "chunk_size")
    )
    window: deque[tuple[list[int], Any]] = deque()

    def collect() -> ExplanationSet:
        indices, future = window.popleft()
        try:
            outcomes = future.result()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # the whole chunk was lost (a worker died, ...)
            outcomes = [(index, error) for index in indices]
        if bar is not None:
            bar.update(len(indices))
        return _to_set(outcomes, indices, raise_errors, feature_names)

    try:
        for start in range(0, n, size):
            indices = list(range(start, min(start + size, n)))
            chunk = instances[start : indices[-1] + 1]
            window.append((indices, submitter.submit(chunk, indices, batch_size)))
            if len(window) >= 2 * workers:
                yield collect()
        while window:
            yield collect()
    finally:
        for _, future in window:
            future.cancel()
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
    batch_size: int | None,
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
