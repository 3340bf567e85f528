"""Reports of large images: page size and render time of one image explanation.

Builds an explanation of a synthetic photo-like image (smooth colours plus noise, so PNG
compression is realistic) on a grid of segments, then times ``render_report`` and
measures the page. Run with ``--quick`` for a 2000×2000 image and fewer repeats.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/report_images.py
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def photo(side: int, rng: np.random.Generator) -> np.ndarray:
    """A ``side × side`` RGB uint8 image: gradients, stripes and noise."""
    y, x = np.mgrid[0:side, 0:side] / side
    channels = [
        0.5 + 0.4 * np.sin(6 * x + 2 * y),
        0.5 + 0.4 * np.cos(5 * y - 3 * x),
        0.5 + 0.3 * np.sin(20 * x * y),
    ]
    base = np.stack(channels, axis=-1) + rng.normal(0.0, 0.05, (side, side, 3))
    return np.asarray(np.clip(base, 0.0, 1.0) * 255, dtype=np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller image, fewer repeats")
    args = parser.parse_args()
    side, repeats = (2000, 2) if args.quick else (4000, 3)

    from limette import ImageExplainer
    from limette.report import render_report

    rng = np.random.default_rng(0)
    image = photo(side, rng)
    cell = side // 8
    segments = (np.arange(side)[:, None] // cell) * 8 + np.arange(side)[None, :] // cell

    def model(batch: np.ndarray) -> np.ndarray:
        score = batch[:, ::50, ::50, 0].mean(axis=(1, 2)) / 255.0
        return np.column_stack([1.0 - score, score])

    explainer = ImageExplainer(random_state=0)
    explanation = explainer.explain(
        image,
        model,
        segmentation_fn=lambda _: segments,
        num_samples=64,
        batch_size=8,
        labels=(1,),
        top_labels=None,
    )
    times, page = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        page = render_report([explanation], "large image")
        times.append(time.perf_counter() - start)
    print(
        f"{side}×{side} image: page {len(page.encode()) / 1e6:.2f} MB, render "
        f"{statistics.median(times):.2f} s (median of {repeats})"
    )


if __name__ == "__main__":
    main()
