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

from ._design import StackedDesign, WeightedDesign
from ._validation import warn_unconverged
from .engine.wide_fits import constrained_lstsq_kernel, lasso_working_set
from .errors import InputError

__all__ = [
    "ConstrainedLeastSquares",
    "Lasso",
    "LinearFit",
    "Ridge",
    "SklearnSurrogate",
    "Surrogate",
    "as_surrogate",
    "fit_stacked",
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


def label_groups(selected: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
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
        for features, targets in label_groups(selected):
            if features.size:
                solution = design.ridge(self.alpha, features, targets)
                coef[np.ix_(targets, features)] = solution.T
                if std is not None:
                    block = ridge_std(design, self.alpha, features, targets, solution)
                    std[np.ix_(targets, features)] = block.T
        return LinearFit(coef, design.y_mean - coef @ design.x_mean, std)

    def fit_stacked(self, design: StackedDesign) -> tuple[np.ndarray, np.ndarray]:
        """Every design of a stack on all its features: coefficients ``(B, k, d)``, intercepts."""
        A = design.gram + self.alpha * np.eye(design.gram.shape[-1])
        coef = _solve(A, design.cross).transpose(0, 2, 1)
        return coef, design.y_mean - np.einsum("bkd,bd->bk", coef, design.x_mean)


def ridge_std(
    design: WeightedDesign,
    alpha: float,
    features: np.ndarray,
    targets: np.ndarray,
    solution: np.ndarray,
) -> np.ndarray:
    """Standard errors of weighted ridge coefficients (Visani et al. 2020).

    ``σ² (G + αI)⁻¹ G (G + αI)⁻¹`` with ``σ²`` the weighted residual sum of squares over
    ``n - p - 1``; returns ``(len(features), len(targets))``. More features than samples
    are answered from the Gram matrix's non-zero eigenpairs (``Σⱼ vᵢⱼ² λⱼ / (λⱼ + α)²``).
    """
    if design.wide and len(features) > design.X.shape[0]:
        eigen, vectors, _ = design.spectrum(features)
        if alpha == 0:  # the pseudo-inverse's cut-off
            eigen = np.where(eigen > 1e-15 * eigen.max(initial=0.0), eigen, np.inf)
        variance = (vectors * vectors) @ (eigen / (eigen + alpha) ** 2)
    else:
        gram = design.gram_block(features)
        inverse = np.linalg.pinv(gram + alpha * np.eye(len(features)), hermitian=True)
        variance = np.einsum("ij,jk,ki->i", inverse, gram, inverse)
    dof = max(design.X.shape[0] - len(features) - 1, 1)
    sigma2 = design.residual_sum_of_squares(solution, features, targets) / dof
    return np.sqrt(np.maximum(np.outer(variance, sigma2), 0.0))


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A⁻¹ b`` for a stack of systems; the pseudo-inverse where one is singular."""
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(A, hermitian=True) @ b)


def _lasso_gram(
    gram: np.ndarray,
    cross: np.ndarray,
    total: np.ndarray,
    weight_sum: np.ndarray,
    alpha: float,
    max_iter: int,
    tol: float,
) -> np.ndarray:
    """Weighted lasso coefficients ``(B, d, k)`` from centred moments, by accelerated
    proximal gradient (FISTA with adaptive restart) stopped on the duality gap."""
    G = gram / weight_sum[:, None, None]
    c = cross / weight_sum[:, None, None]
    yy = total / weight_sum[:, None]
    step = 1.0 / np.maximum(np.linalg.eigvalsh(G)[:, -1], 1e-12)[:, None, None]
    coef = np.zeros_like(c)
    z, t = coef, np.ones((1, 1, c.shape[-1]))
    active = np.ones((len(c), 1, c.shape[-1]), dtype=bool)
    for iteration in range(max_iter):
        moved = z - step * (G @ z - c)
        new = np.sign(moved) * np.maximum(np.abs(moved) - alpha * step, 0.0)
        restart = np.einsum("bdk,bdk->bk", z - new, new - coef)[:, None, :] > 0
        t_new = np.where(restart, 1.0, (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0)
        z_new = np.where(restart, new, new + ((t - 1.0) / t_new) * (new - coef))
        # a solved problem stops moving, so no problem depends on the others in the stack
        coef, z, t = (np.where(active, a, b) for a, b in ((new, coef), (z_new, z), (t_new, t)))
        if iteration % 10 == 9 or iteration == max_iter - 1:
            active &= ~(_lasso_gap(G, c, yy, coef, alpha) <= tol * yy)[:, None, :]
            if not active.any():
                break
    else:
        warn_unconverged(max_iter, "iterations")
    return coef


def _lasso_gap(
    G: np.ndarray, c: np.ndarray, yy: np.ndarray, coef: np.ndarray, alpha: float
) -> np.ndarray:
    """Duality gap ``(B, k)`` of the lasso ``½‖y - Xb‖² + α‖b‖₁`` (weights normalised)."""
    Gb = G @ coef
    bc = np.einsum("bdk,bdk->bk", coef, c)
    residual = np.maximum(yy - 2.0 * bc + np.einsum("bdk,bdk->bk", coef, Gb), 0.0)
    correlation = np.abs(c - Gb).max(axis=1)
    scale = np.minimum(1.0, alpha / np.maximum(correlation, 1e-300))
    primal = 0.5 * residual + alpha * np.abs(coef).sum(axis=1)
    dual = scale * (yy - bc) - 0.5 * scale * scale * residual
    return np.asarray(primal - dual)


@dataclass(frozen=True)
class Lasso:
    """Weighted lasso with intercept: scikit-learn's ``Lasso(alpha)`` with ``sample_weight``.

    Minimises ``Σ w (y - b₀ - x·b)² / (2 Σ w) + alpha ‖b‖₁`` (Captum's default surrogate
    is ``alpha=0.01``), for every label and every design of a stack at once.

    Examples
    --------
    >>> import numpy as np
    >>> from limette._design import WeightedDesign
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X + 1
    >>> fit = Lasso(alpha=0.1).fit(WeightedDesign(X, y, np.ones(4)), np.ones((1, 1), bool))
    >>> fit.coef.round(4).tolist(), fit.intercept.round(4).tolist()
    ([[1.92]], [1.12])
    """

    alpha: float = 1.0
    max_iter: int = 10000
    tol: float = 1e-6

    def __post_init__(self) -> None:
        if not np.isfinite(self.alpha) or self.alpha < 0:
            raise InputError(f"alpha must be a non-negative number; got {self.alpha!r}")

    def _solve(self, gram: Any, cross: Any, total: Any, weight_sum: Any) -> np.ndarray:
        return _lasso_gram(gram, cross, total, weight_sum, self.alpha, self.max_iter, self.tol)

    def fit(self, design: WeightedDesign, selected: np.ndarray) -> LinearFit:
        coef = np.zeros(selected.shape)
        for features, targets in label_groups(selected):
            if features.size and design.wide and len(features) > design.X.shape[0]:
                coef[np.ix_(targets, features)] = lasso_working_set(
                    design, features, targets, self.alpha, self.tol, self.max_iter
                ).T
            elif features.size:
                gram = design.gram[np.ix_(features, features)][None]
                cross = design.cross[np.ix_(features, targets)][None]
                total = design.total_sum_of_squares[targets][None]
                solved = self._solve(gram, cross, total, np.array([design.w.sum()]))
                coef[np.ix_(targets, features)] = solved[0].T
        return LinearFit(coef, design.y_mean - coef @ design.x_mean)

    def fit_stacked(self, design: StackedDesign) -> tuple[np.ndarray, np.ndarray]:
        """Every design of a stack on all its features: coefficients ``(B, k, d)``, intercepts."""
        solved = self._solve(
            design.gram, design.cross, design.total_sum_of_squares, design.weight_sum
        )
        coef = solved.transpose(0, 2, 1)
        return coef, design.y_mean - np.einsum("bkd,bd->bk", coef, design.x_mean)


def _constrained_lstsq(
    X: np.ndarray, Y: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Least squares through the empty and the full coalition, for a stack of designs."""
    empty, full, y0, y1 = _anchors(X, Y)
    inner = w * ~(empty | full)
    d = X.shape[-1]
    A = (X * inner[..., None]).transpose(0, 2, 1) @ X
    rhs = (X * inner[..., None]).transpose(0, 2, 1) @ (Y - y0[:, None, :])
    scale = np.maximum(np.trace(A, axis1=1, axis2=2) / d, 1e-300)[:, None, None]
    kkt = np.zeros((len(A), d + 1, d + 1))
    kkt[:, :d, :d] = A / scale
    kkt[:, :d, d] = kkt[:, d, :d] = 1.0
    solution = _solve(kkt, np.concatenate([rhs / scale, (y1 - y0)[:, None, :]], axis=1))
    return solution[:, :d].transpose(0, 2, 1), y0


def _anchors(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The empty and full samples of a stack (``B × n`` masks) and their mean targets."""
    empty, full = (X == 0).all(axis=-1), (X == 1).all(axis=-1)
    if not (empty.any(axis=-1).all() and full.any(axis=-1).all()):
        raise InputError(
            "ConstrainedLeastSquares needs the empty (all 0) and the full (all 1) sample "
            "among the samples of every design"
        )
    y0 = np.einsum("bn,bnk->bk", empty, Y) / empty.sum(axis=-1)[:, None]
    y1 = np.einsum("bn,bnk->bk", full, Y) / full.sum(axis=-1)[:, None]
    return empty, full, y0, y1


@dataclass(frozen=True)
class ConstrainedLeastSquares:
    """Weighted least squares that passes exactly through the empty and full samples.

    The intercept is the target at the all-zero sample and the coefficients sum to the
    difference between the all-one and the all-zero sample (Kernel SHAP's efficiency
    constraint); the other samples are fitted by weighted least squares under that
    constraint. Both anchor samples must be among the samples. With more features than
    samples the shortest such solution is found from the ``n × n`` kernel of the samples.

    Examples
    --------
    >>> import numpy as np
    >>> from limette._design import WeightedDesign
    >>> X = np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> y = np.array([[3.0], [0.0], [1.0], [1.0]])
    >>> fit = ConstrainedLeastSquares().fit(WeightedDesign(X, y, np.ones(4)), np.ones((1, 2), bool))
    >>> fit.coef.round(6).tolist(), fit.intercept.round(6).tolist()
    ([[1.5, 1.5]], [0.0])
    """

    def fit(self, design: WeightedDesign, selected: np.ndarray) -> LinearFit:
        coef = np.zeros(selected.shape)
        intercept = np.zeros(selected.shape[0])
        for features, targets in label_groups(selected):
            X = design.X[:, features]
            if design.wide and len(features) > len(X):
                empty, full, y0s, y1s = _anchors(X[None], design.Y[None][..., targets])
                rows = np.flatnonzero(~(empty[0] | full[0]))
                y0 = y0s[0]
                solved = constrained_lstsq_kernel(
                    X[rows], design.Y[rows][:, targets] - y0, design.w[rows], (y1s - y0s)[0]
                )
            else:
                stacked, y0s = _constrained_lstsq(
                    X[None], design.Y[None][..., targets], design.w[None]
                )
                solved, y0 = stacked[0], y0s[0]
            coef[np.ix_(targets, features)] = solved
            intercept[targets] = y0
        return LinearFit(coef, intercept)

    def fit_stacked(self, design: StackedDesign) -> tuple[np.ndarray, np.ndarray]:
        """Every design of a stack on all its features: coefficients ``(B, k, d)``, intercepts."""
        return _constrained_lstsq(design.X, design.Y, design.w)


def fit_stacked(surrogate: Surrogate, design: StackedDesign) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``surrogate`` to every design of a stack: coefficients ``(B, k, d)``, intercepts.

    Surrogates with a ``fit_stacked`` method solve the whole stack in batched linear
    algebra; any other surrogate, and every surrogate when features outnumber samples
    (the ``n × n`` form), is fitted design by design.
    """
    batched = getattr(surrogate, "fit_stacked", None)
    if batched is not None and not design.wide:
        coef, intercept = batched(design)
        return np.asarray(coef), np.asarray(intercept)
    everything = np.ones((design.Y.shape[-1], design.X.shape[-1]), dtype=bool)
    fits = [surrogate.fit(design.design(b), everything) for b in range(len(design.w))]
    return np.stack([f.coef for f in fits]), np.stack([f.intercept for f in fits])


@dataclass(frozen=True)
class SklearnSurrogate:
    """Any scikit-learn regressor with ``coef_``/``intercept_``, fitted once per target."""

    estimator: Any

    def fit(self, design: WeightedDesign, selected: np.ndarray) -> LinearFit:
        from sklearn.base import clone  # scikit-learn's import takes most of a second

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
