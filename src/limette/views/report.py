"""Self-contained HTML for explanations: one file, inline CSS/SVG/script, no network.

A page shows, for every explanation, the model's prediction, a diverging bar chart of the
surrogate's weights with the features' readable conditions, the instance's values, the
fidelity of the surrogate and, when the surrogate reports them, intervals of the weights
(at the explanation's ``interval_level``, 95% by default). Controls change the number of
features shown and the explained label without recomputing (the page holds every selected
feature of every explained label and its script only shows or hides them). With several
explanations a global summary (mean absolute weight per feature) comes first.

Modalities add their own content (a highlighted text, image overlays) by registering a
function for their :attr:`Explanation.kind` with :func:`register_section`.

Everything that came from the user's data is escaped; the explanation's data is embedded
as JSON in a ``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped;
a Content-Security-Policy forbids any network access and any script but the page's own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ._assets import CONTENT_SECURITY_POLICY, SCRIPT, STYLE
from ._summary import global_importance, render_summary
from .svg import Bar, bar_chart, number, png_data_uri, weight_color

if TYPE_CHECKING:
    from ..explanation import Explanation

__all__ = [
    "SectionRenderer",
    "global_importance",
    "png_data_uri",
    "register_section",
    "render_fragment",
    "render_report",
    "render_summary",
    "weight_color",
]

#: ``renderer(explanation, label) -> html`` adds a modality's content to a label's panel.
#: The returned markup is inserted as is: the renderer must escape what it takes from data.
SectionRenderer = Callable[["Explanation", int], str]
_Renderer = TypeVar("_Renderer", bound=SectionRenderer)

_SECTIONS: dict[str, SectionRenderer] = {}

#: Features shown before the reader asks for more.
DEFAULT_SHOWN = 10
#: Longest side, in pixels, of the pictures in a report: a 4000×4000 photo's report holds
#: it at 500×500 (:meth:`Explanation.downscaled`); the explanation keeps full resolution.
REPORT_SIDE = 512
#: Classes listed in the prediction chart (the explained ones are always included).
SHOWN_CLASSES = 10
#: Fidelity below which the report warns: weighted R², and the gap between surrogate and
#: model at the instance as a fraction of the spread of the model's outputs over the samples.
LOW_SCORE, LARGE_GAP = 0.5, 0.1


def register_section(kind: str) -> Callable[[_Renderer], _Renderer]:
    """Register the renderer of a modality's extra content (a decorator).

    Parameters
    ----------
    kind : str
        The :attr:`Explanation.kind` the renderer is for (``"text"``, ``"image"``, ...).

    Examples
    --------
    >>> from limette.report import register_section
    >>> @register_section("my-kind")
    ... def _my_section(explanation, label):
    ...     return "<p>extra content</p>"
    """

    def decorate(renderer: _Renderer) -> _Renderer:
        _SECTIONS[kind] = renderer
        return renderer

    return decorate


# ---------------------------------------------------------------------- pieces
def _prediction(explanation: Explanation) -> str:
    if explanation.mode == "regression":
        low, high = explanation.min_value, explanation.max_value
        spread = (
            ""
            if low is None or high is None
            else (
                f" <span class='lm-meta'>(over the perturbed samples {number(low)} … "
                f"{number(high)})</span>"
            )
        )
        return f"<p>Predicted value <b>{number(explanation.model_output[0])}</b>{spread}</p>"
    output = explanation.model_output
    order = [int(i) for i in np.argsort(-output, kind="stable")[:SHOWN_CLASSES]]
    order += [label for label in explanation.labels if label not in order]
    bars = [
        Bar(explanation.label_name(i), float(output[i]), emphasis=i in explanation.labels)
        for i in order
    ]
    chart = bar_chart(
        bars,
        css_class="lm-probabilities",
        diverging=False,
        signed_values=False,
        label="predicted probabilities",
    )
    more = len(output) - len(order)
    note = f"<p class='lm-meta'>{more} more classes not shown</p>" if more > 0 else ""
    return f"<h3>Prediction probabilities</h3>{chart}{note}"


def _controls(explanation: Explanation, most: int, shown: int) -> str:
    parts = ['<div class="lm-controls" hidden>']
    if len(explanation.labels) > 1:
        options = "".join(
            f'<option value="{label}">{escape(explanation.label_name(label))}</option>'
            for label in explanation.labels
        )
        parts.append(f'<label>Explained label <select class="lm-label">{options}</select></label>')
    parts.append(
        f'<label>Features shown <input class="lm-count" type="number" min="1" max="{most}" '
        f'value="{shown}"></label><span class="lm-meta">of {most}</span></div>'
    )
    return "".join(parts)


def _gap_scale(explanation: Explanation, row: int) -> float:
    label = explanation.labels[row]
    if explanation.output_range is not None and label < len(explanation.output_range):
        low, high = explanation.output_range[label]
        return max(float(high - low), 1e-12)
    return max(abs(float(explanation.model_pred[row])), 1.0)


def _fidelity(explanation: Explanation, row: int) -> str:
    gap = float(explanation.fidelity_gap[row])
    score = float(explanation.score[row])
    items = [
        ("weighted R²", number(score)),
        ("adjusted R²", number(float(explanation.adjusted_score[row]))),
        ("surrogate at instance", number(float(explanation.local_pred[row]))),
        ("model at instance", number(float(explanation.model_pred[row]))),
        ("fidelity gap", number(gap, signed=True)),
        ("intercept", number(float(explanation.intercept[row]))),
    ]
    cells = "".join(f"<span>{name} <b>{value}</b></span>" for name, value in items)
    problems = []
    if not score >= LOW_SCORE:
        problems.append(
            f"the surrogate explains little of the model's behaviour (R² < {LOW_SCORE})"
        )
    if abs(gap) > LARGE_GAP * _gap_scale(explanation, row):
        problems.append(
            f"the surrogate misses the model's output at the instance by more than "
            f"{LARGE_GAP:.0%} of the outputs' spread over the samples"
        )
    warning = (
        f"<p class='lm-warn'>Low fidelity: {'; '.join(problems)}. Read the weights with care.</p>"
        if problems
        else ""
    )
    return (
        f'<div class="lm-fidelity" title="fidelity of the local surrogate">{cells}</div>{warning}'
    )


def _instance_values(explanation: Explanation, label: int) -> str:
    """The tabular section: every feature of the instance with its value (folded)."""
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(str(value))}</td></tr>"
        for name, value in zip(explanation.feature_names, explanation.feature_values)
    )
    return (
        f"<details class='lm-values'><summary>All {len(explanation.feature_names)} features of "
        f"the instance</summary><table class='lm-table'><tr><th>feature</th><th>value</th>"
        f"</tr>{rows}</table></details>"
    )


def _features_table(explanation: Explanation, row: int, order: np.ndarray, shown: int) -> str:
    halves = explanation.interval_half_width()
    head = "<tr><th>#</th><th>feature</th><th>value</th><th>weight</th>"
    head += f"<th>{_level(explanation)} interval</th></tr>" if halves is not None else "</tr>"
    body = []
    for rank, j in enumerate(order):
        weight = float(explanation.coef[row, j])
        hidden = " class='lm-beyond'" if rank >= shown else ""
        cells = (
            f"<td class='lm-num'>{rank + 1}</td><td>{escape(explanation.feature_names[j])}</td>"
            f"<td>{escape(str(explanation.feature_values[j]))}</td>"
            f"<td class='lm-num'>{number(weight, signed=True)}</td>"
        )
        if halves is not None:
            half = float(halves[row, j])
            cells += (
                f"<td class='lm-num'>{number(weight - half, True)} … "
                f"{number(weight + half, True)}</td>"
            )
        body.append(f"<tr data-rank='{rank}'{hidden}>{cells}</tr>")
    return f"<table class='lm-table lm-features'>{head}{''.join(body)}</table>"


def _level(explanation: Explanation) -> str:
    """The intervals' level as a percentage (``95%``)."""
    return f"{explanation.interval_level:.0%}"


