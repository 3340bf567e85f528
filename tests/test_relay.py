"""Warnings raised on workers reach the caller's ``warnings``, once per run.

A model that warns, and a model whose outputs are not probabilities (limette's own
``ModelOutputWarning``, raised inside the run), explained on a process pool and on a real
Dask cluster: the caller sees each warning (``pytest.warns``, which a worker's stderr
never reaches), once, and the explanations are those of the serial run.
"""

import threading
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from limette import TabularExplainer
from limette.engine.relay import recording
from limette.errors import ModelOutputWarning


class ModelSaysWarning(UserWarning):
    """A warning category of the model's own (pickled by reference)."""


def warning_model(rows):
    warnings.warn("the model was called", ModelSaysWarning, stacklevel=2)
    z = np.asarray(rows, dtype=float) @ np.linspace(-0.02, 0.02, np.shape(rows)[1])
    p = 1 / (1 + np.exp(-z))
    return np.column_stack([1 - p, p])


def scores(rows):  # two columns that are not probabilities
    return np.column_stack([np.asarray(rows, dtype=float)[:, 0], -np.ones(len(rows))])


@pytest.fixture(scope="module")
def table(cancer):
    return TabularExplainer(cancer.data[:300], random_state=5), cancer.data[300:308]


def relayed(explainer, rows, model, executor):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = explainer.explain_many(
            rows, model, num_samples=40, executor=executor, chunk_size=2
        )
    return result, [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize(
    "model, category", [(warning_model, ModelSaysWarning), (scores, ModelOutputWarning)]
)
def test_a_process_pool_relays_warnings_once(table, model, category):
    explainer, rows = table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        serial = explainer.explain_many(rows, model, num_samples=40)
    with ProcessPoolExecutor(2) as pool:
        result, caught = relayed(explainer, rows, model, pool)
    mine = [c for c in caught if c[0] is category]
    assert len(mine) == 1, caught  # 4 chunks on 2 workers: shown once for the run
    assert all(result[i].to_dict() == serial[i].to_dict() for i in serial.indices)


def test_a_dask_cluster_relays_warnings(table, cluster):
    explainer, rows = table
    _, caught = relayed(explainer, rows, warning_model, cluster)
    assert [c for c in caught if c[0] is ModelSaysWarning] == [
        (ModelSaysWarning, "the model was called")
    ]


def test_recording_is_per_thread_and_passes_other_warnings_on():
    """While one thread records, a warning on another thread is shown as usual."""
    inside, outside = threading.Event(), threading.Event()

    def elsewhere():
        inside.wait()
        warnings.warn("from another thread", RuntimeWarning, stacklevel=1)
        outside.set()

    worker = threading.Thread(target=elsewhere)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        worker.start()
        with recording() as caught:
            warnings.warn("from this thread", UserWarning, stacklevel=1)
            inside.set()
            outside.wait()
        worker.join()
    assert caught == [(UserWarning, "from this thread")]
    assert [str(w.message) for w in shown] == ["from another thread"]


def test_a_category_the_caller_cannot_unpickle_arrives_as_a_user_warning():
    local = type("LocalWarning", (UserWarning,), {})  # not importable by name
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        with recording() as caught:
            warnings.warn("odd", local, stacklevel=1)
    assert caught == [(UserWarning, "LocalWarning: odd")]
