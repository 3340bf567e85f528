"""One weighted least-squares projection for a batch of examples that share their masks.

When every example of a batch has the same interpretable samples ``Z`` (``n × d``) and the
same weights (Kernel SHAP's weights depend on the coalitions only), a surrogate that is
linear in its targets gives each example's coefficients as ``P y`` with one ``d × n``
projection ``P = A⁻¹ Xᵀ W``: the system ``A`` is built and solved once, and the ``B``
examples enter as one ``B × n`` by ``n × d`` product (their targets times the weighted
samples) and ``B`` right-hand sides, instead of ``B`` fits. Ridge (any ``alpha``, ``0``
being weighted least squares) and :class:`~limette.surrogates.ConstrainedLeastSquares`
(Kernel SHAP's) are linear so; any other surrogate (the lasso) is fitted example by
example as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..surrogates import ConstrainedLeastSquares, Ridge


def shared_fit(surrogate: Any, Z: np.ndarray, w: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
    """Coefficients ``(B, d)`` for the targets ``Y`` (``B × n``) of examples sharing ``Z`` and
    ``w``; ``None`` when the surrogate is not linear in its targets (or reports more than
    coefficients). The system is built and solved once; the examples enter only through
    one ``B × n`` by ``n × (d + c)`` product (their moments, ``c ≤ 2``) and a
    ``(d + c) × d`` map of those moments to coefficients."""
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
    """``(Xcᵀ W Xc + αI)⁻¹ Xcᵀ W y`` for every ``y`` (centring ``y`` is not needed,
    ``Xcᵀ W 1 = 0``): one product ``Y (W Xc)`` for the batch, then one solve with the
    ``B`` moments as right-hand sides."""
    xc = Z - (w @ Z) / w.sum()
    weighted = xc * w[:, None]
    A = weighted.T @ xc
    A[np.diag_indices(Z.shape[1])] += alpha
    return _solve(A, (Y @ weighted).T).T


def _constrained(Z: np.ndarray, w: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
    """Kernel SHAP's solution through the empty and full samples for every ``y`` at once.

    Each example enters through its moments ``m = yᵀ [W Z, e/|e|, f/|f|]`` (``Zᵀ W y`` of
    the inner samples, ``y0 = eᵀy/|e|`` and ``y1 = fᵀy/|f|``), one product for the batch.
    The KKT system's right-hand side is linear in ``m``, so the system is solved once for
    that map (``d + 2`` columns, as many as one example needs) and each example's
    coefficients are ``G m``."""
    n, d = Z.shape
    empty, full = ~Z.any(axis=1), (Z == 1).all(axis=1)
    n_empty, n_full = np.count_nonzero(empty), np.count_nonzero(full)
    if not (n_empty and n_full):
        return None  # the per-example fit reports the error
    inner = np.where(empty | full, 0.0, w)
    basis = np.empty((n, d + 2))
    weighted = basis[:, :d]
    np.multiply(Z, inner[:, None], out=weighted)
    basis[:, d] = empty / n_empty
    basis[:, d + 1] = full / n_full
    A = weighted.T @ Z
    scale = max(float(np.trace(A)) / d, 1e-300)
    kkt = np.empty((d + 1, d + 1))
    kkt[:d, :d] = A / scale
    kkt[:d, d] = kkt[d, :d] = 1.0
    kkt[d, d] = 0.0
    # rhs = L m: (Zᵀ W y - y0 Zᵀ W 1) / scale over y1 - y0
    to_rhs = np.zeros((d + 1, d + 2))
    to_rhs[np.arange(d), np.arange(d)] = 1.0 / scale
    to_rhs[:d, d] = -(inner @ Z) / scale
    to_rhs[d, d], to_rhs[d, d + 1] = -1.0, 1.0
    projection = _solve(kkt, to_rhs)[:d]  # d × (d + 2)
    return np.asarray((Y @ basis) @ projection.T)
