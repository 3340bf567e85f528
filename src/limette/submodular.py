"""Submodular pick (SP-LIME, Ribeiro et al. 2016, Algorithm 2; lime's ``submodular_pick``).

Given explanations of many instances, choose ``budget`` of them that together show the
user the most important features: feature ``j`` has global importance
``I_j = sqrt(Σ_i |W_ij|)``, a set ``V`` of explanations covers ``c(V) = Σ_j I_j ·
[some i ∈ V has W_ij ≠ 0]``, and instances are added greedily by largest coverage, which
is within ``1 - 1/e`` of the best set because coverage is submodular.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ._validation import check_positive_int, lookup
from .errors import InputError
from .explanation import Explanation

__all__ = ["SubmodularPick", "coverage", "submodular_pick", "weight_matrix"]


@dataclass(frozen=True, eq=False)
class SubmodularPick:
    """The picked explanations, in pick order, with the coverage they reach.

    Attributes
    ----------
    indices : list of int
        Positions of the picked explanations in the input.
    explanations : list of Explanation
    coverage : float
        ``c(V)`` of the picked set.
    importance : ndarray
        Global importance ``I_j`` of every feature.
    features : list
        The feature keys (names or indices) of the columns of the weight matrix.
    """

    indices: list[int]
    explanations: list[Explanation]
    coverage: float
    importance: np.ndarray
    features: list[object]


def weight_matrix(
    explanations: Sequence[Explanation], label: int | None = None, by: str = "name"
) -> tuple[np.ndarray, list[object]]:
    """``W`` (``n_explanations × n_features``) of each explanation's weights for ``label``.

    ``by="name"`` keys features by their readable name (lime's choice: ``"age <= 30"`` and
    ``"age > 30"`` are different features); ``by="index"`` by the interpretable index.
    """
    key = lookup({"name": True, "index": False}, by, "by")
    columns: dict[object, int] = {}
    entries = []
    for i, explanation in enumerate(explanations):
        row = explanation.label_row(label)
        for j in np.flatnonzero(explanation.selected[row]):
            feature = explanation.feature_names[j] if key else int(j)
            entries.append((i, columns.setdefault(feature, len(columns)), explanation.coef[row, j]))
    W = np.zeros((len(explanations), len(columns)))
    for i, column, weight in entries:
        W[i, column] += weight
    return W, list(columns)


def coverage(W: np.ndarray, picked: Sequence[int]) -> float:
    """``c(V)``: the global importance of the features that the rows ``picked`` use."""
    importance = np.sqrt(np.abs(W).sum(axis=0))
    used = (np.abs(W[list(picked)]) > 0).any(axis=0)
    return float(used @ importance)


def submodular_pick(
    explanations: Sequence[Explanation],
    budget: int,
    label: int | None = None,
    by: str = "name",
    method: str = "greedy",
) -> SubmodularPick:
    """Pick ``budget`` explanations that cover the most important features.

    Parameters
    ----------
    explanations : sequence of Explanation
        A list, or an ``ExplanationSet``.
    budget : int
        How many to pick (at most ``len(explanations)``).
    label : int, optional
        Label whose weights count (each explanation's first label by default).
    by : {"name", "index"}
        How features are matched across explanations (see :func:`weight_matrix`).
    method : {"greedy", "exact"}
        ``"greedy"`` is SP-LIME (ties go to the later explanation, as in lime);
        ``"exact"`` tries every subset (only for small inputs).

    Returns
    -------
    SubmodularPick

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TabularExplainer
    >>> from limette.submodular import submodular_pick
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, mode="regression", random_state=0)
    >>> many = [explainer.explain(x, lambda r: r @ [1.0, 2, 3], num_features=1,
    ...                           num_samples=300) for x in X[:4]]
    >>> len(submodular_pick(many, budget=2).indices)
    2
    """
    explanations = list(explanations)
    if not explanations:
        raise InputError("explanations is empty; give at least one explanation")
    budget = check_positive_int(budget, "budget")
    if budget > len(explanations):
        raise InputError(f"budget is {budget} but only {len(explanations)} explanations were given")
    W, features = weight_matrix(explanations, label, by)
    used = np.abs(W) > 0
    importance = np.sqrt(np.abs(W).sum(axis=0))
    chooser = lookup({"greedy": _greedy, "exact": _exact}, method, "method")
    picked = chooser(used, importance, budget)
    return SubmodularPick(
        indices=picked,
        explanations=[explanations[i] for i in picked],
        coverage=float(used[picked].any(axis=0) @ importance),
        importance=importance,
        features=features,
    )


def _greedy(used: np.ndarray, importance: np.ndarray, budget: int) -> list[int]:
    covered = np.zeros(used.shape[1], dtype=bool)
    remaining = np.ones(used.shape[0], dtype=bool)
    picked: list[int] = []
    for _ in range(budget):
        gains = np.where(remaining, (covered | used) @ importance, -np.inf)
        best = int(len(gains) - 1 - np.argmax(gains[::-1]))
        picked.append(best)
        covered |= used[best]
        remaining[best] = False
    return picked


def _exact(used: np.ndarray, importance: np.ndarray, budget: int) -> list[int]:
    if used.shape[0] > 25:
        raise InputError(f"method='exact' tries every subset; {used.shape[0]} is too many (> 25)")
    best = max(
        combinations(range(used.shape[0]), budget),
        key=lambda subset: float(used[list(subset)].any(axis=0) @ importance),
    )
    return list(best)
