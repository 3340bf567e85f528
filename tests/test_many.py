"""explain_many: same answers however the work is split, failures accounted for, views."""

import json
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from limette import ExplanationSet, RecurrentTabularExplainer, TabularExplainer, write_explanations
from limette.errors import (
    InputError,
    InstanceError,
    ModelCallError,
    ModelOutputError,
    UnknownOptionError,
)

POISON, NAN = 999.0, -999.0


def smooth_model(rows):
    """Row by row elementwise, so its outputs never depend on the batch a row is in."""
    rows = np.asarray(rows)
    z = 0.02 * rows[:, 0] - 0.1 * rows[:, 1] + np.sin(rows[:, 2])
    p = 1 / (1 + np.exp(-z))
    return np.column_stack([1 - p, p])


def faulty_model(rows):
    """Raises for a batch holding the row with feature 0 = POISON, NaN for NAN rows."""
    rows = np.asarray(rows)
    if (rows[:, 0] == POISON).any():
        raise ValueError("poisoned row")
    out = smooth_model(rows)
    out[rows[:, 0] == NAN] = np.nan
    return out


def same(a, b):
    return a.to_dict() == b.to_dict()


@pytest.fixture(scope="module")
def setup(cancer):
    explainer = TabularExplainer(cancer.data[:400], random_state=11)
    rows = cancer.data[400:424]
    return explainer, rows


@pytest.fixture(scope="module")
def singles(setup, cancer_forest):
    explainer, rows = setup
    return [explainer.explain(r, cancer_forest.predict_proba, num_samples=300) for r in rows]


@pytest.mark.parametrize("batch_size", [None, 100, 300, 1000, 2500])
@pytest.mark.parametrize("chunk_size", [1, 5, 64])
def test_explain_many_equals_explain_bit_for_bit(
    setup, singles, cancer_forest, batch_size, chunk_size
):
    explainer, rows = setup
    result = explainer.explain_many(
        rows,
        cancer_forest.predict_proba,
        num_samples=300,
        batch_size=batch_size,
        chunk_size=chunk_size,
    )
    assert len(result) == len(rows) and result.errors == []
    assert result.indices == list(range(len(rows)))
    assert all(same(a, b) for a, b in zip(singles, result))
    assert np.abs(result[0].coef).max() > 0  # not a trivial reference


def test_thread_pool_and_batch_sizes_keep_answers(setup, singles, cancer_forest):
    explainer, rows = setup
    with ThreadPoolExecutor(2) as pool:
        result = explainer.explain_many(
            rows, cancer_forest.predict_proba, num_samples=300, executor=pool, batch_size=700
        )
    assert all(same(a, b) for a, b in zip(singles, result))


def test_single_explain_with_batches_matches_many(setup):
    explainer, rows = setup
    alone = explainer.explain(rows[3], smooth_model, num_samples=500, batch_size=128)
    many = explainer.explain_many(rows, smooth_model, num_samples=500, batch_size=128)
    assert same(alone, many[3])


def test_pandas_rows_with_categories(cancer):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(cancer.data[:, :4], columns=["a", "b", "c", "d"])
    frame["colour"] = np.where(cancer.data[:, 4] > 0.1, "red", "blue")

    def predict(df):
        p = 1 / (1 + np.exp(-(df["a"].to_numpy() - 14) - (df["colour"] == "red").to_numpy()))
        return np.column_stack([1 - p, p])

    explainer = TabularExplainer(frame.iloc[:400], random_state=0)
    test = frame.iloc[400:410]
    result = explainer.explain_many(test, predict, num_samples=400, batch_size=1000)
    for i in range(len(test)):
        assert same(result[i], explainer.explain(test.iloc[i], predict, num_samples=400))
    bad = test.copy()
    bad.loc[bad.index[2], "colour"] = "green"
    collected = explainer.explain_many(bad, predict, num_samples=400, errors="collect")
    assert collected.failed == [2] and isinstance(collected.errors[0][1], InputError)
    assert same(collected[3], result[3])  # by input index, after the failure too
    with pytest.raises(InstanceError, match="instance 2 failed"):
        collected[2]


def test_recurrent_explain_many():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(200, 4, 2))
    explainer = RecurrentTabularExplainer(data, mode="regression", random_state=1)

    def model(x):
        return x[:, -1, 0] * 2 - x[:, 0, 1]

    result = explainer.explain_many(data[:3], model, num_samples=300)
    assert same(result[1], explainer.explain(data[1], model, num_samples=300))


def poisoned_rows(rows):
    bad = rows.copy()
    bad[3, 0], bad[5, 0], bad[8, 1] = POISON, NAN, np.nan
    return bad