def _panel(explanation: Explanation, row: int, shown: int, hidden: bool) -> str:
    label = explanation.labels[row]
    name = escape(explanation.label_name(label))
    order = explanation.feature_order(row)
    halves = explanation.interval_half_width()
    intervals = [None] * len(order) if halves is None else [float(halves[row, j]) for j in order]
    bars = [
        Bar(explanation.feature_names[j], float(explanation.coef[row, j]), interval)
        for j, interval in zip(order, intervals)
    ]
    extra = _SECTIONS.get(explanation.kind)
    modality = f'<div class="lm-modality">{extra(explanation, label)}</div>' if extra else ""
    what = "the predicted value" if explanation.mode == "regression" else f"“{name}”"
    chart = bar_chart(
        bars,
        css_class="lm-weights",
        diverging=True,
        shown=shown,
        label=f"feature weights for {explanation.label_name(label)}",
    )
    interval_note = f" · whiskers: {_level(explanation)} intervals" if halves is not None else ""
    up, down = (
        ("raises the value", "lowers the value")
        if explanation.mode == "regression"
        else (f"towards {what}", f"away from {what}")
    )
    return (
        f'<div class="lm-panel" data-label="{label}"{" hidden" if hidden else ""}>'
        f"<h3>Explanation for {what}</h3>{modality}"
        f'<div class="lm-legend"><span class="lm-key lm-pos"></span>{up}'
        f'<span class="lm-key lm-neg"></span>{down}{interval_note}</div>'
        f"{chart}{_fidelity(explanation, row)}"
        f"{_features_table(explanation, row, order, shown)}</div>"
    )


