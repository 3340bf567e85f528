"""matplotlib figures of explanations. Functions take ``ax=`` and return the axes.

matplotlib is imported only when a plot is asked for.
"""

from __future__ import annotations

from typing import Any

from .errors import MissingDependencyError
from .explanation import Explanation

__all__ = ["plot_weights"]

POSITIVE, NEGATIVE = "#2e8540", "#c0392b"


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("plots need matplotlib: pip install 'limette[plot]'") from None
    return plt


def plot_weights(
    explanation: Explanation,
    label: int | None = None,
    ax: Any = None,
    num_features: int | None = None,
) -> Any:
    """Horizontal bars of the weights for ``label``, largest at the top (lime's look).

    When the explanation has standard errors, each bar gets an error bar spanning its
    interval (:meth:`Explanation.coef_interval`).

    Parameters
    ----------
    explanation : Explanation
    label : int, optional
        Defaults to the first explained label.
    ax : matplotlib Axes, optional
        Drawn on a new figure when omitted.
    num_features : int, optional
        Show only the strongest features.

    Returns
    -------
    matplotlib.axes.Axes
    """
    plt = _pyplot()
    items = explanation.as_list(label)[:num_features]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.4 * len(items) + 1.2))
    names = [name for name, _ in reversed(items)]
    weights = [weight for _, weight in reversed(items)]
    interval = explanation.coef_interval()
    errors = None
    if interval is not None:
        row = explanation._row(label)
        shown_features = explanation._order(row)[: len(items)][::-1]
        errors = (interval[1] - explanation.coef)[row, shown_features]
    ax.barh(
        range(len(items)),
        weights,
        xerr=errors,
        color=[POSITIVE if w > 0 else NEGATIVE for w in weights],
        error_kw={"ecolor": "#333", "capsize": 3},
    )
    ax.set_yticks(range(len(items)), names)
    ax.axvline(0, color="#444", linewidth=0.8)
    shown = explanation.labels[0] if label is None else label
    ax.set_title(f"Local explanation for {explanation.label_name(shown)}")
    ax.set_xlabel("weight")
    ax.figure.tight_layout()
    return ax
