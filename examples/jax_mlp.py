"""
JAX: a small MLP on digits, explained two ways
==============================================

The MLP (64→32→10, plain ``jax.numpy``, weights from a PRNG key) is trained for a few
hundred steps of full-batch gradient descent, then explained:

1. ``limette.Lime`` on a JAX batch of test digits, with the model in ``f(params, x)``
   style and its parameters passed as ``additional_forward_args={"params": params}``;
   the attributions come back as a JAX array shaped like the digits.
2. ``limette.jax.explain`` inside ``jax.jit(jax.vmap(...))``: the whole explanation
   (sampling, composition, model, kernel, ridge) compiled as one program.

Features are 2×2 blocks of pixels (16 per digit). Needs ``pip install 'limette[jax]'``.
Run: ``python examples/jax_mlp.py [--quick]``.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.datasets import load_digits

from limette import Lime, Ridge
from limette.jax import explain


def init(key: jax.Array) -> dict[str, jax.Array]:
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (64, 32)) / 8.0,
        "b1": jnp.zeros(32),
        "w2": jax.random.normal(k2, (32, 10)) / jnp.sqrt(32.0),
        "b2": jnp.zeros(10),
    }


def logits(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    hidden = jnp.tanh(x @ params["w1"] + params["b1"])
    return hidden @ params["w2"] + params["b2"]


@jax.jit
def probabilities(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    return jax.nn.softmax(logits(params, x))


def train(X: jax.Array, y: jax.Array, steps: int) -> dict[str, jax.Array]:
    def loss(params: dict[str, jax.Array]) -> jax.Array:
        return -jnp.mean(jax.nn.log_softmax(logits(params, X))[jnp.arange(len(y)), y])

    @jax.jit
    def step(params: dict[str, jax.Array]) -> dict[str, jax.Array]:
        grads = jax.grad(loss)(params)
        return jax.tree.map(lambda p, g: p - 0.5 * g, params, grads)

    params = init(jax.random.key(0))
    for _ in range(steps):
        params = step(params)
    return params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, digits, samples")
    args = parser.parse_args()
    digits = load_digits()
    X = jnp.asarray(digits.data / 16.0, jnp.float32)
    y = jnp.asarray(digits.target)
    params = train(X[:1500], y[:1500], 100 if args.quick else 500)
    test, labels = X[1500:], y[1500:]
    accuracy = float((probabilities(params, test).argmax(axis=1) == labels).mean())
    print(f"test accuracy {accuracy:.3f} on {len(test)} digits")

    count, samples = (8, 200) if args.quick else (64, 1000)
    batch = test[:count]
    predicted = probabilities(params, batch).argmax(axis=1)
    rows, columns = np.indices((8, 8))
    blocks = (rows // 2 * 4 + columns // 2).reshape(64)  # 2×2 pixel blocks, ids 0..15

    lime = Lime(probabilities, interpretable_model=Ridge(alpha=1.0), random_state=0)
    attributions = lime.attribute(
        batch,
        target=[int(c) for c in predicted],
        feature_mask=blocks[None],
        return_input_shape=False,
        n_samples=samples,
        additional_forward_args={"params": params},
    )
    print(f"Lime on a JAX batch: {type(attributions).__name__} of shape {attributions.shape}")

    def one(key: jax.Array, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        fit = explain(
            key,
            x,
            probabilities,
            num_samples=samples,
            feature_mask=blocks,
            model_kwargs={"params": params},
        )
        return fit.coef, fit.score

    keys = jax.random.split(jax.random.key(1), count)
    coef, score = jax.jit(jax.vmap(one))(keys, batch)  # coef: (count, 10 classes, 16 blocks)
    chosen = coef[jnp.arange(count), predicted]
    per_block = attributions  # (count, 16 blocks): return_input_shape=False
    for i in range(min(count, 4)):
        top_lime = np.argsort(-np.asarray(per_block[i]))[:3].tolist()
        top_fn = np.argsort(-np.asarray(chosen[i]))[:3].tolist()
        print(
            f"digit {i}: true {int(labels[i])}, predicted {int(predicted[i])}; "
            f"top blocks Lime {top_lime}, limette.jax {top_fn}; "
            f"weighted R² {float(score[i, predicted[i]]):.2f}"
        )
    agreement = np.corrcoef(np.asarray(per_block).ravel(), np.asarray(chosen).ravel())[0, 1]
    print(f"correlation of the two explanations over all blocks: {agreement:.2f}")


if __name__ == "__main__":
    main()
