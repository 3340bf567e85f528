"""Reports in a real browser: headless Chromium driven by Playwright.

Checks that a page loads with no console errors and no network requests, shows the
expected bars, reacts to its controls, renders something (a screenshot that is not
blank, kept under ``test-artifacts/``) and never runs code that came from the data.

Outside CI these tests skip when Chromium or Playwright is missing; in CI they fail
(see ``_browser.py``).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import limette
from _browser import launch_chromium
from _factories import make_explanation, many_features
from limette.report import notebook_html, render_report

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
EVIL_NAME = '<script>window.__pwned = 1</script>"quoted" & &amp; &lt;b&gt;'
EVIL_VALUE = '<img src=x onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


class Opened:
    """A page with everything it logged and requested."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1000, "height": 800})
        self.url = path.resolve().as_uri()
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", self._record)
        self.page.route("**/*", self._route)
        self.page.goto(self.url)

    def _record(self, request) -> None:
        if request.url != self.url and not request.url.startswith("data:"):
            self.requests.append(request.url)

    def _route(self, route) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def visible_bars(self, chart: str = "svg.lm-weights") -> int:
        return self.page.locator(f"{chart} g.lm-row:visible").count()

    def set_count(self, value: int, scope: str = "") -> None:
        self.page.locator(f"{scope} input.lm-count".strip()).first.fill(str(value))

    def assert_clean(self) -> None:
        assert self.console == []
        assert self.requests == []
        assert self.page.evaluate("window.__pwned") is None


def _write(tmp_path: Path, name: str, page: str) -> Path:
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    return path


