"""
Many rows on a Dask cluster
===========================

``explain_many`` accepts any ``concurrent.futures.Executor``; a Dask cluster is one
``Client`` away. This example starts a small local cluster (two worker processes on this
machine; a real cluster's ``Client("scheduler:8786")`` works the same), explains 40 rows
of the breast-cancer data on it, and checks the answers against a serial run: the same
seed gives the same explanations, bit for bit, however the work is split.

Run: ``python examples/many_rows_dask.py [--quick]`` (needs ``pip install 'limette[dask]'``).
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import limette.distributed
from limette import TabularExplainer

parser = argparse.ArgumentParser(description="explain_many on a local Dask cluster.")
parser.add_argument("--quick", action="store_true", help="fewer rows and samples")
args = parser.parse_args()

data = load_breast_cancer()
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
model.fit(data.data, data.target)
explainer = TabularExplainer(data.data, feature_names=list(data.feature_names), random_state=0)
rows = data.data[: 20 if args.quick else 40]
options = {"num_features": 5, "num_samples": 1000 if args.quick else 5000}

# %%
# Start the cluster. Workers started after ``WORKER_ENVIRON`` is in the environment use
# the allocator setting that keeps them at full speed.
if __name__ == "__main__":
    from dask.distributed import Client, LocalCluster

    os.environ.update(limette.distributed.WORKER_ENVIRON)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        on_dask = explainer.explain_many(rows, model.predict_proba, executor=client, **options)
    serial = explainer.explain_many(rows, model.predict_proba, **options)

    same = all(
        np.array_equal(a.coef, b.coef) and np.array_equal(a.intercept, b.intercept)
        for a, b in zip(on_dask, serial)
    )
    print(f"{len(on_dask)} rows explained on Dask; identical to the serial run: {same}")
    for name, importance in on_dask.global_importance()[:5]:
        print(f"  {importance:.4f}  {name}")
