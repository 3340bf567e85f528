"""limette's JAX path vs explainax 0.0.1 (LIME in JAX) and limette's NumPy path.

Setting: one ``attribute`` call on a (200, 784) batch of a jitted 784→128→10 MLP in
plain ``jax.numpy`` (random weights from a PRNG key, inputs uniform in [0, 1]), 500
perturbations per instance, one thread. Every method runs in a fresh process: the first
call counts compilation ("cold"), later calls are "warm" (median of the repeats).

- explainax: ``LimeBase(f, additional_func_args={"params": params})`` with its defaults
  (Bernoulli perturbation, euclidean exponential kernel, its "Ridge": 100 epochs of SGD).
  Install it for the benchmark only: ``pip install --no-deps explainax==0.0.1`` (its
  imports also need optax, dm-haiku, chex and pydantic); its ``jnp.clip(a_min=...)`` is
  patched at run time for today's JAX. Skipped with a message when missing.
- limette, JAX inputs: ``Lime(f, Ridge(alpha=1), euclidean kernel of width 0.75·√784)``
  on the JAX batch, ``additional_forward_args={"params": params}``.
- limette, NumPy inputs: the same explainer on a NumPy copy of the batch (the path JAX
  arrays took before they had their own).

Run: ``python benchmarks/jax_explainax.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

THREADS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def setting(quick: bool) -> dict[str, int]:
    if quick:
        return {"instances": 40, "features": 784, "samples": 200, "repeats": 2}
    return {"instances": 200, "features": 784, "samples": 500, "repeats": 3}


def model(features: int):
    import jax
    import jax.numpy as jnp

    k1, k2 = jax.random.split(jax.random.key(0))
    params = {
        "w1": jax.random.normal(k1, (features, 128)) / jnp.sqrt(features),
        "b1": jnp.zeros(128),
        "w2": jax.random.normal(k2, (128, 10)) / jnp.sqrt(128.0),
        "b2": jnp.zeros(10),
    }

    @jax.jit
    def probabilities(params, x):
        hidden = jax.nn.relu(x @ params["w1"] + params["b1"])
        return jax.nn.softmax(hidden @ params["w2"] + params["b2"])

    return params, probabilities


def run_explainax(X, params, probabilities, samples):
    import jax
    import jax.numpy as jnp
    from explainax.attr import lime as explainax_lime

    class _Clip:  # explainax calls jnp.clip(..., a_min=0.); today's JAX names it min
        def __getattr__(self, name):
            return getattr(jnp, name)

        @staticmethod
        def clip(x, a_min=None, a_max=None):
            return jnp.clip(x, min=a_min, max=a_max)

    explainax_lime.jnp = _Clip()

    def f(params, x):
        return probabilities(params, x)[:, :1]

    explainer = explainax_lime.LimeBase(f, additional_func_args={"params": params})

    def call():
        coef, _ = explainer.attribute(X, n_samples=samples, rng_key=jax.random.key(0))
        return jax.block_until_ready(coef)

    return call


def run_limette(X, params, probabilities, samples, numpy_inputs):
    import jax
    import numpy as np

    from limette import Lime, Ridge
    from limette.tensor import get_exp_kernel_similarity_function

    width = 0.75 * float(np.sqrt(X.shape[1]))
    explainer = Lime(
        probabilities,
        interpretable_model=Ridge(alpha=1.0),
        similarity_func=get_exp_kernel_similarity_function("euclidean", width),
        random_state=0,
    )
    inputs = np.asarray(X) if numpy_inputs else X
    if numpy_inputs:  # the NumPy path passes extra arguments positionally (Captum's rule)
        explainer.forward_func = lambda x, params: probabilities(params, x)
        args = (params,)
    else:
        args = {"params": params}

    def call():
        out = explainer.attribute(inputs, target=0, n_samples=samples, additional_forward_args=args)
        return jax.block_until_ready(out) if not numpy_inputs else out

    return call


def worker(method: str, quick: bool) -> None:
    import jax

    config = setting(quick)
    params, probabilities = model(config["features"])
    X = jax.random.uniform(jax.random.key(1), (config["instances"], config["features"]))
    jax.block_until_ready(X)
    if method == "explainax":
        call = run_explainax(X, params, probabilities, config["samples"])
    else:
        call = run_limette(X, params, probabilities, config["samples"], method == "numpy")
    start = time.perf_counter()
    first = call()
    cold = time.perf_counter() - start
    warm = []
    for _ in range(config["repeats"]):
        start = time.perf_counter()
        call()
        warm.append(time.perf_counter() - start)
    result = {"cold": cold, "warm": statistics.median(warm), "shape": list(first.shape)}
    if method == "limette":  # the model alone on as many rows, in the same call sizes
        import jax.numpy as jnp

        rows = jnp.tile(X, (25, 1))
        jax.block_until_ready(probabilities(params, rows))
        bare = []
        for _ in range(config["repeats"]):
            start = time.perf_counter()
            for _ in range(-(-config["samples"] // 25)):
                jax.block_until_ready(probabilities(params, rows))
            bare.append(time.perf_counter() - start)
        result["model"] = statistics.median(bare)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 instances, 200 samples")
    parser.add_argument("--worker", choices=["explainax", "limette", "numpy"])
    options = parser.parse_args()
    if options.worker:
        worker(options.worker, options.quick)
        return
    config = setting(options.quick)
    print(
        f"{config['instances']} instances × {config['features']} features × "
        f"{config['samples']} samples, jitted 784→128→10 MLP, one thread"
    )
    try:
        import explainax  # noqa: F401

        methods = ["explainax", "limette", "numpy"]
    except ImportError:
        print("explainax is not installed (pip install --no-deps explainax==0.0.1); skipped")
        methods = ["limette", "numpy"]
    env = {**os.environ, **THREADS}
    results = {}
    for method in methods:
        command = [sys.executable, __file__, "--worker", method]
        command += ["--quick"] if options.quick else []
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        results[method] = json.loads(done.stdout.strip().splitlines()[-1])
    names = {
        "explainax": "explainax 0.0.1",
        "limette": "limette, JAX inputs",
        "numpy": "limette, NumPy inputs",
    }
    print("| method | cold s (with compilation) | warm s |")
    print("|---|---|---|")
    for method, result in results.items():
        print(f"| {names[method]} | {result['cold']:.2f} | {result['warm']:.2f} |")
    if "model" in results["limette"]:
        print(
            f"the model alone on the same rows (25 perturbations per call): "
            f"{results['limette']['model']:.2f} s"
        )
    if "explainax" in results:
        ours, theirs = results["limette"], results["explainax"]
        print(
            f"explainax / limette: warm {theirs['warm'] / ours['warm']:.1f}×, "
            f"cold {theirs['cold'] / ours['cold']:.1f}×"
        )


if __name__ == "__main__":
    main()
