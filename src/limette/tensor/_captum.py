"""Captum's contract for user callables, shared by ``Lime``, ``LimeBase`` and ``KernelShap``.

Seeds as Captum users expect them (``random_state=None`` draws from torch's global
generator for tensors, NumPy's for arrays, so ``torch.manual_seed`` repeats a run), user
perturbation functions and generators called as Captum calls them (one example at a
time), Captum's own exponential-kernel similarity recognised so that it runs vectorised,
and Captum's progress bar names.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._random import RandomState, resolve_seed
from ..engine.evaluate import progress_bar
from ..errors import InputError
from . import _inputs as ti

__all__ = [
    "attribution_name",
    "captum_kernel_parameters",
    "draw_interpretable",
    "model_call_progress",
    "resolve_tensor_seed",
    "seeded_torch",
]


def resolve_tensor_seed(
    random_state: RandomState, torch_inputs: bool
) -> tuple[np.random.SeedSequence, bool]:
    """The seed of one call and whether the user gave it.

    ``None`` takes the seed from torch's global generator (tensors) or NumPy's (arrays),
    advancing it as Captum's draws would: ``torch.manual_seed(s)`` before a call repeats
    it, and successive calls differ.
    """
    if random_state is not None:
        return resolve_seed(random_state), True
    if torch_inputs:
        import torch

        words = torch.randint(0, 2**62, (2,), dtype=torch.int64).tolist()
    else:
        # Captum-style code seeds NumPy's global generator with random_state=None.
        words = np.random.randint(0, 2**62, size=2, dtype=np.int64).tolist()  # noqa: NPY002
    return np.random.SeedSequence([int(w) for w in words]), False


@contextlib.contextmanager
def seeded_torch(random_state: RandomState) -> Iterator[None]:
    """With an explicit ``random_state``, user functions drawing from torch's global
    generator follow it inside a fork of that generator (the caller's state is restored
    afterwards); with ``None`` they draw from it as they are, as in Captum."""
    if random_state is None:
        yield
        return
    seed = resolve_seed(random_state)
    try:
        import torch
    except ImportError:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed.generate_state(1)[0]))
        yield


def attribution_name(cls: type) -> str:
    """Captum's name of an attribution method: ``KernelShap`` → ``"Kernel Shap"``."""
    name = cls.__name__
    return "".join(c if i == 0 or c.islower() else " " + c for i, c in enumerate(name))


def model_call_progress(cls: type, calls: int, enabled: bool) -> Any:
    """Captum's progress bar: ``"<Name> attribution"`` over the model calls."""
    return progress_bar(calls, enabled, f"{attribution_name(cls)} attribution", "call")


def captum_kernel_parameters(func: Any) -> tuple[str, float] | None:
    """``(distance_mode, kernel_width)`` when ``func`` is what Captum's
    ``get_exp_kernel_similarity_function`` returns, else ``None``."""
    code = getattr(func, "__code__", None)
    if (
        code is None
        or not str(getattr(func, "__module__", "")).startswith("captum.")
        or getattr(func, "__qualname__", "")
        != "get_exp_kernel_similarity_function.<locals>.default_exp_kernel"
    ):
        return None
    try:
        cells = {name: cell.cell_contents for name, cell in zip(code.co_freevars, func.__closure__)}
    except (TypeError, ValueError):  # no closure, or an empty cell
        return None
    mode, width = cells.get("distance_mode"), cells.get("kernel_width")
    if mode not in ("cosine", "euclidean") or not isinstance(width, (int, float)):
        return None
    if not np.isfinite(width) or width <= 0:
        return None
    return str(mode), float(width)


def draw_interpretable(
    perturb_func: Callable[..., Any], original: Any, n: int, d: int, kwargs: dict[str, Any]
) -> np.ndarray:
    """Up to ``n`` interpretable vectors ``(m, d)`` from a Captum-style ``perturb_func``
    (a function returning one vector or a batch of them, or a generator function)."""
    generator = (
        perturb_func(original, **kwargs) if inspect.isgeneratorfunction(perturb_func) else None
    )
    rows: list[np.ndarray] = []
    count = 0
    while count < n:
        if generator is None:
            drawn = perturb_func(original, **kwargs)
        else:
            try:
                drawn = next(generator)
            except StopIteration:
                warnings.warn(
                    f"perturb_func stopped after {count} of n_samples={n} perturbations",
                    stacklevel=4,
                )
                break
        z = ti.to_numpy(drawn)
        if z.size % d or (z.ndim > 1 and z.shape[-1] != d):
            raise InputError(
                f"perturb_func returned shape {z.shape}; expected {d} interpretable features "
                "(1 x num_interp_features)"
            )
        z = z.reshape(-1, d)[: n - count]
        rows.append(z)
        count += len(z)
    if not rows:
        raise InputError("perturb_func produced no perturbations")
    return np.concatenate(rows)
