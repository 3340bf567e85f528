"""How far to trust an explanation: stability across re-draws of the perturbations.

:func:`stability` explains one instance several times with independent seeds and
reports how much the explanations agree:

- the mean pairwise Jaccard similarity of the top-``K`` feature sets;
- each feature's coefficient of variation across the calls;
- the *variables stability index* (VSI) and *coefficients stability index* (CSI) of
  Visani et al. (2020), "Statistical stability indices for LIME": VSI is the share of
  selected variables two calls have in common, averaged over all pairs of calls; CSI is,
  for each variable, the share of pairs of calls whose confidence intervals of its
  coefficient overlap, averaged over variables. Both range from 0 to 100.

Faithfulness (deletion/insertion curves) is in :mod:`limette.faithfulness`, submodular
pick in :mod:`limette.submodular`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from ._random import RandomState, resolve_seed
from ._validation import check_positive_int
from .explanation import Explanation
from .surrogates import Ridge

__all__ = [
    "StabilityReport",
    "coefficients_stability_index",
    "jaccard_matrix",
    "stability",
    "top_features",
    "variables_stability_index",
]


def top_features(explanation: Explanation, k: int, label: int | None = None) -> frozenset[int]:
    """Indices of the ``k`` features with the largest absolute weight for ``label``."""
    row = explanation.label_row(label)
    return frozenset(int(j) for j in explanation.feature_order(row)[:k])


def jaccard_matrix(sets: Sequence[frozenset[int]]) -> np.ndarray:
    """Pairwise Jaccard similarity ``|A ∩ B| / |A ∪ B|`` of feature sets (1 for two empty)."""
    m = len(sets)
    out = np.ones((m, m))
    for a, b in combinations(range(m), 2):
        union = len(sets[a] | sets[b])
        out[a, b] = out[b, a] = len(sets[a] & sets[b]) / union if union else 1.0
    return out


def variables_stability_index(sets: Sequence[frozenset[int]]) -> float:
    """Visani et al.'s VSI: common variables per pair of calls over ``p``, in percent.

    ``p`` is the number of variables each call selects (the largest set's size).
    """
    pairs = list(combinations(sets, 2))
    p = max((len(s) for s in sets), default=0)
    if not pairs or p == 0:
        return 100.0
    return 100.0 * sum(len(a & b) for a, b in pairs) / (len(pairs) * p)


def coefficients_stability_index(
    lower: np.ndarray, upper: np.ndarray, selected: np.ndarray
) -> float:
    """Visani et al.'s CSI from per-call intervals, in percent.

    Parameters
    ----------
    lower, upper : ndarray of shape (n_calls, n_features)
        Interval bounds of each coefficient in each call.
    selected : ndarray of bool, shape (n_calls, n_features)
        Which variables each call used; a variable counts over the pairs of calls that
        both used it, and variables used by fewer than two calls are skipped.
    """
    shares = []
    for j in range(lower.shape[1]):
        calls = np.flatnonzero(selected[:, j])
        if len(calls) < 2:
            continue
        a, b = np.triu_indices(len(calls), k=1)
        lo, hi = lower[calls, j], upper[calls, j]
        overlap = (lo[a] < hi[b]) & (lo[b] < hi[a])
        shares.append(overlap.mean())
    return 100.0 * float(np.mean(shares)) if shares else 100.0


@dataclass(frozen=True, eq=False)
class StabilityReport:
    """Agreement of repeated explanations of one instance.

    Attributes
    ----------
    explanations : list of Explanation
        The repeated explanations, one per seed.
    label : int
        The label whose weights were compared.
    top_k : int
    jaccard : ndarray of shape (repeats, repeats)
        Pairwise Jaccard similarity of the top-``top_k`` features.
    mean_jaccard, median_jaccard : float
        Over the distinct pairs.
    coef_mean, coef_cv : ndarray of shape (n_features,)
        Mean weight across calls, and coefficient of variation ``std / |mean|``
        (population std, zero weights included where a call did not select the
        feature); NaN for features no call selected.
    vsi, csi : float
        Visani et al.'s variables and coefficients stability indices (0-100).
    """

    explanations: list[Explanation]
    label: int
    top_k: int
    jaccard: np.ndarray
    mean_jaccard: float
    median_jaccard: float
    coef_mean: np.ndarray
    coef_cv: np.ndarray
    vsi: float
    csi: float

    def as_dict(self) -> dict[str, Any]:
        """The summary numbers (not the explanations) as a plain dict."""
        return {
            "label": self.label,
            "top_k": self.top_k,
            "mean_jaccard": self.mean_jaccard,
            "median_jaccard": self.median_jaccard,
            "vsi": self.vsi,
            "csi": self.csi,
            "coef_cv": self.coef_cv.tolist(),
        }


def _seeds(random_state: RandomState, repeats: int) -> list[int]:
    children = resolve_seed(random_state).spawn(repeats)
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]


def stability(
    explainer: Any,
    instance: Any,
    predict_fn: Callable[[Any], Any],
    repeats: int = 10,
    num_features: int = 5,
    random_state: RandomState = None,
    label: int | None = None,
    top_k: int | None = None,
    level: float = 0.95,
    **explain_kwargs: Any,
) -> StabilityReport:
    """Explain ``instance`` ``repeats`` times with independent seeds and measure agreement.

    Parameters
    ----------
    explainer : any explainer with ``explain(instance, predict_fn, ..., random_state=...)``
    instance : the row, text or image to explain
    predict_fn : callable
    repeats : int
        Number of explanations (at least 2).
    num_features : int
        Passed to ``explain``; also the default ``top_k``.
    random_state : None, int or numpy.random.Generator
        Seeds of the repeats are spawned from it.
    label : int, optional
        Label to compare; the first explained label by default.
    top_k : int, optional
        Size of the compared feature sets (defaults to ``num_features``).
    level : float
        Level of the confidence intervals CSI compares.
    **explain_kwargs
        Passed to ``explain`` (``num_samples``, ``labels``, ``sampler``, ...). Unless a
        ``model_regressor`` is given, ``Ridge(alpha=1, compute_std=True)`` is used so that
        CSI has intervals.

    Returns
    -------
    StabilityReport

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TabularExplainer
    >>> from limette.metrics import stability
    >>> X = np.random.default_rng(0).normal(size=(300, 4))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False)
    >>> report = stability(explainer, X[0], lambda r: r @ [3.0, 0, -2, 0], repeats=3,
    ...                    num_features=2, random_state=0, num_samples=500)
    >>> report.mean_jaccard, report.vsi
    (1.0, 100.0)
    """
    repeats = check_positive_int(repeats, "repeats", minimum=2)
    k = check_positive_int(num_features if top_k is None else top_k, "top_k")
    explain_kwargs.setdefault("model_regressor", Ridge(alpha=1.0, compute_std=True))
    explanations = [
        explainer.explain(
            instance, predict_fn, num_features=num_features, random_state=seed, **explain_kwargs
        )
        for seed in _seeds(random_state, repeats)
    ]
    chosen = explanations[0].labels[0] if label is None else label
    rows = [e.label_row(chosen) for e in explanations]
    sets = [top_features(e, k, chosen) for e in explanations]
    jaccard = jaccard_matrix(sets)
    pairs = jaccard[np.triu_indices(repeats, k=1)]
    coef = np.stack([e.coef[r] for e, r in zip(explanations, rows)])
    selected = np.stack([e.selected[r] for e, r in zip(explanations, rows)])
    mean = coef.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(selected.any(axis=0), coef.std(axis=0) / np.abs(mean), np.nan)
    return StabilityReport(
        explanations=explanations,
        label=chosen,
        top_k=k,
        jaccard=jaccard,
        mean_jaccard=float(pairs.mean()),
        median_jaccard=float(np.median(pairs)),
        coef_mean=mean,
        coef_cv=cv,
        vsi=variables_stability_index([frozenset(np.flatnonzero(s).tolist()) for s in selected]),
        csi=_csi(explanations, rows, selected, level),
    )


def _csi(
    explanations: list[Explanation], rows: list[int], selected: np.ndarray, level: float
) -> float:
    bounds = [e.coef_interval(level) for e in explanations]
    if any(b is None for b in bounds):
        return float("nan")
    lower = np.stack([b[0][r] for b, r in zip(bounds, rows)])  # type: ignore[index]
    upper = np.stack([b[1][r] for b, r in zip(bounds, rows)])  # type: ignore[index]
    return coefficients_stability_index(lower, upper, selected)