def _meta(explanation: Explanation) -> str:
    meta = explanation.metadata
    parts = [f"kind {explanation.kind}", f"{explanation.num_samples} samples"]
    parts += [f"{key} {meta[key]}" for key in ("explainer", "seed") if key in meta]
    if meta.get("num_samples") == "auto":
        parts.append(
            f"num_samples='auto': {meta.get('samples_used')} samples, stopped: "
            f"{meta.get('stop_reason')}, expected top-{meta.get('top_k')} Jaccard with a re-run "
            f"{_number(meta.get('redraw_jaccard'))} ± {_number(meta.get('redraw_jaccard_se'))} "
            f"(target {_number(meta.get('target_jaccard'))})"
        )
    return f"<p class='lm-meta'>{escape(' · '.join(str(p) for p in parts))}</p>"


def _number(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else str(value)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def script_json(data: Any) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element (``<``, ``>``, ``&`` escaped)."""
    try:  # the common case, at the C encoder's speed (an image's pixels are many numbers)
        text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    except ValueError:  # NaN or infinity somewhere: null them
        text = json.dumps(_finite(data), separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


register_section("tabular")(_instance_values)


# ---------------------------------------------------------------------- public
def render_fragment(
    explanation: Explanation, title: str = "", *, anchor: str = "", embed_data: bool = True
) -> str:
    """One explanation as an HTML ``<section>`` (no script or style; see :func:`render_report`).

    Parameters
    ----------
    explanation : Explanation
    title : str
        Heading of the section (escaped).
    anchor : str
        ``id`` of the section, for links from a table of contents.
    embed_data : bool
        Embed the explanation's JSON (:meth:`Explanation.to_dict`) in the section.
    """
    explanation = explanation.downscaled(REPORT_SIDE)
    order_sizes = [len(explanation.feature_order(row)) for row in range(len(explanation.labels))]
    most = max(max(order_sizes, default=0), 1)
    shown = min(most, DEFAULT_SHOWN)
    ident = f' id="{escape(anchor)}"' if anchor else ""
    parts = [f'<section class="limette-explanation" data-kind="{escape(explanation.kind)}"{ident}>']
    if title:
        parts.append(f"<h2>{escape(title)}</h2>")
    parts.append(_prediction(explanation))
    parts.append(_controls(explanation, most, shown))
    parts += [_panel(explanation, row, shown, row > 0) for row in range(len(explanation.labels))]
    parts.append(_meta(explanation))
    if embed_data:
        parts.append(
            f'<script type="application/json" class="lm-data">'
            f"{script_json(explanation.to_dict())}</script>"
        )
    parts.append("</section>")
    return "".join(parts)


def render_report(
    explanations: Sequence[Explanation],
    title: str = "limette report",
    captions: Sequence[str] | None = None,
    *,
    embed_data: bool = True,
) -> str:
    """A complete, self-contained HTML page with every explanation.

    Parameters
    ----------
    explanations : sequence of Explanation
    title : str
        Page title (escaped).
    captions : sequence of str, optional
        One heading per explanation.
    embed_data : bool
        Embed each explanation's JSON in the page.

    Returns
    -------
    str
        The page; with more than one explanation it starts with a global importance summary
        and a table of contents.

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, mode="regression", random_state=0)
    >>> page = render_report([explainer.explain(X[0], lambda r: r[:, 0], num_samples=200)])
    >>> page.startswith("<!DOCTYPE html>")
    True
    """
    explanations = list(explanations)
    captions = list(captions) if captions is not None else [""] * len(explanations)
    if len(captions) != len(explanations):
        from ..errors import InputError

        raise InputError(
            f"captions has {len(captions)} entries; there are {len(explanations)} explanations"
        )
    many = len(explanations) > 1
    sections = [
        render_fragment(
            e,
            c or (f"Explanation {i + 1}" if many else ""),
            anchor=f"lm-e{i}",
            embed_data=embed_data,
        )
        for i, (e, c) in enumerate(zip(explanations, captions))
    ]
    toc = ""
    if many:
        links = "".join(
            f'<li><a href="#lm-e{i}">{escape(c or f"Explanation {i + 1}")}</a></li>'
            for i, c in enumerate(captions)
        )
        toc = f'<nav class="lm-toc"><ol>{links}</ol></nav>'
    summary = render_summary(explanations) if many else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body class="limette-page"><h1>{escape(title)}</h1>{toc}{summary}'
        f"{''.join(sections)}<script>{SCRIPT}</script></body></html>"
    )


def notebook_html(explanation: Explanation) -> str:
    """The markup of ``Explanation._repr_html_``: one section with its style and script."""
    return (
        f'<div class="limette"><style>{STYLE}</style>'
        f"{render_fragment(explanation, embed_data=False)}<script>{SCRIPT}</script></div>"
    )
