"""The weighted, centred design shared by feature selection and the linear surrogates.

Every weighted least-squares question limette asks about one neighbourhood (which
features to keep, the ridge solution for every label, the R² of a candidate subset) is
answered from the same ``d × d`` Gram matrix and ``d × k`` cross products, computed once.

When features outnumber samples (``d > n``, a *wide* design) the ``d × d`` matrix is never
formed: questions about all features are answered in the ``n × n`` form from the samples'
kernel ``X Xᵀ`` (``ridge`` through the push-through identity ``(XᵀWX + αI)⁻¹XᵀW =
Xᵀ(WXXᵀ + αI)⁻¹W``, ``spectrum`` from the kernel's eigenvectors), and questions about at
most ``n`` features from those columns alone; memory stays ``O(n·d)`` and ``X`` may hold
its 0/1 samples as ``bool`` (:mod:`limette.engine.wide`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .engine import wide as _wide
from .errors import InputError


@dataclass(frozen=True, eq=False)
class SharedKernel:
    """``X Xᵀ`` of samples ``X``, computed when first asked for."""

    X: np.ndarray

    @cached_property
    def value(self) -> np.ndarray:
        return _wide.outer_gram(self.X)


@dataclass(frozen=True, eq=False)
class WeightedDesign:
    """Samples ``X`` (``n × d``), targets ``Y`` (``n × k``) and weights ``w`` (``n``).

    ``kernel`` computes ``X Xᵀ`` once for designs that share their samples (only wide
    designs use it).
    """

    X: np.ndarray
    Y: np.ndarray
    w: np.ndarray
    kernel: SharedKernel | None = field(default=None, repr=False)

    @property
    def wide(self) -> bool:
        """Whether features outnumber samples (the ``n × n`` form is used)."""
        return _wide.is_wide(self.X)

    @cached_property
    def x_mean(self) -> np.ndarray:
        """Weighted mean of each column of ``X``."""
        if self.wide:
            return _wide.transposed_times(self.X, self.w) / self.w.sum()
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
        general product. A wide design refuses (it would not fit in memory).
        """
        if self.wide:
            raise RuntimeError("a wide design never forms its d × d Gram matrix")
        if self._root_w is None:
            return np.asarray(self._scaled_xc.T @ (self.X - self.x_mean))
        return np.asarray(self._scaled_xc.T @ self._scaled_xc)

    @cached_property
    def cross(self) -> np.ndarray:
        """``Xcᵀ W Yc``, the weighted centred cross products (``d × k``)."""
        if self.wide:
            return self._back(None, self.w[:, None] * (self.Y - self.y_mean))
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
        least-squares fallback when the system is singular (``alpha = 0``). More features
        than samples are solved in the ``n × n`` form (the minimum-norm solution when
        ``alpha = 0``).
        """
        if self.wide and len(features) > self.X.shape[0]:
            return self._dual_ridge(alpha, features, targets)
        A = self.gram_block(features) + alpha * np.eye(len(features))
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
        cross = self.cross[np.ix_(features, targets)]
        if self.wide:
            columns = self._columns(features)
            explained = _wide.times(columns, coef) - self.x_mean[features] @ coef
            fitted = self.w @ (explained * explained) - 2.0 * np.einsum("ft,ft->t", coef, cross)
            return np.maximum(self.total_sum_of_squares[targets] + fitted, 0.0)
        gram = self.gram[np.ix_(features, features)]
        fitted = np.einsum("ft,ft->t", coef, gram @ coef - 2.0 * cross)
        return np.maximum(self.total_sum_of_squares[targets] + fitted, 0.0)

    def reweighted(self, w: np.ndarray) -> WeightedDesign:
        """The same samples and targets with weights ``w`` (sharing ``X Xᵀ``)."""
        return WeightedDesign(self.X, self.Y, w, self._kernel if self.wide else None)

    def predict(self, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        """``X coefᵀ + intercept`` (``n × k``), a block of columns at a time when wide."""
        if self.wide:
            return _wide.times(self.X, coef.T) + intercept
        return np.asarray(self.X @ coef.T + intercept)

    # ------------------------------------------------------------------ blocks
    def gram_block(self, features: np.ndarray) -> np.ndarray:
        """``Xcᵀ W Xc`` on the columns ``features``; a wide design computes it from them."""
        if not self.wide:
            return np.asarray(self.gram[np.ix_(features, features)])
        if self._root_w is None:
            centred = self._centred_columns(features)
            return np.asarray((centred * self.w[:, None]).T @ centred)
        scaled = self.scaled_columns(features)
        return np.asarray(scaled.T @ scaled)

    def scaled_columns(self, features: np.ndarray) -> np.ndarray:
        """``√W Xc`` on the columns ``features`` (``n × len(features)``, float64)."""
        centred = self._centred_columns(features)
        centred *= self._nonnegative_root()[:, None]
        return centred

    def scaled_response(self, target: int) -> np.ndarray:
        """``√W yc`` of one target (``n``)."""
        return np.asarray(self._nonnegative_root() * (self.Y[:, target] - self.y_mean[target]))

    def gram_rows(self, features: np.ndarray) -> np.ndarray:
        """Rows ``features`` of the Gram matrix (``len(features) × d``)."""
        if not self.wide:
            return np.asarray(self.gram[features])
        centred = self._centred_columns(features)
        return self._back(None, self.w[:, None] * centred).T

    def gram_times(self, features: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """``G[:, features] @ coef`` (``d × k``) for ``coef`` of ``len(features) × k``."""
        if not self.wide:
            return np.asarray(self.gram[:, features] @ coef)
        explained = _wide.times(self._columns(features), coef) - self.x_mean[features] @ coef
        return self._back(None, self.w[:, None] * explained)

    @cached_property
    def gram_diagonal(self) -> np.ndarray:
        """The Gram matrix's diagonal (``d``)."""
        if not self.wide:
            return np.diagonal(self.gram).copy()
        return _wide.weighted_square_sums(self.X, self.w, self.x_mean)

    def _centred_columns(self, features: np.ndarray) -> np.ndarray:
        """``Xc`` on the columns ``features`` (``n × len(features)``, a new float64 array)."""
        return np.asarray(self.X[:, features], dtype=float) - self.x_mean[features]

    def _columns(self, features: np.ndarray) -> np.ndarray:
        if len(features) == self.n_features and (features == np.arange(len(features))).all():
            return self.X
        return np.asarray(self.X[:, features])

    def _centred_kernel(self, features: np.ndarray) -> np.ndarray:
        """``Xc Xcᵀ`` on the columns ``features`` (``n × n``), centred by the weighted mean."""
        columns = self._columns(features)
        if columns is self.X:
            kernel = self._kernel.value
        else:
            kernel = _wide.outer_gram(columns)
        # x_i · mean = (K w)_i / Σw, mean · mean = wᵀ K w / (Σw)²
        projected = kernel @ self.w / self.w.sum()
        centre = self.w @ projected / self.w.sum()
        return np.asarray(kernel - projected[:, None] - projected[None, :] + centre)

    @cached_property
    def _kernel(self) -> SharedKernel:
        return self.kernel if self.kernel is not None else SharedKernel(self.X)

    def _back(self, features: np.ndarray | None, dual: np.ndarray) -> np.ndarray:
        """``Xcᵀ dual`` on the columns ``features`` (all of them for ``None``):
        ``(len(features), ...)``."""
        columns = self.X if features is None else self._columns(features)
        mean = self.x_mean if features is None else self.x_mean[features]
        return np.asarray(
            _wide.transposed_times(columns, dual) - np.multiply.outer(mean, dual.sum(axis=0))
        )

    def _dual_ridge(self, alpha: float, features: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Ridge in the ``n × n`` form: ``Xcᵀ (W Kc + αI)⁻¹ W Yc``."""
        kernel = self._centred_kernel(features)
        yc = (self.Y - self.y_mean)[:, targets]
        n = len(kernel)
        root = self._root_w
        if root is None:
            A = self.w[:, None] * kernel + alpha * np.eye(n)
            b = self.w[:, None] * yc
        else:  # symmetric: (R Kc R + αI) v = R Yc, dual = R v
            A = root[:, None] * kernel * root[None, :] + alpha * np.eye(n)
            b = root[:, None] * yc
        try:
            if alpha == 0:
                raise np.linalg.LinAlgError
            solved = np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            solved = np.linalg.lstsq(A, b, rcond=None)[0]
        dual = solved if root is None else root[:, None] * solved
        return self._back(features, dual)

    def scaled_samples(self, target: int) -> tuple[np.ndarray, np.ndarray]:
        """``√W Xc`` as float64 (``n × d``) and ``√W yc`` of one target, for methods that
        need the samples themselves (LARS on a wide design)."""
        root = self._nonnegative_root()
        scaled = np.empty(self.X.shape)
        for columns, block in _wide.column_blocks(self.X):
            scaled[:, columns] = (block - self.x_mean[columns]) * root[:, None]
        return scaled, self.scaled_response(target)

    def _nonnegative_root(self) -> np.ndarray:
        if self._root_w is None:
            raise InputError(
                "weights must be non-negative for this surrogate or feature selection when "
                "features outnumber samples"
            )
        return self._root_w

    def spectrum(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """Eigenvalues and eigenvectors of the Gram matrix on ``features``, and whether
        they are complete.

        A wide design with more than ``n`` such features returns only the eigenpairs of
        non-zero eigenvalues (at most ``n``; vectors ``len(features) × r``), from the
        kernel's: ``G v = λ v`` for ``v = Sᵀ p / √λ`` where ``S Sᵀ p = λ p``, ``S = √W Xc``.
        """
        if not (self.wide and len(features) > self.X.shape[0]):
            eigen, vectors = np.linalg.eigh(self.gram_block(features))
            return eigen, vectors, True
        root = self._nonnegative_root()
        kernel = self._centred_kernel(features)
        eigen, small = np.linalg.eigh(root[:, None] * kernel * root[None, :])
        keep = eigen > eigen.max(initial=0.0) * len(kernel) * np.finfo(float).eps
        eigen, small = eigen[keep], small[:, keep]
        vectors = self._back(features, root[:, None] * small) / np.sqrt(eigen)
        return eigen, vectors, False


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

    @property
    def wide(self) -> bool:
        """Whether features outnumber samples: fit design by design in the ``n × n`` form."""
        return _wide.is_wide(self.X)

    @cached_property
    def _shared_kernel(self) -> SharedKernel | None:
        """``X Xᵀ`` of samples shared by every design (a broadcast view), once."""
        if self.wide and self.X.strides[0] == 0:
            return SharedKernel(np.asarray(self.X[0]))
        return None

    def design(self, b: int) -> WeightedDesign:
        """Design ``b`` on its own."""
        return WeightedDesign(np.asarray(self.X[b]), self.Y[b], self.w[b], self._shared_kernel)
