"""One weighted least-squares projection for a batch of examples that share their masks.

When every example of a batch has the same interpretable samples ``Z`` (``n × d``) and the
same weights (Kernel SHAP's weights depend on the coalitions only), a surrogate that is
linear in its targets gives each example's coefficients as ``P y``: the ``d × n``
projection ``P`` is solved once, and a batch of ``B`` examples costs one ``B × n × d``
product instead of ``B`` fits. Ridge (any ``alpha``, ``0`` being weighted least squares) and
:class:`~limette.surrogates.ConstrainedLeastSquares` (Kernel SHAP's) are linear so; any
other surrogate (the lasso) is fitted example by example as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..surrogates import ConstrainedLeastSquares, Ridge


def shared_projection(surrogate: Any, Z: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """``P`` (``d × n``) with coefficients ``P y`` for targets ``y``; ``None`` when the
    surrogate is not linear in its targets (or reports more than coefficients)."""
    if isinstance(surrogate, Ridge) and not surrogate.compute_std:
        return _ridge(Z, w, surrogate.alpha)
    if isinstance(surrogate, ConstrainedLeastSquares):
        return _constrained(Z, w)
    return None


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.asarray(np.linalg.solve(A, b))
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(A, hermitian=True) @ b)


def _ridge(Z: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    """``(Xcᵀ W Xc + αI)⁻¹ Xcᵀ W``: centring ``y`` is not needed, ``Xcᵀ W 1 = 0``."""
    xc = Z - (w @ Z) / w.sum()
    weighted = (xc * w[:, None]).T
    return _solve(weighted @ xc + alpha * np.eye(Z.shape[1]), weighted)


def _constrained(Z: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """The Kernel SHAP solution through the empty and full samples, as a map of ``y``:
    ``y0 = eᵀy/|e|``, ``y1 = fᵀy/|f|``, and the KKT system of the other samples."""
    empty, full = (Z == 0).all(axis=1), (Z == 1).all(axis=1)
    if not (empty.any() and full.any()):
        return None  # the per-example fit reports the error
    n, d = Z.shape
    inner = w * ~(empty | full)
    weighted = (Z * inner[:, None]).T  # d × n
    A = weighted @ Z
    scale = max(float(np.trace(A)) / d, 1e-300)
    e, f = empty / empty.sum(), full / full.sum()
    rhs = np.empty((d + 1, n))
    rhs[:d] = (weighted - np.outer(weighted.sum(axis=1), e)) / scale  # Xᵀ diag(inner) (y - y0)
    rhs[d] = f - e  # y1 - y0
    kkt = np.zeros((d + 1, d + 1))
    kkt[:d, :d] = A / scale
    kkt[:d, d] = kkt[d, :d] = 1.0
    return _solve(kkt, rhs)[:d]
