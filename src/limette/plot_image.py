"""Pictures of image explanations: overlay, heatmap, matplotlib figures, inline-PNG HTML.

The overlay follows VisuaLIME: segments that raise the label are tinted green, those that
lower it violet, each with an opacity proportional to its weight, and segment boundaries
are drawn on top. :func:`render_overlay` and :func:`encode_png` need only NumPy;
matplotlib is imported only for figures.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np

from .errors import InputError
from .image_explanation import ImageExplanation
from .plot import _pyplot

__all__ = [
    "encode_png",
    "image_figure",
    "plot_image",
    "png_data_uri",
    "render_image_fragment",
    "render_image_page",
    "render_overlay",
    "segment_boundaries",
]

GREEN, VIOLET, YELLOW = (0, 160, 0), (148, 0, 211), (255, 255, 0)


def as_unit_rgb(image: np.ndarray) -> np.ndarray:
    """An image as floats in ``[0, 1]`` (integers scaled by their dtype, 0–255 floats by 255)."""
    image = np.asarray(image)
    if image.dtype.kind in "ui":
        return image.astype(np.float64) / np.iinfo(image.dtype).max
    unit = image.astype(np.float64)
    if unit.max(initial=0.0) > 1.0:
        unit = unit / 255.0
    return np.clip(unit, 0.0, 1.0)


def segment_boundaries(segments: np.ndarray) -> np.ndarray:
    """Boolean ``(H, W)``: pixels whose right or lower neighbour is in another segment."""
    edges = np.zeros(segments.shape, dtype=bool)
    edges[:, :-1] |= segments[:, :-1] != segments[:, 1:]
    edges[:-1, :] |= segments[:-1, :] != segments[1:, :]
    return edges


def render_overlay(
    explanation: ImageExplanation,
    label: int | None = None,
    num_features: int | None = None,
    opacity: float = 0.7,
    positive: tuple[int, int, int] = GREEN,
    negative: tuple[int, int, int] = VIOLET,
    boundaries: tuple[int, int, int] | None = YELLOW,
    boundary_opacity: float = 0.5,
) -> np.ndarray:
    """The explanation drawn over its image, as a ``(H, W, 3)`` uint8 RGB array.

    Parameters
    ----------
    explanation : ImageExplanation
    label : int, optional
        Defaults to the first explained label.
    num_features : int, optional
        Tint only the strongest segments (all selected ones by default).
    opacity : float
        Opacity of the strongest segment; the others scale with ``|weight|``.
    positive, negative : RGB triples
        Tints of segments that raise and lower the label (green and violet).
    boundaries : RGB triple or None
        Colour of segment boundaries; ``None`` draws none.
    boundary_opacity : float
    """
    if not 0.0 <= opacity <= 1.0 or not 0.0 <= boundary_opacity <= 1.0:
        raise InputError(f"opacities must lie in [0, 1]; got {opacity}, {boundary_opacity}")
    image, segments = explanation._pixels()
    ranked, weights = explanation._ranked(label)
    ranked, weights = ranked[:num_features], weights[:num_features]
    d = len(explanation.feature_names)
    largest = np.max(np.abs(weights), initial=0.0)
    alpha = np.zeros(d)
    color = np.zeros((d, 3))
    if largest > 0:
        alpha[ranked] = opacity * np.abs(weights) / largest
        color[ranked] = np.where((weights >= 0)[:, None], positive, negative)
    pixel_alpha = alpha[segments][..., None]
    picture = (1.0 - pixel_alpha) * as_unit_rgb(image) + pixel_alpha * color[segments] / 255.0
    if boundaries is not None:
        edge = segment_boundaries(segments)
        picture[edge] = (1.0 - boundary_opacity) * picture[edge] + boundary_opacity * (
            np.asarray(boundaries) / 255.0
        )
    return np.asarray(np.rint(np.clip(picture, 0.0, 1.0) * 255.0), dtype=np.uint8)


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of a ``(H, W, 3)`` uint8 image (no dependency beyond zlib)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputError(f"encode_png needs an (H, W, 3) image; got shape {rgb.shape}")
    height, width = rgb.shape[:2]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, -1)], axis=1)

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def png_data_uri(rgb: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URI of an RGB uint8 image, for ``<img src=...>``."""
    return "data:image/png;base64," + base64.b64encode(encode_png(rgb)).decode("ascii")


def plot_image(
    explanation: ImageExplanation, label: int | None = None, ax: Any = None, kind: str = "overlay"
) -> Any:
    """Draw the ``"overlay"``, ``"heatmap"`` or ``"image"`` of ``label`` on ``ax``; return ax."""
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    shown = explanation.labels[0] if label is None else label
    if kind == "overlay":
        ax.imshow(render_overlay(explanation, label))
    elif kind == "heatmap":
        heat = explanation.heatmap(label)
        limit = float(np.max(np.abs(heat), initial=0.0)) or 1.0
        picture = ax.imshow(heat, cmap="PiYG", vmin=-limit, vmax=limit)
        ax.figure.colorbar(picture, ax=ax, fraction=0.046, pad=0.04)
    elif kind == "image":
        ax.imshow(as_unit_rgb(explanation._pixels()[0]))
    else:
        raise InputError(f"kind={kind!r} is not known; use 'overlay', 'heatmap' or 'image'")
    ax.set_title(f"{kind}: {explanation.label_name(shown)}")
    ax.set_axis_off()
    return ax


def image_figure(explanation: ImageExplanation, label: int | None = None) -> Any:
    """A matplotlib figure of three panels: the image, the overlay and the heatmap."""
    plt = _pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, kind in zip(axes, ("image", "overlay", "heatmap")):
        plot_image(explanation, label, ax=ax, kind=kind)
    figure.tight_layout()
    return figure


def render_image_fragment(explanation: ImageExplanation, title: str = "") -> str:
    """One image explanation as an HTML ``<section>``: an inline overlay PNG per label."""
    heading = f"<h2>{escape(title)}</h2>" if title else ""
    top = np.argsort(-explanation.model_output, kind="stable")[:5]
    cells = "".join(
        f"<tr><td>{escape(explanation.label_name(int(i)))}</td>"
        f"<td>{explanation.model_output[i]:.3f}</td></tr>"
        for i in top
    )
    figures = []
    for row, label in enumerate(explanation.labels):
        strongest = ", ".join(
            f"{escape(name)} ({weight:+.3f})" for name, weight in explanation.as_list(label)[:5]
        )
        figures.append(
            '<figure style="display:inline-block;margin:0 1rem 1rem 0">'
            f'<img alt="explanation overlay" src="{png_data_uri(explanation.overlay(label))}">'
            f"<figcaption><b>{escape(explanation.label_name(label))}</b> · weighted R² "
            f"{explanation.score[row]:.3f}<br><small>{strongest}</small></figcaption></figure>"
        )
    return (
        f'<section class="explanation">{heading}'
        f"<table><tr><th>class</th><th>probability</th></tr>{cells}</table>"
        f'<p class="meta">green: segments for the label, violet: against; '
        f"{len(explanation.feature_names)} segments · {explanation.num_samples} samples</p>"
        f"{''.join(figures)}</section>"
    )


def render_image_page(
    explanations: Sequence[ImageExplanation],
    title: str = "limette image explanation",
    captions: Sequence[str] | None = None,
) -> str:
    """A complete HTML page of image explanations (everything inline, user text escaped)."""
    captions = list(captions) if captions is not None else [""] * len(explanations)
    body = "".join(render_image_fragment(e, c) for e, c in zip(explanations, captions))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
