"""``jax.numpy`` building blocks shared by the tensor explainers' JAX path and
:mod:`limette.jax`: masked composition, per-feature sums and the exponential kernel,
the model call convention, and closed-form weighted fits (ridge in the features × features
or the samples × samples form, least squares constrained to efficiency).

Everything here is traceable (shapes decide the branches), so it runs inside the
user's ``jax.jit`` and ``jax.vmap`` as well as eagerly on the inputs' device. This module
imports JAX (``pip install 'limette[jax]'``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp

from ..errors import InputError

__all__ = [
    "compose",
    "constrained_least_squares",
    "distances",
    "exponential_kernel",
    "feature_sums",
    "lime_kernel",
    "model_caller",
    "ridge",
    "select_target",
    "to_input_shape",
]

HIGHEST = jax.lax.Precision.HIGHEST


def is_tracer(value: Any) -> bool:
    """Whether ``value`` is an abstract value inside ``jit``/``vmap``/``grad``."""
    return isinstance(value, jax.core.Tracer)


def concrete_int(value: Any, name: str) -> int:
    """``value`` as a Python int; a traced value gets an error naming ``name``."""
    if is_tracer(value):
        raise InputError(
            f"{name} must be a concrete Python int (it fixes array shapes); got a traced "
            "value: pass it as a static argument (jax.jit(..., static_argnames=...))"
        )
    if isinstance(value, bool) or not float(value).is_integer() or int(value) < 1:
        raise InputError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


# ---------------------------------------------------------------- the model call
def model_caller(
    forward: Callable[..., Any], args: Any, n_inputs: int
) -> Callable[[tuple[Any, ...], int], Any]:
    """``call(inputs, repeats)``: ``forward`` on a batch, with its extra arguments.

    ``args`` a mapping: keyword arguments (model parameters, never repeated); when they
    name parameters before the inputs' (``f(params, x)``), the inputs go by name too.
    Otherwise Captum's rule: ``forward(*inputs, *args)``, array arguments with a leading
    dimension repeated once per stacked copy of the batch.
    """
    if isinstance(args, Mapping):
        keywords = dict(args)
        names = _input_names(forward, keywords, n_inputs)
        if names is not None:
            return lambda inputs, repeats: forward(**dict(zip(names, inputs)), **keywords)
        return lambda inputs, repeats: forward(*inputs, **keywords)
    extra = () if args is None else tuple(args) if isinstance(args, (tuple, list)) else (args,)

    def call(inputs: tuple[Any, ...], repeats: int) -> Any:
        return forward(*inputs, *(_repeat(a, repeats) for a in extra))

    return call


def _input_names(forward: Any, keywords: dict[str, Any], n_inputs: int) -> list[str] | None:
    """Names of the inputs' parameters when a keyword argument comes before them."""
    try:
        parameters = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [
        p.name
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"
    ]
    free = [name for name in positional if name not in keywords]
    if len(free) < n_inputs or not any(
        positional.index(k) < positional.index(free[0]) for k in keywords if k in positional
    ):
        return None
    return free[:n_inputs]


def _repeat(value: Any, repeats: int) -> Any:
    if repeats == 1 or not hasattr(value, "shape") or len(value.shape) == 0:
        return value
    return jnp.concatenate([jnp.asarray(value)] * repeats, axis=0)


def select_target(output: Any, target: Any, batch_size: int) -> Any:
    """The targeted output of every row (rows are the examples repeated), on device.

    ``target``: None, an int, a tuple (one index per output dimension), or a list or
    tuple with one int or tuple per example."""
    output = jnp.asarray(output)
    if target is None:
        return output
    if isinstance(target, int) or (
        isinstance(target, tuple) and not any(isinstance(t, tuple) for t in target)
    ):
        index = target if isinstance(target, tuple) else (target,)
        if len(index) > output.ndim - 1:
            raise_output_shape(output.shape, f"target {target!r} needs {len(index) + 1} dims")
        return output[(slice(None), *index)]
    rows = output.shape[0]
    columns = jnp.asarray([t if isinstance(t, tuple) else (t,) for t in target])
    example = jnp.arange(rows) % batch_size
    return output[(jnp.arange(rows), *(columns[example, j] for j in range(columns.shape[1])))]


