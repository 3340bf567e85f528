"""limette vs lime on text, side by side in one process.

Two real models (VADER as a two-class probability, a TF-IDF + LogisticRegression
pipeline trained on Rotten Tomatoes reviews) on two real documents (a 20-word review and
~300 words of reviews of one film), 5000 samples each. For every pair: median time per
explanation, time inside the classifier, and the overhead (total minus classifier), with
the ratio of lime's overhead to ours and our overhead as a share of the classifier's time.
Run: ``python benchmarks/text.py [--quick]``.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

from lime.lime_text import LimeTextExplainer  # noqa: E402

from limette import TextExplainer  # noqa: E402
from limette.cli._demo_models import review_documents, review_pipeline, vader_classifier  # noqa: E402

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


class TimedModel:
    """Wraps a classifier and accumulates the seconds spent inside it, on both clocks."""

    def __init__(self, predict: Callable[[Any], Any]) -> None:
        self.predict = predict
        self.seconds = dict.fromkeys(CLOCKS, 0.0)

    def __call__(self, batch: Any) -> Any:
        start = {name: clock() for name, clock in CLOCKS.items()}
        result = self.predict(batch)
        for name, clock in CLOCKS.items():
            self.seconds[name] += clock() - start[name]
        return result


def timed(
    run: Callable[[TimedModel], Any], predict: Callable[[Any], Any]
) -> dict[str, tuple[float, float]]:
    """``{clock: (total seconds, seconds inside the classifier)}`` of ``run(classifier)``."""
    model = TimedModel(predict)
    start = {name: clock() for name, clock in CLOCKS.items()}
    run(model)
    return {name: (clock() - start[name], model.seconds[name]) for name, clock in CLOCKS.items()}


def compare(
    document: str, predict: Callable[[Any], Any], repeats: int, num_samples: int
) -> dict[str, dict[str, tuple[float, float]]]:
    """``{clock: {library: median (total, classifier) seconds}}``, runs alternating."""
    theirs = LimeTextExplainer(class_names=["negative", "positive"], random_state=0)
    ours = TextExplainer(class_names=["negative", "positive"], random_state=0)
    runs: dict[str, list[dict[str, tuple[float, float]]]] = {"lime": [], "limette": []}
    for _ in range(repeats):
        runs["lime"].append(
            timed(lambda f: theirs.explain_instance(document, f, num_samples=num_samples), predict)
        )
        runs["limette"].append(
            timed(lambda f: ours.explain(document, f, num_samples=num_samples), predict)
        )
    return {
        clock: {
            name: (
                statistics.median(run[clock][0] for run in r),
                statistics.median(run[clock][1] for run in r),
            )
            for name, r in runs.items()
        }
        for clock in CLOCKS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one repeat, 1000 samples")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    repeats, num_samples = (1, 1000) if args.quick else (args.repeats, 5000)
    short, long = review_documents()
    models = {"TF-IDF + LogReg": review_pipeline().predict_proba, "VADER": vader_classifier()}
    documents = {f"{len(short.split())} words": short, f"{len(long.split())} words": long}
    print(
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{num_samples} samples, median of {repeats}; ms per explanation; wall clock, and "
        "in brackets CPU time of this process (robust to other processes on the machine)"
    )
    header = (
        "| model | document | lime total | lime classifier | lime overhead "
        "| limette total | limette classifier | limette overhead "
        "| overhead ratio (lime/limette) | limette overhead / classifier |"
    )
    print(header)
    print("|" + " --- |" * (header.count("|") - 1))
    for model_name, predict in models.items():
        for doc_name, document in documents.items():
            result = compare(document, predict, repeats, num_samples)
            print(f"| {model_name} | {doc_name} | " + " | ".join(cells(result)) + " |", flush=True)


def cells(result: dict[str, dict[str, tuple[float, float]]]) -> list[str]:
    """Table cells, each ``wall (cpu)``."""
    columns: list[list[str]] = [[] for _ in range(8)]
    for clock in CLOCKS:
        (lt, lm), (ot, om) = result[clock]["lime"], result[clock]["limette"]
        lo, oo = lt - lm, ot - om
        values = [
            f"{1000 * lt:.0f}",
            f"{1000 * lm:.0f}",
            f"{1000 * lo:.1f}",
            f"{1000 * ot:.0f}",
            f"{1000 * om:.0f}",
            f"{1000 * oo:.1f}",
            f"{lo / oo:.1f}x",
            f"{100 * oo / om:.1f} %",
        ]
        for column, value in zip(columns, values):
            column.append(value)
    return [f"{wall} ({cpu})" for wall, cpu in columns]


if __name__ == "__main__":
    main()
