"""The HTML report: self-contained, escaped, complete; the modality hook; global importance."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import io
import json
import re

import numpy as np
import pytest

from _factories import make_explanation, many_features
from limette import Explanation, TabularExplainer
from limette.errors import InputError
from limette.report import (
    global_importance,
    png_data_uri,
    register_section,
    render_fragment,
    render_report,
    script_json,
    weight_color,
)
from limette.views._assets import CONTENT_SECURITY_POLICY, SCRIPT

EVIL = "<script>alert(\"x\")</script> & &amp; 'q' </script><img src=x onerror=alert(1)>"


def _json_blocks(page: str) -> list[dict]:
    found = re.findall(r'<script type="application/json" class="lm-data">(.*?)</script>', page)
    return [json.loads(text) for text in found]


def test_page_is_self_contained_and_pins_its_script():
    page = render_report([make_explanation()], title="t")
    assert page.startswith("<!DOCTYPE html>")
    # nothing is loaded from elsewhere: every src/href is an anchor or a data URI
    for attribute in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert attribute.startswith(("#", "data:")), attribute
    assert "<link" not in page and "@import" not in page
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert '"' not in CONTENT_SECURITY_POLICY and "<" not in CONTENT_SECURITY_POLICY
    assert f'content="{CONTENT_SECURITY_POLICY}"' in page
    assert "default-src 'none'" in page
    assert page.count("<script>") == 1 and f"<script>{SCRIPT}</script>" in page


def test_user_text_is_escaped_everywhere():
    explanation = make_explanation(
        names=[EVIL, "b", "c"],
        values=[EVIL, "1", "2"],
        class_names=(EVIL, "yes"),
        labels=(0, 1),
        coef=((0.5, -0.25, 0.1), (0.2, 0.3, -0.4)),
    )
    page = render_report([explanation, explanation], title=EVIL, captions=[EVIL, "two"])
    assert "<script>alert" not in page
    assert "<img" not in page
    assert html.escape(EVIL) in page
    # exactly our own scripts: one code block and one JSON block per explanation
    assert page.count("<script") == 3
    blocks = _json_blocks(page)
    assert len(blocks) == 2 and "</" not in page.split('class="lm-data">')[1].split("</script>")[0]
    rebuilt = Explanation.from_dict(blocks[0])
    assert rebuilt.feature_names[0] == EVIL and rebuilt.class_names[0] == EVIL
    np.testing.assert_array_equal(rebuilt.coef, explanation.coef)


def test_script_json_escapes_markup_and_non_finite_numbers():
    text = script_json({"a": "</script><b>&", "b": [float("nan"), 1.5, float("inf")]})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><b>&", "b": [None, 1.5, None]}


def test_every_selected_feature_is_a_bar_and_only_ten_start_visible():
    explanation = many_features(n=14, labels=(0, 1))
    page = render_fragment(explanation)
    panels = page.split('class="lm-panel"')[1:]
    assert len(panels) == 2
    for row, panel in enumerate(panels):
        chart = panel.split('class="lm-chart lm-weights"')[1].split("</svg>")[0]
        assert chart.count('<g class="lm-row') == 14
        assert chart.count("lm-beyond") == 4
        # bars in order of decreasing |weight|, with the weights' signs
        names = re.findall(r'<text class="lm-name"[^>]*>([^<]*)</text>', chart)
        expected = [name for name, _ in explanation.as_list(explanation.labels[row])]
        assert names == expected
        assert chart.count("lm-neg") == int((explanation.coef[row] < 0).sum())
    assert 'max="14" value="10"' in page
    assert page.count("<option") == 2  # the label selector


def test_label_panels_and_fidelity_numbers():
    explanation = make_explanation(coef=((0.5, -0.25, 0.0), (0.1, 0.0, 0.2)), labels=(0, 1))
    page = render_fragment(explanation)
    assert '<div class="lm-panel" data-label="0">' in page
    assert '<div class="lm-panel" data-label="1" hidden>' in page
    # local prediction 0.1 + 0.25 = 0.35 vs model 0.3 → gap +0.05
    assert "surrogate at instance <b>0.35</b>" in page
    assert "model at instance <b>0.3</b>" in page
    assert "fidelity gap <b>+0.05</b>" in page
    assert "weighted R² <b>0.8</b>" in page


def test_uncertainty_intervals_are_drawn_and_listed():
    explanation = make_explanation(coef_std=((0.1, 0.05, 0.0),))
    page = render_fragment(explanation)
    assert page.count('class="lm-whisker"') == 2
    assert "95% interval" in page
    # 0.5 ± 1.96 · 0.1
    assert "+0.304 … +0.696" in page
    assert "lm-whisker" not in render_fragment(make_explanation())


def test_regression_shows_the_value_and_its_range():
    explanation = make_explanation(mode="regression", labels=(0,), class_names=None)
    page = render_fragment(explanation)
    assert "Predicted value <b>2.5</b>" in page and "0 … 1" in page
    assert "lm-probabilities" not in page


def test_probabilities_list_top_classes_and_the_explained_ones():
    output = np.linspace(1, 2, 30)
    output /= output.sum()
    explanation = make_explanation(labels=(0,), class_names=None, model_output=output)
    chart = render_fragment(explanation).split("lm-probabilities")[1].split("</svg>")[0]
    names = re.findall(r'<text class="lm-name"[^>]*>([^<]*)</text>', chart)
    assert names == [str(i) for i in range(29, 19, -1)] + ["0"]
    assert chart.count("lm-emphasis") == 1


class _HookedExplanation(Explanation):
    kind = "report-test-kind"


@register_section("report-test-kind")
def _hooked(explanation, label):
    return f"<p class='hooked'>extra for label {label}</p>"


def test_modality_sections_plug_in_by_kind():
    explanation = make_explanation(
        coef=((0.5, -0.25, 0.0), (0.1, 0.0, 0.2)), labels=(0, 1), cls=_HookedExplanation
    )
    page = render_fragment(explanation)
    assert "<p class='hooked'>extra for label 0</p>" in page
    assert "<p class='hooked'>extra for label 1</p>" in page
    assert "hooked" not in render_fragment(make_explanation())


def test_global_importance_known_answer():
    first = make_explanation(coef=((0.5, -0.25, 0.0),))
    second = make_explanation(coef=((-0.3, 0.0, 0.2),))
    table = global_importance([first, second])
    assert list(table) == ["yes"]
    got = [(item.feature, item.mean_abs, item.mean, item.count) for item in table["yes"]]
    expected = [("a", 0.4, 0.1, 2), ("b", 0.125, -0.125, 1), ("c", 0.1, 0.1, 1)]
    assert [g[0] for g in got] == [e[0] for e in expected]
    assert [g[3] for g in got] == [e[3] for e in expected]
    np.testing.assert_allclose([g[1:3] for g in got], [e[1:3] for e in expected])
    assert [item.feature for item in table["yes"]] == ["a", "b", "c"]


def test_report_of_several_has_summary_and_contents():
    explanations = [make_explanation(coef=((0.5, -0.25, 0.0),)), make_explanation()]
    page = render_report(explanations, captions=["first <b>", "second"])
    assert "Global importance over 2 explanations" in page
    assert '<a href="#lm-e0">first &lt;b&gt;</a>' in page and 'id="lm-e1"' in page
    summary = page.split("limette-summary")[1].split("</section>")[0]
    assert summary.count('<g class="lm-row') == 2
    with pytest.raises(InputError, match="captions has 1 entries"):
        render_report(explanations, captions=["one"])
    assert "Global importance" not in render_report(explanations[:1])


def test_explanation_views_route_to_the_report(tmp_path):
    explanation = make_explanation()
    assert explanation.to_html() == render_report([explanation])
    explanation.save_html(tmp_path / "e.html")
    assert (tmp_path / "e.html").read_text(encoding="utf-8") == explanation.to_html()
    notebook = explanation._repr_html_()
    assert notebook.startswith('<div class="limette"><style>') and SCRIPT in notebook
    assert "lm-data" not in notebook


def test_report_of_a_real_tabular_explanation(cancer, cancer_forest):
    explainer = TabularExplainer(
        cancer.data[:450], feature_names=list(cancer.feature_names), random_state=0
    )
    explanation = explainer.explain(
        cancer.data[460], cancer_forest.predict_proba, num_features=6, num_samples=500
    )
    page = render_report([explanation])
    for name, weight in explanation.as_list():
        assert html.escape(name) in page and f"{weight:+.3g}" in page
    assert page.count('<g class="lm-row') == 6 + 2  # weights + the two class probabilities


def test_png_data_uri_round_trip():
    image = pytest.importorskip("PIL.Image")
    pixels = np.zeros((3, 4, 3))
    pixels[1, 2] = (1.0, 0.5, 0.0)
    uri = png_data_uri(pixels)
    decoded = np.asarray(image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))
    assert decoded.shape == (3, 4, 3) and decoded.sum() > 0
    np.testing.assert_array_equal(decoded, np.round(pixels * 255).astype(np.uint8))
    gray = np.asarray(image.open(io.BytesIO(base64.b64decode(png_data_uri(pixels[..., 0])[22:]))))
    np.testing.assert_array_equal(gray, np.round(pixels[..., 0] * 255).astype(np.uint8))
    with pytest.raises(InputError, match="image must have shape"):
        png_data_uri(np.zeros((2, 2, 2)))


def test_weight_color_follows_sign_and_size():
    assert weight_color(1.0, 2.0) == "rgba(33,102,172,0.500)"
    assert weight_color(-4.0, 2.0) == "rgba(178,24,43,1.000)"
    assert weight_color(1.0, 0.0).endswith(",0.000)")


def test_low_fidelity_is_flagged():
    close = make_explanation(labels=(0,))  # 0.35 vs 0.3: gap 0.05, R² 0.8
    assert "Low fidelity" not in render_fragment(close)
    far = render_fragment(make_explanation(coef=((0.5, 0.0, 0.0),), labels=(0,)))  # 0.6 vs 0.3
    assert "Low fidelity" in far and "misses the model's output" in far
    poor = dataclasses.replace(close, score=np.array([0.2]))
    assert "explains little of the model" in render_fragment(poor)


def test_tabular_section_lists_every_value_of_the_instance():
    explanation = make_explanation(names=["a", "b", "c<"], values=["1", "2", "<3>"])
    page = render_fragment(explanation)
    assert "All 3 features of the instance" in page
    assert "<tr><td>c&lt;</td><td>&lt;3&gt;</td></tr>" in page
