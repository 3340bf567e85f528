"""lime's ``SubmodularPick`` (SP-LIME) over the compat explainers.

Candidates are explained with the explainer's ``explain_instance``; the explanation
matrix is keyed by feature name and summed over each explanation's labels, as lime
does, and the greedy pick maximises limette's :func:`~limette.submodular.coverage`.
With ``method="sample"`` the candidates are drawn with NumPy's global generator, as lime.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..._validation import lookup
from ...errors import InputError, LimetteWarning

__all__ = ["SubmodularPick"]


class SubmodularPick:
    """A representative set of explanations: ``sp_explanations`` picked from ``explanations``.

    Parameters
    ----------
    explainer : LimeTabularExplainer or LimeTextExplainer (anything with ``explain_instance``)
    data : sequence of instances
    predict_fn : callable
    method : {"sample", "full"}
        Explain ``sample_size`` random instances, or all of them.
    sample_size, num_exps_desired, num_features : int
    **kwargs
        Passed to ``explain_instance`` (``top_labels`` defaults to 1).

    Attributes
    ----------
    explanations : list
        Every candidate explanation.
    V : list of int
        Positions of the picked explanations in ``explanations``.
    sp_explanations : list
    """

    def __init__(
        self,
        explainer: Any,
        data: Any,
        predict_fn: Callable[[Any], Any],
        method: str = "sample",
        sample_size: int = 1000,
        num_exps_desired: int = 5,
        num_features: int = 10,
        **kwargs: Any,
    ) -> None:
        top_labels = kwargs.pop("top_labels", 1)
        lookup({"sample": None, "full": None}, method, "method")
        indices = np.arange(len(data))
        if method == "sample":
            if sample_size > len(data):
                warnings.warn(
                    f"sample_size {sample_size} is larger than the data ({len(data)} rows); "
                    "using all of it",
                    LimetteWarning,
                    stacklevel=2,
                )
                sample_size = len(data)
            np.random.shuffle(indices)  # noqa: NPY002 (lime's draw from the global generator)
            indices = indices[:sample_size]
        self.explanations = [
            explainer.explain_instance(
                data[i], predict_fn, num_features=num_features, top_labels=top_labels, **kwargs
            )
            for i in indices
        ]
        if not self.explanations:
            raise InputError("data is empty; there is nothing to pick from")
        num_exps_desired = min(int(num_exps_desired), len(self.explanations))
        W = self._matrix()
        # coverage(W, [*V, i]) of every candidate i, with W's importance and the features each
        # row uses worked out once rather than once per candidate and round
        used = np.abs(W) > 0
        importance = np.sqrt(np.abs(W).sum(axis=0))
        covered = np.zeros(W.shape[1], dtype=bool)
        remaining = list(range(len(self.explanations)))
        self.V: list[int] = []
        for _ in range(num_exps_desired):
            gains = [float((covered | used[i]) @ importance) for i in remaining]
            best = remaining[len(gains) - 1 - int(np.argmax(gains[::-1]))]  # ties: the later
            self.V.append(best)
            covered |= used[best]
            remaining.remove(best)
        self.sp_explanations = [self.explanations[i] for i in self.V]

    def _matrix(self) -> np.ndarray:
        """``W``: each explanation's weight per feature name, summed over its labels."""
        columns: dict[Any, int] = {}
        entries = []
        for i, explanation in enumerate(self.explanations):
            classification = explanation.mode == "classification"
            for label in explanation.available_labels() if classification else [1]:
                for feature, weight in explanation.as_list(label=label):
                    entries.append((i, columns.setdefault(feature, len(columns)), weight))
        W = np.zeros((len(self.explanations), len(columns)))
        for i, column, weight in entries:
            W[i, column] += weight
        return W
