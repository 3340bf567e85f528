"""Global importance over many explanations: mean absolute weight per feature and label,
and its section of the HTML report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from .svg import Bar, bar_chart, number

if TYPE_CHECKING:
    from ..explanation import Explanation


@dataclass(frozen=True)
class Importance:
    """One feature's importance for one label over several explanations.

    ``mean_abs`` and ``mean`` average over the ``total`` explanations that explained the
    label, counting a feature that an explanation did not select as weight 0; ``count``
    says how many selected it.
    """

    feature: str
    mean_abs: float
    mean: float
    count: int
    total: int


def global_importance(explanations: Sequence[Explanation]) -> dict[str, list[Importance]]:
    """Mean ``|weight|`` of every feature, per explained label, largest first.

    Features are matched by name (for tabular explanations with discretized features the
    name is the condition, such as ``"age > 40"``). Labels are matched by their name.

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False,
    ...                              random_state=0)
    >>> results = [explainer.explain(row, lambda r: 3 * r[:, 0], num_samples=300) for row in X[:3]]
    >>> [item.feature for item in global_importance(results)["value"]]
    ['0', '1']
    """
    sums: dict[str, dict[str, list[float]]] = {}
    totals: dict[str, int] = {}
    for explanation in explanations:
        for row, label in enumerate(explanation.labels):
            name = explanation.label_name(label)
            totals[name] = totals.get(name, 0) + 1
            table = sums.setdefault(name, {})
            for j in np.flatnonzero(explanation.selected[row]):
                weight = float(explanation.coef[row, j])
                entry = table.setdefault(explanation.feature_names[j], [0.0, 0.0, 0.0])
                entry[0] += abs(weight)
                entry[1] += weight
                entry[2] += 1
    result = {}
    for name, table in sums.items():
        total = totals[name]
        items = [
            Importance(feature, s_abs / total, s / total, int(count), total)
            for feature, (s_abs, s, count) in table.items()
        ]
        result[name] = sorted(items, key=lambda item: (-item.mean_abs, item.feature))
    return result


def render_summary(explanations: Sequence[Explanation], num_features: int = 20) -> str:
    """The global importance section: mean absolute weight per feature and label."""
    table = global_importance(explanations)
    if not table:
        return ""
    label_names = list(table)
    most = max(1, max(len(rows) for rows in table.values()))
    shown = min(most, num_features)
    options = "".join(
        f'<option value="{i}">{escape(n)}</option>' for i, n in enumerate(label_names)
    )
    select = (
        f'<label>Label <select class="lm-label">{options}</select></label>'
        if len(label_names) > 1
        else ""
    )
    panels = []
    for i, name in enumerate(label_names):
        bars = [
            Bar(
                item.feature,
                item.mean_abs,
                tooltip=(
                    f"{item.feature}: mean |weight| {number(item.mean_abs)}, mean weight "
                    f"{number(item.mean, True)}, selected in {item.count} of {item.total}"
                ),
            )
            for item in table[name]
        ]
        chart = bar_chart(
            bars,
            css_class="lm-importance",
            diverging=False,
            shown=shown,
            signed_values=False,
            label=f"mean absolute weight for {name}",
        )
        panels.append(
            f'<div class="lm-panel" data-label="{i}"{" hidden" if i else ""}>'
            f"<h3>Mean |weight| for “{escape(name)}”</h3>{chart}</div>"
        )
    return (
        '<section class="limette-explanation limette-summary" id="lm-summary">'
        f"<h2>Global importance over {len(explanations)} explanations</h2>"
        f'<div class="lm-controls" hidden>{select}<label>Features shown '
        f'<input class="lm-count" type="number" min="1" max="{most}" value="{shown}"></label>'
        f'<span class="lm-meta">of {most}</span></div>{"".join(panels)}</section>'
    )
