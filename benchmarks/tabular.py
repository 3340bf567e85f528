"""limette vs lime on tabular data, side by side in one process.

For each model: time per explanation, time inside the model, and the overhead
(everything else), medians over repeats, with the ratio of lime's overhead to ours.
Run: ``python benchmarks/tabular.py [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics

import _timing  # noqa: F401  (sets one BLAS thread before numpy loads)
import numpy as np
from _timing import machine, median_pair, timed
from lime.lime_tabular import LimeTabularExplainer
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import (
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from limette import TabularExplainer


def models():
    cancer = load_breast_cancer()
    Xtr, Xte, ytr, _ = train_test_split(cancer.data, cancer.target, random_state=0)
    diabetes = load_diabetes()
    Dtr, Dte, dtr, _ = train_test_split(diabetes.data, diabetes.target, random_state=0)
    forest = RandomForestClassifier(n_estimators=100, random_state=0).fit(Xtr, ytr)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(Xtr, ytr)
    boosting = GradientBoostingClassifier(random_state=0).fit(Xtr, ytr)
    regressor = RandomForestRegressor(n_estimators=100, random_state=0).fit(Dtr, dtr)
    return {
        "RandomForest": ("classification", Xtr, Xte, forest.predict_proba),
        "LogisticRegression pipeline": ("classification", Xtr, Xte, logistic.predict_proba),
        "GradientBoosting": ("classification", Xtr, Xte, boosting.predict_proba),
        "RandomForestRegressor (diabetes)": ("regression", Dtr, Dte, regressor.predict),
    }


def wide_table(d: int):
    """A wide table: ``d`` standard-normal features, a logistic model on the first five."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000 + 20, d))
    y = (X[:, :5].sum(axis=1) > 0).astype(int)
    model = LogisticRegression(max_iter=500).fit(X[:2000], y[:2000])
    return "classification", X[:2000], X[2000:], model.predict_proba


def compare(mode, train, rows, predict, repeats, **options):
    """Median (total, model, overhead) seconds for lime and limette over ``rows``,
    alternating; the overhead's median is taken over each repeat's total minus model."""
    ours = TabularExplainer(
        train, mode=mode, random_state=0, feature_selection=options.get("fs", "auto")
    )
    theirs = LimeTabularExplainer(
        train, mode=mode, random_state=0, feature_selection=options.get("fs", "auto")
    )
    kwargs = {"num_features": options.get("num_features", 10), "num_samples": 5000}
    lime_runs, our_runs = [], []
    for _ in range(repeats):
        lime_runs.append(
            timed(lambda f: [theirs.explain_instance(r, f, **kwargs) for r in rows], predict)
        )
        our_runs.append(timed(lambda f: [ours.explain(r, f, **kwargs) for r in rows], predict))
    return median_triple(lime_runs), median_triple(our_runs)


def median_triple(runs):
    total, model = median_pair(runs)
    return total, model, statistics.median(t - m for t, m in runs)


def row(name, lime_result, our_result, count):
    (lt, lm, lo), (ot, om, oo) = lime_result, our_result
    scale = 1000 / count
    return (
        f"| {name} | {lt * scale:.1f} | {lm * scale:.1f} | {lo * scale:.1f} | {ot * scale:.1f} | "
        f"{om * scale:.1f} | {oo * scale:.2f} | {lo / max(oo, 1e-9):.0f}× | {lt / ot:.1f}× |"
    )


HEADER = (
    "| case | lime total ms | lime model ms | lime overhead ms | limette total ms | "
    "limette model ms | limette overhead ms | overhead ratio | speed-up |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and rows")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    loop_rows = 20 if args.quick else 100
    print(machine())
    rows = 2 if args.quick else 5
    print(
        f"\nPer explanation (5000 samples, num_features=10; {rows} test rows per repeat, "
        f"medians over {repeats} repeats)\n"
    )
    print(HEADER)
    table = models()
    for name, (mode, train, test, predict) in table.items():
        print(row(name, *compare(mode, train, test[:rows], predict, repeats), rows), flush=True)
    mode, train, test, predict = table["LogisticRegression pipeline"]
    for fs in ("none", "highest_weights", "forward_selection", "lasso_path", "auto"):
        result = compare(mode, train, test[:rows], predict, repeats, fs=fs)
        print(row(f"LogisticRegression, feature_selection={fs}", *result, rows), flush=True)
    result = compare(mode, train, test[:rows], predict, repeats, num_features=30)
    print(row("LogisticRegression, num_features=30 (auto)", *result, rows), flush=True)
    mode, train, test, predict = wide_table(300)
    result = compare(mode, train, test[:rows], predict, repeats)
    print(row("LogisticRegression, 300 synthetic features", *result, rows), flush=True)
    print(f"\nA loop over {loop_rows} test rows (per row)\n")
    print(HEADER)
    for name in ("RandomForest", "LogisticRegression pipeline"):
        mode, train, test, predict = table[name]
        result = compare(mode, train, test[:loop_rows], predict, 1)
        print(row(f"{name}, {loop_rows}-row loop", *result, loop_rows), flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
