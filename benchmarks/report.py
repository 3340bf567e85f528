"""HTML reports: limette's self-contained page next to lime's ``as_html``, same explanations.

Measures, side by side in one process, the time to render explanations that already exist
(views never recompute) and the size of what is written. Run with ``--quick`` for a short run.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/report.py --quick
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np


def _median_seconds(function: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer explanations and repeats")
    args = parser.parse_args()
    count, repeats, samples = (5, 3, 500) if args.quick else (20, 5, 2000)

    from lime.lime_tabular import LimeTabularExplainer
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier

    from limette import TabularExplainer
    from limette.report import render_report

    data = load_breast_cancer()
    model = RandomForestClassifier(n_estimators=50, random_state=0).fit(data.data, data.target)
    names = list(data.feature_names)
    ours = TabularExplainer(
        data.data, feature_names=names, class_names=list(data.target_names), random_state=0
    )
    theirs = LimeTabularExplainer(
        data.data, feature_names=names, class_names=list(data.target_names), random_state=0
    )
    rows = data.data[:count]
    mine = [ours.explain(r, model.predict_proba, num_samples=samples) for r in rows]
    lime = [theirs.explain_instance(r, model.predict_proba, num_samples=samples) for r in rows]

    one_ours = _median_seconds(lambda: mine[0].to_html(), repeats)
    one_lime = _median_seconds(lambda: lime[0].as_html(), repeats)
    all_ours = _median_seconds(lambda: render_report(mine), repeats)
    all_lime = _median_seconds(lambda: "".join(e.as_html() for e in lime), repeats)
    size_ours = len(mine[0].to_html().encode())
    size_lime = len(lime[0].as_html().encode())
    size_all_ours = len(render_report(mine).encode())
    size_all_lime = sum(len(e.as_html().encode()) for e in lime)

    print(f"{count} breast-cancer explanations, {samples} samples, median of {repeats}")
    print(f"{'what':38} {'limette':>12} {'lime':>12} {'lime/limette':>13}")
    table = [
        ("render one explanation (ms)", one_ours * 1e3, one_lime * 1e3),
        (f"render {count} explanations (ms)", all_ours * 1e3, all_lime * 1e3),
        ("size of one explanation (KiB)", size_ours / 1024, size_lime / 1024),
        (f"size of {count} explanations (KiB)", size_all_ours / 1024, size_all_lime / 1024),
    ]
    for what, a, b in table:
        print(f"{what:38} {a:12.2f} {b:12.2f} {b / a:13.1f}")
    print("limette's page for many explanations also holds the global summary; lime's pages")
    print("inline its D3 bundle in every explanation. Network requests: none for either.")
    assert np.isfinite(one_ours)


if __name__ == "__main__":
    main()
