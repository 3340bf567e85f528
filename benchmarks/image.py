"""limette vs lime's image explainer, side by side in one process, on a real CNN.

EfficientNet-Lite0 (ImageNet weights from the pip package) explains scikit-image's
chelsea (224×224), 1000 samples, top 5 labels, each side at batch 10 (lime's default).
For each run: total seconds, seconds inside the classifier, seconds of segmentation,
and the rest ("overhead": sampling, composing masked images, distances, fits). The bare
model on the same number of images is the floor. A second table sweeps the batch size
of the bare model (how the default batch size was chosen) and times composition alone.

Run: ``python benchmarks/image.py [--quick] [--device cuda]``.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("TQDM_DISABLE", "1")  # lime's explainer always shows a progress bar

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from limette import ImageExplainer  # noqa: E402
from limette.cli._demo_models import chelsea_224, image_classifier, load_efficientnet_lite0  # noqa: E402
from limette.compose import mask_compose  # noqa: E402
from limette.segmentation import quickshift, slic  # noqa: E402


class Timed:
    """Wraps a function and accumulates the seconds spent inside it."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function, self.seconds = function, 0.0

    def __call__(self, *args: Any) -> Any:
        start = time.perf_counter()
        result = self.function(*args)
        if torch.is_tensor(result) and result.is_cuda:
            torch.cuda.synchronize()
        self.seconds += time.perf_counter() - start
        return result


def run(explain: Callable[[Timed, Timed], Any], classify, segment) -> tuple[float, float, float]:
    """``(total, classifier, segmentation)`` seconds of one explanation."""
    model, segmenter = Timed(classify), Timed(segment)
    start = time.perf_counter()
    explain(model, segmenter)
    return time.perf_counter() - start, model.seconds, segmenter.seconds


def median_runs(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))  # type: ignore[return-value]


def floor(classify, image, n: int, batch: int, device: str | None) -> float:
    """Seconds of the bare model on ``n`` copies of the image, ``batch`` at a time."""
    images = torch.as_tensor(image, device=device) if device else image
    stack = images[None].repeat(batch, 1, 1, 1) if device else np.repeat(image[None], batch, 0)
    start = time.perf_counter()
    for begin in range(0, n, batch):
        classify(stack[: min(batch, n - begin)])
    if device and device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start


def compare(classify, image, n: int, repeats: int, device: str | None) -> dict[str, Any]:
    from lime.lime_image import LimeImageExplainer
    from lime.wrappers.scikit_image import SegmentationAlgorithm

    lime_qs = SegmentationAlgorithm(
        "quickshift", kernel_size=4, max_dist=200, ratio=0.2, random_seed=42
    )
    target = torch.as_tensor(image, device=device) if device else image

    def lime(model, segmenter):
        LimeImageExplainer(random_state=0).explain_instance(
            image, model, top_labels=5, num_samples=n, batch_size=10, segmentation_fn=segmenter
        )

    def ours(batch_size):
        def go(model, segmenter):
            ImageExplainer(random_state=0).explain(
                target, model, num_samples=n, batch_size=batch_size, segmentation_fn=segmenter
            )

        return go

    def lime_classify(batch):
        return classify(torch.as_tensor(batch, device=device)).cpu().numpy()

    runs = {
        "lime, quickshift, batch 10": (lime, lime_classify if device else classify, lime_qs),
        "limette, quickshift, batch 10": (ours(10), classify, quickshift),
        "limette, slic, batch 10": (ours(10), classify, slic),
        "limette, slic, default batch": (ours(None), classify, slic),
    }
    rows: dict[str, list] = {name: [] for name in runs}
    floors = []
    for repeat in range(repeats):
        order = list(runs) if repeat % 2 == 0 else list(reversed(runs))  # alternate the order
        for name in order:
            rows[name].append(run(*runs[name]))
        floors.append(floor(classify, image, n, 10, device))
    result: dict[str, Any] = {name: median_runs(r) for name, r in rows.items()}
    result["floor"] = statistics.median(floors)
    return result


def segment_counts(image) -> str:
    qs, sl = quickshift(image), slic(image)
    tq = statistics.median(_seconds(lambda: quickshift(image)) for _ in range(5))
    ts = statistics.median(_seconds(lambda: slic(image)) for _ in range(5))
    return (
        f"quickshift (lime's defaults): {qs.max() + 1} segments, {tq * 1000:.0f} ms; "
        f"slic (limette's default): {sl.max() + 1} segments, {ts * 1000:.1f} ms "
        f"({100 * ts / tq:.1f} % of quickshift)"
    )


