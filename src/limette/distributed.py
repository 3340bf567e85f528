"""More than one machine: Dask and Spark helpers around ``explain_many``.

Any explainer's ``explain_many(..., executor=...)`` already runs on a Dask cluster: pass
the ``distributed.Client`` (or ``client.get_executor()``). The explainer and the model
are scattered once to every worker (``hash=False``) and chunks are submitted with
``pure=False``, so nothing large is hashed or shipped per chunk. The helpers here explain
tables that already live on a cluster, where they live:

- :func:`explain_dask_dataframe`: ``map_partitions`` over a Dask DataFrame;
- :func:`explain_spark`: ``mapInPandas`` over a Spark DataFrame.

Both return one row per instance, label and feature (the columns of
:meth:`ExplanationSet.as_frame`, plus ``error`` for instances that failed).

Worker memory allocator: Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``,
which in glibc also freezes the mmap threshold at 128 KiB. Every array of perturbations
(a 5000 × 30 table is 1.2 MB) is then mapped and unmapped, or the heap is trimmed after
it is freed, and each new array page-faults afresh: here, 200 allocations of a 5000 × 30
array took 0.38 s in a default worker and 0.01 s in a plain process, and a worker
explained rows 2.5× slower than the same code in the client. Both thresholds must be in
the environment before the nanny spawns a worker (``LocalCluster(env=...)`` is applied
too late to matter). The nanny takes a variable already in its process's environment
over its configuration, and it writes Dask's own ``MALLOC_TRIM_THRESHOLD_=65536`` into
that environment when it spawns a worker, so after any earlier cluster in the same
process :data:`WORKER_CONFIG` alone no longer applies. Setting the environment always
does::

    import os
    from limette.distributed import WORKER_ENVIRON

    os.environ.update(WORKER_ENVIRON)  # before the cluster starts its workers
    cluster = LocalCluster(n_workers=2, threads_per_worker=1)

(``with dask.config.set(WORKER_CONFIG): LocalCluster(...)`` is the same in a process that
has not started a cluster yet.) For ``dask worker`` on the command line, export
``MALLOC_MMAP_THRESHOLD_=67108864`` and ``MALLOC_TRIM_THRESHOLD_=1073741824`` before
starting it. ``explain_many`` asks a client's workers once and warns
(:class:`~limette.errors.LimetteWarning`) when Linux workers run with a trim threshold
and no mmap threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ._random import resolve_seed
from .engine.driver import check_allocator
from .errors import MissingDependencyError
from .explanation_set import ExplanationSet

__all__ = ["WORKER_CONFIG", "WORKER_ENVIRON", "explain_dask_dataframe", "explain_spark"]

#: Environment giving workers a 64 MiB mmap threshold and a 1 GiB trim threshold (see the
#: module notes): ``os.environ.update(WORKER_ENVIRON)`` before a cluster starts.
WORKER_ENVIRON = {"MALLOC_MMAP_THRESHOLD_": str(2**26), "MALLOC_TRIM_THRESHOLD_": str(2**30)}

#: The same as Dask configuration, for a process whose environment does not set them.
WORKER_CONFIG = {
    f"distributed.nanny.pre-spawn-environ.{name}": value for name, value in WORKER_ENVIRON.items()
}

_COLUMNS = {
    "instance": "int64",
    "label": "int64",
    "label_name": "object",
    "rank": "int64",
    "feature": "object",
    "feature_index": "int64",
    "value": "object",
    "weight": "float64",
    "score": "float64",
    "error": "object",
}

_SPARK_SCHEMA = (
    "instance long, label long, label_name string, rank long, feature string, "
    "feature_index long, value string, weight double, score double, error string"
)


def result_frame(result: ExplanationSet, labels: Sequence[Any]) -> Any:
    """``result.as_frame()`` with ``instance`` mapped through ``labels`` and error rows."""
    import pandas as pd

    frame = result.as_frame().drop(columns=["std"], errors="ignore")
    frame["error"] = None
    failed = pd.DataFrame(
        {
            "instance": [index for index, _ in result.errors],
            "error": [f"{type(error).__name__}: {error}" for _, error in result.errors],
        }
    )
    frame = pd.concat([frame, failed], ignore_index=True) if len(failed) else frame
    frame["instance"] = pd.Index(labels)[frame["instance"].to_numpy(dtype=int)].to_numpy()
    frame = frame.reindex(columns=list(_COLUMNS))
    for column, dtype in _COLUMNS.items():
        if dtype == "int64" and column != "instance":
            frame[column] = frame[column].fillna(-1).astype("int64")
    return frame


def _explain_partition(
    partition: Any, payload: tuple[Any, Callable[[Any], Any]], options: dict[str, Any]
) -> Any:
    explainer, predict_fn = payload
    result = explainer.explain_many(partition, predict_fn, **options)
    return result_frame(result, list(partition.index))


def explain_dask_dataframe(
    explainer: Any,
    frame: Any,
    predict_fn: Callable[[Any], Any],
    *,
    errors: str = "collect",
    random_state: Any = None,
    **options: Any,
) -> Any:
    """Explain every row of a Dask DataFrame where it lives (``map_partitions``).

    The explainer and the model travel once to each worker (one graph key); each
    partition is explained with ``explain_many`` and the same seed, so a row's
    explanation does not depend on its partition. ``instance`` holds the frame's index.

    Returns
    -------
    dask.dataframe.DataFrame
        One row per instance, label and feature, plus one row with ``error`` set for
        every instance that failed (with ``errors="collect"``, the default).

    Examples
    --------
    >>> import dask.dataframe as dd  # doctest: +SKIP
    >>> frame = explain_dask_dataframe(explainer, dd.from_pandas(df, npartitions=8),
    ...                                model.predict_proba)  # doctest: +SKIP
    >>> frame.compute()  # doctest: +SKIP
    """
    try:
        import dask
        import pandas as pd
    except ImportError:
        raise MissingDependencyError(
            "explain_dask_dataframe needs dask: pip install 'limette[dask]'"
        ) from None
    _check_default_client()
    seed = resolve_seed(explainer.random_state if random_state is None else random_state)
    payload = dask.delayed((explainer, predict_fn), pure=False)
    kwargs = {"errors": errors, "random_state": seed, "executor": None, **options}
    meta = pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in _COLUMNS.items()})
    meta["instance"] = pd.Series(dtype=frame.index.dtype)
    return frame.map_partitions(_explain_partition, payload, kwargs, meta=meta)


def explain_spark(
    explainer: Any,
    frame: Any,
    predict_fn: Callable[[Any], Any],
    *,
    id_column: str,
    errors: str = "collect",
    random_state: Any = None,
    **options: Any,
) -> Any:
    """Explain every row of a Spark DataFrame where it lives (``mapInPandas``).

    ``id_column`` (an integer column) identifies each row in the result; the other
    columns are the features, in the explainer's order. Needs ``pyspark``
    (``pip install 'limette[spark]'``); Spark's Python workers must import limette and
    the model's packages (on one machine, set ``PYSPARK_PYTHON`` to this interpreter).
    Each batch is explained with ``explain_many`` and the same seed, so a row's
    explanation does not depend on its partition.

    Returns
    -------
    pyspark.sql.DataFrame
        With the columns of :func:`explain_dask_dataframe`'s result.
    """
    seed = resolve_seed(explainer.random_state if random_state is None else random_state)
    kwargs = {"errors": errors, "random_state": seed, **options}
    features = [column for column in frame.columns if column != id_column]

    def explain_batches(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            rows = batch[features] if explainer.encoder_ is not None else batch[features].to_numpy()
            result = explainer.explain_many(rows, predict_fn, **kwargs)
            yield _plain_strings(result_frame(result, batch[id_column].tolist()))

    return frame.mapInPandas(explain_batches, schema=_SPARK_SCHEMA)


def _plain_strings(frame: Any) -> Any:
    """Text columns as plain Python objects: pandas 3 keeps them in chunked Arrow arrays,
    which Spark's Arrow batches do not accept."""
    return frame.astype({column: object for column, dtype in _COLUMNS.items() if dtype == "object"})


def _check_default_client() -> None:
    """The allocator check of ``explain_many`` on the default Dask client, if there is one."""
    try:
        from distributed import default_client
    except ImportError:
        return
    try:
        client = default_client()
    except ValueError:  # no client: the frame will run on another scheduler
        return
    check_allocator(client)
