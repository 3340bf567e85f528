"""The weighted, centred design shared by feature selection and the linear surrogates.

Every weighted least-squares question limette asks about one neighbourhood (which
features to keep, the ridge solution for every label, the R² of a candidate subset) is
answered from the same ``d × d`` Gram matrix and ``d × k`` cross products, computed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True, eq=False)
class WeightedDesign:
    """Samples ``X`` (``n × d``), targets ``Y`` (``n × k``) and weights ``w`` (``n``)."""

    X: np.ndarray
    Y: np.ndarray
    w: np.ndarray

    @cached_property
    def x_mean(self) -> np.ndarray:
        """Weighted mean of each column of ``X``."""
        return np.asarray(self.w @ self.X / self.w.sum())

    @cached_property
    def y_mean(self) -> np.ndarray:
        """Weighted mean of each column of ``Y``."""
        return np.asarray(self.w @ self.Y / self.w.sum())

    @cached_property
    def _root_w(self) -> np.ndarray | None:
        """``sqrt(w)`` when no weight is negative (``None`` otherwise)."""
        return np.sqrt(self.w) if self.w.min() >= 0 else None

    @cached_property
    def _scaled_xc(self) -> np.ndarray:
        """``sqrt(W) Xc`` with non-negative weights, else ``W Xc``."""
        factor = self.w if self._root_w is None else self._root_w
        scaled = self.X - self.x_mean
        scaled *= factor[:, None]
        return scaled

    @cached_property
    def gram(self) -> np.ndarray:
        """``Xcᵀ W Xc``, the weighted centred Gram matrix (``d × d``).

        With non-negative weights it is ``Sᵀ S`` for ``S = sqrt(W) Xc``: NumPy hands a
        product of an array with its own transpose to BLAS ``syrk``, half the work of a
        general product.
        """
        if self._root_w is None:
            return np.asarray(self._scaled_xc.T @ (self.X - self.x_mean))
        return np.asarray(self._scaled_xc.T @ self._scaled_xc)

    @cached_property
    def cross(self) -> np.ndarray:
        """``Xcᵀ W Yc``, the weighted centred cross products (``d × k``)."""
        centred_y = self.Y - self.y_mean
        if self._root_w is not None:
            centred_y = centred_y * self._root_w[:, None]
        return np.asarray(self._scaled_xc.T @ centred_y)

    @cached_property
    def total_sum_of_squares(self) -> np.ndarray:
        """``Σ w (y - ȳ)²`` for each target (``k``)."""
        centred = self.Y - self.y_mean
        return np.asarray(self.w @ (centred * centred))

    @property
    def n_features(self) -> int:
        """Number of interpretable features ``d``."""
        return int(self.X.shape[1])

    def ridge(self, alpha: float, features: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Ridge coefficients on the columns ``features`` for the targets ``targets``.

        Returns an array of shape ``(len(features), len(targets))``; solved with a
        least-squares fallback when the system is singular (``alpha = 0``).
        """
        A = self.gram[np.ix_(features, features)] + alpha * np.eye(len(features))
        b = self.cross[np.ix_(features, targets)]
        try:
            return np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            return np.linalg.lstsq(A, b, rcond=None)[0]

    def residual_sum_of_squares(
        self, coef: np.ndarray, features: np.ndarray, targets: np.ndarray
    ) -> np.ndarray:
        """``Σ w (y - ŷ)²`` of centred fits ``coef`` (``len(features) × len(targets)``).

        Computed from the Gram matrix and cross products alone (no pass over samples).
        """
        gram = self.gram[np.ix_(features, features)]
        cross = self.cross[np.ix_(features, targets)]
        fitted = np.einsum("ft,ft->t", coef, gram @ coef - 2.0 * cross)
        return np.maximum(self.total_sum_of_squares[targets] + fitted, 0.0)


@dataclass(frozen=True, eq=False)
class StackedDesign:
    """``B`` independent weighted designs of equal shape, one per example of a batch.

    ``X`` is ``(B, n, d)`` (a broadcast view when every example shares its samples),
    ``Y`` is ``(B, n, k)`` and ``w`` is ``(B, n)``. The batched counterpart of
    :class:`WeightedDesign`: every moment gains a leading axis of length ``B``.
    """

    X: np.ndarray
    Y: np.ndarray
    w: np.ndarray

    @cached_property
    def weight_sum(self) -> np.ndarray:
        """``Σ w`` of each design (``B``)."""
        return np.asarray(self.w.sum(axis=-1))

    @cached_property
    def x_mean(self) -> np.ndarray:
        """Weighted mean of each column of ``X`` (``B × d``)."""
        return np.asarray(np.einsum("bn,bnd->bd", self.w, self.X) / self.weight_sum[:, None])

    @cached_property
    def y_mean(self) -> np.ndarray:
        """Weighted mean of each column of ``Y`` (``B × k``)."""
        return np.asarray(np.einsum("bn,bnk->bk", self.w, self.Y) / self.weight_sum[:, None])

    @cached_property
    def _xc(self) -> np.ndarray:
        return np.asarray(self.X - self.x_mean[:, None, :])

    @cached_property
    def gram(self) -> np.ndarray:
        """Weighted centred Gram matrices (``B × d × d``)."""
        return np.asarray((self._xc * self.w[..., None]).transpose(0, 2, 1) @ self._xc)

    @cached_property
    def cross(self) -> np.ndarray:
        """Weighted centred cross products (``B × d × k``)."""
        yc = self.Y - self.y_mean[:, None, :]
        return np.asarray((self._xc * self.w[..., None]).transpose(0, 2, 1) @ yc)

    @cached_property
    def total_sum_of_squares(self) -> np.ndarray:
        """``Σ w (y - ȳ)²`` of each target of each design (``B × k``)."""
        yc = self.Y - self.y_mean[:, None, :]
        return np.asarray(np.einsum("bn,bnk->bk", self.w, yc * yc))

    def design(self, b: int) -> WeightedDesign:
        """Design ``b`` on its own."""
        return WeightedDesign(np.asarray(self.X[b]), self.Y[b], self.w[b])