def _seconds(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def batch_sweep(classify, image, n: int, device: str | None) -> list[str]:
    lines = [
        "| batch size | model images/s | composition ms per 1000 images |",
        "| ---: | ---: | ---: |",
    ]
    segments = slic(image)[..., None]
    target = torch.as_tensor(image, device=device) if device else image
    base = torch.zeros_like(target) if device else np.zeros_like(image)
    if device:
        segments = torch.as_tensor(np.repeat(segments, 3, axis=2), device=device)
    keep = np.random.default_rng(0).random((1000, segments.max() + 1)) < 0.5
    for batch in (1, 2, 4, 10, 20, 50, 100):
        floor(classify, image, batch, batch, device)  # warm-up
        seconds = statistics.median(floor(classify, image, n, batch, device) for _ in range(3))
        start = time.perf_counter()
        for begin in range(0, 1000, batch):
            mask_compose(keep[begin : begin + batch], segments, target, base)
        if device and device.startswith("cuda"):
            torch.cuda.synchronize()
        compose = time.perf_counter() - start
        lines.append(f"| {batch} | {n / seconds:.1f} | {compose * 1000:.0f} |")
    return lines


def own_work(image, n: int, repeats: int) -> list[str]:
    """The explainers' own work: an instant classifier, the segments computed beforehand."""
    from lime.lime_image import LimeImageExplainer

    segments = quickshift(image)
    probabilities = np.random.default_rng(0).dirichlet(np.ones(1000), size=n)

    def instant(batch):  # a different row for each image, so that the fits are real ones
        instant.calls += len(batch)
        return probabilities[(instant.calls - len(batch)) % n : (instant.calls - 1) % n + 1]

    def lime():
        LimeImageExplainer(random_state=0).explain_instance(
            image,
            instant,
            top_labels=5,
            num_samples=n,
            batch_size=10,
            segmentation_fn=lambda _: segments,
        )

    def ours(batch_size):
        return lambda: ImageExplainer(random_state=0).explain(
            image, instant, num_samples=n, batch_size=batch_size, segmentation_fn=segments
        )

    runs = {"lime, batch 10": lime, "limette, batch 10": ours(10), "limette, batch 2": ours(2)}
    seconds = {}
    for name, action in runs.items():
        timings = []
        for _ in range(repeats):
            instant.calls = 0
            timings.append(_seconds(action))
        seconds[name] = statistics.median(timings)
    lines = ["| explainer | own work s | lime / this |", "| --- | ---: | ---: |"]
    for name, value in seconds.items():
        lines.append(f"| {name} | {value:.3f} | {seconds['lime, batch 10'] / value:.1f}× |")
    return lines


def table(result: dict[str, Any], n: int) -> list[str]:
    lines = [
        "| run | total s | classifier s | segmentation s | overhead s | overhead / classifier |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    overheads = {}
    for name in (name for name in result if name != "floor"):
        total, model, seg = result[name]
        overheads[name] = total - model - seg
        lines.append(
            f"| {name} | {total:.2f} | {model:.2f} | {seg:.3f} | {overheads[name]:.3f} | "
            f"{100 * overheads[name] / model:.2f} % |"
        )
    lines.append(f"| bare model, {n} images, batch 10 (floor) | {result['floor']:.2f} | | | | |")
    lime_total = result["lime, quickshift, batch 10"][0]
    ours_total = result["limette, quickshift, batch 10"][0]
    ratio = overheads["lime, quickshift, batch 10"] / max(
        overheads["limette, quickshift, batch 10"], 1e-9
    )
    lines.append("")
    lines.append(
        f"Same segmentation and batch: lime's overhead / limette's = {ratio:.1f}×; "
        f"total lime / limette = {lime_total / ours_total:.2f}×; limette at its default "
        f"(slic, default batch) is {lime_total / result['limette, slic, default batch'][0]:.2f}× "
        "faster than lime at its default."
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 samples, one repeat")
    parser.add_argument("--device", default=None, help="torch device for the model (cuda)")
    parser.add_argument(
        "--part", choices=("all", "compare", "own", "sweep"), default="all", help="what to run"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    n, repeats = (200, 1) if args.quick else (1000, 3)
    model = load_efficientnet_lite0()
    if args.device:
        model = model.to(args.device)
    classify = image_classifier(model)
    image = chelsea_224()
    print(
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, torch {torch.__version__}, device {args.device or 'cpu'}"
    )
    print(segment_counts(image))
    if args.part in ("all", "compare"):
        print(f"\n{n} samples, top 5 labels, median of {repeats}\n")
        print("\n".join(table(compare(classify, image, n, repeats, args.device), n)))
    if args.part in ("all", "own"):
        print(f"\nOwn work with an instant classifier, {n} samples, median of 5\n")
        print("\n".join(own_work(image, n, 5)))
    if args.part in ("all", "sweep"):
        print("\nBare model by batch size (200 images), and composition alone\n")
        print("\n".join(batch_sweep(classify, image, 100 if args.quick else 200, args.device)))


if __name__ == "__main__":
    main()
