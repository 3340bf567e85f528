"""``Lime``, ``KernelShap`` and ``LimeBase`` on JAX arrays.

The interpretable samples come from the same NumPy generator as on the NumPy path (the
call's ``random_state``, not an instance's position), are moved to the inputs' device
once, and everything after them runs in ``jax.numpy`` there: composition of each model
call's batch, per-feature sums, distances and kernel weights, the model call, the target
pick and the closed-form fit (:class:`~limette.Ridge` and Kernel SHAP's constrained least
squares; other surrogates are fitted on the host). Same seed, same samples: the JAX path
gives the NumPy path's explanation to float32 precision.

What needs the user's own functions one perturbation at a time (``LimeBase``, a custom
``perturb_func`` or ``similarity_func``, a model that returns one value per batch) runs
the NumPy path on host copies of the inputs; the result comes back as a JAX array on the
inputs' device. Models are called ``forward_func(*inputs, *args)`` (Captum) or, with a
mapping of ``additional_forward_args``, with keyword arguments: ``f(params, x)`` works as
``additional_forward_args={"params": params}``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._random import instance_generator, resolve_seed
from .._validation import check_positive_int
from ..errors import InputError, ModelCallError, ModelOutputError
from ..surrogates import ConstrainedLeastSquares, Ridge
from . import _inputs as ti
from . import jax_ops as ops
from ._jax_dispatch import is_jax

#: Input elements per model call when ``perturbations_per_eval`` is not given: about
#: 16 MB of float32, 25 perturbations of 200 MNIST-sized examples (a jitted model
#: compiles once for the call size; not tuned per device yet).
ELEMENTS_PER_CALL = 2**22


def _check(inputs: Any) -> tuple[tuple[Any, ...], bool]:
    arrays = ti.as_tuple(inputs)
    for i, a in enumerate(arrays):
        if ops.is_tracer(a):
            raise InputError(
                f"inputs[{i}] is a traced value (inside jax.jit, vmap or grad); the tensor "
                "explainers draw samples with NumPy and need concrete arrays; inside "
                "transformations use limette.jax.explain"
            )
        if not (jnp.issubdtype(a.dtype, jnp.number) or a.dtype == bool):
            raise InputError(f"inputs[{i}] must be numeric; got dtype {a.dtype}")
    return arrays, isinstance(inputs, (tuple, list))


def _host(value: Any, name: str) -> Any:
    """A NumPy copy of JAX arrays (in tuples too); other values unchanged."""
    if isinstance(value, (tuple, list)):
        return type(value)(_host(v, name) for v in value)
    if is_jax(value):
        if ops.is_tracer(value):
            raise InputError(f"{name} is a traced value; the tensor explainers need it concrete")
        return np.asarray(value)
    return value


def _device(arrays: tuple[Any, ...]) -> Any:
    devices = arrays[0].devices()
    return next(iter(devices)) if len(devices) == 1 else None


def on_host(explainer: Any, inputs: Any, args: Any, call: Callable[..., Any]) -> Any:
    """Run ``call(clone, host_inputs, host_args)`` on the NumPy path; results as JAX arrays.

    ``clone`` is a shallow copy of the explainer whose model binds a mapping of
    ``args`` as keywords (the explainer itself is left unchanged).
    """
    arrays, _ = _check(inputs)
    device = _device(arrays)
    clone = copy.copy(explainer)
    if isinstance(args, Mapping):
        caller = ops.model_caller(explainer.forward_func, args, len(arrays))
        clone.forward_func = lambda *xs: caller(xs, 1)
        args = None
    result = call(clone, _host(inputs, "inputs"), _host(args, "additional_forward_args"))

    def back(value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(back(v) for v in value)
        if isinstance(value, np.ndarray):
            return jax.device_put(jnp.asarray(value), device)
        return value

    return back(result)


def attribute_base(
    explainer: Any,
    inputs: Any,
    target: Any,
    args: Any,
    n_samples: int,
    perturbations_per_eval: int,
    show_progress: bool,
    random_state: Any,
    kwargs: dict[str, Any],
) -> Any:
    """``LimeBase.attribute`` on JAX inputs: the user's functions see NumPy copies."""

    def numpy_path(clone: Any, host_inputs: Any, host_args: Any) -> Any:
        return clone.attribute(
            host_inputs,
            target=_host(target, "target"),
            additional_forward_args=host_args,
            n_samples=n_samples,
            perturbations_per_eval=perturbations_per_eval,
            show_progress=show_progress,
            random_state=random_state,
            **{key: _host(value, key) for key, value in kwargs.items()},
        )

    return on_host(explainer, inputs, args, numpy_path)


