"""limette's Lime / KernelShap vs Captum's and SHAP's KernelExplainer, side by side.

(a) a small PyTorch MLP trained on breast cancer: limette vs ``captum.attr.Lime`` and
    ``captum.attr.KernelShap`` at ``perturbations_per_eval`` 1 (Captum's default) and 64;
    and the bare model on the same perturbed batch;
(b) EfficientNet-Lite0 on scikit-image's chelsea with a SLIC feature mask: the same, plus
    the bare model's inference on the same perturbed images in the same batches;
(c) limette KernelShap vs ``shap.KernelExplainer`` on the tabular model at equal samples,
    and the exact-mode values of both on an 8-feature model.

Run with one BLAS/torch thread: ``python benchmarks/tensor.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from functools import partial

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from limette import KernelShap, Lime  # noqa: E402
from limette.compose import mask_compose  # noqa: E402
from limette.tensor.attribution import _ELEMENTS_PER_CALL  # noqa: E402

torch.set_num_threads(1)
warnings.filterwarnings("ignore")


def timed(function, repeats):
    """Median wall time of ``repeats`` calls and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def mlp_on_breast_cancer():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = (data.data - data.data.mean(0)) / data.data.std(0)
    X_t, y_t = torch.tensor(X, dtype=torch.float32), torch.tensor(data.target)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(30, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2), torch.nn.Softmax(1)
    )
    optimiser = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(200):
        optimiser.zero_grad()
        loss = torch.nn.functional.nll_loss(torch.log(net(X_t) + 1e-9), y_t)
        loss.backward()
        optimiser.step()
    return net.eval(), X_t


def compare_with_captum(title, forward, inputs, options, n, repeats, bare, rows):
    """limette's Lime/KernelShap, Captum's at ``perturbations_per_eval`` 1 and 64, and
    ``bare()`` (the model alone on the same perturbed batches as limette), all run in
    every repeat so that changing load on the machine hits them alike; medians."""
    from captum.attr import KernelShap as CaptumKernelShap
    from captum.attr import Lime as CaptumLime

    runs = {"model": bare}
    for name, ours, theirs in (
        ("Lime", Lime, CaptumLime),
        ("KernelShap", KernelShap, CaptumKernelShap),
    ):
        runs[name, "limette"] = lambda ours=ours: ours(forward, random_state=0).attribute(
            inputs, n_samples=n, **options
        )
        for per_eval in (1, 64):
            runs[name, f"captum{per_eval}"] = lambda theirs=theirs, p=per_eval: theirs(
                forward
            ).attribute(inputs, n_samples=n, perturbations_per_eval=p, **options)
    times = {key: [] for key in runs}
    for _ in range(repeats):
        for key, run in runs.items():
            start = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - start)
    for name in ("Lime", "KernelShap"):
        row = {"case": f"{title} {name}", "n": n, "model": statistics.median(times["model"])}
        for column in ("limette", "captum1", "captum64"):
            row[column] = statistics.median(times[name, column])
        rows.append(row)
        print_row(row)


def print_row(row):
    best = min(row["captum1"], row["captum64"])
    print(
        f"| {row['case']} | {row['n']} | {row['limette']:.4f} | {row['captum1']:.3f} | "
        f"{row['captum64']:.3f} | {row['captum1'] / row['limette']:.0f}× | "
        f"{best / row['limette']:.1f}× | {row['model']:.4f} | "
        f"{row['limette'] / row['model']:.2f} |",
        flush=True,
    )


def bare_model(forward, inputs, mask, n, per_eval):
    """``run()``: the model alone on ``n`` masked copies of ``inputs``, ``per_eval`` a call."""
    keep = np.random.default_rng(0).random((n, int(mask.max()) + 1)) < 0.5
    batches = [  # composed beforehand: only the model is timed
        mask_compose(keep[start : start + per_eval], mask, inputs, 0.0).reshape(
            -1, *inputs.shape[1:]
        )
        for start in range(0, n, per_eval)
    ]
    assert sum(len(batch) for batch in batches) == n

    def run():
        with torch.no_grad():
            for batch in batches:
                forward(batch)

    return run


