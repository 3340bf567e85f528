"""lime's tutorials through lime and through ``limette.compat.lime``, side by side.

The four tutorials of lime's documentation (doc/notebooks in marcotcr/lime) rebuilt on
bundled data, their code unchanged but for the import (``lime`` or
``limette.compat.lime``, passed in as ``pkg``):

- *Using lime for regression*: a 1000-tree RandomForestRegressor, ``verbose=True``,
  categorical columns found by their number of values; diabetes instead of Boston housing
  (removed from scikit-learn).
- *Basic usage, two class case*: TF-IDF + a 500-tree RandomForest, ``num_features=6``,
  ``as_pyplot_figure``, ``save_to_file``; Rotten Tomatoes films (their rotten and their
  fresh reviews, one document each) instead of 20 Newsgroups (a download).
- *MNIST and RF*: a grey-and-flatten pipeline into a RandomForest, quickshift through
  ``SegmentationAlgorithm(kernel_size=1)``, ``top_labels=10, hide_color=0,
  num_samples=10000``; scikit-learn's 8×8 digits enlarged to 24×24 instead of MNIST.
- *Continuous and categorical features*: iris with a RandomForest (``top_labels=1``), then a
  table of integer-coded categorical columns with ``categorical_names`` and a
  one-hot-encoded GradientBoosting model (the tutorial's mushroom/adult data are downloads).

Then the cost of the layer itself: one tabular row through ``compat.lime`` and through
``TabularExplainer`` (LogisticRegression and RandomForest on breast cancer, the first row
of ``benchmarks/tabular.py``), alternating, medians.
Run: ``python benchmarks/lime_compat.py [--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import statistics
import tempfile
import time
import types
import warnings
from pathlib import Path

import _timing  # noqa: F401  (sets one BLAS thread before numpy loads)
import numpy as np
from _timing import TimedModel, machine
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
from sklearn.ensemble import (
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from limette import TabularExplainer

MODULES = ("lime_tabular", "lime_text", "lime_image", "wrappers.scikit_image")


def package(prefix: str) -> types.SimpleNamespace:
    """``lime``'s modules under ``prefix`` (``"lime"`` or ``"limette.compat.lime"``)."""
    loaded = {name: importlib.import_module(f"{prefix}.{name}") for name in MODULES}
    return types.SimpleNamespace(**{n.split(".")[-1]: m for n, m in loaded.items()})


# ------------------------------------------------------------------- the tutorials' setups
MODELS: list[TimedModel] = []


def model(predict):
    """The tutorial's model, timed (the time outside it is the explainer's)."""
    MODELS.append(TimedModel(predict))
    return MODELS[-1]


def regression_setup(quick):
    data = load_diabetes()
    train, test, y_train, _ = train_test_split(data.data, data.target, train_size=0.8,
                                               random_state=0)  # fmt: skip
    rf = RandomForestRegressor(n_estimators=100 if quick else 1000, random_state=0)
    rf.fit(train, y_train)
    counts = np.array([len(set(data.data[:, x])) for x in range(data.data.shape[1])])
    categorical = np.argwhere(counts <= 10).flatten()
    return data, train, test, rf, categorical


def regression(pkg, setup):
    data, train, test, rf, categorical = setup
    explainer = pkg.lime_tabular.LimeTabularExplainer(
        train, feature_names=data.feature_names, class_names=["progression"],
        categorical_features=categorical, verbose=True, mode="regression",
    )  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        exp = explainer.explain_instance(test[25], model(rf.predict), num_features=5)
    exp.as_html()
    return exp.as_list()


def text_setup(quick):
    from limette.cli._demo_models import rotten_tomatoes

    reviews = rotten_tomatoes()
    reviews = reviews[reviews.category != "plot"]
    documents = reviews.groupby(["movie_name", "category"], sort=True).text.agg(" ".join)
    texts, target = documents.tolist(), [int(c == "fresh") for _, c in documents.index]
    vectorizer = TfidfVectorizer(lowercase=False)
    train_vectors = vectorizer.fit_transform(texts[0::2])
    rf = RandomForestClassifier(n_estimators=100 if quick else 500, random_state=0)
    rf.fit(train_vectors, target[0::2])
    return texts[1::2], make_pipeline(vectorizer, rf)


def text(pkg, setup):
    test, c = setup
    explainer = pkg.lime_text.LimeTextExplainer(class_names=["rotten", "fresh"])
    exp = explainer.explain_instance(test[83], model(c.predict_proba), num_features=6)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close(exp.as_pyplot_figure())
    with tempfile.TemporaryDirectory() as folder:
        exp.save_to_file(str(Path(folder) / "oi.html"))
    return exp.as_list()


