"""Feature selectors: choose at most ``num_features`` interpretable features per label.

Each selector answers from the shared :class:`~limette._design.WeightedDesign` (one Gram
matrix for all labels) and returns a boolean mask of shape ``(k, d)``. The definitions are
lime's, so the same data selects the same features:

- ``none``: every feature;
- ``highest_weights``: the largest ``|coef · x0|`` of a ridge fit with ``alpha=0.01``;
- ``forward_selection``: greedy, adding the feature that most raises the weighted R²
  of an unregularised fit (every candidate of a step is scored in one batched solve);
- ``lasso_path``: the last point of the weighted LARS-lasso path with at most
  ``num_features`` non-zero coefficients;
- ``auto``: ``forward_selection`` when ``num_features <= 6``, else ``highest_weights``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._design import WeightedDesign
from ._validation import lookup

__all__ = ["FEATURE_SELECTIONS", "select_features"]


def _none(design: WeightedDesign, num_features: int) -> np.ndarray:
    return np.ones((design.Y.shape[1], design.n_features), dtype=bool)


def _highest_weights(design: WeightedDesign, num_features: int) -> np.ndarray:
    d, k = design.n_features, design.Y.shape[1]
    coef = design.ridge(0.01, np.arange(d), np.arange(k))
    contribution = np.abs(coef * design.X[0][:, None])
    order = np.argsort(-contribution, axis=0, kind="stable")[:num_features]
    mask = np.zeros((k, d), dtype=bool)
    mask[np.arange(k)[None, :], order] = True
    return mask


def _forward_selection(design: WeightedDesign, num_features: int) -> np.ndarray:
    if design.wide:
        return _forward_selection_wide(design, num_features)
    d, k = design.n_features, design.Y.shape[1]
    mask = np.zeros((k, d), dtype=bool)
    for target in range(k):
        used: list[int] = []
        for _ in range(min(num_features, d)):
            candidates = np.setdiff1d(np.arange(d), used)
            subsets = np.column_stack(
                [np.tile(np.asarray(used, dtype=int), (len(candidates), 1)), candidates]
            )
            gram = design.gram[subsets[:, :, None], subsets[:, None, :]]
            cross = design.cross[subsets, target][..., None]
            solution = np.linalg.pinv(gram, hermitian=True) @ cross
            explained = np.einsum("ij,ij->i", cross[..., 0], solution[..., 0])
            used.append(int(candidates[np.argmax(explained)]))
        mask[target, used] = True
    return mask


def _forward_selection_wide(design: WeightedDesign, num_features: int) -> np.ndarray:
    """Forward selection without the ``d × d`` Gram matrix: each step's candidate
    subsets are assembled from the Gram rows of the features already chosen."""
    d, k = design.n_features, design.Y.shape[1]
    mask = np.zeros((k, d), dtype=bool)
    diagonal = design.gram_diagonal
    for target in range(k):
        used: list[int] = []
        rows = np.empty((0, d))
        for _ in range(min(num_features, d)):
            candidates = np.setdiff1d(np.arange(d), used)
            size = len(used)
            subsets = np.column_stack(
                [np.tile(np.asarray(used, dtype=int), (len(candidates), 1)), candidates]
            )
            gram = np.empty((len(candidates), size + 1, size + 1))
            gram[:, :size, :size] = rows[:, used]
            gram[:, :size, size] = gram[:, size, :size] = rows[:, candidates].T
            gram[:, size, size] = diagonal[candidates]
            cross = design.cross[subsets, target][..., None]
            solution = np.linalg.pinv(gram, hermitian=True) @ cross
            explained = np.einsum("ij,ij->i", cross[..., 0], solution[..., 0])
            used.append(int(candidates[np.argmax(explained)]))
            rows = np.vstack([rows, design.gram_rows(np.array(used[-1:]))])
        mask[target, used] = True
    return mask


def _lasso_path(design: WeightedDesign, num_features: int) -> np.ndarray:
    from sklearn.linear_model import lars_path, lars_path_gram  # 0.9 s: only when asked

    d, k = design.n_features, design.Y.shape[1]
    mask = np.zeros((k, d), dtype=bool)
    n = design.X.shape[0]
    for target in range(k):
        if design.wide:  # LARS on the scaled samples (n × d), not on their Gram matrix
            scaled, response = design.scaled_samples(target)
            _, _, coefs = lars_path(
                scaled, response, Xy=design.cross[:, target].copy(), method="lasso", copy_X=False
            )
            del scaled
        else:
            _, _, coefs = lars_path_gram(
                Xy=design.cross[:, target].copy(),
                Gram=design.gram.copy(),
                n_samples=n,
                method="lasso",
            )
        nonzero = np.arange(d)
        for column in range(coefs.shape[1] - 1, 0, -1):
            nonzero = coefs[:, column].nonzero()[0]
            if len(nonzero) <= num_features:
                break
        mask[target, nonzero] = True
    return mask


def _auto(design: WeightedDesign, num_features: int) -> np.ndarray:
    chosen = _forward_selection if num_features <= 6 else _highest_weights
    return chosen(design, num_features)


FEATURE_SELECTIONS: dict[str, Callable[[WeightedDesign, int], np.ndarray]] = {
    "auto": _auto,
    "forward_selection": _forward_selection,
    "highest_weights": _highest_weights,
    "lasso_path": _lasso_path,
    "none": _none,
}


def select_features(design: WeightedDesign, num_features: int, method: str) -> np.ndarray:
    """Boolean mask ``(k, d)`` of the features kept for each of the ``k`` targets.

    Examples
    --------
    >>> import numpy as np
    >>> from limette._design import WeightedDesign
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4)); y = X @ [3.0, 0.0, -2.0, 0.1]
    >>> design = WeightedDesign(X, y[:, None], np.ones(200))
    >>> select_features(design, 2, "forward_selection").nonzero()[1].tolist()
    [0, 2]
    """
    return np.asarray(lookup(FEATURE_SELECTIONS, method, "feature_selection")(design, num_features))
