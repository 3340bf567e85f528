"""explain_many's shared neighbourhood: scored once, bit for bit the per-instance answer."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from limette import TabularExplainer

SAMPLES = 300


def smooth_model(rows):
    """Row by row elementwise: a row's output never depends on the rest of its call."""
    rows = np.asarray(rows)
    z = 0.02 * rows[:, 0] - 0.1 * rows[:, 1] + np.sin(rows[:, 2]) + 0.01 * rows[:, 5:].sum(axis=1)
    p = 1 / (1 + np.exp(-z))
    return np.column_stack([1 - p, p])


class Counting:
    """The model, recording the number of rows of every call."""

    def __init__(self, model):
        self.model, self.calls = model, []

    def __call__(self, rows):
        self.calls.append(len(rows))
        return self.model(rows)


def same(a, b):
    return a.to_dict() == b.to_dict()


@pytest.fixture(scope="module")
def rows(cancer):
    return cancer.data[400:420]


SETTINGS = [
    ({}, {}, True),
    ({"discretizer": "decile"}, {"sampler": "random"}, True),
    ({"discretize_continuous": False}, {}, True),
    ({"discretize_continuous": False}, {"sampling_method": "lhs", "sampler": "random"}, True),
    ({"categorical_features": [0, 3]}, {"sampler": "stratified"}, True),
    ({"categorical_features": [0, 3], "discretize_continuous": False}, {}, True),
    ({"discretize_continuous": False}, {"sampler": "antithetic"}, True),
    ({"discretize_continuous": False, "sample_around_instance": True}, {}, False),
    ({}, {"sampler": "glime"}, False),
]


@pytest.mark.parametrize(("options", "call", "shared"), SETTINGS)
def test_shared_rows_are_scored_once_and_give_explains_answer(cancer, rows, options, call, shared):
    data = cancer.data[:400].copy()
    if "categorical_features" in options:
        data[:, [0, 3]] = np.round(data[:, [0, 3]] / 10)  # a few categories each
        rows = data[::20]  # categories seen in training
    explainer = TabularExplainer(data, random_state=3, **options)
    model = Counting(smooth_model)
    many = explainer.explain_many(rows, model, num_samples=SAMPLES, **call)
    if shared:  # the shared rows once, then the instances' rows 0 in one padded call
        assert model.calls == [SAMPLES, SAMPLES]
    else:
        assert sum(model.calls) == SAMPLES * len(rows)
    for i, row in enumerate(rows):
        assert same(many[i], explainer.explain(row, smooth_model, num_samples=SAMPLES, **call))
    assert np.abs(many[0].coef).max() > 0


@pytest.mark.parametrize("batch_size", [1, 7, 64, 299, 300, None])
def test_a_model_called_with_other_row_counts_gives_the_same_explanation(cancer, rows, batch_size):
    explainer = TabularExplainer(cancer.data[:400], random_state=4)
    singles = [explainer.explain(row, smooth_model, num_samples=SAMPLES) for row in rows[:6]]
    model = Counting(smooth_model)
    many = explainer.explain_many(rows[:6], model, num_samples=SAMPLES, batch_size=batch_size)
    assert max(model.calls) <= (batch_size or SAMPLES)
    assert all(same(a, b) for a, b in zip(singles, many))


def test_executors_give_the_per_instance_answer(cancer, rows, cancer_forest):
    explainer = TabularExplainer(cancer.data[:400], random_state=5)
    predict = cancer_forest.predict_proba
    singles = [explainer.explain(row, predict, num_samples=SAMPLES) for row in rows]
    with ThreadPoolExecutor(2) as threads, ProcessPoolExecutor(2) as processes:
        for executor in (None, threads, processes):
            many = explainer.explain_many(
                rows, predict, num_samples=SAMPLES, executor=executor, chunk_size=3
            )
            assert all(same(a, b) for a, b in zip(singles, many))


def test_a_failing_shared_call_falls_back_to_each_instance(cancer, rows):
    explainer = TabularExplainer(cancer.data[:400], random_state=6)
    calls = []

    def flaky(batch):  # fails on its first two calls: the shared call and its retry
        calls.append(len(batch))
        if len(calls) <= 2:
            raise RuntimeError("not yet")
        return smooth_model(batch)

    many = explainer.explain_many(rows[:4], flaky, num_samples=SAMPLES, batch_size=SAMPLES)
    assert calls == [SAMPLES] * 6
    for i, row in enumerate(rows[:4]):
        assert same(many[i], explainer.explain(row, smooth_model, num_samples=SAMPLES))


def tail_sensitive(rows):
    """Like a BLAS kernel that treats the last ``len % 4`` rows of a call apart (a
    LogisticRegression's ``X @ coef``): their last bits differ."""
    out = smooth_model(rows)
    tail = len(rows) % 4
    if tail:
        out[-tail:, 1] += 2.0**-40
        out[-tail:, 0] = 1.0 - out[-tail:, 1]
    return out


@pytest.mark.parametrize("batch_size", [None, 1000, 7])
def test_rows_keep_their_place_in_the_call(cancer, rows, batch_size):
    explainer = TabularExplainer(cancer.data[:400], random_state=8)
    many = explainer.explain_many(rows, tail_sensitive, num_samples=301, batch_size=batch_size)
    for i, row in enumerate(rows):
        alone = explainer.explain(row, tail_sensitive, num_samples=301, batch_size=batch_size)
        assert same(many[i], alone)


class Reusing:
    """The model, returning a view into one output buffer it overwrites on every call."""

    def __init__(self, model):
        self.model, self.buffer, self.calls = model, None, []

    def __call__(self, rows):
        self.calls.append(len(rows))
        out = self.model(rows)
        if self.buffer is None or len(self.buffer) < len(out):
            self.buffer = np.empty((max(len(out), 512), out.shape[1]))
        self.buffer[: len(out)] = out
        return self.buffer[: len(out)]


@pytest.mark.parametrize("batch_size", [64, None])
def test_shared_rows_survive_a_model_that_reuses_its_output_buffer(cancer, rows, batch_size):
    explainer = TabularExplainer(cancer.data[:400], random_state=6)
    expected = explainer.explain_many(
        rows, smooth_model, num_samples=SAMPLES, batch_size=batch_size
    )
    model = Reusing(smooth_model)
    many = explainer.explain_many(rows, model, num_samples=SAMPLES, batch_size=batch_size)
    size = batch_size or SAMPLES
    shared_calls = -(-SAMPLES // size)
    assert len(model.calls) == shared_calls + 1  # the shared rows, then every row 0 in one call
    assert all(same(a, b) for a, b in zip(many, expected))
    assert np.abs(many[0].coef).max() > 0
