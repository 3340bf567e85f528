"""explain_many on process pools and a real Dask cluster; Dask DataFrame and Spark helpers."""

import glob
import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from limette import ExplanationSet, TabularExplainer
from limette.distributed import explain_dask_dataframe, explain_spark, result_frame
from limette.errors import InstanceError, LimetteWarning, WorkerLostError

SAMPLES = 200


def same_sets(a, b):
    return a.indices == b.indices and all(x.to_dict() == y.to_dict() for x, y in zip(a, b))


@pytest.fixture(scope="module")
def work(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:400], random_state=5)
    rows = cancer.data[np.arange(300) % len(cancer.data)]
    serial = explainer.explain_many(rows, cancer_forest.predict_proba, num_samples=SAMPLES)
    assert len(serial) == len(rows) and np.abs(serial[0].coef).max() > 0
    return explainer, rows, serial


def test_process_pool_gives_the_serial_answer(work, cancer_forest):
    explainer, rows, serial = work
    with ProcessPoolExecutor(2) as pool:
        result = explainer.explain_many(
            rows[:60], cancer_forest.predict_proba, num_samples=SAMPLES, executor=pool,
            batch_size=1000, chunk_size=7,
        )  # fmt: skip
    assert same_sets(result, serial[:60])


def test_a_process_pool_reads_the_model_from_one_file(work, cancer_forest):
    """Each chunk carries the file's name, not the pickled forest; the file goes after."""
    explainer, rows, serial = work
    sizes = []

    class Recording(ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            sizes.append(len(pickle.dumps(args)))
            return super().submit(fn, *args, **kwargs)

    pattern = os.path.join(tempfile.gettempdir(), "limette-*.pickle")
    before = set(glob.glob(pattern))
    with Recording(2) as pool:
        result = explainer.explain_many(
            rows[:12], cancer_forest.predict_proba, num_samples=SAMPLES, executor=pool,
            chunk_size=3,
        )  # fmt: skip
    assert same_sets(result, serial[:12])
    assert len(sizes) == 4 and max(sizes) < len(pickle.dumps(cancer_forest)) / 50
    assert set(glob.glob(pattern)) == before


def test_broken_process_pool_accounts_for_every_instance(work):
    """A model that kills every process it runs in: each row is tried, then tried alone,
    and ends as its own WorkerLostError; the run ends."""
    explainer, rows, _ = work

    def dies(batch):  # kills the worker process it runs in
        os.kill(os.getpid(), signal.SIGKILL)

    with ProcessPoolExecutor(2) as pool:
        result = explainer.explain_many(
            rows[:5], dies, num_samples=SAMPLES, executor=pool, errors="collect", chunk_size=2
        )
    assert len(result) == 0 and result.failed == list(range(5))
    assert all(isinstance(error, WorkerLostError) for _, error in result.errors)
    with ProcessPoolExecutor(2) as pool, pytest.raises(InstanceError, match="instance 0 failed"):
        explainer.explain_many(rows[:2], dies, num_samples=SAMPLES, executor=pool)


def test_dask_cluster_gives_the_serial_answer(work, cluster, cancer_forest):
    explainer, rows, serial = work
    result = explainer.explain_many(
        rows, cancer_forest.predict_proba, num_samples=SAMPLES, executor=cluster
    )
    assert same_sets(result, serial)
    through_executor = explainer.explain_many(
        rows[:40], cancer_forest.predict_proba, num_samples=SAMPLES,
        executor=cluster.get_executor(pure=False), chunk_size=6, batch_size=900,
    )  # fmt: skip
    assert same_sets(through_executor, serial[:40])


def test_dask_dataframe_helper(work, cluster, cancer, cancer_forest):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    names = [str(i) for i in range(cancer.data.shape[1])]
    frame = pd.DataFrame(cancer.data[:400], columns=names)
    explainer = TabularExplainer(frame, random_state=5)
    test = pd.DataFrame(cancer.data[400:430], columns=names, index=np.arange(1000, 1030))

    def predict(df):
        return cancer_forest.predict_proba(df.to_numpy())

    lazy = explain_dask_dataframe(
        explainer, dd.from_pandas(test, npartitions=3), predict, num_samples=SAMPLES
    )
    result = lazy.compute().reset_index(drop=True)
    expected = explainer.explain_many(test, predict, num_samples=SAMPLES).as_frame()
    assert sorted(set(result["instance"])) == list(range(1000, 1030))
    assert result["error"].isna().all()
    np.testing.assert_array_equal(result["weight"].to_numpy(), expected["weight"].to_numpy())
    assert (result["instance"].to_numpy() == expected["instance"].to_numpy() + 1000).all()


def test_worker_environ_reaches_workers_after_an_earlier_cluster(work, cancer_forest, monkeypatch):
    """An earlier cluster leaves Dask's MALLOC_TRIM_THRESHOLD_ in this process's
    environment, where it wins over WORKER_CONFIG; updating the environment still works,
    and explain_many then has nothing to warn about."""
    distributed = pytest.importorskip("distributed")
    from limette.distributed import WORKER_CONFIG, WORKER_ENVIRON

    explainer, rows, serial = work
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # what an earlier nanny writes
    for name, value in WORKER_ENVIRON.items():  # os.environ.update, undone after the test
        monkeypatch.setenv(name, value)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        seen = list(client.run(lambda: {k: os.environ.get(k) for k in WORKER_ENVIRON}).values())
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = explainer.explain_many(
                rows[:3], cancer_forest.predict_proba, num_samples=SAMPLES, executor=client
            )  # fmt: skip
    assert seen == [WORKER_ENVIRON]
    assert same_sets(result, serial[:3])
    assert WORKER_CONFIG == {
        "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": str(2**26),
        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": str(2**30),
    }


def test_dasks_default_allocator_gets_one_warning_per_client(work, cancer_forest, monkeypatch):
    distributed = pytest.importorskip("distributed")
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    explainer, rows, serial = work
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # Dask's default
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        with pytest.warns(LimetteWarning, match=r"1 of 1 Dask workers .*WORKER_ENVIRON") as seen:
            explain_dask_dataframe(  # the client is the default one: it is checked too
                explainer, dd.from_pandas(pd.DataFrame(rows[:2]), npartitions=1),
                cancer_forest.predict_proba, num_samples=SAMPLES,
            )  # fmt: skip
        assert seen[0].filename == __file__  # it points at the caller's line
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = explainer.explain_many(
                rows[:3], cancer_forest.predict_proba, num_samples=SAMPLES, executor=client
            )  # fmt: skip
    assert same_sets(result, serial[:3])


def test_killed_dask_worker_loses_nothing(work, cluster, cancer_forest):
    """A worker killed mid-run: the chunks it held run again, and every row comes back."""
    explainer, rows, serial = work

    def slow(batch):
        time.sleep(0.02)
        return cancer_forest.predict_proba(batch)

    pids = list(cluster.run(os.getpid).values())
    chunks = explainer.iter_explanations(
        rows[:100], slow, num_samples=SAMPLES, executor=cluster, chunk_size=5, errors="collect"
    )
    parts = [next(chunks)]
    os.kill(pids[0], signal.SIGKILL)  # mid-run: chunks are in flight on both workers
    parts += list(chunks)
    result = ExplanationSet.concat(parts)
    assert result.errors == []
    assert same_sets(result, serial[:100])
    assert pids[0] not in cluster.run(os.getpid).values()


def test_spark_helper_gives_the_local_answer(cancer, cancer_forest, monkeypatch):
    """A real local Spark session: every row explained where it lives, as ``explain_many``
    would locally, with the failing row reported in ``error``."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
        pytest.skip("Spark needs Java")
    import pandas as pd
    from pyspark.sql import SparkSession

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # workers import this environment
    explainer = TabularExplainer(cancer.data[:400], random_state=5)
    names = [f"f{i}" for i in range(cancer.data.shape[1])]
    frame = pd.DataFrame(cancer.data[400:408], columns=names)
    frame.loc[3, "f0"] = np.nan  # this row must fail alone
    frame.insert(0, "id", range(100, 108))
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")  # loopback only
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    try:
        lazy = explain_spark(
            explainer, spark.createDataFrame(frame).repartition(3), cancer_forest.predict_proba,
            id_column="id", num_samples=SAMPLES,
        )  # fmt: skip
        result = lazy.toPandas()
    finally:
        spark.stop()
    local = explainer.explain_many(
        frame[names].to_numpy(), cancer_forest.predict_proba, num_samples=SAMPLES,
        errors="collect",
    )  # fmt: skip
    expected = result_frame(local, list(frame["id"]))
    order = ["instance", "label", "rank"]
    result = result.sort_values(order).reset_index(drop=True)
    expected = expected.sort_values(order).reset_index(drop=True)
    assert sorted(set(result["instance"])) == list(range(100, 108))
    assert result.loc[result["instance"] == 103, "error"].str.contains("nan", case=False).all()
    assert result.loc[result["instance"] != 103, "error"].isna().all()
    for column in ("instance", "label", "rank", "feature", "feature_index", "value"):
        assert result[column].tolist() == expected[column].tolist(), column
    np.testing.assert_array_equal(result["weight"].to_numpy(), expected["weight"].to_numpy())


def test_shipped_work_is_unpickled_once_per_process():
    from limette.engine.driver import _dumps, _Shipped, _unship

    shipped = _Shipped("token-1", _dumps(({"model": 1}, len)))
    first, second = _unship(shipped), _unship(shipped)
    assert first is second and first[0] == {"model": 1}
    assert _unship(("plain", "tuple")) == ("plain", "tuple")
