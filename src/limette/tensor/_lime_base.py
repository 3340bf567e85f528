"""Captum's general ``LimeBase`` and its parts shared with ``Lime`` and ``KernelShap``.

``LimeBase`` runs the user's own perturbation, similarity and transform functions (on
whole batches where they accept them, one perturbation at a time otherwise), evaluates
the model through the engine in calls of ``perturbations_per_eval`` perturbations, and
fits the interpretable model. :class:`ExpKernelSimilarity` is Captum's default
similarity, vectorised.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._design import StackedDesign
from .._random import RandomState
from .._validation import check_positive_float, check_positive_int, lookup
from ..engine import wide as _wide
from ..engine.evaluate import evaluate
from ..engine.plan import concat_inputs
from ..errors import InputError, ModelOutputError
from ..kernels import exponential_kernel
from ..surrogates import as_surrogate, fit_stacked
from . import _inputs as ti
from ._captum import model_call_progress, seeded_torch
from ._jax_dispatch import holds_jax
from ._projection import shared_fit

__all__ = ["ExpKernelSimilarity", "LimeBase", "get_exp_kernel_similarity_function"]


@contextlib.contextmanager
def no_grad(torch_inputs: bool) -> Iterator[None]:
    if not torch_inputs:
        yield
        return
    import torch

    with torch.no_grad():
        yield


@dataclass(frozen=True)
class ExpKernelSimilarity:
    """Captum's default similarity: ``exp(-dist² / (2 width²))`` of the input-space
    distance (``"cosine"`` or ``"euclidean"``) between the original and perturbed input.

    Callable Captum-style on a batch of perturbations; for masked perturbations limette
    computes it from per-feature sums without building the perturbed inputs.
    """

    distance_mode: str = "cosine"
    kernel_width: float = 1.0

    def __post_init__(self) -> None:
        lookup({"cosine": 0, "euclidean": 0}, self.distance_mode, "distance_mode")
        check_positive_float(self.kernel_width, "kernel_width")

    def _weights(self, dot: Any, own: Any, norm_x: Any, squared: Any) -> np.ndarray:
        if self.distance_mode == "euclidean":
            distance = np.sqrt(np.maximum(squared, 0.0))
        else:
            denominator = np.sqrt(np.maximum(own, 0.0)) * norm_x
            cosine = np.divide(dot, denominator, out=np.zeros_like(dot), where=denominator > 0)
            distance = 1.0 - cosine
        return exponential_kernel(distance, self.kernel_width)

    def from_sums(self, Z: np.ndarray, sums: np.ndarray) -> np.ndarray:
        """Weights ``(B, n)`` of masked samples ``Z`` (``n × d``, or ``B × n × d``) from
        :func:`~limette.tensor._inputs.feature_sums` (``B × d × 4``)."""
        xx, xb, bb, diff = (sums[..., j] for j in range(4))
        norm_x = np.sqrt(xx.sum(axis=1))[:, None]
        if Z.ndim == 3:  # one sample matrix per example
            off = 1.0 - Z
            dot = np.einsum("bd,bnd->bn", xx, Z) + np.einsum("bd,bnd->bn", xb, off)
            own = np.einsum("bd,bnd->bn", xx, Z) + np.einsum("bd,bnd->bn", bb, off)
            return self._weights(dot, own, norm_x, np.einsum("bd,bnd->bn", diff, off))
        if _wide.is_wide(Z):  # a block of columns of (bool) Z at a time: Z·a + (1 - Z)·b
            kept = _wide.times(Z, np.concatenate([xx - xb, xx - bb, -diff]).T).T
            B = len(xx)
            dot = kept[:B] + xb.sum(axis=1)[:, None]
            own = kept[B : 2 * B] + bb.sum(axis=1)[:, None]
            return self._weights(dot, own, norm_x, kept[2 * B :] + diff.sum(axis=1)[:, None])
        off = 1.0 - Z
        dot = xx @ Z.T + xb @ off.T
        own = xx @ Z.T + bb @ off.T
        return self._weights(dot, own, norm_x, diff @ off.T)

    def __call__(self, original: Any, perturbed: Any, interpretable: Any, **kwargs: Any) -> Any:
        originals, perturbations = ti.as_tuple(original), ti.as_tuple(perturbed)
        m = int(perturbations[0].shape[0]) // int(originals[0].shape[0])
        x = np.concatenate([ti.to_numpy(a).reshape(-1) for a in originals])
        p = np.concatenate([ti.to_numpy(a).reshape(m, -1) for a in perturbations], axis=1)
        squared = np.einsum("ij,ij->i", p - x, p - x)
        return self._weights(p @ x, np.einsum("ij,ij->i", p, p), np.sqrt(x @ x), squared)


def get_exp_kernel_similarity_function(
    distance_mode: str = "cosine", kernel_width: float = 1.0
) -> ExpKernelSimilarity:
    """Captum's exponential-kernel similarity function (vectorised over perturbations).

    Examples
    --------
    >>> similarity = get_exp_kernel_similarity_function("euclidean", 2.0)
    >>> similarity.distance_mode, similarity.kernel_width
    ('euclidean', 2.0)
    """
    return ExpKernelSimilarity(distance_mode, kernel_width)


def rows_of(value: Any) -> int:
    return int(ti.as_tuple(value)[0].shape[0])


def forward_values(
    forward_func: Callable[..., Any],
    x: ti.TensorInputs,
    batch: tuple[Any, ...],
    args: Any,
    target: Any,
) -> tuple[np.ndarray, int]:
    """``forward_func`` on a batch of perturbed inputs: its ``target`` outputs as a flat
    NumPy array, and the number of perturbations in the batch."""
    m = rows_of(batch) // x.batch_size
    with no_grad(x.torch):
        out = forward_func(*batch, *ti.expand_args(args, m))
    return ti.to_numpy(ti.select_target(out, target, x.batch_size, "forward_func")), m


def evaluate_forward(
    kind: type,
    predict: Callable[[tuple[Any, ...]], np.ndarray],
    compose: Callable[[np.ndarray], tuple[Any, ...]],
    count: int,
    per_eval: int,
    progress: bool,
) -> np.ndarray:
    """The engine's :func:`evaluate` over ``count`` perturbations named by their index,
    ``per_eval`` to a call of ``predict`` (``forward_func``), with ``kind``'s progress bar
    of those calls when ``progress``."""
    bar = model_call_progress(kind, -(-count // per_eval), progress)

    def counted(batch: tuple[Any, ...]) -> np.ndarray:
        values = predict(batch)
        if bar is not None:
            bar.update(1)
        return values

    try:
        return evaluate(
            counted,
            np.arange(count, dtype=float)[:, None],
            compose,
            classification=True,
            batch_size=per_eval,
            name="forward_func",
        )
    finally:
        if bar is not None:
            bar.close()


def fit_interpretable(model: Any, Z: np.ndarray, Y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Coefficients ``(B, d)`` of ``model`` fitted to ``Z`` (``(B, n, d)`` or shared
    ``(n, d)``), targets ``Y`` (``B × n``) and weights ``W`` (``B × n``)."""
    B = len(Y)
    X = np.broadcast_to(Z, (B, *Z.shape)) if Z.ndim == 2 else Z
    if hasattr(model, "representation"):
        return np.stack([_fit_captum_model(model, X[b], Y[b], W[b]) for b in range(B)])
    surrogate = as_surrogate(model)
    # shared masks and weights; a wide design keeps its n × n solves (no d × d matrix)
    if Z.ndim == 2 and B > 1 and Z.shape[1] <= Z.shape[0] and _shared_rows(W):
        coef = shared_fit(surrogate, Z, W[0], Y)
        if coef is not None:
            return coef
    coef, _ = fit_stacked(surrogate, StackedDesign(X, Y[..., None], np.ascontiguousarray(W)))
    return coef[:, 0, :]


