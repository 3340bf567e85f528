"""Distances from each perturbed sample to the instance, and kernels that turn them into weights.

A distance function maps ``Z`` (``n × d``, first row the instance) to ``n`` distances
from ``Z[0]``; a kernel maps distances and a width to weights. Both work on whole arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import gammaln

from ._validation import check_positive_float, lookup
from .errors import InputError

__all__ = [
    "cosine_distance",
    "euclidean_distance",
    "exponential_kernel",
    "get_distance",
    "get_kernel",
    "lime_kernel",
    "shapley_kernel",
]

Distance = Callable[[np.ndarray], np.ndarray]
Kernel = Callable[[np.ndarray], np.ndarray]


def euclidean_distance(Z: np.ndarray) -> np.ndarray:
    """Euclidean distance of every row of ``Z`` to ``Z[0]``."""
    diff = Z - Z[0]
    return np.sqrt(np.einsum("ij,ij->i", diff, diff))


def cosine_distance(Z: np.ndarray) -> np.ndarray:
    """Cosine distance ``1 - cos`` of every row of ``Z`` to ``Z[0]``.

    A row of zeros has no direction; like scikit-learn's ``pairwise_distances`` it is
    treated as having cosine similarity 0 (distance 1) with everything.
    """
    norms = np.sqrt(np.einsum("ij,ij->i", Z, Z))
    dots = Z @ Z[0]
    denominator = norms * norms[0]
    similarity = np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator > 0)
    return np.clip(1.0 - similarity, 0.0, 2.0)


_DISTANCES: dict[str, Distance] = {
    "euclidean": euclidean_distance,
    "cosine": cosine_distance,
}


def get_distance(metric: str | Callable[..., Any]) -> Distance:
    """A distance function by name (``'euclidean'``, ``'cosine'``, any SciPy ``cdist`` metric)
    or a callable ``f(Z) -> distances to Z[0]``."""
    if callable(metric):
        return metric
    if metric in _DISTANCES:
        return _DISTANCES[metric]
    try:
        cdist(np.zeros((1, 1)), np.zeros((1, 1)), metric=metric)
    except (ValueError, TypeError):
        valid = ", ".join(sorted(_DISTANCES))
        raise InputError(
            f"distance_metric={metric!r} is not known; use {valid}, a SciPy cdist metric "
            "or a callable"
        ) from None
    return partial(_scipy_distance, metric=metric)


def _scipy_distance(Z: np.ndarray, metric: str) -> np.ndarray:
    return cdist(Z, Z[:1], metric=metric)[:, 0]


def lime_kernel(distances: np.ndarray, kernel_width: float) -> np.ndarray:
    """lime's kernel ``sqrt(exp(-d² / w²))``."""
    return np.sqrt(np.exp(-(distances**2) / kernel_width**2))


def exponential_kernel(distances: np.ndarray, kernel_width: float) -> np.ndarray:
    """Captum's exponential kernel ``exp(-d² / (2 w²))``."""
    return np.exp(-(distances**2) / (2.0 * kernel_width**2))


_KERNELS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "lime": lime_kernel,
    "exponential": exponential_kernel,
}


def get_kernel(
    kernel: str | Callable[[np.ndarray, float], np.ndarray] | None, kernel_width: float
) -> Kernel:
    """Bind a kernel (a name, or lime's ``kernel(d, kernel_width)`` callable) to its width."""
    kernel_width = check_positive_float(kernel_width, "kernel_width")
    function: Any = kernel if callable(kernel) else lookup(_KERNELS, kernel or "lime", "kernel")
    return partial(function, kernel_width=kernel_width)


def shapley_kernel(Z: np.ndarray, anchor_weight: float = 1e6) -> np.ndarray:
    """Kernel SHAP's weight of each coalition (row of 0/1 ``Z``, ``n × d``).

    ``(d - 1) / (C(d, s) · s · (d - s))`` for a coalition of ``s`` features; the empty and
    the full coalition (infinite weight in theory) get ``anchor_weight``.
    """
    d = Z.shape[1]
    size = np.rint(Z.sum(axis=1)).astype(int)
    inner = (size > 0) & (size < d)
    safe = np.where(inner, size, 1)
    rest = np.where(inner, d - size, 1)
    log_choose = gammaln(d + 1) - gammaln(safe + 1) - gammaln(rest + 1)
    weights = (d - 1) / (np.exp(log_choose) * safe * rest)
    return np.where(inner, weights, anchor_weight)
