"""
How many samples? ``num_samples="auto"``
========================================

Five thousand samples are lime's default whatever the row. ``num_samples="auto"`` draws
batches until the explanation is reproducible: until the expected top-5 Jaccard between
this explanation and an independent re-run reaches 0.9. This example asks for it on a few
breast-cancer rows, prints what it reached and how many model calls it took, then re-runs
each row under other seeds and measures how well the re-runs really agree.

Run: ``python examples/auto_samples.py [--quick]``.
"""

from __future__ import annotations

import argparse
from itertools import combinations

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from limette import TabularExplainer

parser = argparse.ArgumentParser(description="num_samples='auto' on breast-cancer rows.")
parser.add_argument("--quick", action="store_true", help="fewer rows and re-runs")
args = parser.parse_args()

data = load_breast_cancer()
X_train, X_test, y_train, _ = train_test_split(data.data, data.target, random_state=0)
model = RandomForestClassifier(n_estimators=50, random_state=0).fit(X_train, y_train)
explainer = TabularExplainer(X_train, feature_names=list(data.feature_names))
rows = X_test[: 2 if args.quick else 4]
reruns = 3 if args.quick else 6


def top5(explanation) -> frozenset[str]:
    return frozenset(name for name, _ in explanation.as_list()[:5])


# %%
# One ``auto`` explanation per row, then re-runs under other seeds.
for i, row in enumerate(rows):
    runs = [
        explainer.explain(row, model.predict_proba, num_features=5, num_samples="auto",
                          random_state=seed)
        for seed in range(reruns)
    ]  # fmt: skip
    first = runs[0].metadata
    pairs = [len(a & b) / len(a | b) for a, b in combinations(map(top5, runs), 2)]
    print(
        f"row {i}: {first['samples_used']} samples ({first['stop_reason']}), "
        f"expected Jaccard with a re-run {first['redraw_jaccard']:.2f} "
        f"± {first['redraw_jaccard_se']:.2f}; "
        f"measured over {reruns} re-runs {sum(pairs) / len(pairs):.2f}"
    )
