"""explain_many for text and images vs a loop of explain (and lime), side by side.

Text: real Rotten Tomatoes reviews (20 words each) with the TF-IDF + LogisticRegression
pipeline; a loop of lime's ``explain_instance``, a loop of limette's ``explain`` and one
``explain_many`` (model calls of 20 000 documents spanning reviews), in documents per
second, with the floor: the pipeline's own time on all the perturbed documents.
Images: small random images (grid segments) with an instant classifier, so only our own
work is measured: a loop of ``explain`` vs ``explain_many``, both with 100 images per call.
Run: ``python benchmarks/many_modalities.py [--quick]``.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from limette import ImageExplainer, TextExplainer  # noqa: E402
from limette.cli._demo_models import review_pipeline, rotten_tomatoes  # noqa: E402


def median_seconds(run: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def text_rows(n_docs: int, num_samples: int, repeats: int) -> list[tuple[str, float]]:
    from lime.lime_text import LimeTextExplainer

    reviews = rotten_tomatoes()
    reviews = reviews[reviews.category != "plot"]
    docs = list(reviews.text[reviews.text.str.split().str.len() == 20].iloc[:n_docs])
    model = review_pipeline().predict_proba
    ours = TextExplainer(random_state=0)
    lime = LimeTextExplainer(random_state=0)
    rng = np.random.default_rng(0)
    perturbed = []
    for doc in docs[:5]:
        indexed = ours.index(doc)
        perturbed += indexed.compose(rng.integers(0, 2, size=(num_samples, indexed.num_features)))
    floor = median_seconds(lambda: model(perturbed), repeats) * len(docs) / 5
    runs = {
        "lime loop of explain_instance": lambda: [
            lime.explain_instance(d, model, num_samples=num_samples) for d in docs
        ],
        "limette loop of explain": lambda: [
            ours.explain(d, model, num_samples=num_samples) for d in docs
        ],
        "limette explain_many": lambda: ours.explain_many(
            docs, model, num_samples=num_samples, batch_size=20_000
        ),
    }
    rows = [(name, len(docs) / median_seconds(run, repeats)) for name, run in runs.items()]
    return [*rows, ("floor: the pipeline alone", len(docs) / floor)]


def image_rows(n_images: int, num_samples: int, repeats: int) -> list[tuple[str, float]]:
    images = np.random.default_rng(0).random((n_images, 32, 32, 3))

    def instant(batch: np.ndarray) -> np.ndarray:
        p = batch[:, :16, :16, 0].mean(axis=(1, 2))
        return np.stack([1 - p, p], axis=1)

    ours = ImageExplainer(segmenter="grid", random_state=0)
    options = {"num_samples": num_samples, "top_labels": None, "batch_size": 100}
    runs = {
        "limette loop of explain": lambda: [ours.explain(i, instant, **options) for i in images],
        "limette explain_many": lambda: ours.explain_many(images, instant, **options),
    }
    return [(name, n_images / median_seconds(run, repeats)) for name, run in runs.items()]


def table(title: str, rows: list[tuple[str, float]]) -> None:
    reference = rows[0][1]
    print(f"\n{title}\n{'run':34} {'instances/s':>12} {'ratio':>7}")
    for name, rate in rows:
        print(f"{name:34} {rate:12.2f} {rate / reference:6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    repeats = 1 if quick else 3
    n_docs, text_samples = (10, 1000) if quick else (40, 5000)
    table(
        f"Text: {n_docs} reviews x {text_samples} samples (ratio vs lime)",
        text_rows(n_docs, text_samples, repeats),
    )
    n_images, image_samples = (10, 200) if quick else (40, 1000)
    table(
        f"Images: {n_images} 32x32 images x {image_samples} samples, instant classifier "
        "(ratio vs the loop)",
        image_rows(n_images, image_samples, repeats),
    )


if __name__ == "__main__":
    main()
