"""Wide inputs (features far outnumber samples): limette vs Captum and lime, memory and time.

(a) the tensor API's default feature mask (one feature per element) on a 3×224×224 input,
    1000 samples: ``limette.Lime`` vs ``captum.attr.Lime``, both with their defaults
    (lasso ``alpha=0.01``, cosine similarity);
(b) a document of 100 000 distinct words, 5000 samples: ``limette.TextExplainer`` vs
    ``lime.lime_text.LimeTextExplainer`` (ridge, ``num_features=10``: highest weights).

The models are deliberately cheap (a fixed random linear map of the image; word counts
and length of the document by ``str.count``), so what is measured is the explainers' own
overhead. Wall and CPU seconds are both given (on a shared machine the CPU seconds are
the steadier figure). Each run is its own subprocess (its peak RSS from
``resource.getrusage``, interpreter and imports included); the peers run under an
address-space limit (``--limit-gb``) so that they fail with ``MemoryError`` instead of
exhausting the machine. Run: ``python benchmarks/wide.py [--quick] [--only tensor|text]``.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402


def tensor_case(tool: str, side: int, samples: int) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(3 * side * side, generator=generator)

    def model(x: Any) -> Any:
        return x.reshape(len(x), -1) @ weight

    x = torch.rand(1, 3, side, side, generator=generator)
    if tool == "limette":
        from limette import Lime

        explainer: Any = Lime(model, random_state=0)
    else:
        from captum.attr import Lime as CaptumLime

        torch.manual_seed(0)
        explainer = CaptumLime(model)
    start = time.perf_counter()
    attributions = explainer.attribute(x, n_samples=samples)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "nonzero": int((attributions != 0).sum())}


def _document(words: int) -> tuple[str, Any]:
    document = " ".join(f"w{i}" for i in range(words))
    markers = [f" w{i} " for i in range(1, words, max(1, words // 20))][:20]
    beta = np.linspace(-2.0, 2.0, len(markers))

    def classify(texts: list[str]) -> np.ndarray:
        counts = np.array([[text.count(m) for m in markers] for text in texts], dtype=float)
        length = np.array([len(text) for text in texts], dtype=float) / len(document)
        logit = counts @ beta + 1.5 * length - 0.75
        p = 1.0 / (1.0 + np.exp(-logit))
        return np.column_stack([1 - p, p])

    return document, classify


def text_case(tool: str, words: int, samples: int) -> dict[str, Any]:
    document, classify = _document(words)
    start = time.perf_counter()
    if tool == "limette":
        from limette import TextExplainer

        explanation = TextExplainer().explain(
            document, classify, num_samples=samples, random_state=0
        )
        top = [name for name, _ in explanation.as_list()]
    else:
        from lime.lime_text import LimeTextExplainer

        explained = LimeTextExplainer(random_state=0).explain_instance(
            document, classify, num_samples=samples
        )
        top = [name for name, _ in explained.as_list()]
    return {"seconds": time.perf_counter() - start, "top": top[:5]}


def child(case: str, tool: str, size: int, samples: int, limit_gb: float) -> None:
    if limit_gb:
        limit = int(limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    warnings.filterwarnings("ignore")
    try:
        run = tensor_case if case == "tensor" else text_case
        cpu = time.process_time()
        result = run(tool, size, samples)
        result["cpu_seconds"] = time.process_time() - cpu
    except MemoryError:
        result = {"error": f"MemoryError under a {limit_gb:g} GB address-space limit"}
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(case: str, tool: str, size: int, samples: int, args: Any) -> dict[str, Any]:
    limit = args.limit_gb if tool in ("lime", "captum") else 0.0
    command = [sys.executable, __file__, "--child", case, tool, str(size), str(samples)]
    command += ["--limit-gb", str(limit)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {args.timeout} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return dict(json.loads(lines[-1]))


def show(name: str, ours: dict[str, Any], theirs: dict[str, Any], peer: str) -> None:
    def text(r: dict[str, Any]) -> str:
        if "error" in r:
            return f"{r['error']}" + (f" (peak {r['peak_mb']:.0f} MB)" if "peak_mb" in r else "")
        return (
            f"{r['seconds']:8.1f} s wall, {r['cpu_seconds']:8.1f} s CPU, "
            f"peak {r['peak_mb']:7.0f} MB"
        )

    print(f"{name}\n  limette: {text(ours)}\n  {peer:7s}: {text(theirs)}")
    if "error" not in ours and "error" not in theirs:
        print(
            f"  {peer} / limette: wall {theirs['seconds'] / ours['seconds']:.1f}x, "
            f"CPU {theirs['cpu_seconds'] / ours['cpu_seconds']:.1f}x, "
            f"peak memory {theirs['peak_mb'] / ours['peak_mb']:.1f}x"
        )
    keys = ("top", "nonzero")
    mine = {k: v for k, v in ours.items() if k in keys}
    print(f"  limette {mine}; {peer} { ({k: v for k, v in theirs.items() if k in keys}) }")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3×64×64 and 10 000 words")
    parser.add_argument("--limit-gb", type=float, default=12.0, help="peers' address space")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per run")
    parser.add_argument("--only", choices=("tensor", "text"), help="one case of the two")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        case, tool, size, samples = args.child
        child(case, tool, int(size), int(samples), args.limit_gb)
        return
    import captum
    import lime
    import sklearn
    import torch

    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, torch {torch.__version__}, "
        f"captum {captum.__version__}, lime {getattr(lime, '__version__', '0.2.0.1')}, "
        f"scikit-learn {sklearn.__version__}; {os.cpu_count()} cores, one BLAS thread"
    )
    side, pixels_samples = (64, 300) if args.quick else (224, 1000)
    words, text_samples = (10_000, 1000) if args.quick else (100_000, 5000)
    if args.only != "text":
        label = f"(a) tensor 3×{side}×{side} ({3 * side * side} features), {pixels_samples} samples"
        ours = measure("tensor", "limette", side, pixels_samples, args)
        theirs = measure("tensor", "captum", side, pixels_samples, args)
        show(label, ours, theirs, "Captum")
    if args.only != "tensor":
        label = f"(b) text of {words} distinct words, {text_samples} samples"
        ours = measure("text", "limette", words, text_samples, args)
        theirs = measure("text", "lime", words, text_samples, args)
        show(label, ours, theirs, "lime")


if __name__ == "__main__":
    main()
