"""Shared fixtures: small real data sets and fitted models, built once per session."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest


@pytest.fixture(scope="session")
def cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer()


@pytest.fixture(scope="session")
def cancer_forest(cancer):
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=50, random_state=0, n_jobs=1)
    return model.fit(cancer.data[:450], cancer.target[:450])


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def cluster():
    """A real Dask cluster on loopback, two worker processes, shared by the whole session.

    A task on a worker that dies fails at once (``allowed-failures`` 0) instead of being
    tried on up to three more workers: limette's own retries are what the tests check.
    """
    distributed = pytest.importorskip("distributed")
    import dask

    from limette.distributed import WORKER_ENVIRON

    saved = {name: os.environ.get(name) for name in WORKER_ENVIRON}
    os.environ.update(WORKER_ENVIRON)  # as the docs say; else explain_many warns
    try:
        with (
            dask.config.set({"distributed.scheduler.allowed-failures": 0}),
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                worker_dashboard_address=None,
            ) as local,
            distributed.Client(local) as client,
        ):
            yield client
            pids = list(client.run(os.getpid).values())  # the workers now, after restarts
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    time.sleep(0.5)
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    assert not alive, f"worker processes {alive} outlived the cluster"
