"""The public import paths: limette's own names and every module path documented since 0.1."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import limette

PUBLIC_API = [
    "AutoSamples",
    "BayesianRidge",
    "Bootstrap",
    "DecileDiscretizer",
    "Discretizer",
    "EntropyDiscretizer",
    "Explanation",
    "ExplanationSet",
    "ImageExplainer",
    "ImageExplanation",
    "KernelShap",
    "Lime",
    "LimeBase",
    "LinearFit",
    "PercentileDiscretizer",
    "QuartileDiscretizer",
    "RecurrentTabularExplainer",
    "Ridge",
    "SklearnSurrogate",
    "Surrogate",
    "TabularExplainer",
    "TextExplainer",
    "TextExplanation",
    "__version__",
    "write_explanations",
]

#: The modality packages (modules in 0.1) and the names their ``__init__`` exports.
PACKAGES = {
    "limette.tabular": [
        "DecileDiscretizer",
        "Discretizer",
        "EntropyDiscretizer",
        "PercentileDiscretizer",
        "QuartileDiscretizer",
        "RecurrentTabularExplainer",
        "TabularExplainer",
    ],
    "limette.text": ["TextExplainer", "TextExplanation"],
    "limette.image": ["ImageExplainer", "ImageExplanation"],
    "limette.tensor": ["KernelShap", "Lime", "LimeBase", "get_exp_kernel_similarity_function"],
    "limette.cli": ["main"],
}

#: The modules of 0.1 that moved into a package, where they went and the names the old path
#: keeps (README, DEVELOPERS.md, the examples and benchmarks use them).
MOVED = {
    "limette.discretize": (
        "limette.tabular.discretize",
        ["DISCRETIZERS", "Discretizer", "QuartileDiscretizer", "truncated_normal"],
    ),
    "limette.recurrent": ("limette.tabular.recurrent", ["RecurrentTabularExplainer"]),
    "limette.segmentation": (
        "limette.image.segmentation",
        ["SEGMENTERS", "Segmenter", "get_segmenter", "grid", "quickshift", "slic"],
    ),
    "limette.image_explanation": ("limette.image.explanation", ["ImageExplanation"]),
    "limette.plot_image": ("limette.image.plot", ["encode_png", "image_figure", "render_overlay"]),
    "limette.plot": (
        "limette.views.plot",
        ["NEGATIVE", "POSITIVE", "plot_summary", "plot_waterfall", "plot_weights"],
    ),
    "limette.report": (
        "limette.views.report",
        [
            "notebook_html",
            "png_data_uri",
            "register_section",
            "render_fragment",
            "render_report",
            "weight_color",
        ],
    ),
}

#: Public modules that stayed where they were in 0.1.
FLAT = [
    "limette.compose",
    "limette.distributed",
    "limette.errors",
    "limette.explanation",
    "limette.explanation_set",
    "limette.faithfulness",
    "limette.kernels",
    "limette.metrics",
    "limette.sampling",
    "limette.selection",
    "limette.submodular",
    "limette.surrogates",
    "limette.uncertainty",
]


def test_the_public_api_is_pinned():
    assert limette.__all__ == PUBLIC_API
    for name in PUBLIC_API:
        assert hasattr(limette, name), name


@pytest.mark.parametrize("path", sorted(PACKAGES))
def test_each_modality_package_exports_its_names(path):
    module = importlib.import_module(path)
    assert module.__all__ == PACKAGES[path]
    for name in PACKAGES[path]:
        assert hasattr(module, name), (path, name)
        if name in limette.__all__:
            assert getattr(module, name) is getattr(limette, name), (path, name)


@pytest.mark.parametrize("path", sorted(MOVED))
def test_the_old_paths_of_moved_modules_give_the_same_objects(path):
    """The thin module at a 0.1 path re-exports the very objects of the moved module (so a
    section registered through ``limette.report`` lands in the one registry)."""
    new_path, documented = MOVED[path]
    old, new = importlib.import_module(path), importlib.import_module(new_path)
    assert set(documented) <= set(old.__all__)
    assert set(new.__all__) <= set(old.__all__)
    for name in old.__all__:
        assert getattr(old, name) is getattr(new, name), (path, name)


@pytest.mark.parametrize("path", FLAT)
def test_the_modules_that_stayed_export_their_names(path):
    module = importlib.import_module(path)
    assert module.__all__
    for name in module.__all__:
        assert hasattr(module, name), (path, name)


def test_at_most_25_modules_lie_flat_in_the_package():
    flat = sorted(path.name for path in Path(limette.__file__).parent.glob("*.py"))
    assert len(flat) <= 25, flat


def test_the_console_script_and_python_m_reach_main():
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    script = re.search(r'^limette = "([\w.]+):(\w+)"$', pyproject.read_text(), re.M)
    assert script is not None
    module, function = script.groups()
    cli = importlib.import_module("limette.cli")
    assert getattr(importlib.import_module(module), function) is cli.main
    result = subprocess.run(
        [sys.executable, "-m", "limette", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: limette")