def test_faults_are_collected_and_retried_instance_by_instance(setup):
    explainer, rows = setup
    bad = poisoned_rows(rows)
    result = explainer.explain_many(
        bad, faulty_model, num_samples=300, batch_size=1200, errors="collect"
    )
    assert result.failed == [3, 5, 8]
    kinds = [type(error) for _, error in result.errors]
    assert kinds == [ModelCallError, ModelOutputError, InputError]
    assert "poisoned row" in str(result.errors[0][1])
    assert result.indices == [i for i in range(len(rows)) if i not in (3, 5, 8)]
    assert result.n_instances == len(rows)
    # neighbours of a failing instance in the same model call were retried and kept
    for index, explanation in zip(result.indices, result):
        assert same(explanation, explainer.explain(bad[index], faulty_model, num_samples=300))
    with pytest.raises(InstanceError, match=r"instance 3 failed.*poisoned row") as info:
        explainer.explain_many(bad, faulty_model, num_samples=300, batch_size=1200)
    assert info.value.index == 3 and isinstance(info.value.__cause__, ModelCallError)
    with pytest.raises(ModelCallError, match=r"samples 0\.\.299 of 300"):
        explainer.explain(bad[3], faulty_model, num_samples=300)


def test_boundary_errors(setup):
    explainer, rows = setup
    with pytest.raises(UnknownOptionError, match="errors='ignore'"):
        explainer.explain_many(rows, smooth_model, errors="ignore")
    with pytest.raises(InputError, match="must be 2-D"):
        explainer.explain_many(rows[0], smooth_model)
    with pytest.raises(InputError, match="batch_size"):
        explainer.explain_many(rows, smooth_model, batch_size=0)
    with pytest.raises(InputError, match="chunk_size"):
        explainer.explain_many(rows, smooth_model, chunk_size=0)
    empty = explainer.explain_many(rows[:0], smooth_model)
    assert len(empty) == 0 and empty.errors == []


@pytest.fixture(scope="module")
def result_set(setup):
    explainer, rows = setup
    bad = poisoned_rows(rows)
    return explainer.explain_many(
        bad, faulty_model, labels=(0, 1), num_features=4, num_samples=300, errors="collect"
    )


def test_as_frame_and_global_importance(result_set):
    frame = result_set.as_frame()
    assert len(frame) == len(result_set) * 2 * 4
    assert sorted(set(frame["instance"])) == result_set.indices
    first = frame[(frame["instance"] == result_set.indices[0]) & (frame["label"] == 1)]
    assert list(zip(first["feature"], first["weight"])) == result_set[0].as_list(1)
    importance = result_set.global_importance(label=1)
    manual = np.mean([np.abs(e.coef[1]) for e in result_set], axis=0)
    assert importance[0][1] == pytest.approx(manual.max()) and manual.max() > 0
    assert importance[0][0] == result_set.feature_names[int(np.argmax(manual))]
    assert [w for _, w in importance] == sorted((w for _, w in importance), reverse=True)


def test_json_round_trip_and_list_behaviour(result_set):
    back = ExplanationSet.from_json(result_set.to_json())
    assert back.indices == result_set.indices and back.failed == result_set.failed
    assert all(same(a, b) for a, b in zip(back, result_set))
    assert "poisoned row" in str(back.errors[0][1])
    part = result_set[2:5]
    assert isinstance(part, ExplanationSet) and part.indices == [2, 4] and part.failed == [3]
    assert result_set.explanation_for(result_set.indices[4]) is result_set[6]
    with pytest.raises(InstanceError, match="instance 3 failed"):
        result_set.explanation_for(3)


def test_streaming_writes_every_instance(setup, tmp_path):
    pytest.importorskip("pandas")
    explainer, rows = setup
    bad = poisoned_rows(rows)
    chunks = explainer.iter_explanations(
        bad, faulty_model, num_samples=200, chunk_size=5, errors="collect"
    )
    errors = write_explanations(chunks, tmp_path / "out.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sorted([line["instance"] for line in lines] + [i for i, _ in errors]) == list(
        range(len(rows))
    )
    import pandas as pd

    chunks = explainer.iter_explanations(rows, smooth_model, num_samples=200, chunk_size=7)
    assert write_explanations(chunks, tmp_path / "out.csv") == []
    # read back exactly: pandas 3 does by default, older pandas when asked
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    frame = pd.read_csv(tmp_path / "out.csv", **exact)
    assert sorted(set(frame["instance"])) == list(range(len(rows)))
    expected = explainer.explain_many(rows, smooth_model, num_samples=200).as_frame()
    np.testing.assert_array_equal(frame["weight"], expected["weight"])
    with pytest.raises(InputError, match=r"\.csv, \.jsonl or \.parquet"):
        write_explanations([], tmp_path / "out.xlsx")
    pytest.importorskip("pyarrow")
    chunks = explainer.iter_explanations(rows, smooth_model, num_samples=200, chunk_size=7)
    write_explanations(chunks, tmp_path / "out.parquet")
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "out.parquet"), expected, check_dtype=False
    )