def time_outside_model(explainer, forward, inputs, options, n):
    """Time inside ``forward`` and in total, in one run (robust to the machine's load)."""
    inside = [0.0]

    def timed_forward(batch):
        start = time.perf_counter()
        result = forward(batch)
        inside[0] += time.perf_counter() - start
        return result

    start = time.perf_counter()
    explainer(timed_forward, random_state=0).attribute(inputs, n_samples=n, **options)
    return inside[0], time.perf_counter() - start


def part_mlp(quick, rows):
    net, X = mlp_on_breast_cancer()
    x = X[:1]
    target = int(net(x).argmax())
    n = 1000 if quick else 5000
    options = {"target": target}
    per_call = min(n, _ELEMENTS_PER_CALL["cpu"] // x.numel())
    bare = bare_model(net, x, torch.arange(30)[None], n, per_call)
    compare_with_captum("MLP", net, x, options, n, 3 if quick else 5, bare, rows)
    return net, X


def part_image(quick, samples, repeats, rows):
    from skimage.segmentation import slic

    from limette.cli._demo_models import (
        IMAGENET_MEAN,
        IMAGENET_STD,
        chelsea_224,
        load_efficientnet_lite0,
    )

    model = load_efficientnet_lite0()
    mean = torch.as_tensor(IMAGENET_MEAN)[None, :, None, None]
    std = torch.as_tensor(IMAGENET_STD)[None, :, None, None]

    def forward(images):
        return torch.softmax(model((images - mean) / std), dim=1)

    image = chelsea_224()
    segments = slic(image, n_segments=50, compactness=10, start_label=0)
    inputs = torch.as_tensor(image).permute(2, 0, 1)[None].contiguous()
    mask = torch.as_tensor(segments)[None, None]
    with torch.no_grad():
        target = int(forward(inputs).argmax())
    n = 16 if quick else samples
    options = {"target": target, "feature_mask": mask}
    # the model alone, in calls of limette's default size (one 224² image on the CPU)
    per_call = max(1, _ELEMENTS_PER_CALL["cpu"] // inputs.numel())
    bare = bare_model(forward, inputs, mask, n, per_call)
    compare_with_captum("EfficientNet", forward, inputs, options, n, repeats, bare, rows)
    for name, explainer in (("Lime", Lime), ("KernelShap", KernelShap)):
        inside, total = time_outside_model(explainer, forward, inputs, options, n)
        print(
            f"EfficientNet {name}: {total:.2f} s, of which {total - inside:.3f} s "
            f"({(total - inside) / total:.1%}) outside the model",
            flush=True,
        )


def part_shap(net, X, quick, rows):
    import shap

    def probability(rows_):
        """The model's logit of class 1 (probabilities saturate far from the boundary)."""
        with torch.no_grad():
            scores = net[:-1](torch.as_tensor(rows_, dtype=torch.float32)).numpy()
        return (scores[:, 1] - scores[:, 0]).astype(float)

    baseline = X.numpy().mean(0, keepdims=True)
    closest = int(np.argsort(np.abs(probability(X.numpy())))[10])
    x = X[closest : closest + 1].numpy()
    n = 500 if quick else 2000
    explainer = shap.KernelExplainer(probability, baseline)
    shap_time, _ = timed(lambda: explainer.shap_values(x, nsamples=n, silent=True), 3)
    ours_time, _ = timed(
        lambda: KernelShap(probability, random_state=0).attribute(
            x, baselines=baseline, n_samples=n
        ),
        3,
    )
    rows.append({"case": "MLP KernelShap vs shap", "n": n, "limette": ours_time, "shap": shap_time})
    # exact mode: 8 features (the other 22 held at the instance), 2**8 coalitions
    free = np.arange(8)

    def eight(rows_):
        full = np.repeat(x, len(rows_), axis=0)
        full[:, free] = rows_
        return probability(full)

    exact_ours = KernelShap(eight).attribute(
        x[:, free], baselines=baseline[:, free], n_samples=256
    )[0]
    exact_shap = np.ravel(
        shap.KernelExplainer(eight, baseline[:, free]).shap_values(
            x[:, free], nsamples=256, silent=True
        )
    )
    return float(np.abs(exact_ours - exact_shap).max()), float(np.abs(exact_shap).max())


def shared_fits(repeats: int) -> None:
    """The surrogate fits alone (no composition, no model) of a batch of KernelShap
    examples sharing masks and weights, against the fit of one example: each timing is
    the least over ``repeats`` of the mean of 50 calls, one and many alternating (calls
    of a fraction of a millisecond: the least is the one the machine disturbed least)."""
    from limette._design import StackedDesign
    from limette.kernels import shapley_kernel
    from limette.sampling import ShapleySampler
    from limette.surrogates import ConstrainedLeastSquares, Ridge, fit_stacked
    from limette.tensor._lime_base import fit_interpretable

    def per_call(function, calls=50):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        return (time.perf_counter() - start) / calls

    print("\n| features | samples | surrogate | fit of 1 example (ms) | fit of 100 (ms) | ratio "
          "| 100 as a stack of fits (ms) | max \\|shared − one by one\\| |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for d, n in ((30, 1000), (100, 2000)):
        Z = ShapleySampler().sample(n, d, rng)
        w = shapley_kernel(Z)
        Y = rng.normal(size=(n, 100)).T  # as KernelShap passes them: outputs.T
        W = np.broadcast_to(w, Y.shape)  # and its weights: one row for every example
        for surrogate in (ConstrainedLeastSquares(), Ridge(alpha=1.0)):
            one = partial(fit_interpretable, surrogate, Z, Y[:1], W[:1])
            many = partial(fit_interpretable, surrogate, Z, Y, W)
            pairs = [(per_call(one), per_call(many)) for _ in range(repeats)]
            one_s = min(a for a, _ in pairs)  # the least disturbed of the repeats
            many_s = min(b for _, b in pairs)
            stack = StackedDesign(np.broadcast_to(Z, (len(Y), *Z.shape)), Y[..., None], W)
            before = timed(partial(fit_stacked, surrogate, stack), 3)[0]
            single = np.stack([fit_interpretable(surrogate, Z, y[None], w[None])[0] for y in Y])
            gap = float(np.abs(many() - single).max() / np.abs(single).max())
            print(
                f"| {d} | {n} | {type(surrogate).__name__} | {one_s * 1000:.3f} | "
                f"{many_s * 1000:.3f} | {many_s / one_s:.2f}× | {before * 1000:.2f} | "
                f"{gap:.1e} (relative) |",
                flush=True,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few samples, small image part")
    parser.add_argument("--skip-image", action="store_true")
    parser.add_argument("--image-samples", type=int, default=1000)
    parser.add_argument("--image-repeats", type=int, default=1)
    parser.add_argument("--only-fits", action="store_true", help="only the shared-mask fits")
    args = parser.parse_args()
    if args.only_fits:
        shared_fits(9)
        return
    rows = []
    print(
        "| case | samples | limette (s) | Captum ppe=1 (s) | Captum ppe=64 (s) | × vs ppe=1 | "
        "× vs best Captum | bare model (s) | limette / model |"
    )
    print("|" + "---|" * 9, flush=True)
    net, X = part_mlp(args.quick, rows)
    if not args.skip_image:
        part_image(args.quick, args.image_samples, args.image_repeats, rows)
    gap, scale = part_shap(net, X, args.quick, rows)
    for row in rows:
        if "shap" in row:
            print(
                f"\n{row['case']}: {row['n']} samples, limette {row['limette']:.4f} s, "
                f"shap.KernelExplainer {row['shap']:.4f} s "
                f"({row['shap'] / row['limette']:.0f}× faster)"
            )
    print(
        f"exact mode (d=8, 256 coalitions): max |limette - shap| = {gap:.2e} "
        f"(largest value {scale:.3f})"
    )


if __name__ == "__main__":
    main()
