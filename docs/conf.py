"""Sphinx configuration of limette's documentation site (``make docs``).

The gallery runs every script in ``examples/`` during the build (sphinx-gallery) and
shows what it prints, its figures and links to the HTML reports it writes. With
``LIMETTE_DOCS_QUICK=1`` (CI, ``make docs-quick``) the examples run with ``--quick``:
fewer samples, the same code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from _api import write_api_pages  # noqa: E402

import limette  # noqa: E402

project = "limette"
author = "the limette developers"
copyright = "2026, the limette developers"
release = limette.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_reports", "auto_examples/*.ipynb", "**/*.md5", "**/*.zip"]
templates_path = ["_templates"]

html_theme = "furo"
html_title = f"limette {release}"
html_static_path: list[str] = []
# Reports written by the gallery's examples are copied next to the pages.
EXTRA = HERE / "_reports"
REPORTS = EXTRA / "reports"
REPORTS.mkdir(parents=True, exist_ok=True)
html_extra_path = [str(EXTRA)]

autosummary_generate = True
autodoc_typehints = "none"  # numpydoc documents the types
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}  # methods get entries (search, cross-references)
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
intersphinx_mapping: dict[str, tuple[str, None]] = {}  # the build never uses the network
nitpicky = False
suppress_warnings = ["config.cache"]
myst_heading_anchors = 3

QUICK = os.environ.get("LIMETTE_DOCS_QUICK", "") not in ("", "0")


def _argv(gallery_conf: dict, script_vars: dict) -> list[str]:
    """Arguments each example runs with: where to write its outputs, and --quick in CI."""
    script = Path(script_vars["src_file"])
    writes = '"--out"' in script.read_text(encoding="utf-8")  # examples that write a report
    args = ["--out", str(REPORTS / f"{script.stem}.html")] if writes else []
    return [*args, "--quick"] if QUICK else args


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",  # run every example, not only plot_*.py
    "ignore_pattern": r"(__init__|_shared)\.py$",
    "reset_argv": _argv,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "capture_repr": (),
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "plot_gallery": "True",
}


def setup(app: object) -> None:
    write_api_pages(HERE / "api")
