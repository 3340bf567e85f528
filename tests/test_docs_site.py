"""The documentation site as a reader sees it: built pages in headless Chromium.

``make docs`` (or ``make docs-quick``, which ``make test`` runs first) builds the site into
``docs/_build/html``. These tests serve it on the loopback interface and check that the
entry pages render with no console errors and no requests leaving the site, that search
finds ``explain_many``, that every public name has an API entry, and that every example of
the gallery ran in the build that produced the site. Outside CI they skip when the site
has not been built.
"""

from __future__ import annotations

import functools
import http.server
import importlib
import threading
from pathlib import Path

import pytest

import limette
from _browser import in_ci, launch_chromium

COMPAT = [
    "lime_tabular",
    "lime_text",
    "lime_image",
    "lime_base",
    "discretize",
    "explanation",
    "submodular_pick",
    "exceptions",
    "wrappers.scikit_image",
    "utils.generic_utils",
]

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "docs" / "_build" / "html"
EXAMPLES = sorted(path.stem for path in (ROOT / "examples").glob("*.py"))
ENTRY_PAGES = [
    "index.html",
    "getting_started.html",
    "auto_examples/index.html",
    "auto_examples/tabular_breast_cancer.html",
    "auto_examples/text_sentiment.html",
    "auto_examples/image_classifier.html",
    "api/generated/limette.TabularExplainer.html",
    "switching_lime.html",
    "switching_captum.html",
]


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").exists():
        if in_ci():
            pytest.fail("the documentation site is not built (make docs-quick)")
        pytest.skip("the documentation site is not built (make docs or make docs-quick)")
    return SITE


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


def _open(browser, server: str, page: str):
    """Load a page; return it with its console messages and requests leaving the site."""
    tab = browser.new_page(viewport={"width": 1200, "height": 900})
    console: list[str] = []
    outside: list[str] = []
    tab.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else 0)
    tab.on("pageerror", lambda e: console.append(f"pageerror: {e}"))

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(server) or url.startswith("data:"):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    tab.route("**/*", route)
    response = tab.goto(f"{server}/{page}", wait_until="load")
    assert response is not None and response.ok, page
    return tab, console, outside


@pytest.mark.parametrize("page", ENTRY_PAGES)
def test_entry_pages_render_cleanly(browser, server, page):
    tab, console, outside = _open(browser, server, page)
    assert console == []
    assert outside == []
    assert tab.locator("h1").first.inner_text().strip() != ""
    tab.close()


def test_gallery_pages_show_what_the_examples_printed(site):
    for name in EXAMPLES:
        page = site / "auto_examples" / f"{name}.html"
        assert page.exists(), f"examples/{name}.py has no gallery page"
        assert "sphx-glr-script-out" in page.read_text(encoding="utf-8"), name


def test_reports_the_gallery_links_to_exist(site):
    for name in EXAMPLES:
        source = (ROOT / "examples" / f"{name}.py").read_text(encoding="utf-8")
        if f"<../reports/{name}.html>" in source:
            report = site / "reports" / f"{name}.html"
            assert report.exists(), f"examples/{name}.py links to a report it did not write"
            assert "Content-Security-Policy" in report.read_text(encoding="utf-8")


def test_examples_ran_in_this_build(site):
    times = (site / "sg_execution_times.html").read_text(encoding="utf-8")
    for name in EXAMPLES:
        assert f"{name}.py" in times, f"examples/{name}.py did not run in this build"


def test_search_finds_explain_many(browser, server):
    tab, console, outside = _open(browser, server, "search.html?q=explain_many")
    tab.wait_for_function(  # results arrive one by one; the summary comes last
        "(document.querySelector('#search-results') || {innerText: ''})"
        ".innerText.includes('Search finished')",
        timeout=30_000,
    )
    titles = tab.locator("#search-results li").all_inner_texts()
    assert any("TabularExplainer.explain_many" in title for title in titles), titles
    assert any("Many rows" in title for title in titles), titles
    assert console == [] and outside == []
    tab.close()


def _inventory(site: Path) -> set[str]:
    from sphinx.util.inventory import InventoryFile

    with open(site / "objects.inv", "rb") as handle:
        inventory = InventoryFile.load(handle, "", lambda base, uri: uri)
    return {name for entries in inventory.values() for name in entries}


def test_every_public_name_has_an_api_entry(site):
    documented = _inventory(site)
    missing = [name for name in limette.__all__ if f"limette.{name}" not in documented]
    missing = [name for name in missing if not name.startswith("__")]
    assert missing == []
    for module in COMPAT:
        name = f"limette.compat.lime.{module}"
        exported = importlib.import_module(name).__all__
        assert [f"{name}.{item}" for item in exported if f"{name}.{item}" not in documented] == []
