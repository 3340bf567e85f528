"""matplotlib figures of explanations. Functions take ``ax=`` and return the axes.

matplotlib is imported only when a plot is asked for; no function calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError, MissingDependencyError
from ._summary import global_importance
from .svg import NEGATIVE, POSITIVE, number

if TYPE_CHECKING:
    from ..explanation import Explanation

__all__ = ["NEGATIVE", "POSITIVE", "plot_summary", "plot_waterfall", "plot_weights"]


def pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("plots need matplotlib: pip install 'limette[plot]'") from None
    return plt


def _axes(ax: Any, rows: int) -> Any:
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(figsize=(7, 0.4 * rows + 1.4))
    return ax


def plot_weights(
    explanation: Explanation,
    label: int | None = None,
    ax: Any = None,
    num_features: int | None = None,
    intervals: bool = True,
) -> Any:
    """Horizontal bars of the weights for ``label``, largest at the top (lime's look).

    Parameters
    ----------
    explanation : Explanation
    label : int, optional
        Defaults to the first explained label.
    ax : matplotlib Axes, optional
        Drawn on a new figure when omitted.
    num_features : int, optional
        Show only the strongest features.
    intervals : bool
        Draw intervals at the explanation's :attr:`~limette.Explanation.interval_level`
        (95%: ±1.96 standard errors) when it has ``coef_std``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, mode="regression", random_state=0)
    >>> ax = plot_weights(explainer.explain(X[0], lambda r: r[:, 0], num_samples=300))
    >>> len(ax.patches) > 0
    True
    """
    row = explanation.label_row(label)
    order = explanation.feature_order(row)[:num_features][::-1]
    ax = _axes(ax, len(order))
    weights = explanation.coef[row, order]
    positions = np.arange(len(order))
    errors = None
    halves = explanation.interval_half_width() if intervals else None
    if halves is not None:
        errors = halves[row, order]
    ax.barh(
        positions,
        weights,
        color=[POSITIVE if w > 0 else NEGATIVE for w in weights],
        xerr=errors,
        ecolor="#111",
        capsize=3 if errors is not None else 0,
    )
    ax.set_yticks(positions, [explanation.feature_names[j] for j in order])
    ax.axvline(0, color="#444", linewidth=0.8)
    name = explanation.label_name(explanation.labels[row])
    target = "the predicted value" if explanation.mode == "regression" else name
    ax.set_title(f"Local explanation for {target}")
    ax.set_xlabel("weight")
    ax.figure.tight_layout()
    return ax


def plot_waterfall(
    explanation: Explanation,
    label: int | None = None,
    ax: Any = None,
    num_features: int | None = 10,
) -> Any:
    """Steps from the surrogate's intercept, feature by feature, to its prediction.

    Each step is a feature's weight (its contribution when the instance has the feature,
    as for binary interpretable features: words, segments, bins). Whatever remains between
    the last step and the surrogate's prediction at the instance (features beyond
    ``num_features``, non-binary features) is one "rest" step. A dashed line marks the
    model's own output, so the fidelity gap is visible.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, mode="regression", random_state=0)
    >>> ax = plot_waterfall(explainer.explain(X[0], lambda r: r[:, 0], num_samples=300))
    >>> len(ax.patches) >= 2
    True
    """
    row = explanation.label_row(label)
    order = explanation.feature_order(row)[:num_features]
    names = [explanation.feature_names[j] for j in order]
    steps = [float(w) for w in explanation.coef[row, order]]
    start = float(explanation.intercept[row])
    end = float(explanation.local_pred[row])
    rest = end - start - sum(steps)
    if abs(rest) > 1e-9 * max(1.0, abs(end)):
        names.append("rest")
        steps.append(rest)
    ax = _axes(ax, len(steps) + 2)
    lefts = start + np.concatenate([[0.0], np.cumsum(steps)[:-1]]) if steps else np.array([])
    y = np.arange(len(steps) + 2)[::-1]
    ax.barh(y[0], start, color="#9e9e9e")
    ax.barh(
        y[1:-1],
        steps,
        left=lefts,
        color=[POSITIVE if s > 0 else NEGATIVE for s in steps],
    )
    ax.barh(y[-1], end, color="#555")
    model = float(explanation.model_pred[row])
    ax.axvline(model, color="#111", linestyle="--", linewidth=1, label=f"model {number(model)}")
    ax.set_yticks(y, ["intercept", *names, "surrogate prediction"])
    ax.legend(loc="lower right", fontsize="small")
    name = explanation.label_name(explanation.labels[row])
    ax.set_title(f"From intercept to prediction for {name}")
    ax.set_xlabel("surrogate output")
    ax.figure.tight_layout()
    return ax


def plot_summary(
    explanations: Sequence[Explanation],
    label: str | int | None = None,
    ax: Any = None,
    num_features: int = 10,
) -> Any:
    """Mean absolute weight per feature over several explanations (global importance).

    Parameters
    ----------
    explanations : sequence of Explanation
    label : str or int, optional
        The label's name (or number); defaults to the first label found.
    ax : matplotlib Axes, optional
    num_features : int
        Show the ``num_features`` most important features.

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = global_importance(explanations)
    if not table:
        raise InputError("explanations is empty; give at least one explanation")
    if label is None:
        key = next(iter(table))
    elif isinstance(label, str):
        key = label
    else:
        key = explanations[0].label_name(int(label))
    if key not in table:
        raise InputError(f"label {label!r} is not explained; explained labels: {list(table)}")
    items = table[key][:num_features][::-1]
    ax = _axes(ax, len(items))
    ax.barh(
        np.arange(len(items)),
        [item.mean_abs for item in items],
        color=[POSITIVE if item.mean >= 0 else NEGATIVE for item in items],
    )
    ax.set_yticks(np.arange(len(items)), [item.feature for item in items])
    ax.set_xlabel("mean |weight| (colour: sign of the mean weight)")
    ax.set_title(f"Global importance for {key} over {len(explanations)} explanations")
    ax.figure.tight_layout()
    return ax
