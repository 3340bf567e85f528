"""Faithfulness: do the features an explanation ranks highest really move the model?

Deletion removes features from the instance in order of decreasing weight and tracks
the model's score for the label: a faithful explanation makes it fall fast (small area
under the curve). Insertion starts from nothing and adds features in the same order: the
score should rise fast (large area). Both are compared with random orderings of the same
features; for a model that ignores its input every curve is flat and the differences are 0.

Works for any explanation with binary features: :func:`faithfulness` takes a
``compose(keep)`` callable mapping an ``(m, d)`` 0/1 keep-matrix to a batch of model
inputs (an image with the removed segments replaced by a baseline, say, via
:func:`limette.compose.mask_compose`). :func:`tabular_compose` builds it for tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._random import RandomState, instance_generator, resolve_seed
from ._validation import as_float_array, check_positive_int
from .engine.evaluate import evaluate
from .errors import InputError
from .explanation import Explanation

__all__ = ["FaithfulnessReport", "faithfulness", "tabular_compose"]


@dataclass(frozen=True, eq=False)
class FaithfulnessReport:
    """Deletion and insertion curves of one explanation and of random orderings.

    Attributes
    ----------
    fractions : ndarray of shape (d + 1,)
        Fraction of features removed (deletion) or inserted (insertion) at each point.
    order : ndarray of int
        Features in the explanation's order (decreasing weight).
    deletion, insertion : ndarray of shape (d + 1,)
        The model's score along the explanation's order.
    random_deletion, random_insertion : ndarray of shape (n_random, d + 1)
        The same along random orderings.
    deletion_auc, insertion_auc : float
        Areas under the explanation's curves (trapezoids over ``fractions``).
    random_deletion_auc, random_insertion_auc : float
        Mean areas under the random orderings' curves.
    """

    fractions: np.ndarray
    order: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray
    random_deletion: np.ndarray
    random_insertion: np.ndarray

    @property
    def deletion_auc(self) -> float:
        return _auc(self.fractions, self.deletion)

    @property
    def insertion_auc(self) -> float:
        return _auc(self.fractions, self.insertion)

    @property
    def random_deletion_auc(self) -> float:
        return float(np.mean([_auc(self.fractions, c) for c in self.random_deletion]))

    @property
    def random_insertion_auc(self) -> float:
        return float(np.mean([_auc(self.fractions, c) for c in self.random_insertion]))

    @property
    def deletion_gain(self) -> float:
        """Random deletion AUC minus the explanation's (positive: better than random)."""
        return self.random_deletion_auc - self.deletion_auc

    @property
    def insertion_gain(self) -> float:
        """The explanation's insertion AUC minus random's (positive: better than random)."""
        return self.insertion_auc - self.random_insertion_auc


def _auc(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))


def _keep_matrices(orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deletion and insertion keep-matrices ``(r, d + 1, d)`` for orderings ``(r, d)``."""
    r, d = orders.shape
    rank = np.empty_like(orders)
    np.put_along_axis(rank, orders, np.arange(d)[None, :].repeat(r, axis=0), axis=1)
    steps = np.arange(d + 1)[None, :, None]
    deletion = (rank[:, None, :] >= steps).astype(float)
    return deletion, 1.0 - deletion


def faithfulness(
    explanation: Explanation,
    predict_fn: Callable[[Any], Any],
    compose: Callable[[np.ndarray], Any],
    label: int | None = None,
    n_random: int = 10,
    random_state: RandomState = None,
    batch_size: int | None = None,
) -> FaithfulnessReport:
    """Deletion and insertion curves of ``explanation``, and of random orderings.

    Parameters
    ----------
    explanation : Explanation
        Its weights for ``label`` give the order (decreasing signed weight: features
        that support the label first; unselected features, of weight 0, keep their index
        order between the positive and negative ones).
    predict_fn : callable
        The model: inputs → outputs (``(m, n_outputs)``, or ``(m,)`` in regression).
    compose : callable
        ``compose(keep)`` for a ``(m, d)`` 0/1 array returns the ``m`` model inputs with
        the features where ``keep == 0`` removed.
    label : int, optional
        Defaults to the explanation's first label.
    n_random : int
        Random orderings to compare with.
    random_state : None, int or numpy.random.Generator
    batch_size : int, optional
        Rows per model call.

    Returns
    -------
    FaithfulnessReport

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TabularExplainer
    >>> from limette.faithfulness import faithfulness, tabular_compose
    >>> X = np.random.default_rng(0).normal(size=(300, 3))
    >>> model = lambda rows: rows @ [3.0, 1.0, 0.0]
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False,
    ...                              random_state=0)
    >>> row = np.array([1.0, 1.0, 1.0])
    >>> e = explainer.explain(row, model, num_samples=500)
    >>> report = faithfulness(e, model, tabular_compose(explainer, row), random_state=0)
    >>> report.order.tolist(), report.deletion_gain > 0
    ([0, 1, 2], True)
    """
    row = explanation.label_row(label)
    chosen = explanation.labels[row]
    d = explanation.coef.shape[1]
    n_random = check_positive_int(n_random, "n_random")
    order = np.argsort(-explanation.coef[row], kind="stable")
    rng = instance_generator(resolve_seed(random_state))
    shuffled = np.argsort(rng.random((n_random, d)), axis=1)
    orders = np.vstack([order[None, :], shuffled])
    deletion, insertion = _keep_matrices(orders)
    keep = np.concatenate([deletion, insertion]).reshape(-1, d)
    classification = explanation.mode == "classification"
    outputs = evaluate(
        predict_fn, keep, compose, classification=classification, batch_size=batch_size
    )
    column = chosen if classification else 0
    if column >= outputs.shape[1]:
        raise InputError(
            f"label {chosen} is out of range for a model with {outputs.shape[1]} outputs"
        )
    scores = outputs[:, column].reshape(2, n_random + 1, d + 1)
    return FaithfulnessReport(
        fractions=np.arange(d + 1) / d,
        order=order,
        deletion=scores[0, 0],
        insertion=scores[1, 0],
        random_deletion=scores[0, 1:],
        random_insertion=scores[1, 1:],
    )


def tabular_compose(
    explainer: Any, data_row: Any, baseline: Any = None
) -> Callable[[np.ndarray], Any]:
    """``compose(keep)`` for a tabular explainer: removed columns take the baseline's value.

    ``baseline`` defaults to the training mean of continuous columns and the most
    frequent training value of categorical ones (:attr:`TabularExplainer.baseline_`).
    One interpretable feature is one column (or one feature-timestep of a recurrent
    explainer); the model is called with the explainer's input layout (DataFrames too).
    """
    encoder = explainer.row_encoder_
    row = encoder.encode(data_row)
    base = explainer.baseline_ if baseline is None else as_float_array(baseline, "baseline", 1)
    if base.shape != row.shape:
        raise InputError(f"baseline has {base.shape[0]} values; the row has {row.shape[0]}")

    def compose(keep: np.ndarray) -> Any:
        return encoder.decode(np.where(keep.astype(bool), row, base))

    return compose
