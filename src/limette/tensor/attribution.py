"""Captum's ``LimeBase``, ``Lime`` and ``KernelShap`` for NumPy arrays and PyTorch tensors.

Same arguments and semantics as ``captum.attr``, built on the engine: perturbations are
drawn for all samples at once from ``random_state``, composed a whole batch at a time by
indexing the feature mask (on the tensors' device), evaluated in calls of
``perturbations_per_eval`` perturbations of every example, weighted from per-feature sums
without building the perturbed inputs twice, and fitted for every example of a batch in
one batched solve. Kernel SHAP is ``Lime`` with the Shapley sampler, the Shapley kernel
and a least-squares surrogate constrained to the efficiency property.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._random import RandomState, instance_generator
from .._validation import check_positive_int, check_sample_memory, warn_few_samples
from ..errors import InputError, ModelOutputError
from ..kernels import shapley_kernel
from ..sampling import BernoulliSampler, Sampler, ShapleySampler, all_coalitions
from ..surrogates import ConstrainedLeastSquares, Lasso
from . import _inputs as ti
from ._captum import (
    captum_kernel_parameters,
    draw_interpretable,
    resolve_tensor_seed,
    seeded_torch,
)
from ._jax_dispatch import holds_jax
from ._lime_base import (
    ExpKernelSimilarity,
    LimeBase,
    evaluate_forward,
    fit_interpretable,
    forward_values,
    get_exp_kernel_similarity_function,
)
from ._units import Units, masked_transform, user_similarity_weights

__all__ = ["KernelShap", "Lime", "LimeBase", "get_exp_kernel_similarity_function"]

#: Input elements per model call when ``perturbations_per_eval`` is not given. On the CPU
#: a tabular neighbourhood of ~4000 rows, or one image of 224² (EfficientNet-Lite0 on a
#: 2-core VM: 200 images took 6.3 s one per call and 8.5 s three per call; see
#: benchmarks/RESULTS.md); on accelerators ~100 such images (larger batches win there; to
#: be measured).
_ELEMENTS_PER_CALL = {"cpu": 2**17, "accelerator": 2**24}


class Lime(LimeBase):
    """LIME for arrays and tensors with Captum's semantics and defaults.

    Interpretable features are groups of input elements (``feature_mask``); a feature
    that is off takes the baseline's values. By default samples keep each feature with
    probability 0.5, are weighted by ``exp(-d² / 2)`` of the cosine distance between the
    original and perturbed input, and fit a weighted lasso with ``alpha=0.01``.

    Parameters
    ----------
    forward_func : callable
        ``forward_func(*inputs, *additional_forward_args)``; NumPy inputs reach it as
        NumPy arrays, tensors as tensors on their device, JAX arrays as JAX arrays on
        theirs (jitted or not; with JAX inputs a mapping of ``additional_forward_args``
        goes by keyword, so ``f(params, x)`` takes ``{"params": params}``).
    interpretable_model : surrogate, optional
        Default ``Lasso(alpha=0.01)``; any limette surrogate, scikit-learn regressor or
        Captum ``Model``.
    similarity_func : callable, optional
        Default ``get_exp_kernel_similarity_function("cosine", 1.0)``; any Captum-style
        ``similarity_func(original, perturbed, interpretable, **kwargs)``, called once per
        perturbation of one example, as Captum does (Captum's own
        ``get_exp_kernel_similarity_function`` and limette's run vectorised).
    perturb_func : Sampler or callable, optional
        Default: Captum's plain Bernoulli(0.5) draws; a limette sampler, or a Captum-style
        function (or generator function) returning binary vectors ``(1, d)``, called per
        example as Captum does. Tensor features are often single elements, thousands of
        them, where building Sobol points costs more than their lower variance saves;
        pass ``BernoulliSampler(0.5)`` for them on grouped features.
    random_state : None, int or numpy.random.Generator
        Seed of the perturbations. ``None`` (Captum's behaviour) draws from torch's global
        generator for tensors (NumPy's for arrays), so ``torch.manual_seed`` repeats a
        run; with tensors the default perturbations are then Captum's own draws. A seed
        gives every example a fresh generator of its own, independent of the batch; user
        functions drawing from torch's generator then follow it inside a fork of it (the
        caller's state is restored).

    Examples
    --------
    >>> import numpy as np
    >>> from limette import Lime
    >>> forward = lambda x: x @ np.array([1.0, 1.0, 3.0, -2.0])
    >>> lime = Lime(forward, random_state=0)
    >>> attributions = lime.attribute(np.ones((1, 4)), feature_mask=np.array([[0, 0, 1, 2]]),
    ...                               n_samples=500)
    >>> attributions.round(1).tolist()
    [[2.0, 2.0, 3.0, -2.0]]
    """

    def __init__(
        self,
        forward_func: Callable[..., Any],
        interpretable_model: Any = None,
        similarity_func: Callable[..., Any] | None = None,
        perturb_func: Sampler | Callable[..., Any] | None = None,
        random_state: RandomState = None,
    ) -> None:
        super().__init__(
            forward_func,
            Lasso(alpha=0.01) if interpretable_model is None else interpretable_model,
            ExpKernelSimilarity() if similarity_func is None else similarity_func,
            BernoulliSampler(0.5, scheme="random") if perturb_func is None else perturb_func,
            True,
            masked_transform,
            None,
            random_state,
        )
        #: Captum's own draws (torch's global generator) when ``random_state`` is None.
        self._default_perturbations = perturb_func is None

    def attribute(  # type: ignore[override]
        self,
        inputs: Any,
        baselines: Any = None,
        target: Any = None,
        additional_forward_args: Any = None,
        feature_mask: Any = None,
        n_samples: int = 25,
        perturbations_per_eval: int | None = None,
        return_input_shape: bool = True,
        show_progress: bool = False,
        random_state: RandomState = None,
    ) -> Any:
        """Attributions of every example of ``inputs``, one surrogate per example.

        Parameters
        ----------
        inputs : array, tensor, or tuple of them
            Examples along the first dimension (the same in every array).
        baselines : number, array or tuple, optional
            What an absent feature becomes (default 0); broadcastable to each input.
        target : int, tuple, or list with one per example, optional
            The output to explain (Captum's rules); None when the model returns one
            value per example.
        additional_forward_args : any, optional
            Extra arguments of ``forward_func``; arrays are repeated per perturbation.
        feature_mask : int array, tensor or tuple, optional
            Feature id of every input element (ids shared across the inputs group their
            elements); by default every scalar of an example is its own feature.
        n_samples : int
            Perturbations per example (Captum's default 25).
        perturbations_per_eval : int, optional
            Perturbations (of every example) per model call; by default as many as fit in
            about 130 thousand input elements on the CPU (sixteen million on a GPU).
        return_input_shape : bool
            Attributions in the inputs' shape, or coefficients ``(B, d)``.
        show_progress : bool
            Progress bar of the model calls (needs tqdm).
        random_state : None, int or numpy.random.Generator, optional
            Overrides the explainer's ``random_state``.

        Raises
        ------
        InputError
            For inputs, baselines, masks or targets that do not fit (every input empty,
            a mask of the wrong shape, ...).

        Returns
        -------
        array, tensor, or tuple of them
            In the inputs' kind, dtype and device. When ``forward_func`` returns one value
            for the whole batch, one surrogate explains the batch (first dimension 1).
        """
        if holds_jax(inputs):
            from ._jax_path import attribute

            return attribute(
                self,
                # Kernel SHAP's coalitions and weights come from its own draw; Lime's
                # samples from its sampler, their weights on device
                self._neighbourhood_masked if isinstance(self, KernelShap) else None,
                fit_interpretable,
                self._vectorised(),
                inputs,
                baselines,
                target,
                additional_forward_args,
                feature_mask,
                n_samples,
                perturbations_per_eval,
                return_input_shape,
                show_progress,
                random_state,
            )
        x = ti.format_inputs(inputs)
        base = ti.format_baselines(baselines, x)
        mask = ti.format_feature_mask(feature_mask, x)
        target = ti.check_target(target, x.batch_size)
        n = check_positive_int(n_samples, "n_samples")
        check_sample_memory(n, mask.n_features, "n_samples")
        given = self.random_state if random_state is None else random_state
        aggregate = self._aggregates(x, target, additional_forward_args)
        if aggregate and perturbations_per_eval not in (None, 1):
            raise InputError(
                "perturbations_per_eval must be 1 when forward_func returns one value for "
                f"the whole batch; got {perturbations_per_eval}"
            )
        per_eval = self._per_eval(perturbations_per_eval, x, n, aggregate)
        units = [slice(None)] if aggregate else [slice(b, b + 1) for b in range(x.batch_size)]
        problem = Units(x, base, mask, units)
        Z, W = self._interpretable_samples(problem, n, given)
        args = additional_forward_args
        outputs = self._evaluate(problem, Z, W, target, args, per_eval, show_progress)
        present = mask.present
        coef = np.zeros((len(units), mask.n_features))
        wide = Z.ndim == 2 and Z.shape[1] > Z.shape[0] and present.all()
        coef[:, present] = fit_interpretable(
            self.interpretable_model,
            Z if wide else Z[..., present],  # no copy of wide samples
            outputs.T,
            W,  # a broadcast when the examples share their weights
        )
        coef[~ti.present_per_example(mask, x.batch_size, aggregate)] = 0.0
        if not return_input_shape:
            dtype = x.reference.dtype if x.torch and x.reference.is_floating_point() else None
            return ti.like(coef, x.reference, dtype)
        return x.output(ti.to_input_shape(coef, x, mask))

    def attribute_future(self) -> Any:
        """Not implemented (as in Captum): raises ``NotImplementedError``."""
        raise NotImplementedError(f"attribute_future is not implemented for {type(self).__name__}")

    # ------------------------------------------------------------------ helpers
    def _vectorised(self) -> bool:
        """Whether the default kinds of perturbation and similarity run (batched, on device)."""
        return isinstance(self.perturb_func, Sampler) and isinstance(
            self.similarity_func, ExpKernelSimilarity
        )

    def _aggregates(self, x: ti.TensorInputs, target: Any, args: Any) -> bool:
        """Whether ``forward_func`` returns one value for the whole batch (Captum's test)."""
        if x.batch_size == 1:
            return False
        size = forward_values(self.forward_func, x, x.arrays, args, target)[0].size
        if size not in (1, x.batch_size):
            raise ModelOutputError(
                f"forward_func returned {size} values for {x.batch_size} examples; expected "
                "one per example (pick one output with target=) or one for the batch"
            )
        return size == 1

    @staticmethod
    def _per_eval(given: int | None, x: ti.TensorInputs, n: int, aggregate: bool) -> int:
        if aggregate:
            return 1
        if given is not None:
            return check_positive_int(given, "perturbations_per_eval")
        elements = sum(int(np.prod(a.shape, dtype=np.int64)) for a in x.arrays)
        on_cpu = not x.torch or x.reference.device.type == "cpu"
        budget = _ELEMENTS_PER_CALL["cpu" if on_cpu else "accelerator"]
        return max(1, min(n, budget // max(elements, 1)))

    def _interpretable_samples(
        self, problem: Units, n: int, random_state: RandomState
    ) -> tuple[np.ndarray, np.ndarray]:
        """``Z`` (``n × d`` shared by the units, or ``units × n × d``) and the weights
        ``W`` (``units × n``; NaN where a user similarity is called on the composed batch).

        With ``random_state=None`` every draw comes from torch's global generator for
        tensors (NumPy's for arrays), as in Captum."""
        d, torch_inputs = problem.mask.n_features, problem.inputs.torch
        if self._default_perturbations and torch_inputs and random_state is None:
            import torch

            # Captum's default perturb_func, one example after another: the same draws
            # as n calls of torch.bernoulli on (1, d) per example.
            keep = torch.bernoulli(torch.full((len(problem.units), n, d), 0.5))
            Z = keep.to(torch.float64).numpy()
        elif isinstance(self.perturb_func, Sampler):
            seed, _ = resolve_tensor_seed(random_state, torch_inputs)
            Z = self.perturb_func.sample(n, d, instance_generator(seed))
        else:
            with seeded_torch(random_state):
                drawn = [
                    draw_interpretable(
                        self.perturb_func, problem.original(u), n, d, problem.kwargs(u)
                    )
                    for u in range(len(problem.units))
                ]
            count = min(len(z) for z in drawn)
            Z = np.stack([z[:count] for z in drawn])
        similarity = self._vectorised_similarity()
        if similarity is None:
            return Z, np.full((len(problem.units), Z.shape[-2]), np.nan)
        return Z, similarity.from_sums(Z, problem.sums())

    def _vectorised_similarity(self) -> ExpKernelSimilarity | None:
        if isinstance(self.similarity_func, ExpKernelSimilarity):
            return self.similarity_func
        parameters = captum_kernel_parameters(self.similarity_func)
        return None if parameters is None else ExpKernelSimilarity(*parameters)

    def _evaluate(
        self,
        problem: Units,
        Z: np.ndarray,
        W: np.ndarray,
        target: Any,
        args: Any,
        per_eval: int,
        progress: bool,
    ) -> np.ndarray:
        """Model outputs ``(n, units)``; fills user similarity weights into ``W``."""
        x, size, n = problem.inputs, problem.inputs.batch_size, Z.shape[-2]
        units = len(problem.units)

        def compose(rows: np.ndarray) -> tuple[Any, ...]:
            index = rows[:, 0].astype(np.intp)
            parts = problem.compose(Z[..., index, :])
            if np.isnan(W[0, index[0]]):
                for u in range(units):
                    W[u, index] = user_similarity_weights(
                        self.similarity_func, problem, u, parts, Z, index
                    )
            return tuple(p.reshape(len(index) * size, *p.shape[2:]) for p in parts)

        def predict(batch: tuple[Any, ...]) -> np.ndarray:
            values, m = forward_values(self.forward_func, x, batch, args, target)
            if values.size != m * units:
                raise ModelOutputError(
                    f"forward_func returned {values.size} values for {m} perturbations of "
                    f"{size} examples; expected {m * units} (pick one output with target=)"
                )
            return values.reshape(m, units)

        return evaluate_forward(type(self), predict, compose, n, per_eval, progress)


class KernelShap(Lime):
    """Kernel SHAP: Shapley values as a weighted linear fit (Lundberg & Lee, 2017).

    Coalitions are drawn with the Shapley kernel's size distribution (in complementary
    pairs with ``paired=True``) and fitted by least squares constrained to efficiency:
    the attributions plus the output at the baseline equal the output at the input.
    When ``2**d <= n_samples`` every coalition is enumerated and weighted by the Shapley
    kernel, which gives the exact Shapley values.

    Parameters
    ----------
    forward_func : callable
    paired : bool
        Antithetic sampling: each coalition is followed by its complement.
    random_state : None, int or numpy.random.Generator

    Examples
    --------
    >>> import numpy as np
    >>> from limette import KernelShap
    >>> forward = lambda x: x[:, 0] * x[:, 1] + x[:, 2]
    >>> shap = KernelShap(forward, random_state=0)
    >>> shap.attribute(np.array([[1.0, 2.0, 3.0]]), n_samples=8).round(6).tolist()
    [[1.0, 1.0, 3.0]]
    """

    def __init__(
        self,
        forward_func: Callable[..., Any],
        paired: bool = True,
        random_state: RandomState = None,
    ) -> None:
        super().__init__(
            forward_func,
            ConstrainedLeastSquares(),
            ExpKernelSimilarity(),
            ShapleySampler(paired=paired),
            random_state,
        )
        self.paired = paired

    def _interpretable_samples(
        self, problem: Units, n: int, random_state: RandomState
    ) -> tuple[np.ndarray, np.ndarray]:
        def seed() -> np.random.SeedSequence:
            return resolve_tensor_seed(random_state, problem.inputs.torch)[0]

        Z, w = self._coalitions(n, problem.mask.n_features, seed)
        return Z, np.broadcast_to(w, (len(problem.units), len(Z)))

    def _coalitions(
        self, n: int, d: int, seed: Callable[[], np.random.SeedSequence]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Coalitions ``Z`` and their weights: every coalition with the Shapley kernel when
        ``2**d <= n``, else ``n`` drawn ones (the seed is resolved only then)."""
        if n < 2:
            raise InputError(
                f"KernelShap needs n_samples >= 2 (the full and the empty coalition); got {n}"
            )
        if d < 63 and 2**d <= n:
            Z = all_coalitions(d)
            return Z, shapley_kernel(Z)
        warn_few_samples(n, d, "n_samples", "KernelShap")
        Z = self.perturb_func.sample(n, d, instance_generator(seed()))
        anchors = (Z.sum(axis=1) == 0) | (Z.sum(axis=1) == d)
        return Z, np.where(anchors, 1e6, 1.0)

    def _neighbourhood_masked(
        self, n: int, d: int, sums: Any, seed: np.random.SeedSequence
    ) -> tuple[np.ndarray, np.ndarray]:
        """The JAX path's draw: coalitions and their weights ``(1, n)`` from ``seed``."""
        Z, w = self._coalitions(n, d, lambda: seed)
        return Z, w[None]
