"""lime's ``LimeBase``: a weighted sparse linear fit to a neighbourhood given as arrays.

``explain_instance_with_data`` answers with limette's feature selectors and closed-form
surrogates (:func:`limette._engine.explanation_fields`), for one label, in lime's shape:
``(intercept, [(feature, weight), ...], score, local_pred)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..._validation import as_float_array
from ...engine.evaluate import explanation_fields
from ...errors import InputError
from ...explanation import Explanation as NativeExplanation
from ...surrogates import Ridge, as_surrogate
from ._seeding import check_random_state

__all__ = ["LimeBase"]


class LimeBase:
    """lime's class for learning a locally linear sparse model from perturbed data.

    Parameters
    ----------
    kernel_fn : callable
        Distances ``(n,)`` -> proximity weights ``(n,)``.
    verbose : bool
        Print the intercept, the local prediction and the model's value.
    random_state : unused by the closed-form fits, kept for lime's signature
    """

    def __init__(
        self, kernel_fn: Callable[[np.ndarray], np.ndarray], verbose: bool = False,
        random_state: Any = None,
    ) -> None:  # fmt: skip
        self.kernel_fn = kernel_fn
        self.verbose = verbose
        self.random_state = check_random_state(random_state)

    @staticmethod
    def generate_lars_path(weighted_data: Any, weighted_labels: Any) -> tuple[Any, Any]:
        """``(alphas, coefs)`` of the lasso path of the weighted data (lime's helper)."""
        from sklearn.linear_model import lars_path

        alphas, _, coefs = lars_path(
            np.asarray(weighted_data, dtype=float),
            np.asarray(weighted_labels, dtype=float),
            method="lasso",
            verbose=False,
        )
        return alphas, coefs

    def _fit(
        self, data: Any, labels: Any, weights: Any, label: int, num_features: int,
        method: str, model_regressor: Any = None,
    ) -> NativeExplanation:  # fmt: skip
        Z = as_float_array(data, "neighborhood_data", 2)
        Y = as_float_array(labels, "neighborhood_labels")
        Y = Y[:, None] if Y.ndim == 1 else Y
        w = as_float_array(weights, "weights", 1)
        if not (len(Z) == len(Y) == len(w)):
            raise InputError(
                f"neighborhood_data has {len(Z)} rows, neighborhood_labels {len(Y)} and the "
                f"weights {len(w)}; they must match"
            )
        fields = explanation_fields(
            Z, w, Y, classification=False, labels=[label], top_labels=None,
            num_features=num_features, feature_selection=method,
            surrogate=Ridge() if model_regressor is None else as_surrogate(model_regressor),
        )  # fmt: skip
        names = tuple(str(j) for j in range(Z.shape[1]))
        return NativeExplanation(feature_names=names, feature_values=names, **fields)

    def feature_selection(
        self, data: Any, labels: Any, weights: Any, num_features: int, method: str
    ) -> np.ndarray:
        """Indices of the features ``method`` selects for the single target ``labels``."""
        native = self._fit(data, labels, weights, 0, num_features, method)
        return np.flatnonzero(native.selected[0])

    def forward_selection(
        self, data: Any, labels: Any, weights: Any, num_features: int
    ) -> np.ndarray:
        """Greedy forward selection by weighted R² (lime's ``forward_selection``)."""
        return self.feature_selection(data, labels, weights, num_features, "forward_selection")

    def explain_instance_with_data(
        self,
        neighborhood_data: Any,
        neighborhood_labels: Any,
        distances: Any,
        label: int,
        num_features: int,
        feature_selection: str = "auto",
        model_regressor: Any = None,
    ) -> tuple[float, list[tuple[int, float]], float, np.ndarray]:
        """Fit the weighted surrogate of column ``label`` of ``neighborhood_labels``.

        Row 0 of ``neighborhood_data`` is the instance. Returns ``(intercept,
        [(feature, weight), ...] by decreasing |weight|, weighted R², local prediction)``.
        """
        weights = self.kernel_fn(np.asarray(distances, dtype=float))
        native = self._fit(
            neighborhood_data, neighborhood_labels, weights, label, num_features,
            feature_selection, model_regressor,
        )  # fmt: skip
        if self.verbose:
            print("Intercept", native.intercept[0])
            print("Prediction_local", native.local_pred[:1])
            print("Right:", native.model_output[label])
        return (
            float(native.intercept[0]),
            native.as_map()[label],
            float(native.score[0]),
            native.local_pred[:1].copy(),
        )
