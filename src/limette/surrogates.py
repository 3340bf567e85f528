"""Interpretable surrogates: weighted linear fits for every label at once.

A surrogate's ``fit(design, selected)`` returns :class:`LinearFit`: coefficients of
shape ``(k, d)`` (zero where a feature was not selected) and intercepts ``(k,)``. Labels
that selected the same features share one multi-target solve of the shared Gram matrix.
Any scikit-learn regressor is accepted through :class:`SklearnSurrogate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from sklearn.base import clone

from ._design import WeightedDesign
from .errors import InputError

__all__ = [
    "LinearFit",
    "Ridge",
    "SklearnSurrogate",
    "Surrogate",
    "as_surrogate",
    "ridge_std",
]


@dataclass(frozen=True, eq=False)
class LinearFit:
    """Coefficients ``(k, d)`` and intercepts ``(k,)`` of a fitted linear surrogate.

    ``coef_std`` holds per-coefficient standard errors when the surrogate knows them.
    """

    coef: np.ndarray
    intercept: np.ndarray
    coef_std: np.ndarray | None = None

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Surrogate predictions ``(n, k)`` on interpretable samples ``X``."""
        return np.asarray(X @ self.coef.T + self.intercept)


@runtime_checkable
class Surrogate(Protocol):
    """Anything that fits a weighted linear model for all targets of a design."""

    def fit(self, design: WeightedDesign, selected: np.ndarray) -> LinearFit:
        """Fit on ``design`` using, for target ``j``, the features ``selected[j]``."""
        ...


def _groups(selected: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group targets by identical feature masks: ``[(features, targets), ...]``."""
    if (selected == selected[0]).all():
        return [(np.flatnonzero(selected[0]), np.arange(len(selected)))]
    masks, inverse = np.unique(selected, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    return [(np.flatnonzero(mask), np.flatnonzero(inverse == i)) for i, mask in enumerate(masks)]


@dataclass(frozen=True)
class Ridge:
    """Weighted ridge regression with intercept, solved in closed form.

    The same model as scikit-learn's ``Ridge(alpha)`` fitted with ``sample_weight``
    (lime's default surrogate is ``alpha=1``); ``alpha=0`` is ordinary weighted least
    squares. With ``compute_std=True`` the fit also reports each coefficient's standard
    error (:func:`ridge_std`), as used by Visani et al.'s stability indices.

    Examples
    --------
    >>> import numpy as np
    >>> from limette._design import WeightedDesign
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X + 1
    >>> fit = Ridge(alpha=0).fit(WeightedDesign(X, y, np.ones(4)), np.ones((1, 1), bool))
    >>> fit.coef.round(6).tolist(), fit.intercept.round(6).tolist()
    ([[2.0]], [1.0])
    """

    alpha: float = 1.0
    compute_std: bool = False

    def fit(self, design: WeightedDesign, selected: np.ndarray) -> LinearFit:
        coef = np.zeros(selected.shape)
        std = np.zeros(selected.shape) if self.compute_std else None
        for features, targets in _groups(selected):
            if features.size:
                solution = design.ridge(self.alpha, features, targets)
                coef[np.ix_(targets, features)] = solution.T
                if std is not None:
                    block = ridge_std(design, self.alpha, features, targets, solution)
                    std[np.ix_(targets, features)] = block.T
        return LinearFit(coef, design.y_mean - coef @ design.x_mean, std)


def ridge_std(
    design: WeightedDesign,
    alpha: float,
    features: np.ndarray,
    targets: np.ndarray,
    solution: np.ndarray,
) -> np.ndarray:
    """Standard errors of weighted ridge coefficients (Visani et al. 2020).

    ``σ² (G + αI)⁻¹ G (G + αI)⁻¹`` with ``σ²`` the weighted residual sum of squares over
    ``n - p - 1``; returns ``(len(features), len(targets))``.
    """
    gram = design.gram[np.ix_(features, features)]
    inverse = np.linalg.pinv(gram + alpha * np.eye(len(features)), hermitian=True)
    variance = np.einsum("ij,jk,ki->i", inverse, gram, inverse)
    dof = max(design.X.shape[0] - len(features) - 1, 1)
    sigma2 = design.residual_sum_of_squares(solution, features, targets) / dof
    return np.sqrt(np.maximum(np.outer(variance, sigma2), 0.0))


@dataclass(frozen=True)
class SklearnSurrogate:
    """Any scikit-learn regressor with ``coef_``/``intercept_``, fitted once per target."""

    estimator: Any

    def fit(self, design: WeightedDesign, selected: np.ndarray) -> LinearFit:
        coef = np.zeros(selected.shape)
        intercept = np.zeros(selected.shape[0])
        for target, mask in enumerate(selected):
            model = clone(self.estimator)
            model.fit(design.X[:, mask], design.Y[:, target], sample_weight=design.w)
            coef[target, mask] = np.ravel(model.coef_)
            intercept[target] = float(np.ravel(model.intercept_)[0])
        return LinearFit(coef, intercept)


def as_surrogate(model_regressor: Any) -> Surrogate:
    """The surrogate for a ``model_regressor`` argument (``None`` means ``Ridge(alpha=1)``)."""
    if model_regressor is None:
        return Ridge(alpha=1.0)
    if hasattr(model_regressor, "fit") and hasattr(model_regressor, "get_params"):
        return SklearnSurrogate(model_regressor)
    if isinstance(model_regressor, Surrogate):
        return model_regressor
    raise InputError(
        "model_regressor must be None, a limette surrogate or a scikit-learn regressor with "
        f"coef_ and intercept_; got {type(model_regressor).__name__}"
    )