def raise_output_shape(shape: tuple[int, ...], expected: str) -> None:
    from ..errors import ModelOutputError

    raise ModelOutputError(f"forward_func returned shape {tuple(shape)}; {expected}")


# ---------------------------------------------------------------- composition and weights
def compose(keep: Any, ids: Any, x: Any, baseline: Any) -> Any:
    """Masked copies of every example: ``keep`` (m × d) against ``x`` (B × ...) gives
    ``(m·B, ...)``, perturbation-major; ``ids`` broadcasts against ``x``."""
    on = keep[:, ids] > 0
    dtype = jnp.result_type(x, baseline)
    out = jnp.where(on, x[None].astype(dtype), jnp.asarray(baseline, dtype))
    return out.reshape(keep.shape[0] * x.shape[0], *out.shape[2:])


def feature_sums(
    arrays: tuple[Any, ...], baselines: tuple[Any, ...], masks: tuple[Any, ...], d: int
) -> Any:
    """Per example and feature: ``Σx²``, ``Σx·b``, ``Σb²``, ``Σ(x-b)²`` (``B × d × 4``)."""
    B = arrays[0].shape[0]
    dtype = jnp.result_type(float)
    total = jnp.zeros((B * d, 4), dtype)
    for array, baseline, ids in zip(arrays, baselines, masks):
        x = array.astype(dtype)
        b = jnp.broadcast_to(jnp.asarray(baseline, dtype), x.shape)
        rows = jnp.arange(B).reshape((B,) + (1,) * (x.ndim - 1))
        index = (rows * d + jnp.broadcast_to(ids, x.shape)).reshape(-1)
        values = jnp.stack([x * x, x * b, b * b, (x - b) ** 2], axis=-1).reshape(-1, 4)
        total = total + jax.ops.segment_sum(values, index, num_segments=B * d)
    return total.reshape(B, d, 4)


def distances(Z: Any, sums: Any, mode: str) -> Any:
    """Input-space distances ``(B, n)`` between every example and its masked copies."""
    off = 1.0 - Z
    xx, xb, bb, diff = (sums[..., j] for j in range(4))
    if mode == "euclidean":
        return jnp.sqrt(jnp.maximum(jnp.matmul(diff, off.T, precision=HIGHEST), 0.0))
    kept = jnp.matmul(xx, Z.T, precision=HIGHEST)
    dot = kept + jnp.matmul(xb, off.T, precision=HIGHEST)
    own = kept + jnp.matmul(bb, off.T, precision=HIGHEST)
    denominator = jnp.sqrt(jnp.maximum(own, 0.0)) * jnp.sqrt(xx.sum(axis=1))[:, None]
    positive = denominator > 0
    return 1.0 - jnp.where(positive, dot / jnp.where(positive, denominator, 1.0), 0.0)


def exponential_kernel(distance: Any, width: Any) -> Any:
    """Captum's ``exp(-d² / (2 w²))``."""
    return jnp.exp(-(distance**2) / (2.0 * width**2))


def lime_kernel(distance: Any, width: Any) -> Any:
    """lime's ``sqrt(exp(-d² / w²))``."""
    return jnp.sqrt(jnp.exp(-(distance**2) / width**2))