def _check_screenshot(opened: Opened, name: str) -> None:
    image = pytest.importorskip("PIL.Image")
    ARTIFACTS.mkdir(exist_ok=True)
    png = opened.page.screenshot(full_page=True, path=str(ARTIFACTS / name))
    pixels = np.asarray(image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    not_white = (pixels.sum(axis=2) < 720).mean()
    colours = len(np.unique(pixels.reshape(-1, 3), axis=0))
    assert not_white > 0.01 and colours > 20, (not_white, colours)


def test_tabular_report_loads_cleanly_and_reacts(browser, tmp_path, cancer, cancer_forest):
    explainer = limette.TabularExplainer(
        cancer.data[:450],
        feature_names=list(cancer.feature_names),
        class_names=list(cancer.target_names),
        random_state=0,
    )
    explanation = explainer.explain(
        cancer.data[460],
        cancer_forest.predict_proba,
        num_features=12,
        num_samples=800,
        top_labels=2,
    )
    opened = Opened(browser, _write(tmp_path, "tabular.html", render_report([explanation])))
    page = opened.page
    assert page.locator("div.lm-controls").first.is_visible()  # the script ran
    assert opened.visible_bars() == 10
    opened.set_count(3)
    assert opened.visible_bars() == 3
    assert page.locator("table.lm-features tr[data-rank]:visible").count() == 3
    height = page.locator("svg.lm-weights").first.get_attribute("height")
    assert int(height) == 12 + 3 * 22
    opened.set_count(50)  # clamped to the 12 features there are
    assert opened.visible_bars() == 12
    # switch the explained label: the other panel shows, with its own bars
    labels = page.locator("select.lm-label")
    labels.select_option(str(explanation.labels[1]))
    visible_panels = page.locator(".lm-panel:visible")
    assert visible_panels.count() == 1
    assert visible_panels.first.get_attribute("data-label") == str(explanation.labels[1])
    names = visible_panels.first.locator("svg.lm-weights text.lm-name").all_text_contents()
    expected = [name for name, _ in explanation.as_list(explanation.labels[1])]
    assert names == [n if len(n) <= 44 else n[:43] + "…" for n in expected]
    opened.set_count(10)
    _check_screenshot(opened, "report-tabular.png")
    opened.assert_clean()


def test_data_is_shown_literally_and_never_executed(browser, tmp_path):
    explanation = make_explanation(
        names=[EVIL_NAME, "b", "c"],
        values=[EVIL_VALUE, "1", "2"],
        class_names=(EVIL_NAME, "ok"),
        labels=(0,),
    )
    path = _write(
        tmp_path,
        "evil.html",
        render_report([explanation, explanation], EVIL_NAME, [EVIL_VALUE, "x"]),
    )
    opened = Opened(browser, path)
    page = opened.page
    assert page.title() == EVIL_NAME
    assert page.locator("h1").inner_text() == EVIL_NAME
    cells = page.locator("#lm-e0 table.lm-features td").all_text_contents()
    assert EVIL_NAME in cells and EVIL_VALUE in cells
    assert page.locator("#lm-e0 h2").inner_text() == EVIL_VALUE
    assert page.locator("img").count() == 0
    # the embedded JSON holds the same strings
    parsed = page.evaluate(
        "JSON.parse(document.querySelector('#lm-e0 script.lm-data').textContent).feature_names"
    )
    assert parsed["__tuple__"][0] == EVIL_NAME
    opened.assert_clean()


def test_summary_of_many_explanations(browser, tmp_path):
    explanations = [many_features(n=14, labels=(1,), seed=s) for s in range(3)]
    opened = Opened(browser, _write(tmp_path, "many.html", render_report(explanations)))
    assert opened.page.locator("section.limette-explanation").count() == 4
    summary = "section.limette-summary"
    assert opened.visible_bars(f"{summary} svg.lm-importance") == 14
    opened.set_count(5, summary)
    assert opened.visible_bars(f"{summary} svg.lm-importance") == 5
    assert opened.visible_bars("#lm-e0 svg.lm-weights") == 10  # other sections unchanged
    opened.assert_clean()


def test_notebook_fragments_work_side_by_side(browser, tmp_path):
    first, second = many_features(n=12, labels=(0, 1)), many_features(n=12, labels=(1,), seed=1)
    page = f"<!DOCTYPE html><html><body>{notebook_html(first)}{notebook_html(second)}</body></html>"
    opened = Opened(browser, _write(tmp_path, "notebook.html", page))
    assert opened.visible_bars() == 20
    opened.page.locator("input.lm-count").nth(1).fill("4")
    assert opened.visible_bars() == 14
    opened.assert_clean()


def test_text_report_in_the_browser(browser, tmp_path):
    if not hasattr(limette, "TextExplainer"):
        pytest.skip("limette.TextExplainer is not on this branch yet")
    texts = ["good great fine", "bad awful poor", "good film", "awful plot"]

    def classify(batch):
        scores = np.array([[t.count("good") + t.count("great"), t.count("bad")] for t in batch])
        scores = scores + 0.5
        return scores / scores.sum(axis=1, keepdims=True)

    explanation = limette.TextExplainer(random_state=0).explain(
        texts[0] + " " + texts[1], classify, num_samples=300
    )
    opened = Opened(browser, _write(tmp_path, "text.html", explanation.to_html()))
    assert opened.visible_bars() >= 1
    _check_screenshot(opened, "report-text.png")
    opened.assert_clean()


def test_image_report_in_the_browser(browser, tmp_path):
    if not hasattr(limette, "ImageExplainer"):
        pytest.skip("limette.ImageExplainer is not on this branch yet")
    from limette.cli._inputs import grid_segmentation

    image = np.zeros((32, 32, 3))
    image[:16] = 1.0

    def classify(batch):
        bright = np.asarray(batch).mean(axis=(1, 2, 3))
        return np.column_stack([1 - bright, bright])

    explanation = limette.ImageExplainer(random_state=0).explain(
        image, classify, top_labels=1, num_samples=100, segmentation_fn=grid_segmentation(16)
    )
    opened = Opened(browser, _write(tmp_path, "image.html", explanation.to_html()))
    assert opened.visible_bars() >= 1
    _check_screenshot(opened, "report-image.png")
    opened.assert_clean()