def test_progress_bar(setup):
    pytest.importorskip("tqdm")
    explainer, rows = setup
    result = explainer.explain_many(rows[:4], smooth_model, num_samples=200, progress=True)
    assert len(result) == 4


def test_peak_memory_is_bounded_by_the_chunk(setup):
    explainer, rows = setup
    many = np.repeat(rows, 5, axis=0)

    def peak(instances):
        tracemalloc.start()
        chunks = explainer.iter_explanations(
            instances, smooth_model, num_samples=2000, batch_size=4000, chunk_size=4
        )
        for _ in chunks:
            pass
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    small, large = peak(many[:8]), peak(many)
    assert large < 1.5 * small  # 15 times the instances, about the same peak


def test_a_serial_run_gives_the_model_the_callers_openmp_threads(setup):
    """OpenMP counts are per thread, so the caller's are safe to give back to the model
    (a torch network's intra-op threads); BLAS counts are the process's and stay at one."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    explainer, rows = setup
    seen = []

    def threads(api):
        return {
            lib["filepath"]: lib["num_threads"]
            for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == api
        }

    def model(batch):
        seen.append((threads("openmp"), threads("blas")))
        return smooth_model(batch)

    with threadpoolctl.threadpool_limits(limits=2):
        caller = threads("openmp")
        if not caller:
            pytest.skip("no OpenMP library to limit")
        explainer.explain(rows[0], model, num_samples=50)
        explainer.explain_many(rows[:3], model, num_samples=50)
    assert len(seen) >= 2
    assert all(openmp == caller and set(blas.values()) <= {1} for openmp, blas in seen)


def test_thread_pool_workers_keep_one_thread_until_the_last_leaves(setup):
    """A BLAS thread count is the process's: one worker thread leaving its chunk must not
    give the other, still working, its threads back; the caller's count returns after."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    explainer, rows = setup
    seen = []

    def model(batch):
        seen.append(max(lib["num_threads"] for lib in threadpoolctl.threadpool_info()))
        return smooth_model(batch)

    with threadpoolctl.threadpool_limits(limits=2):
        before = threadpoolctl.threadpool_info()
        if max((lib["num_threads"] for lib in before), default=1) < 2:
            pytest.skip("no thread pool that can run two threads")
        with ThreadPoolExecutor(4) as pool:
            explainer.explain_many(rows, model, num_samples=100, executor=pool, chunk_size=1)
        after = threadpoolctl.threadpool_info()
    assert len(seen) == len(rows) and set(seen) == {1}
    assert [lib["num_threads"] for lib in after] == [lib["num_threads"] for lib in before]


def test_a_thread_sensitive_model_matches_across_executors_under_one_thread(setup):
    """A model whose last bits depend on its thread count (a float32 network on the CPU)
    runs on the caller's threads serially and on one thread in workers, so the two differ
    by rounding; the caller running under one thread gets the workers' bits exactly."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    explainer, rows = setup

    def model(batch):
        threads = max((lib["num_threads"] for lib in threadpoolctl.threadpool_info()), default=1)
        out = smooth_model(batch)
        return out + (threads - 1) * 1e-9 * out[:, ::-1]  # rounding-sized, thread-dependent

    with ThreadPoolExecutor(2) as pool:
        workers = explainer.explain_many(rows[:4], model, num_samples=200, executor=pool)
        with threadpoolctl.threadpool_limits(limits=2):
            if max(lib["num_threads"] for lib in threadpoolctl.threadpool_info()) > 1:
                serial = explainer.explain_many(rows[:4], model, num_samples=200)
                assert not all(same(a, b) for a, b in zip(serial, workers))
        with threadpoolctl.threadpool_limits(limits=1):
            serial = explainer.explain_many(rows[:4], model, num_samples=200)
            alone = explainer.explain(rows[2], model, num_samples=200)
    assert all(same(a, b) for a, b in zip(serial, workers)) and same(alone, workers[2])


def test_the_view_of_thread_pools_is_rebuilt_after_an_import(tmp_path, monkeypatch):
    """An import can load a library with its own pool (torch brings its own OpenMP): a view
    of the pools taken before it would neither limit nor restore that pool."""
    import importlib
    import sys

    from limette.engine import threads as _threads

    first = _threads._controller()
    assert _threads._controller() is first  # nothing imported in between: kept (3 ms each)
    (tmp_path / "limette_probe_module.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "limette_probe_module", raising=False)
    importlib.import_module("limette_probe_module")
    assert _threads._controller() is not first