# ---------------------------------------------------------------- fits
def ridge(Z: Any, Y: Any, W: Any, alpha: float) -> tuple[Any, Any]:
    """Weighted ridge with intercept for ``B`` designs sharing ``Z`` (``n × d``).

    ``Y`` is ``(B, n, k)``, ``W`` is ``(B, n)``; returns coefficients ``(B, k, d)`` and
    intercepts ``(B, k)``. With more features than samples the solve is in the sample
    Gram form ``Xcᵀ√W (√W Xc Xcᵀ √W + αI)⁻¹ √W yc``: no ``d × d`` matrix.
    """
    n, d = Z.shape
    W = jnp.broadcast_to(W, Y.shape[:2])
    weight_sum = W.sum(axis=-1)
    x_mean = jnp.matmul(W, Z, precision=HIGHEST) / weight_sum[:, None]
    y_mean = jnp.einsum("bn,bnk->bk", W, Y, precision=HIGHEST) / weight_sum[:, None]
    yc = Y - y_mean[:, None, :]
    if d <= n:
        gram = jnp.einsum("bn,nd,ne->bde", W, Z, Z, precision=HIGHEST)
        gram = gram - weight_sum[:, None, None] * x_mean[:, :, None] * x_mean[:, None, :]
        cross = jnp.einsum("nd,bnk->bdk", Z, W[..., None] * yc, precision=HIGHEST)
        coef = _spd_solve(gram, cross, alpha)
    else:
        root = jnp.sqrt(W)
        shared = jnp.matmul(Z, Z.T, precision=HIGHEST)
        along = jnp.matmul(x_mean, Z.T, precision=HIGHEST)
        centred = (
            shared[None]
            - along[:, :, None]
            - along[:, None, :]
            + (x_mean * x_mean).sum(axis=-1)[:, None, None]
        )
        kernel = root[:, :, None] * centred * root[:, None, :]
        scaled = root[..., None] * _spd_solve(kernel, root[..., None] * yc, alpha)
        coef = jnp.einsum("nd,bnk->bdk", Z, scaled, precision=HIGHEST)
        coef = coef - x_mean[:, :, None] * scaled.sum(axis=1)[:, None, :]
    coef = coef.transpose(0, 2, 1)
    return coef, y_mean - jnp.einsum("bkd,bd->bk", coef, x_mean, precision=HIGHEST)


def _spd_solve(A: Any, b: Any, alpha: float) -> Any:
    """``(A + αI)⁻¹ b`` for a stack of symmetric positive semi-definite ``A``."""
    eye = jnp.eye(A.shape[-1], dtype=A.dtype)
    if isinstance(alpha, (int, float)) and alpha == 0:
        return jnp.matmul(jnp.linalg.pinv(A, hermitian=True), b, precision=HIGHEST)
    factor = jax.scipy.linalg.cho_factor(A + alpha * eye)
    return jax.scipy.linalg.cho_solve(factor, b)


def constrained_least_squares(Z: Any, Y: Any, W: Any) -> tuple[Any, Any]:
    """Least squares through the all-zero and all-one rows of ``Z`` (Kernel SHAP's
    efficiency constraint) for ``B`` designs sharing ``Z``; the caller checks that both
    rows are present. Returns coefficients ``(B, k, d)`` and intercepts ``(B, k)``."""
    d = Z.shape[1]
    W = jnp.broadcast_to(W, Y.shape[:2])
    empty = (Z == 0).all(axis=-1).astype(Y.dtype)
    full = (Z == 1).all(axis=-1).astype(Y.dtype)
    y0 = jnp.einsum("n,bnk->bk", empty, Y) / empty.sum()
    y1 = jnp.einsum("n,bnk->bk", full, Y) / full.sum()
    inner = W * (1.0 - empty - full)
    A = jnp.einsum("bn,nd,ne->bde", inner, Z, Z, precision=HIGHEST)
    rhs = jnp.einsum("bn,nd,bnk->bdk", inner, Z, Y - y0[:, None, :], precision=HIGHEST)
    scale = jnp.maximum(jnp.trace(A, axis1=1, axis2=2) / d, jnp.finfo(A.dtype).tiny)
    border = jnp.ones((A.shape[0], d, 1), A.dtype)
    kkt = jnp.concatenate(
        [
            jnp.concatenate([A / scale[:, None, None], border], axis=2),
            jnp.concatenate([border.transpose(0, 2, 1), jnp.zeros((A.shape[0], 1, 1))], 2),
        ],
        axis=1,
    )
    right = jnp.concatenate([rhs / scale[:, None, None], (y1 - y0)[:, None, :]], axis=1)
    solved = jnp.matmul(jnp.linalg.pinv(kkt, hermitian=True), right, precision=HIGHEST)
    return solved[:, :d].transpose(0, 2, 1), y0


def to_input_shape(coef: Any, arrays: tuple[Any, ...], masks: tuple[Any, ...]) -> tuple[Any, ...]:
    """Attributions in the inputs' shape: every element gets its feature's coefficient."""
    results = []
    for array, ids in zip(arrays, masks):
        rows = jnp.arange(coef.shape[0]).reshape((-1,) + (1,) * (array.ndim - 1))
        dtype = array.dtype if jnp.issubdtype(array.dtype, jnp.floating) else coef.dtype
        results.append(coef.astype(dtype)[rows, jnp.broadcast_to(ids, array.shape)])
    return tuple(results)
