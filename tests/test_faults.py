"""Faults: a finished row is never lost, a healthy row never fails because of another.

Models that kill their process on poison rows (on a process pool and on a real Dask
cluster), that die once and then work, that raise once, and that return views into one
buffer they reuse between calls. Every row but the poison rows must come back equal, bit
for bit, to the serial run; each poison row is in ``.errors``.
"""

import os
import signal
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial

import numpy as np
import pytest

from limette import AutoSamples, ImageExplainer, Lime, TabularExplainer, TextExplainer
from limette.errors import InstanceError, ModelCallError, WorkerLostError
from limette.segmentation import grid

POISON, FLAKY = 999.0, 777.0
SAMPLES = 60
PARENT = os.getpid()


def make_model(parent, flag_dir=None):
    """A smooth model of rows; it kills the process it runs in (when that is not the test
    process ``parent``, where it raises instead) on any batch holding a POISON row, and
    the first time any process sees a FLAKY row (a flag file remembers that it did).

    Built in a function so that cloudpickle ships it by value to spawned workers.
    """

    def model(rows):
        rows = np.asarray(rows, dtype=float)
        if (rows[:, 0] == POISON).any():
            if os.getpid() != parent:
                os._exit(1)
            raise RuntimeError("poison row")
        if flag_dir is not None and (rows[:, 0] == FLAKY).any():
            try:
                os.close(os.open(os.path.join(flag_dir, "died"), os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                pass
            else:
                os._exit(1)
        z = 0.02 * rows[:, 0] - 0.1 * rows[:, 1] + np.sin(rows[:, 2])
        p = 1 / (1 + np.exp(-z))
        return np.column_stack([1 - p, p])

    return model


def same_rows(result, serial, skip=()):
    """Every explained row of ``result`` equals the serial one, and every row but ``skip``
    was explained."""
    wanted = [i for i in serial.indices if i not in skip]
    assert result.indices == wanted
    assert all(result[i].to_dict() == serial[i].to_dict() for i in wanted)


@pytest.fixture(scope="module")
def table(cancer):
    explainer = TabularExplainer(cancer.data[:300], random_state=3)
    rows = cancer.data[300:330].copy()
    rows[[7, 19], 0] = POISON
    serial = explainer.explain_many(rows, make_model(PARENT), num_samples=SAMPLES, errors="collect")
    assert serial.failed == [7, 19] and np.abs(serial[0].coef).max() > 0
    return explainer, rows, serial


# ----------------------------------------------------------------- process pools
@pytest.mark.parametrize("chunk_size", [4, None])
def test_a_process_pool_loses_only_the_rows_that_kill_it(table, chunk_size):
    explainer, rows, serial = table
    with ProcessPoolExecutor(2) as pool:
        result = explainer.explain_many(
            rows, make_model(PARENT), num_samples=SAMPLES, executor=pool, errors="collect",
            chunk_size=chunk_size,
        )  # fmt: skip
    same_rows(result, serial, skip=(7, 19))
    assert result.failed == [7, 19]
    assert all(isinstance(error, WorkerLostError) for _, error in result.errors)
    assert "instance 7 came back without a result" in str(result.errors[0][1])
    assert "BrokenProcessPool" in str(result.errors[0][1])
    with pytest.raises(InstanceError, match="instance 19 failed"):
        result[19]


def test_a_process_pool_raises_for_the_poison_row_with_errors_raise(table):
    explainer, rows, _ = table
    with ProcessPoolExecutor(2) as pool, pytest.raises(InstanceError) as info:
        explainer.explain_many(
            rows[:10], make_model(PARENT), num_samples=SAMPLES, executor=pool, chunk_size=3
        )
    assert info.value.index == 7 and isinstance(info.value.__cause__, WorkerLostError)


def test_a_row_that_kills_its_process_once_comes_back(table, tmp_path):
    explainer, rows, _ = table
    flaky = np.delete(rows, [7, 19], axis=0)[:12]
    flaky[4, 0] = FLAKY
    expected = explainer.explain_many(flaky, make_model(PARENT), num_samples=SAMPLES)
    with ProcessPoolExecutor(2) as pool:
        result = explainer.explain_many(
            flaky, make_model(PARENT, str(tmp_path)), num_samples=SAMPLES, executor=pool,
            errors="collect", chunk_size=3,
        )  # fmt: skip
    assert (tmp_path / "died").exists()  # a worker did die on it
    assert result.errors == []
    same_rows(result, expected)


def test_a_model_that_raises_once_is_tried_again(table):
    explainer, rows, _ = table
    calls = []
    model = make_model(PARENT)

    def flaky(batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise ConnectionError("the server hiccuped")
        return model(batch)

    healthy = np.delete(rows, [7, 19], axis=0)[:6]
    expected = explainer.explain_many(healthy, model, num_samples=SAMPLES, batch_size=25)
    result = explainer.explain_many(
        healthy, flaky, num_samples=SAMPLES, batch_size=25, errors="collect"
    )
    assert result.errors == [] and len(calls) == 6 * 3 + 1
    same_rows(result, expected)
    with pytest.raises(ModelCallError, match="poison row"):  # a real failure still fails
        explainer.explain(rows[7], model, num_samples=SAMPLES, batch_size=25)


# ----------------------------------------------------------------- Dask
def test_a_dask_worker_killed_by_poison_rows_loses_no_healthy_row(table, cluster):
    explainer, rows, serial = table
    result = explainer.explain_many(
        rows[:12], make_model(PARENT), num_samples=SAMPLES, executor=cluster,
        errors="collect", chunk_size=3,
    )  # fmt: skip
    same_rows(result, serial[:12], skip=(7,))
    assert result.failed == [7] and isinstance(result.errors[0][1], WorkerLostError)
    assert len(cluster.nthreads()) >= 1  # the nanny brought the workers back


def test_the_work_is_shipped_again_when_every_worker_holding_it_is_gone(table, cluster):
    """Kill every worker mid-run: the explainer and model scattered to them are gone, and
    without shipping them again every later chunk failed with 'lost dependencies'."""
    explainer, rows, _ = table
    healthy = [i for i in range(len(rows)) if i not in (7, 19)]
    model = make_model(PARENT)
    expected = explainer.explain_many(rows[healthy], model, num_samples=SAMPLES)
    chunks = explainer.iter_explanations(
        rows[healthy], model, num_samples=SAMPLES, executor=cluster, chunk_size=2,
        errors="collect",
    )  # fmt: skip
    parts = [next(chunks)]
    for pid in cluster.run(os.getpid).values():
        os.kill(pid, signal.SIGKILL)
    parts += list(chunks)
    result = type(expected).concat(parts)
    assert result.errors == []
    same_rows(result, expected)


# ----------------------------------------------------------------- reused output buffers
class Reusing:
    """A model that returns a view into one output buffer it overwrites on every call,
    as inference servers and preallocated ONNX Runtime outputs do."""

    def __init__(self, model):
        self.model, self.buffer = model, None

    def __call__(self, batch):
        out = np.asarray(self.model(batch), dtype=float)
        if self.buffer is None or len(self.buffer) < len(out):
            self.buffer = np.empty((max(len(out), 512), *out.shape[1:]))
        self.buffer[: len(out)] = out
        return self.buffer[: len(out)]


@pytest.mark.parametrize("batch_size", [25, 130])  # an instance over several calls; calls
def test_tabular_with_a_reused_output_buffer(table, batch_size):  # spanning instances
    explainer, rows, _ = table
    model = make_model(PARENT)
    healthy = np.delete(rows, [7, 19], axis=0)[:5]
    expected = explainer.explain_many(healthy, model, num_samples=SAMPLES)
    result = explainer.explain_many(healthy, Reusing(model), num_samples=SAMPLES, batch_size=50)
    same_rows(result, expected)
    many = explainer.explain_many(
        healthy, Reusing(model), num_samples=SAMPLES, batch_size=batch_size
    )
    same_rows(many, expected)
    one = explainer.explain(healthy[1], Reusing(model), num_samples=SAMPLES, batch_size=7)
    assert one.to_dict() == expected[1].to_dict()
    if batch_size == 25:  # adaptive sampling evaluates in batches of its own
        rule = AutoSamples(batch=100, max_samples=400)
        auto = explainer.explain(healthy[1], model, num_samples=rule, batch_size=30)
        reused = explainer.explain(healthy[1], Reusing(model), num_samples=rule, batch_size=30)
        assert reused.metadata["samples_used"] > 100 and reused.to_dict() == auto.to_dict()


def test_images_with_a_reused_output_buffer():
    weights = np.random.default_rng(0).integers(-1, 3, size=(8, 8, 3)).astype(float)

    def brightness(batch):
        p = 0.5 + (np.asarray(batch) * weights).sum(axis=(1, 2, 3)) / 1024
        return np.stack([1 - p, p], axis=1)

    images = np.random.default_rng(1).choice([0.0, 0.25, 0.5, 1.0], size=(3, 8, 8, 3))
    explainer = ImageExplainer(segmenter=partial(grid, rows=4))
    options = {"num_samples": 30, "top_labels": None, "hide_color": 0, "random_state": 3}
    expected = [explainer.explain(image, brightness, **options) for image in images]
    assert np.abs(expected[0].coef).max() > 0
    single = explainer.explain(images[0], Reusing(brightness), **options)  # 2 images a call
    assert single.to_dict() == expected[0].to_dict()
    result = explainer.explain_many(images, Reusing(brightness), batch_size=7, **options)
    assert all(result[i].to_dict() == expected[i].to_dict() for i in range(3))


def test_texts_with_a_reused_output_buffer():
    words = {"good": 0.5, "great": 0.25, "bad": -0.375}

    def sentiment(texts):
        score = np.array([sum(words.get(w, 0.0) for w in t.split()) for t in texts])
        return np.column_stack([0.5 - score / 8, 0.5 + score / 8])

    docs = ["a good film with a great cast", "bad plot but good music and a great end"]
    explainer = TextExplainer(random_state=5)
    expected = [explainer.explain(d, sentiment, num_samples=40) for d in docs]
    assert np.abs(expected[0].coef).max() > 0
    result = explainer.explain_many(docs, Reusing(sentiment), num_samples=40, batch_size=15)
    assert all(result[i].to_dict() == expected[i].to_dict() for i in range(2))
    single = explainer.explain(docs[1], Reusing(sentiment), num_samples=40, batch_size=6)
    assert single.to_dict() == expected[1].to_dict()


def test_tensors_with_a_reused_output_buffer():
    beta = np.array([1.0, -2.0, 0.5, 3.0, -1.0, 2.0])

    def linear(x):
        return np.asarray(x) @ beta

    x = np.linspace(-1, 1, 12).reshape(2, 6)
    expected = Lime(linear, random_state=3).attribute(x, n_samples=40)
    assert np.abs(expected).max() > 0
    reused = Lime(Reusing(linear), random_state=3).attribute(
        x, n_samples=40, perturbations_per_eval=3
    )
    np.testing.assert_array_equal(reused, expected)


def test_a_thread_pool_with_a_reused_buffer_per_thread(table):
    """Each thread's model reuses its own buffer: the copy happens in the thread."""
    explainer, rows, _ = table
    model = make_model(PARENT)
    healthy = np.delete(rows, [7, 19], axis=0)[:6]
    expected = explainer.explain_many(healthy, model, num_samples=SAMPLES)
    import threading

    local = threading.local()

    def per_thread(batch):
        if not hasattr(local, "model"):
            local.model = Reusing(model)
        return local.model(batch)

    with ThreadPoolExecutor(2) as pool:
        result = explainer.explain_many(
            healthy, per_thread, num_samples=SAMPLES, batch_size=25, executor=pool, chunk_size=2
        )
    same_rows(result, expected)
