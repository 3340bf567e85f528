"""
Faithfulness: do the top features really move the model?
=========================================================

An explanation ranks features; a faithful ranking names the features the model actually
depends on. Deletion removes the columns of one wine sample in the explanation's order
(a removed column takes its training mean) and tracks the model's probability of the
explained class: it should fall sooner than along random orderings. Insertion starts
from the means and adds the columns back: it should rise sooner. The areas under the
curves sum this up.

Run: ``python examples/faithfulness_wine.py [--quick]``.
"""

from __future__ import annotations

import argparse

import matplotlib.pyplot as plt
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from limette import TabularExplainer
from limette.faithfulness import faithfulness, tabular_compose

parser = argparse.ArgumentParser(description="Deletion and insertion curves on wine.")
parser.add_argument("--quick", action="store_true", help="fewer samples and orderings")
args = parser.parse_args()

data = load_wine()
X_train, X_test, y_train, _ = train_test_split(data.data, data.target, random_state=0)
model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X_train, y_train)
explainer = TabularExplainer(
    X_train,
    feature_names=list(data.feature_names),
    class_names=list(data.target_names),
    random_state=0,
)
row = X_test[0]
label = int(model.predict(row[None])[0])
explanation = explainer.explain(
    row,
    model.predict_proba,
    labels=[label],
    num_features=13,
    num_samples=1000 if args.quick else 5000,
)
for name, weight in explanation.as_list(label)[:5]:
    print(f"{weight:+.3f}  {name}")

# %%
# The curves: the explanation's order against random orders of the same columns.
report = faithfulness(
    explanation,
    model.predict_proba,
    tabular_compose(explainer, row),
    label=label,
    n_random=10 if args.quick else 50,
    random_state=0,
)
print(f"deletion AUC  {report.deletion_auc:.3f} (random orders {report.random_deletion_auc:.3f})")
print(f"insertion AUC {report.insertion_auc:.3f} (random orders {report.random_insertion_auc:.3f})")

axes = plt.figure(figsize=(6, 3.5)).add_subplot()
axes.plot(report.fractions, report.deletion, label="deletion, explanation's order")
axes.plot(report.fractions, report.random_deletion.mean(axis=0), "--", label="deletion, random")
axes.plot(report.fractions, report.insertion, label="insertion, explanation's order")
axes.plot(report.fractions, report.random_insertion.mean(axis=0), "--", label="insertion, random")
axes.set_xlabel("fraction of columns removed / inserted")
axes.set_ylabel(f"P({data.target_names[label]})")
axes.legend(fontsize=8)