class PipeStep:
    """The tutorial's wrapper turning a function into a pipeline step."""

    def __init__(self, step_func):
        self._step_func = step_func

    def fit(self, *args):
        return self

    def transform(self, X):
        return self._step_func(X)


def mnist_setup(quick):
    from skimage.color import gray2rgb, rgb2gray

    digits = load_digits()
    images = np.kron(digits.images, np.ones((3, 3))) * (255 / 16)
    X_vec = np.stack([gray2rgb(img) for img in images], 0).astype(np.uint8)
    X_train, X_test, y_train, y_test = train_test_split(X_vec, digits.target, train_size=0.55,
                                                        random_state=0)  # fmt: skip
    pipeline = Pipeline([
        ("Make Gray", PipeStep(lambda img_list: [rgb2gray(img) for img in img_list])),
        ("Flatten Image", PipeStep(lambda img_list: [img.ravel() for img in img_list])),
        ("RF", RandomForestClassifier(random_state=0)),
    ])  # fmt: skip
    pipeline.fit(X_train, y_train)
    return X_test, y_test, pipeline, 2000 if quick else 10000


def mnist(pkg, setup):
    X_test, y_test, pipeline, num_samples = setup
    explainer = pkg.lime_image.LimeImageExplainer(verbose=False)
    segmenter = pkg.scikit_image.SegmentationAlgorithm(
        "quickshift", kernel_size=1, max_dist=200, ratio=0.2
    )
    explanation = explainer.explain_instance(
        X_test[0], classifier_fn=model(pipeline.predict_proba), top_labels=10, hide_color=0,
        num_samples=num_samples, segmentation_fn=segmenter,
    )  # fmt: skip
    explanation.get_image_and_mask(y_test[0], positive_only=True, num_features=10,
                                   hide_rest=False, min_weight=0.01)  # fmt: skip
    return sorted(explanation.local_exp[y_test[0]], key=lambda p: -p[1])[:3]


def categorical_setup(quick):
    iris = load_iris()
    train, test, y_train, _ = train_test_split(iris.data, iris.target, train_size=0.8,
                                               random_state=0)  # fmt: skip
    rf = RandomForestClassifier(n_estimators=500, random_state=0).fit(train, y_train)
    rng = np.random.default_rng(0)
    codes = rng.integers(0, [3, 4, 2, 5, 3, 6], size=(2000, 6))
    y = ((codes[:, 0] == 1) ^ (codes[:, 3] > 2) | (codes[:, 5] == 0)).astype(int)
    names = {j: [f"v{k}" for k in range(codes[:, j].max() + 1)] for j in range(6)}
    encoder = OneHotEncoder(handle_unknown="ignore").fit(codes)
    gbm = GradientBoostingClassifier(random_state=0).fit(encoder.transform(codes[:1600]), y[:1600])
    return iris, train, test, rf, codes, names, encoder, gbm


def categorical(pkg, setup):
    iris, train, test, rf, codes, names, encoder, gbm = setup
    explainer = pkg.lime_tabular.LimeTabularExplainer(
        train, feature_names=iris.feature_names, class_names=iris.target_names,
        discretize_continuous=True,
    )  # fmt: skip
    first = explainer.explain_instance(test[3], model(rf.predict_proba), num_features=2,
                                       top_labels=1)  # fmt: skip
    explainer = pkg.lime_tabular.LimeTabularExplainer(
        codes[:1600], class_names=["no", "yes"], feature_names=[f"c{j}" for j in range(6)],
        categorical_features=list(range(6)), categorical_names=names,
    )  # fmt: skip

    def predict_fn(x):
        return gbm.predict_proba(encoder.transform(x.astype(int)))

    second = explainer.explain_instance(codes[1700], model(predict_fn), num_features=5)
    return first.as_list(first.available_labels()[0]) + second.as_list()


TUTORIALS = {
    "regression (RandomForestRegressor, verbose)": (regression_setup, regression),
    "text, two classes (TF-IDF + RandomForest)": (text_setup, text),
    "MNIST-style digits and RandomForest (quickshift)": (mnist_setup, mnist),
    "continuous and categorical features": (categorical_setup, categorical),
}


