"""Write the API reference pages from ``__all__``: every public name gets an entry.

The pages are generated at each build, so a name added to ``limette.__all__`` (or to a
public module's ``__all__``) appears in the reference without anyone editing it, and a
name without a docstring fails the build (warnings are errors).
"""

from __future__ import annotations

import importlib
from pathlib import Path

# (title, module, description) of every public module documented, in reading order.
MODULES = [
    ("limette", "limette", "The explainers, their results and the surrogates."),
    ("Discretizers", "limette.discretize", "Bins of continuous features (tables)."),
    ("Segmentation", "limette.segmentation", "Superpixels of images."),
    ("Sampling", "limette.sampling", "Samplers of binary interpretable vectors."),
    ("Kernels", "limette.kernels", "Distances and proximity kernels."),
    ("Feature selection", "limette.selection", "Choosing at most K features."),
    ("Surrogates", "limette.surrogates", "Weighted linear fits for all labels at once."),
    ("Uncertainty", "limette.uncertainty", "Bayesian ridge and the bootstrap."),
    ("Composition", "limette.compose", "Turning interpretable samples into model inputs."),
    ("Metrics", "limette.metrics", "Stability across re-draws."),
    ("Faithfulness", "limette.faithfulness", "Deletion and insertion curves."),
    ("Submodular pick", "limette.submodular", "SP-LIME: a few explanations that cover many."),
    ("Reports", "limette.report", "Self-contained HTML."),
    ("Plots", "limette.plot", "matplotlib figures of explanations."),
    ("Image plots", "limette.plot_image", "Overlays and heatmaps of image explanations."),
    ("Distributed", "limette.distributed", "Dask and Spark helpers."),
    ("Errors", "limette.errors", "Exceptions and warnings."),
]
OPTIONAL = [
    ("JAX", "limette.jax", "A pure, jit-able LIME for JAX."),
]
# lime 0.2.0.1's module paths (see the page "Switching from lime").
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


def public_names(module_name: str) -> list[str]:
    """The names a module exports, from its ``__all__``."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    return sorted(name for name in names if not name.startswith("_"))


def top_level_twins(module_name: str) -> dict[str, str]:
    """Names of a module that are the same objects as names of ``limette`` itself."""
    if module_name == "limette":
        return {}
    top = importlib.import_module("limette")
    module = importlib.import_module(module_name)
    by_id = {id(getattr(top, name)): name for name in top.__all__ if not name.startswith("_")}
    twins = {}
    for name in public_names(module_name):
        value = getattr(module, name)
        if isinstance(value, type) or callable(value):
            if id(value) in by_id:
                twins[name] = by_id[id(value)]
    return twins


def _inline_page(title: str, module_name: str, description: str) -> str:
    """A page with every name documented on it (no stub pages)."""
    lines = [title, "=" * len(title), "", f".. module:: {module_name}", "", description, ""]
    module = importlib.import_module(module_name)
    for name in public_names(module_name):
        kind = "autoclass" if isinstance(getattr(module, name), type) else "autofunction"
        lines += [f".. {kind}:: {module_name}.{name}", ""]
    return "\n".join(lines) + "\n"


def _page(title: str, module_name: str, description: str) -> str:
    twins = top_level_twins(module_name)
    names = [name for name in public_names(module_name) if name not in twins]
    lines = [title, "=" * len(title), "", f".. module:: {module_name}", "", description, ""]
    if twins:
        links = ", ".join(f":obj:`limette.{top}`" for top in sorted(twins.values()))
        lines += [f"Also here, documented with the top-level names: {links}.", ""]
    if names:
        lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
        lines += [f"   {name}" for name in names]
    return "\n".join(lines) + "\n"


def documented_modules() -> list[tuple[str, str, str]]:
    """Every module documented: the core ones and the optional ones that import."""
    found = list(MODULES)
    found += [
        (f"compat: lime.{name}", f"limette.compat.lime.{name}", f"lime 0.2.0.1's ``lime.{name}``.")
        for name in COMPAT
    ]
    for entry in OPTIONAL:
        try:
            importlib.import_module(entry[1])
        except ImportError:
            continue
        found.append(entry)
    return found


def write_api_pages(folder: Path) -> None:
    """One page per public module and an index, written only when changed."""
    folder.mkdir(exist_ok=True)
    entries = []
    optional = {entry[1] for entry in OPTIONAL}
    for title, module_name, description in documented_modules():
        slug = module_name.replace(".", "_")
        # an optional extra's page documents its few names inline: its stub pages were
        # found by autosummary's generation but not by its directive after the gallery ran
        write_page = _inline_page if module_name in optional else _page
        _write(folder / f"{slug}.rst", write_page(title, module_name, description))
        entries.append(slug)
    index = ["API reference", "=============", "", ".. toctree::", "   :maxdepth: 1", ""]
    index += [f"   {slug}" for slug in entries]
    _write(folder / "index.rst", "\n".join(index) + "\n")


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
