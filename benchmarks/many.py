"""Many instances at once: limette ``explain_many`` vs loops of lime and limette ``explain``.

For a RandomForest and a LogisticRegression pipeline on breast-cancer test rows (drawn
with replacement), 5000 samples each: rows per second of ``explain_many``, of a loop of
limette ``explain``, of a loop of lime ``explain_instance`` (on a subset, extrapolated),
and the floor (the model's own time on every perturbed row, timed inside the run). Then
the peak memory of ``explain_many`` in a fresh process, and a Dask ``LocalCluster`` with 2
workers against serial. Run: ``python benchmarks/many.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import _timing  # noqa: F401  (sets one BLAS thread before numpy loads)
import numpy as np
from _timing import TimedModel, machine
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from limette import TabularExplainer

SAMPLES = 5000


def setup(rows: int):
    cancer = load_breast_cancer()
    Xtr, Xte, ytr, _ = train_test_split(cancer.data, cancer.target, random_state=0)
    test = Xte[np.random.default_rng(0).integers(len(Xte), size=rows)]
    forest = RandomForestClassifier(n_estimators=100, random_state=0).fit(Xtr, ytr)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(Xtr, ytr)
    models = {"RandomForest": forest, "LogisticRegression pipeline": logistic}
    return Xtr, test, models


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def throughput(train, test, model, lime_rows: int, loop_rows: int, repeats: int):
    """Rows/s of explain_many over every row, its floor, a limette loop and a lime loop.

    The floor and the share of the model come from one explain_many run over all rows
    (timed inside the run), which is also checked against ``explain`` on ``loop_rows``
    rows. Then explain_many over all rows, a loop of limette ``explain`` on ``loop_rows``
    rows and a loop of lime on ``lime_rows`` rows (extrapolated) alternate, medians of
    ``repeats``, so that a change in the machine's load hits all of them alike; wall
    clock and this process's CPU time (the machine is shared).
    """
    from lime.lime_tabular import LimeTabularExplainer

    ours = TabularExplainer(train, random_state=0)
    theirs = LimeTabularExplainer(train, random_state=0)
    timed = TimedModel(model.predict_proba)
    start = time.perf_counter()
    result = ours.explain_many(test, timed, num_samples=SAMPLES)
    whole = time.perf_counter() - start
    identical = all(
        result[i].to_dict() == ours.explain(row, model.predict_proba).to_dict()
        for i, row in enumerate(test[:loop_rows])
    )
    runs: dict[str, list[tuple[float, float]]] = {
        "explain_many": [], "explain loop": [], "lime loop": []
    }  # fmt: skip

    def timed_run(key, count, action):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        runs[key].append(
            (rate(count, time.perf_counter() - wall), rate(count, time.process_time() - cpu))
        )

    def many():
        ours.explain_many(test, model.predict_proba, num_samples=SAMPLES)

    def loop():
        for row in test[:loop_rows]:
            ours.explain(row, model.predict_proba, num_samples=SAMPLES)

    def lime():
        for row in test[:lime_rows]:
            theirs.explain_instance(row, model.predict_proba, num_samples=SAMPLES)

    for repeat in range(repeats):
        order = [("explain_many", len(test), many), ("explain loop", loop_rows, loop),
                 ("lime loop", lime_rows, lime)]  # fmt: skip
        for key, count, action in order if repeat % 2 == 0 else reversed(order):
            timed_run(key, count, action)
    medians = {key: float(np.median([v[0] for v in values])) for key, values in runs.items()}
    cpu = {key: float(np.median([v[1] for v in values])) for key, values in runs.items()}
    return {
        "all rows": rate(len(test), whole),
        "floor": rate(len(test), timed.seconds),
        "model share": timed.seconds / whole,
        "identical": identical,
        "cpu": cpu,
        **medians,
    }


def peak_memory_child(rows: int, samples: int, stream: bool) -> None:
    """Run in a fresh process: explain ``rows`` rows, print peak RSS and seconds as JSON."""
    train, test, models = setup(rows)
    explainer = TabularExplainer(train, random_state=0)
    predict = models["LogisticRegression pipeline"].predict_proba
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if stream:
        count = 0
        for chunk in explainer.iter_explanations(test, predict, num_samples=samples):
            count += len(chunk)
    else:
        count = len(explainer.explain_many(test, predict, num_samples=samples))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": count, "peak_mb": peak / 1024, "base_mb": before / 1024,
                      "seconds": seconds}))  # fmt: skip


def peak_memory(rows: int, samples: int, stream: bool) -> dict:
    command = [sys.executable, __file__, "--memory-child", str(rows), str(samples)]
    command += ["--stream"] if stream else []
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def dask_vs_serial(train, test, model, configured: bool) -> tuple[float, float, bool]:
    """Rows/s serial and on a 2-worker LocalCluster; whether the answers are identical.

    ``configured`` starts the workers with :data:`limette.distributed.WORKER_ENVIRON`.
    Run in a fresh process (:func:`dask_child`): a nanny leaves Dask's allocator setting
    in its process's environment, where it would win over a later cluster's setting.
    """
    from distributed import Client, LocalCluster

    from limette.distributed import WORKER_ENVIRON

    if configured:
        os.environ.update(WORKER_ENVIRON)
    explainer = TabularExplainer(train, random_state=0)
    start = time.perf_counter()
    serial = explainer.explain_many(test, model.predict_proba, num_samples=SAMPLES)
    serial_seconds = time.perf_counter() - start
    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster, Client(cluster) as client:  # fmt: skip
        explainer.explain_many(test[:4], model.predict_proba, num_samples=SAMPLES, executor=client)
        start = time.perf_counter()
        spread = explainer.explain_many(
            test, model.predict_proba, num_samples=SAMPLES, executor=client
        )
        dask_seconds = time.perf_counter() - start
    same = all(a.to_dict() == b.to_dict() for a, b in zip(serial, spread))
    return rate(len(test), serial_seconds), rate(len(test), dask_seconds), same


def dask_child(rows: int, configured: bool) -> None:
    """Print the Dask comparison of every model as JSON (run in a fresh process)."""
    train, test, models = setup(rows)
    out = {name: dask_vs_serial(train, test, model, configured) for name, model in models.items()}
    print(json.dumps(out))


def pools_vs_serial(train, test, model) -> dict[str, tuple[float, bool]]:
    """Rows/s serial and on 2-worker local pools (threads, processes), medians of 3,
    alternating; whether each pool's answer is identical to the serial one."""
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    explainer = TabularExplainer(train, random_state=0)
    runs: dict[str, list[float]] = {"serial": [], "threads": [], "processes": []}
    same = {}
    with ThreadPoolExecutor(2) as threads, ProcessPoolExecutor(2) as processes:
        executors = {"serial": None, "threads": threads, "processes": processes}
        for executor in executors.values():  # warm: workers started, model shipped
            explainer.explain_many(test[:4], model.predict_proba, executor=executor)
        for _ in range(3):
            for name, executor in executors.items():
                start = time.perf_counter()
                result = explainer.explain_many(
                    test, model.predict_proba, num_samples=SAMPLES, executor=executor
                )
                runs[name].append(time.perf_counter() - start)
                if name == "serial":
                    serial = result
                else:
                    same[name] = all(a.to_dict() == b.to_dict() for a, b in zip(serial, result))
    return {
        name: (rate(len(test), statistics.median(seconds)), same.get(name, True))
        for name, seconds in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rows")
    parser.add_argument("--only", choices=["throughput", "memory", "pools", "dask"], default=None)
    parser.add_argument("--memory-child", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stream", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dask-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        peak_memory_child(*args.memory_child, args.stream)
        return
    if args.dask_child:
        dask_child(args.dask_child[0], bool(args.dask_child[1]))
        return
    rows = 100 if args.quick else 1000
    lime_rows, loop_rows = (4, 20) if args.quick else (10, 60)
    memory_cases = (
        [(10_000, 200), (500, SAMPLES)] if args.quick else [(100_000, 200), (2000, SAMPLES)]
    )
    print(machine())
    train, test, models = setup(rows)
    if args.only in (None, "throughput"):
        print_throughput(train, test, models, lime_rows, loop_rows, 3)
    if args.only in (None, "memory"):
        print_memory(memory_cases)
    if args.only in (None, "pools"):
        print_pools(train, test, models, 50 if args.quick else 200)
    if args.only in (None, "dask"):
        print_dask(rows, 50 if args.quick else 200)


def print_throughput(train, test, models, lime_rows, loop_rows, repeats):
    rows = len(test)
    print(
        f"\n{SAMPLES} samples each, serial. Floor: explain_many over {rows} rows, the model "
        f"timed inside. Side by side: explain_many over {rows} rows, limette explain on "
        f"{loop_rows} rows, lime on {lime_rows} rows (extrapolated), alternating, medians "
        f"of {repeats}; × lime also in this process's CPU time\n"
    )
    print("| model | explain_many rows/s (first run) | floor rows/s | % of floor | "
          "explain_many rows/s | limette explain loop rows/s | lime loop rows/s | × lime | "
          "× lime (CPU time) | × explain loop | = explain |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, model in models.items():
        r = throughput(train, test, model, lime_rows, loop_rows, repeats)
        cpu = r["cpu"]
        print(
            f"| {name} | {r['all rows']:.1f} | {r['floor']:.1f} | "
            f"{100 * r['model share']:.0f} % | {r['explain_many']:.1f} | "
            f"{r['explain loop']:.1f} | {r['lime loop']:.2f} | "
            f"{r['explain_many'] / r['lime loop']:.1f}× | "
            f"{cpu['explain_many'] / cpu['lime loop']:.1f}× | "
            f"{r['explain_many'] / r['explain loop']:.2f}× | {r['identical']} |",
            flush=True,
        )


def print_memory(memory_cases):
    print("\nPeak memory in a fresh process, LogisticRegression pipeline\n")
    print("| rows | samples each | mode | peak RSS MB | seconds |")
    print("|---|---|---|---|---|")
    for memory_rows, samples in memory_cases:
        for stream in (False, True):
            m = peak_memory(memory_rows, samples, stream)
            mode = "iter_explanations (streamed)" if stream else "explain_many (all kept)"
            print(
                f"| {m['rows']} | {samples} | {mode} | {m['peak_mb']:.0f} | {m['seconds']:.0f} |",
                flush=True,
            )


def print_pools(train, test, models, pool_rows):
    print(f"\nLocal pools (2 workers) vs serial, {pool_rows} rows, medians of 3\n")
    print("| model | serial rows/s | threads rows/s | × serial | processes rows/s | × serial "
          "| identical |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, model in models.items():
        r = pools_vs_serial(train, test[:pool_rows], model)
        (serial, _), (threads, same_t), (processes, same_p) = (
            r["serial"],
            r["threads"],
            r["processes"],
        )
        print(
            f"| {name} | {serial:.1f} | {threads:.1f} | {threads / serial:.2f}× | "
            f"{processes:.1f} | {processes / serial:.2f}× | {same_t and same_p} |",
            flush=True,
        )


def print_dask(rows, dask_rows):
    print(f"\nDask LocalCluster (2 workers × 1 thread) vs serial, {dask_rows} rows\n")
    print("| model | workers' malloc | serial rows/s | Dask rows/s | speed-up | identical |")
    print("|---|---|---|---|---|---|")
    for configured in (False, True):
        setting = "WORKER_ENVIRON" if configured else "Dask default"
        command = [sys.executable, __file__, "--dask-child", str(dask_rows), str(int(configured))]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        for name, (serial, spread, same) in json.loads(out.strip().splitlines()[-1]).items():
            print(
                f"| {name} | {setting} | {serial:.1f} | {spread:.1f} | {spread / serial:.2f}× "
                f"| {same} |",
                flush=True,
            )


if __name__ == "__main__":
    np.seterr(all="ignore")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
