"""Self-contained, escaped HTML for explanations: no scripts from elsewhere, no network.

Everything that came from the user's data (feature names, values, class names) goes
through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .explanation import Explanation

__all__ = ["render_fragment", "render_report"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222}
section.explanation{border:1px solid #ddd;border-radius:8px;padding:1rem 1.5rem;margin:1rem 0}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;font-size:14px}
.bar{height:14px;display:inline-block;vertical-align:middle}
.pos{background:#2e8540}.neg{background:#c0392b}
.axis{display:inline-block;width:160px;position:relative}
.meta{color:#666;font-size:13px}
"""


def _bar(weight: float, largest: float) -> str:
    width = 0 if largest == 0 else round(80 * abs(weight) / largest)
    side = "margin-left:80px" if weight >= 0 else f"margin-left:{80 - width}px"
    kind = "pos" if weight >= 0 else "neg"
    return (
        f'<span class="axis"><span class="bar {kind}" style="width:{width}px;{side}"></span></span>'
    )


def _prediction(explanation: Explanation) -> str:
    if explanation.mode == "regression":
        return (
            f"<p>Predicted value <b>{explanation.model_output[0]:.4g}</b> "
            f"(range over samples {explanation.min_value:.4g} … {explanation.max_value:.4g})</p>"
        )
    cells = "".join(
        f"<tr><td>{escape(explanation.label_name(i))}</td><td>{p:.3f}</td></tr>"
        for i, p in enumerate(explanation.model_output)
    )
    return f"<table><tr><th>class</th><th>probability</th></tr>{cells}</table>"


def render_fragment(explanation: Explanation, title: str = "") -> str:
    """One explanation as an HTML ``<section>`` (for notebooks and reports)."""
    if explanation.kind == "image":
        from .plot_image import render_image_fragment

        return render_image_fragment(explanation, title)  # type: ignore[arg-type]
    parts = [
        f'<section class="explanation"><h2>{escape(title)}</h2>'
        if title
        else '<section class="explanation">'
    ]
    parts.append(_prediction(explanation))
    for row, label in enumerate(explanation.labels):
        items = explanation.as_list(label)
        largest = max((abs(w) for _, w in items), default=0.0)
        index = {name: j for j, name in enumerate(explanation.feature_names)}
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td>{escape(explanation.feature_values[index[name]])}</td>"
            f"<td>{_bar(weight, largest)}</td><td>{weight:+.4f}</td></tr>"
            for name, weight in items
        )
        parts.append(
            f"<h3>Explanation for {escape(explanation.label_name(label))}</h3>"
            f'<p class="meta">weighted R² {explanation.score[row]:.3f} · surrogate prediction '
            f"{explanation.local_pred[row]:.4f} vs model {explanation.model_pred[row]:.4f} · "
            f"{explanation.num_samples} samples</p>"
            f"<table><tr><th>feature</th><th>value</th><th>weight</th><th></th></tr>{rows}</table>"
        )
    parts.append("</section>")
    return "".join(parts)


def render_report(
    explanations: Sequence[Explanation],
    title: str = "limette report",
    captions: Sequence[str] | None = None,
) -> str:
    """A complete HTML page with every explanation, styled inline."""
    captions = list(captions) if captions is not None else [""] * len(explanations)
    body = "".join(render_fragment(e, c) for e, c in zip(explanations, captions))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