def attribute(
    explainer: Any,
    neighbourhood: Callable[..., tuple[np.ndarray, np.ndarray]] | None,
    fit_host: Callable[..., np.ndarray],
    vectorised: bool,
    inputs: Any,
    baselines: Any,
    target: Any,
    args: Any,
    feature_mask: Any,
    n_samples: int,
    perturbations_per_eval: int | None,
    return_input_shape: bool,
    show_progress: bool,
    random_state: Any,
) -> Any:
    """``Lime.attribute`` (and Kernel SHAP's) on JAX inputs; see the module docstring."""
    arrays, is_tuple = _check(inputs)

    def numpy_path(clone: Any, host_inputs: Any, host_args: Any) -> Any:
        return clone.attribute(
            host_inputs,
            baselines=_host(baselines, "baselines"),
            target=_host(target, "target"),
            additional_forward_args=host_args,
            feature_mask=_host(feature_mask, "feature_mask"),
            n_samples=n_samples,
            perturbations_per_eval=perturbations_per_eval,
            return_input_shape=return_input_shape,
            show_progress=show_progress,
            random_state=random_state,
        )

    if not vectorised:
        return on_host(explainer, inputs, args, numpy_path)
    proxies = tuple(np.broadcast_to(np.zeros((), np.float32), a.shape) for a in arrays)
    host = ti.TensorInputs(proxies, is_tuple, False)
    base_host = ti.format_baselines(_host(baselines, "baselines"), host)
    mask = ti.format_feature_mask(_host(feature_mask, "feature_mask"), host)
    target = ti.check_target(_host(target, "target"), host.batch_size)
    if isinstance(target, list):  # per example, hashable for the jitted pick
        target = tuple(t if isinstance(t, tuple) else (t,) for t in target)
    n = check_positive_int(n_samples, "n_samples")
    seed = resolve_seed(explainer.random_state if random_state is None else random_state)
    device = _device(arrays)

    def put(value: Any) -> Any:
        return value if isinstance(value, float) else jax.device_put(jnp.asarray(value), device)

    base = tuple(put(b) for b in base_host)
    ids = tuple(put(m) for m in mask.masks)
    d = mask.n_features
    if neighbourhood is not None:
        Z_host, W_host = neighbourhood(n, d, None, seed)
        Z, W = put(np.asarray(Z_host, np.float32)), put(np.asarray(W_host, np.float32))
    else:
        Z_host = explainer.perturb_func.sample(n, d, instance_generator(seed))
        similarity = explainer.similarity_func  # ExpKernelSimilarity (vectorised)
        Z = put(np.asarray(Z_host, np.float32))
        W = _weights(Z, arrays, base, ids, similarity.distance_mode, float(similarity.kernel_width))
    n = len(Z_host)
    if perturbations_per_eval is None:
        elements = sum(int(np.prod(a.shape, dtype=np.int64)) for a in arrays)
        per_eval = max(1, min(n, ELEMENTS_PER_CALL // max(elements, 1)))
        per_eval = -(-n // -(-n // per_eval))  # equal calls: as little padding as possible
    else:
        per_eval = check_positive_int(perturbations_per_eval, "perturbations_per_eval")
    chunks = -(-n // per_eval)
    padded = np.concatenate([Z_host, np.repeat(Z_host[-1:], chunks * per_eval - n, axis=0)])
    Z_chunks = put(padded.reshape(chunks, per_eval, d).astype(np.float32))
    caller = ops.model_caller(explainer.forward_func, args, len(arrays))
    outputs = _evaluate(caller, Z_chunks, n, arrays, base, ids, target, show_progress)
    if outputs is None:  # the model returns one value per batch: Captum's aggregate mode
        return on_host(explainer, inputs, args, numpy_path)
    coef = _fit(explainer.interpretable_model, fit_host, Z, Z_host, outputs, W, mask.present)
    coef = coef.astype(_float_dtype(arrays[0]))
    if not return_input_shape:
        return coef
    result = _to_input_shape(coef, arrays, ids)
    return result if is_tuple else result[0]


def _float_dtype(array: Any) -> Any:
    return array.dtype if jnp.issubdtype(array.dtype, jnp.floating) else jnp.float32


@jax.jit
def _compose(Z_chunks: Any, index: Any, ids: Any, x: Any, baseline: Any) -> Any:
    return ops.compose(Z_chunks[index], ids, x, baseline)


@functools.partial(jax.jit, static_argnums=(4, 5))
def _weights(Z: Any, arrays: Any, base: Any, ids: Any, mode: str, width: float) -> Any:
    sums = ops.feature_sums(arrays, base, ids, Z.shape[1])
    return ops.exponential_kernel(ops.distances(Z, sums, mode), width)


_to_input_shape = jax.jit(ops.to_input_shape)


def _evaluate(
    caller: Callable[[tuple[Any, ...], int], Any],
    Z_chunks: Any,
    n: int,
    arrays: tuple[Any, ...],
    base: tuple[Any, ...],
    ids: tuple[Any, ...],
    target: Any,
    progress: bool,
) -> Any:
    """Model outputs ``(n, B)`` on device, or None when the model aggregates the batch.

    Every call gets ``per_eval`` perturbations of every example (the last chunk padded
    with copies of the last sample), so a jitted model compiles once.
    """
    chunks, per_eval = Z_chunks.shape[:2]
    B = arrays[0].shape[0]
    indices: Any = range(chunks)
    if progress:
        from tqdm.auto import tqdm

        indices = tqdm(indices, desc="forward_func", unit="call")
    pieces = []
    for index in indices:
        position = jnp.asarray(index, jnp.int32)
        batch = tuple(_compose(Z_chunks, position, m, a, b) for m, a, b in zip(ids, arrays, base))
        start = index * per_eval
        try:
            out = caller(batch, per_eval)
        except Exception as error:
            raise ModelCallError(
                f"forward_func raised {type(error).__name__} on samples {start}.."
                f"{min(start + per_eval, n) - 1} of {n}: {error}"
            ) from error
        values = _pick(out, target, B)
        if values.size == 1 and B > 1 and index == 0:
            return None
        if values.size != per_eval * B:
            raise ModelOutputError(
                f"forward_func returned {values.size} values for {per_eval} perturbations of "
                f"{B} examples; expected {per_eval * B} (pick one output with target=)"
            )
        pieces.append(values)
    outputs, finite = _join(pieces, B, n)
    if not bool(finite):
        raise ModelOutputError("forward_func returned NaN or infinite values")
    return outputs


@functools.partial(jax.jit, static_argnums=(1, 2))
def _pick(output: Any, target: Any, batch_size: int) -> Any:
    return ops.select_target(output, target, batch_size).reshape(-1)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _join(pieces: list[Any], batch_size: int, n: int) -> tuple[Any, Any]:
    outputs = jnp.concatenate(pieces).reshape(-1, batch_size)[:n]
    outputs = outputs.astype(jnp.result_type(float))
    return outputs, jnp.isfinite(outputs).all()


@functools.partial(jax.jit, static_argnums=(0, 5, 6))
def _device_fit(kind: str, Z: Any, outputs: Any, W: Any, columns: Any, d: int, alpha: float) -> Any:
    B = outputs.shape[1]
    Zp = Z[:, columns]
    Y = outputs.T[..., None]
    W = jnp.broadcast_to(W, (B, Z.shape[0]))
    if kind == "ridge":
        fitted, _ = ops.ridge(Zp, Y, W, alpha)
    else:
        fitted, _ = ops.constrained_least_squares(Zp, Y, W)
    return jnp.zeros((B, d), outputs.dtype).at[:, columns].set(fitted[:, 0, :])


def _fit(
    model: Any,
    fit_host: Callable[..., np.ndarray],
    Z: Any,
    Z_host: np.ndarray,
    outputs: Any,
    W: Any,
    present: np.ndarray,
) -> Any:
    """Coefficients ``(B, d)``: on device for ridge and Kernel SHAP's surrogate."""
    d = Z_host.shape[1]
    columns = np.flatnonzero(present)
    device = next(iter(outputs.devices()))
    if isinstance(model, Ridge) and not model.compute_std:
        kind, alpha = "ridge", float(model.alpha)
    elif isinstance(model, ConstrainedLeastSquares):
        sizes = Z_host[:, present].sum(axis=1)
        if not ((sizes == 0).any() and (sizes == present.sum()).any()):
            raise InputError(
                "ConstrainedLeastSquares needs the empty (all 0) and the full (all 1) sample "
                "among the samples"
            )
        kind, alpha = "constrained", 0.0
    else:
        host = fit_host(
            model,
            np.ascontiguousarray(Z_host[:, present]),
            np.asarray(outputs.T, dtype=float),
            np.ascontiguousarray(np.broadcast_to(np.asarray(W, dtype=float), outputs.T.shape)),
        )
        coef = np.zeros((outputs.shape[1], d))
        coef[:, columns] = host
        return jax.device_put(jnp.asarray(coef, outputs.dtype), device)
    return _device_fit(
        kind, Z.astype(outputs.dtype), outputs, W, jax.device_put(columns, device), d, alpha
    )