def run_tutorials(repeats, quick):
    lime, ours = package("lime"), package("limette.compat.lime")
    rows = []
    for name, (setup_fn, run) in TUTORIALS.items():
        setup = setup_fn(quick)
        times = {"lime": [], "limette": []}
        inside = {"lime": [], "limette": []}
        for _ in range(repeats):
            for label, pkg in (("lime", lime), ("limette", ours)):
                MODELS.clear()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    answer = run(pkg, setup)
                times[label].append(time.perf_counter() - start)
                inside[label].append(sum(m.seconds for m in MODELS))
                print(f"  {name} [{label}]: {answer[:3]}")
        lime_s, our_s = statistics.median(times["lime"]), statistics.median(times["limette"])
        lime_m, our_m = statistics.median(inside["lime"]), statistics.median(inside["limette"])
        rows.append((name, lime_s, lime_m, our_s, our_m))
        print(
            f"{name}: lime {lime_s:.2f} s ({lime_m:.2f} in the model), "
            f"limette.compat.lime {our_s:.2f} s ({our_m:.2f}), {lime_s / our_s:.1f}×"
        )
    return rows


# ------------------------------------------------------------------- the layer's own cost
class Canned:
    """Stands in for the native explainer: hands back one explanation made beforehand."""

    def __init__(self, explanation):
        self.explanation = explanation

    def explain(self, *args, **kwargs):
        return self.explanation


def layer_cost(repeats):
    """Native ``explain`` vs compat ``explain_instance`` on the same rows and the same native
    explainer, one row at a time, alternating which goes first (the median of the paired
    ratios); and the layer alone: compat's ``explain_instance`` around a native explainer
    that returns at once."""
    from limette.compat.lime.lime_tabular import LimeTabularExplainer

    cancer = load_breast_cancer()
    Xtr, Xte, ytr, _ = train_test_split(cancer.data, cancer.target, random_state=0)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(Xtr, ytr)
    forest = RandomForestClassifier(n_estimators=100, random_state=0).fit(Xtr, ytr)
    compat = LimeTabularExplainer(Xtr, random_state=0)
    native = compat.limette  # the very TabularExplainer the layer calls (the same caches)
    assert isinstance(native, TabularExplainer)
    rows = []
    for name, predict in (("LogisticRegression pipeline", logistic.predict_proba),
                          ("RandomForest", forest.predict_proba)):  # fmt: skip
        pairs, seeds = [], np.random.RandomState(0)
        for repeat in range(repeats):
            for row in Xte[:5]:
                seed = int(seeds.randint(0, 2**31 - 1))  # a fresh seed per call, as compat's
                timings = {}
                for which in ("native", "compat")[:: 1 if repeat % 2 else -1]:  # both orders
                    start = time.perf_counter()
                    if which == "native":
                        native.explain(row, predict, random_state=seed)
                    else:
                        compat.explain_instance(row, predict)
                    timings[which] = time.perf_counter() - start
                pairs.append((timings["native"], timings["compat"]))
        canned = LimeTabularExplainer(Xtr, random_state=0)
        canned.limette = Canned(native.explain(Xte[0], predict, random_state=1))
        alone = []
        for _ in range(200):
            start = time.perf_counter()
            canned.explain_instance(Xte[0], predict)
            alone.append(time.perf_counter() - start)
        a = statistics.median(p[0] for p in pairs)
        b = statistics.median(p[1] for p in pairs)
        ratio = statistics.median(p[1] / p[0] for p in pairs)
        layer = statistics.median(alone)
        rows.append((name, a, b, ratio, layer))
        print(f"{name}: native {a * 1e3:.2f} ms, compat {b * 1e3:.2f} ms, paired ratio "
              f"{ratio:.3f}; the layer alone {layer * 1e6:.0f} µs = {layer / a:.2%}")  # fmt: skip
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(machine())
    layer = layer_cost(5 if args.quick else 31)
    tutorials = run_tutorials(1 if args.quick else 3, args.quick)
    print("\n| tutorial | lime s (model s) | limette.compat.lime s (model s) | speed-up | "
          "overhead ratio |\n|---|---|---|---|---|")  # fmt: skip
    for name, a, am, b, bm in tutorials:
        print(f"| {name} | {a:.2f} ({am:.2f}) | {b:.2f} ({bm:.2f}) | {a / b:.1f}× | "
              f"{(a - am) / max(b - bm, 1e-9):.0f}× |")  # fmt: skip
    print("\n| row | native ms | compat ms | paired compat / native | layer alone µs | "
          "layer / native |\n|---|---|---|---|---|---|")  # fmt: skip
    for name, a, b, ratio, alone in layer:
        print(f"| {name} | {a * 1e3:.2f} | {b * 1e3:.2f} | {ratio:.3f} | {alone * 1e6:.0f} | "
              f"{alone / a:.2%} |")  # fmt: skip


if __name__ == "__main__":
    main()
