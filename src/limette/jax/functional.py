"""LIME as a pure JAX function, for use inside your own ``jax.jit`` and ``jax.vmap``.

:func:`explain` takes a PRNG key, one instance and a model and returns the local linear
fit; it has no state and no Python side effects, so ``jax.jit(explain, static_argnames=...)``
compiles the whole explanation (sampling, composition, model, kernel, ridge) into one
program and ``jax.vmap`` explains a batch of instances. The tensor explainers
(:class:`limette.Lime`, :class:`limette.KernelShap`) accept JAX arrays as well; use them
for Captum's semantics and NumPy-identical random streams, and this module to compose.

Constraints (what tracing needs):

- ``num_samples``, ``batch_size`` and the options given as strings fix shapes or code:
  they must be concrete Python values (static arguments under ``jit``).
- ``feature_mask`` must be concrete (a NumPy array or a constant): the number of
  features is a shape.
- The model must be traceable when you transform :func:`explain` (plain ``jax.numpy``,
  Flax/Haiku ``apply``); eagerly any callable on JAX arrays works.
- Random streams come from ``key`` (``jax.random``), not from NumPy: results equal the
  tensor explainers' in distribution, not sample for sample.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..errors import InputError, MissingDependencyError

try:
    import jax
    import jax.numpy as jnp
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError("limette.jax needs JAX: pip install 'limette[jax]'") from error

from .._validation import lookup
from ..tensor import jax_ops as ops

__all__ = ["LocalFit", "explain"]

_DISTANCES = {"euclidean": "euclidean", "cosine": "cosine"}
_KERNELS = {"lime": ops.lime_kernel, "exponential": ops.exponential_kernel}


class LocalFit(NamedTuple):
    """The weighted linear surrogate around one instance.

    ``coef`` is ``(d,)`` (or ``(k, d)`` when the model returns ``k`` outputs per row),
    one coefficient per interpretable feature; ``coef[..., feature_mask]`` puts them in
    the instance's shape. ``intercept`` and ``score`` (weighted R²) are ``()`` or ``(k,)``.
    """

    coef: Any
    intercept: Any
    score: Any


def explain(
    key: Any,
    x: Any,
    f: Callable[..., Any],
    *,
    num_samples: int,
    feature_mask: Any = None,
    baseline: Any = 0.0,
    model_kwargs: Mapping[str, Any] | None = None,
    distance: str = "euclidean",
    kernel: str = "lime",
    kernel_width: Any = None,
    keep_probability: float = 0.5,
    alpha: float = 1.0,
    batch_size: int | None = None,
) -> LocalFit:
    """Explain ``f`` at one instance ``x``: sample, compose, call, weigh, fit.

    Parameters
    ----------
    key : jax.random key
        The only source of randomness.
    x : array
        One instance, any shape (no batch dimension; ``jax.vmap`` adds one).
    f : callable
        The model on a batch: ``f(batch)`` or, with ``model_kwargs``,
        ``f(batch, **model_kwargs)``; when ``model_kwargs`` names parameters before the
        input's (``f(params, x)``) the batch goes by name. Returns ``(m,)`` or ``(m, k)``.
    num_samples : int
        Perturbations, the instance itself first (static).
    feature_mask : int array, optional
        Feature id (``0..d-1``) of every element of ``x`` (broadcastable to it; concrete);
        by default every element is a feature.
    baseline : number or array
        What an absent feature becomes; broadcastable to ``x``.
    model_kwargs : mapping, optional
        Keyword arguments of ``f`` (model parameters); passed unchanged to every call.
    distance : {"euclidean", "cosine"}
        Distance between the instance's interpretable vector (all ones) and each sample's.
    kernel : {"lime", "exponential"}
        ``sqrt(exp(-d²/w²))`` (lime) or ``exp(-d²/(2w²))`` (Captum).
    kernel_width : float, optional
        Default ``0.75·√d`` (lime's rule) for euclidean distances, ``0.25`` for cosine.
    keep_probability : float
        Probability that a feature is kept in a sample.
    alpha : float
        Ridge penalty (lime's default 1); with more features than samples the fit is
        solved in the ``num_samples × num_samples`` form.
    batch_size : int, optional
        Rows per model call (static; ``jax.lax.map`` over chunks); default all at once.

    Returns
    -------
    LocalFit

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from limette.jax import explain
    >>> weights = jnp.array([2.0, -1.0, 0.5, 0.0])
    >>> f = lambda batch: batch @ weights
    >>> run = jax.jit(lambda key, x: explain(key, x, f, num_samples=200, alpha=0.0))
    >>> fit = run(jax.random.key(0), jnp.ones(4))
    >>> [round(float(c), 3) for c in fit.coef]
    [2.0, -1.0, 0.5, 0.0]
    >>> keys = jax.random.split(jax.random.key(1), 3)
    >>> jax.vmap(run)(keys, jnp.ones((3, 4))).coef.shape
    (3, 4)
    """
    n = ops.concrete_int(num_samples, "num_samples")
    mode = lookup(_DISTANCES, distance, "distance")
    kernel_fn = lookup(_KERNELS, kernel, "kernel")
    x = jnp.asarray(x)
    ids, d = _feature_ids(feature_mask, x.shape)
    Z = jax.random.bernoulli(key, keep_probability, (n, d)).astype(jnp.result_type(float))
    Z = Z.at[0].set(1.0)
    call = ops.model_caller(f, model_kwargs, 1)
    rows = n if batch_size is None else ops.concrete_int(batch_size, "batch_size")
    Y = _evaluate(call, Z, ids, x, baseline, rows).astype(Z.dtype)
    width = _default_width(mode, d) if kernel_width is None else kernel_width
    W = kernel_fn(_interpretable_distance(Z, mode), width)
    single = Y.ndim == 1
    Yk = Y[:, None] if single else Y.reshape(n, -1)
    coef, intercept = ops.ridge(Z, Yk[None], W[None], alpha)
    score = _weighted_r2(Z, Yk, W, coef[0], intercept[0])
    if single:
        return LocalFit(coef[0, 0], intercept[0, 0], score[0])
    return LocalFit(coef[0], intercept[0], score)


def _feature_ids(feature_mask: Any, shape: tuple[int, ...]) -> tuple[Any, int]:
    if feature_mask is None:
        size = int(np.prod(shape, dtype=np.int64))
        return jnp.arange(size).reshape(shape), size
    if ops.is_tracer(feature_mask):
        raise InputError(
            "feature_mask must be concrete (the number of features is a shape); got a traced "
            "value: close over it or pass a NumPy array"
        )
    mask = np.asarray(feature_mask)
    if not np.issubdtype(mask.dtype, np.integer) or mask.size == 0 or mask.min() < 0:
        raise InputError(f"feature_mask must hold non-negative integer ids; got dtype {mask.dtype}")
    try:
        fits = mask.ndim <= len(shape) and np.broadcast_shapes(mask.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise InputError(
            f"feature_mask has shape {mask.shape}; expected one that broadcasts to x's {shape}"
        )
    padded = mask.reshape((1,) * (len(shape) - mask.ndim) + mask.shape)
    return jnp.asarray(padded), int(mask.max()) + 1


def _evaluate(call: Any, Z: Any, ids: Any, x: Any, baseline: Any, rows: int) -> Any:
    def run(keep: Any) -> Any:
        out = jnp.asarray(call((ops.compose(keep, ids[None], x[None], baseline),), 1))
        if out.ndim not in (1, 2) or out.shape[0] != keep.shape[0]:
            ops.raise_output_shape(
                out.shape, f"expected ({keep.shape[0]},) or ({keep.shape[0]}, k)"
            )
        return out

    n = Z.shape[0]
    if rows >= n:
        return run(Z)
    chunks = -(-n // rows)
    padded = jnp.concatenate([Z, jnp.broadcast_to(Z[:1], (chunks * rows - n, Z.shape[1]))])
    out = jax.lax.map(run, padded.reshape(chunks, rows, Z.shape[1]))
    return out.reshape(chunks * rows, *out.shape[2:])[:n]


def _default_width(mode: str, d: int) -> float:
    return 0.75 * float(np.sqrt(d)) if mode == "euclidean" else 0.25


def _interpretable_distance(Z: Any, mode: str) -> Any:
    kept = Z.sum(axis=1)
    if mode == "euclidean":
        return jnp.sqrt(Z.shape[1] - kept)
    return 1.0 - kept / (jnp.sqrt(jnp.maximum(kept, 1.0)) * np.sqrt(Z.shape[1]))


def _weighted_r2(Z: Any, Y: Any, W: Any, coef: Any, intercept: Any) -> Any:
    predicted = jnp.matmul(Z, coef.T, precision=ops.HIGHEST) + intercept
    mean = (W[:, None] * Y).sum(axis=0) / W.sum()
    total = (W[:, None] * (Y - mean) ** 2).sum(axis=0)
    residual = (W[:, None] * (Y - predicted) ** 2).sum(axis=0)
    return 1.0 - residual / jnp.where(total > 0, total, 1.0)