def _shared_rows(W: np.ndarray) -> bool:
    """Whether every row of ``W`` is the first (free for a broadcast row)."""
    return W.strides[0] == 0 or bool((W == W[0]).all())


def _fit_captum_model(model: Any, Z: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Fit a ``captum._utils.models.Model`` (``fit(dataloader)``, ``representation()``)."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    tensors = [torch.from_numpy(np.array(a, dtype=np.float32)) for a in (Z, y, w)]
    model.fit(DataLoader(TensorDataset(*tensors), batch_size=len(Z)))
    return ti.to_numpy(model.representation()).reshape(-1)


class LimeBase:
    """Captum's general LIME: any perturbation, similarity, transforms and surrogate.

    Parameters
    ----------
    forward_func : callable
        The model: ``forward_func(*inputs, *additional_forward_args)``.
    interpretable_model : surrogate
        A limette surrogate (:class:`~limette.Ridge`, :class:`~limette.surrogates.Lasso`,
        ...), a scikit-learn regressor, or a Captum ``Model`` (``fit(dataloader)`` and
        ``representation()``).
    similarity_func : callable
        ``similarity_func(original_input, perturbed_input, interpretable_input, **kwargs)``;
        called with a batch of perturbations and expected to return one weight each
        (a function that returns one number for a batch is called once per perturbation).
    perturb_func : callable or generator function
        ``perturb_func(original_input, **kwargs)`` returning one perturbation, a batch of
        them, or (as a generator) yielding them.
    perturb_interpretable_space : bool
        Whether ``perturb_func`` returns interpretable vectors (``(m, d)``) or inputs.
    from_interp_rep_transform, to_interp_rep_transform : callable or None
        Map interpretable vectors to inputs (needed when sampling in the interpretable
        space), or inputs to interpretable vectors (otherwise); tried on whole batches
        first, then per perturbation.
    random_state : None, int or numpy.random.Generator
        ``None`` (Captum's behaviour): the user's functions draw from torch's global
        generator as they are. A seed: they draw from a fork of it seeded from
        ``random_state`` (the caller's torch random state is restored afterwards).

    Examples
    --------
    >>> import numpy as np
    >>> from limette import LimeBase, Ridge
    >>> forward = lambda x: x @ np.array([2.0, -1.0, 0.5])
    >>> def perturb(original, **kwargs):
    ...     return np.random.default_rng(0).integers(0, 2, size=(200, 3)).astype(float)
    >>> lime = LimeBase(forward, Ridge(alpha=0.0), lambda o, p, z, **k: np.ones(len(z)),
    ...                 perturb, True, lambda z, o, **k: z * o, None)
    >>> lime.attribute(np.ones((1, 3)), n_samples=200).round(6).tolist()
    [[2.0, -1.0, 0.5]]
    """

    def __init__(
        self,
        forward_func: Callable[..., Any],
        interpretable_model: Any,
        similarity_func: Callable[..., Any],
        perturb_func: Any,
        perturb_interpretable_space: bool,
        from_interp_rep_transform: Callable[..., Any] | None,
        to_interp_rep_transform: Callable[..., Any] | None,
        random_state: RandomState = None,
    ) -> None:
        if perturb_interpretable_space and from_interp_rep_transform is None:
            raise InputError(
                "from_interp_rep_transform is needed when perturb_interpretable_space=True"
            )
        if not perturb_interpretable_space and to_interp_rep_transform is None:
            raise InputError(
                "to_interp_rep_transform is needed when perturb_interpretable_space=False"
            )
        if not callable(forward_func):
            raise InputError(f"forward_func must be callable; got {type(forward_func).__name__}")
        self.forward_func = forward_func
        self.interpretable_model = interpretable_model
        self.similarity_func = similarity_func
        self.perturb_func = perturb_func
        self.perturb_interpretable_space = perturb_interpretable_space
        self.from_interp_rep_transform = from_interp_rep_transform
        self.to_interp_rep_transform = to_interp_rep_transform
        self.random_state = random_state

    def attribute(
        self,
        inputs: Any,
        target: Any = None,
        additional_forward_args: Any = None,
        n_samples: int = 50,
        perturbations_per_eval: int = 1,
        show_progress: bool = False,
        random_state: RandomState = None,
        **kwargs: Any,
    ) -> Any:
        """Fit the interpretable model around ``inputs``; return its representation.

        ``kwargs`` go to the perturbation, similarity and transform functions. Returns
        the surrogate's coefficients ``(1, d)`` as the inputs' kind, or a Captum model's
        ``representation()``.
        """
        if holds_jax(inputs):
            from ._jax_path import attribute_base

            return attribute_base(
                self,
                inputs,
                target,
                additional_forward_args,
                n_samples,
                perturbations_per_eval,
                show_progress,
                random_state,
                kwargs,
            )
        x = ti.format_inputs(inputs)
        given = self.random_state if random_state is None else random_state
        Z, y, w = self._neighbourhood(
            x,
            ti.check_target(target, x.batch_size),
            additional_forward_args,
            check_positive_int(n_samples, "n_samples"),
            check_positive_int(perturbations_per_eval, "perturbations_per_eval"),
            show_progress,
            given,
            kwargs,
        )
        if hasattr(self.interpretable_model, "representation"):
            _fit_captum_model(self.interpretable_model, Z, y, w)
            return self.interpretable_model.representation()
        coef = fit_interpretable(self.interpretable_model, Z, y[None], w[None])
        return ti.like(coef, x.reference, x.reference.dtype if x.torch else None)

    def attribute_future(self) -> Any:
        """Not implemented (as in Captum): raises ``NotImplementedError``."""
        raise NotImplementedError(f"attribute_future is not implemented for {type(self).__name__}")

    # ---------------------------------------------------------------- general path
    def _neighbourhood(
        self,
        x: ti.TensorInputs,
        target: Any,
        args: Any,
        n: int,
        per_eval: int,
        progress: bool,
        random_state: RandomState,
        kwargs: dict[str, Any],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draw ``n`` perturbations with the user's functions; return ``Z``, ``y``, ``w``."""
        original = x.output(x.arrays)
        interps, inputs, weights = self._draw(x, original, n, random_state, kwargs)
        stacked = tuple(concat_inputs([chunk[j] for chunk in inputs]) for j in range(len(x.arrays)))
        size = x.batch_size

        def compose(rows: np.ndarray) -> tuple[Any, ...]:
            start, stop = int(rows[0, 0]) * size, (int(rows[-1, 0]) + 1) * size
            return tuple(a[start:stop] for a in stacked)

        def predict(batch: tuple[Any, ...]) -> np.ndarray:
            values, m = forward_values(self.forward_func, x, batch, args, target)
            if values.size != m:
                raise ModelOutputError(
                    f"forward_func returned {values.size} values for {m} perturbations; "
                    "expected one per perturbation (pick one output with target=; "
                    "perturbations_per_eval must be 1 when it returns one value per batch)"
                )
            return values.reshape(m, 1)

        count = sum(len(z) for z in interps)
        outputs = evaluate_forward(type(self), predict, compose, count, per_eval, progress)
        return np.concatenate(interps), outputs[:, 0], np.concatenate(weights)

    def _draw(
        self,
        x: ti.TensorInputs,
        original: Any,
        n: int,
        random_state: RandomState,
        kwargs: dict[str, Any],
    ) -> tuple[list[np.ndarray], list[tuple[Any, ...]], list[np.ndarray]]:
        interps: list[np.ndarray] = []
        inputs: list[tuple[Any, ...]] = []
        weights: list[np.ndarray] = []
        count = 0
        with seeded_torch(random_state):
            generator = (
                self.perturb_func(original, **kwargs)
                if inspect.isgeneratorfunction(self.perturb_func)
                else None
            )
            while count < n:
                try:
                    drawn = (
                        next(generator)
                        if generator is not None
                        else self.perturb_func(original, **kwargs)
                    )
                except StopIteration:
                    break
                interp, model_input = self._convert(drawn, original, x, kwargs)
                m = min(rows_of(interp), n - count)
                interp = interp[:m]
                model_input = tuple(a[: m * x.batch_size] for a in model_input)
                weights.append(self._similarity(original, model_input, interp, x, kwargs))
                interps.append(ti.to_numpy(interp).reshape(m, -1))
                inputs.append(model_input)
                count += m
        if not interps:
            raise InputError("perturb_func produced no perturbations")
        return interps, inputs, weights

    def _convert(
        self, drawn: Any, original: Any, x: ti.TensorInputs, kwargs: dict[str, Any]
    ) -> tuple[Any, tuple[Any, ...]]:
        if self.perturb_interpretable_space:
            interp = drawn if drawn.ndim > 1 else drawn.reshape(1, -1)
            m = rows_of(interp)
            transform: Any = self.from_interp_rep_transform
            out = transform(interp, original, **kwargs)
            if rows_of(out) != m * x.batch_size and m > 1:
                out = x.output(
                    tuple(
                        concat_inputs(list(p))
                        for p in zip(
                            *(
                                ti.as_tuple(transform(interp[i : i + 1], original, **kwargs))
                                for i in range(m)
                            )
                        )
                    )
                )
            return interp, ti.as_tuple(out)
        model_input = ti.as_tuple(drawn)
        m = rows_of(model_input) // x.batch_size
        given = x.output(model_input)
        to_interp: Any = self.to_interp_rep_transform
        interp = to_interp(given, original, **kwargs)
        if rows_of(interp) != m:
            parts = [
                to_interp(
                    x.output(
                        tuple(a[i * x.batch_size : (i + 1) * x.batch_size] for a in model_input)
                    ),
                    original,
                    **kwargs,
                )
                for i in range(m)
            ]
            interp = concat_inputs([p if p.ndim > 1 else p.reshape(1, -1) for p in parts])
        return interp, model_input

    def _similarity(
        self,
        original: Any,
        model_input: tuple[Any, ...],
        interp: Any,
        x: ti.TensorInputs,
        kwargs: dict[str, Any],
    ) -> np.ndarray:
        m = rows_of(interp)
        weights = ti.to_numpy(
            self.similarity_func(original, x.output(model_input), interp, **kwargs)
        ).reshape(-1)
        if weights.size == m:
            return weights
        if weights.size != 1:
            raise ModelOutputError(
                f"similarity_func returned {weights.size} weights for {m} perturbations"
            )
        size = x.batch_size
        return np.concatenate(
            [
                ti.to_numpy(
                    self.similarity_func(
                        original,
                        x.output(tuple(a[i * size : (i + 1) * size] for a in model_input)),
                        interp[i : i + 1],
                        **kwargs,
                    )
                ).reshape(-1)
                for i in range(m)
            ]
        )
