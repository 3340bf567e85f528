"""Solvers for wide designs (features outnumber samples) that need only ``n``-sized products.

:func:`lasso_working_set` is the wide form of :class:`limette.surrogates.Lasso`, and
:func:`constrained_lstsq_kernel` of :class:`limette.surrogates.ConstrainedLeastSquares`;
both read the samples through :mod:`limette.engine.wide`, a block of columns at a time.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._design import WeightedDesign
from .._validation import warn_unconverged
from .wide import outer_gram, transposed_times

__all__ = ["constrained_lstsq_kernel", "duality_gap", "lasso_working_set"]

#: Most rounds of the working-set lasso.
_ROUNDS = 100

#: The working set's tolerance as a fraction of the whole problem's last duality gap.
_INNER = 0.3


def duality_gap(
    residual: np.ndarray,
    response: np.ndarray,
    correlation: np.ndarray,
    coef: np.ndarray,
    penalty: float,
) -> float:
    """Duality gap of ``½‖r - A b‖² + penalty ‖b‖₁`` at ``b`` from its residual ``r - A b``
    and correlations ``Aᵀ(r - A b)`` (the residual, rescaled into the dual's box, is the
    dual point: scikit-learn's gap)."""
    squared = float(residual @ residual)
    largest = float(np.abs(correlation).max(initial=0.0))
    scale = min(1.0, penalty / largest) if largest > 0 else 1.0
    primal = 0.5 * squared + penalty * float(np.abs(coef).sum())
    dual = scale * float(response @ residual) - 0.5 * scale * scale * squared
    return primal - dual


def lasso_working_set(
    design: WeightedDesign,
    features: np.ndarray,
    targets: np.ndarray,
    alpha: float,
    tol: float,
    max_iter: int,
) -> np.ndarray:
    """Weighted lasso coefficients ``(len(features), len(targets))`` on more features
    than samples, never forming their Gram matrix: ``Σ w (y - b₀ - x·b)² / (2 Σ w) +
    alpha ‖b‖₁`` on the centred design.

    Solves on a working set of features (at first the ``n`` largest correlations) by
    coordinate descent (scikit-learn's ``lasso_path`` on the set's columns of ``√W Xc``,
    warm started, to 0.3 times the last gap, at least ``tol / 10``), then measures the whole
    problem's duality gap with one pass over the samples (``Xcᵀ W r`` for the residual
    ``r``; the residual rescaled into the dual's box is the dual point). It stops when
    that gap is at most ``tol`` times the weighted centred sum of squares of the
    response (scikit-learn's rule); otherwise the next set holds the support and the
    features nearest to (or beyond) ``|Xcᵀ W r| = alpha Σw``, twice the support's size
    (at least ``n``), and the rounds repeat with the solution as their start.
    """
    from sklearn.exceptions import ConvergenceWarning  # 0.9 s to import: only when asked
    from sklearn.linear_model import lasso_path

    n, weight_sum = design.X.shape[0], design.w.sum()
    root = np.sqrt(n / weight_sum)  # scikit-learn divides by n, the weighted lasso by Σw
    penalty = alpha * weight_sum
    cross = design.cross[np.ix_(features, targets)]
    coef = np.zeros((len(features), len(targets)))
    for t, target in enumerate(targets):
        response = design.scaled_response(target)
        square = float(response @ response)
        working = np.sort(np.argsort(-np.abs(cross[:, t]), kind="stable")[:n])
        gap = duality_gap(response, response, cross[:, t], coef[:, t], penalty)
        for _ in range(_ROUNDS):
            inner = max(_INNER * gap / max(square, 1e-300), tol / 10)
            columns = design.scaled_columns(features[working])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                _, path, _ = lasso_path(
                    np.asfortranarray(columns * root),
                    response * root,
                    alphas=[alpha],
                    coef_init=coef[working, t],
                    tol=inner,
                    max_iter=max_iter,
                    precompute=False,
                )
            solution = path[:, 0]
            coef[working, t] = solution
            residual = response - columns @ solution
            explained = design.gram_times(features[working], solution[:, None])[features, 0]
            correlation = cross[:, t] - explained
            gap = duality_gap(residual, response, correlation, solution, penalty)
            if gap <= tol * square:
                break
            support = working[solution != 0]
            closeness = np.abs(correlation)
            closeness[support] = np.inf
            size = min(len(features), max(n, 2 * len(support)))
            working = np.sort(np.argsort(-closeness, kind="stable")[:size])
        else:
            warn_unconverged(_ROUNDS, "working-set rounds")
    return coef


def constrained_lstsq_kernel(
    X: np.ndarray, R: np.ndarray, w: np.ndarray, delta: np.ndarray
) -> np.ndarray:
    """Shortest ``b`` (``k × d``) minimising ``Σ w (r - x·b)²`` subject to ``1·b = Δ``,
    for ``X`` ``n × d`` with ``d > n`` (Kernel SHAP's fit without its anchor samples;
    ``R`` ``n × k`` the targets less the empty sample's, ``delta`` ``k``).

    Writing ``b = (Δ/d) 1 + u`` with ``u ⊥ 1`` removes the constraint ``1·b = Δ``: the
    residual is ``r - (Δ/d) X 1 - X̃ u`` with the rows of ``X̃`` centred on their
    own means. The shortest ``b`` is the shortest such ``u``, ``X̃ᵀ √W (√W K̃ √W)⁺ √W r``
    with ``K̃ = X̃ X̃ᵀ = X Xᵀ - s sᵀ / d`` (``s`` the row sums): the solution the
    ``(d + 1)``-square KKT system's pseudo-inverse gives, from an ``n × n`` kernel.
    """
    d = X.shape[1]
    sums = np.asarray(X.sum(axis=1), dtype=float)
    root = np.sqrt(np.maximum(w, 0.0))
    kernel = outer_gram(X) - np.outer(sums, sums) / d
    residual = R - np.outer(sums, delta) / d
    scaled = root[:, None] * kernel * root[None, :]
    dual = root[:, None] * (np.linalg.pinv(scaled, hermitian=True) @ (root[:, None] * residual))
    u = transposed_times(X, dual) - np.outer(np.ones(d), sums @ dual) / d
    return np.asarray((u + delta / d).T)
