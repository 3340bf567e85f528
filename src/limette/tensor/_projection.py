"""One weighted least-squares projection for a batch of examples that share their masks.

When every example of a batch has the same interpretable samples ``Z`` (``n × d``) and the
same weights (Kernel SHAP's weights depend on the coalitions only), a surrogate that is
linear in its targets gives each example's coefficients as ``P y`` with one ``d × n``
projection ``P = A⁻¹ Xᵀ W``: the system ``A`` is built and solved once, and the ``B``
examples enter as one ``d × n`` by ``n × B`` product and ``B`` right-hand sides, instead
of ``B`` fits. Ridge (any ``alpha``, ``0`` being weighted least squares) and
:class:`~limette.surrogates.ConstrainedLeastSquares` (Kernel SHAP's) are linear so; any
other surrogate (the lasso) is fitted example by example as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..surrogates import ConstrainedLeastSquares, Ridge


def shared_fit(surrogate: Any, Z: np.ndarray, w: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
    """Coefficients ``(B, d)`` for the targets ``Y`` (``B × n``) of examples sharing ``Z`` and
    ``w``; ``None`` when the surrogate is not linear in its targets (or reports more than
    coefficients). The system is built once; the examples enter only through one
    ``d × n`` by ``n × B`` product and the solve's ``B`` right-hand sides."""
    if isinstance(surrogate, Ridge) and not surrogate.compute_std:
        return _ridge(Z, w, Y, surrogate.alpha)
    if isinstance(surrogate, ConstrainedLeastSquares):
        return _constrained(Z, w, Y)
    return None


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.asarray(np.linalg.solve(A, b))
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(A, hermitian=True) @ b)


def _ridge(Z: np.ndarray, w: np.ndarray, Y: np.ndarray, alpha: float) -> np.ndarray:
    """``(Xcᵀ W Xc + αI)⁻¹ Xcᵀ W y``: centring ``y`` is not needed, ``Xcᵀ W 1 = 0``."""
    root = np.sqrt(w) if w.min() >= 0 else None
    xc = Z - (w @ Z) / w.sum()
    if root is None:
        weighted = xc * w[:, None]
        A = weighted.T @ xc
    else:  # Sᵀ S for S = sqrt(W) Xc: BLAS syrk, half a general product
        scaled = xc * root[:, None]
        A = scaled.T @ scaled
        weighted = scaled * root[:, None]
    A += alpha * np.eye(Z.shape[1])
    return _solve(A, weighted.T @ Y.T).T


def _constrained(Z: np.ndarray, w: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
    """Kernel SHAP's solution through the empty and full samples: ``y0 = eᵀy/|e|``,
    ``y1 = fᵀy/|f|``, and the KKT system of the other samples, for every ``y`` at once."""
    empty, full = (Z == 0).all(axis=1), (Z == 1).all(axis=1)
    if not (empty.any() and full.any()):
        return None  # the per-example fit reports the error
    d = Z.shape[1]
    weighted = Z * (w * ~(empty | full))[:, None]
    A = weighted.T @ Z
    scale = max(float(np.trace(A)) / d, 1e-300)
    y0 = Y @ (empty / empty.sum())
    y1 = Y @ (full / full.sum())
    rhs = np.empty((d + 1, len(Y)))
    rhs[:d] = (weighted.T @ Y.T - np.outer(weighted.sum(axis=0), y0)) / scale
    rhs[d] = y1 - y0
    kkt = np.zeros((d + 1, d + 1))
    kkt[:d, :d] = A / scale
    kkt[:d, d] = kkt[d, :d] = 1.0
    return _solve(kkt, rhs)[:d].T
