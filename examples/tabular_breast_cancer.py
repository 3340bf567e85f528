"""
Tables: a random forest on breast-cancer data
=============================================

Explain one test row of a RandomForest trained on scikit-learn's breast-cancer data, the
way lime's tutorial does: quartile bins, 5000 perturbations, the six strongest conditions.
The surrogate's weighted R² and its gap to the model at the instance say how far the
linear explanation can be trusted. The example writes a self-contained HTML report
(`open the report it wrote <../reports/tabular_breast_cancer.html>`_).

Run: ``python examples/tabular_breast_cancer.py [--quick] [--out report.html]``.
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from limette import TabularExplainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    parser.add_argument("--out", default="breast-cancer-explanation.html")
    args = parser.parse_args()
    data = load_breast_cancer()
    X_train, X_test, y_train, _ = train_test_split(data.data, data.target, random_state=0)
    model = RandomForestClassifier(n_estimators=200, random_state=0).fit(X_train, y_train)
    explainer = TabularExplainer(
        X_train,
        feature_names=list(data.feature_names),
        class_names=list(data.target_names),
        random_state=0,
    )
    explanation = explainer.explain(
        X_test[0], model.predict_proba, num_features=6, num_samples=1000 if args.quick else 5000
    )
    for name, weight in explanation.as_list():
        print(f"{weight:+.3f}  {name}")
    print(
        f"weighted R² {explanation.score[0]:.3f}, fidelity gap {explanation.fidelity_gap[0]:+.3f}"
    )
    explanation.save_html(args.out)
    print(f"wrote {args.out}")
    explanation.as_pyplot_figure()  # the weights as a bar chart (needs matplotlib)


if __name__ == "__main__":
    main()
