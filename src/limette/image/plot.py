"""Pictures of image explanations: overlay, heatmap, matplotlib figures, inline-PNG HTML.

The overlay follows VisuaLIME: segments that raise the label are tinted green, those that
lower it violet, each with an opacity proportional to its weight, and segment boundaries
are drawn on top. :func:`render_overlay` and :func:`encode_png` need only NumPy;
matplotlib is imported only for figures.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..errors import InputError
from ..explanation import Explanation
from ..views.plot import pyplot
from ..views.report import register_section
from ..views.svg import encode_png, png_data_uri

if TYPE_CHECKING:
    from .explanation import ImageExplanation

__all__ = [
    "encode_png",
    "image_figure",
    "plot_image",
    "image_section",
    "png_data_uri",
    "render_overlay",
    "segment_boundaries",
    "shrink",
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


def shrink(segments: np.ndarray, image: np.ndarray, max_side: int) -> tuple[np.ndarray, np.ndarray]:
    """Segments and image shrunk by one integer factor until both sides are ``<= max_side``.

    Each ``f × f`` block of the image is averaged (edge blocks padded by repetition) into
    a uint8 RGB pixel; each block keeps the segment of its centre pixel. Returns the inputs
    when no shrinking is needed.
    """
    height, width = segments.shape[:2]
    factor = max(1, -(-max(height, width) // max_side))
    if factor == 1:
        return segments, image
    small = segments[factor // 2 :: factor, factor // 2 :: factor]
    pad = [(0, -height % factor), (0, -width % factor)] + [(0, 0)] * (image.ndim - 2)
    padded = np.pad(image, pad, mode="edge")
    blocks = padded.reshape(
        padded.shape[0] // factor, factor, padded.shape[1] // factor, factor, *image.shape[2:]
    )
    mean = blocks.mean(axis=(1, 3), dtype=np.float64)
    if image.dtype.kind in "ui":
        unit = mean / np.iinfo(image.dtype).max
    else:  # as as_unit_rgb decides: floats above 1 are on the 0-255 scale
        unit = mean / (255.0 if image.max(initial=0.0) > 1.0 else 1.0)
    pixels = np.rint(np.clip(unit, 0.0, 1.0) * 255.0).astype(np.uint8)
    return small, pixels[: small.shape[0], : small.shape[1]]


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
    image, segments = explanation.image_and_segments()
    ranked, weights = explanation.ranked_segments(label)
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


def plot_image(
    explanation: ImageExplanation, label: int | None = None, ax: Any = None, kind: str = "overlay"
) -> Any:
    """Draw the ``"overlay"``, ``"heatmap"`` or ``"image"`` of ``label`` on ``ax``; return ax."""
    plt = pyplot()
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
        ax.imshow(as_unit_rgb(explanation.image_and_segments()[0]))
    else:
        raise InputError(f"kind={kind!r} is not known; use 'overlay', 'heatmap' or 'image'")
    ax.set_title(f"{kind}: {explanation.label_name(shown)}")
    ax.set_axis_off()
    return ax


def image_figure(explanation: ImageExplanation, label: int | None = None) -> Any:
    """A matplotlib figure of three panels: the image, the overlay and the heatmap."""
    plt = pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, kind in zip(axes, ("image", "overlay", "heatmap")):
        plot_image(explanation, label, ax=ax, kind=kind)
    figure.tight_layout()
    return figure


@register_section("image")
def image_section(given: Explanation, label: int) -> str:
    """The report's panel for one label: the image, its overlay and its heatmap, inline."""
    if given.kind != "image":
        return ""
    explanation = cast("ImageExplanation", given)
    heat = explanation.heatmap(label)
    largest = float(np.abs(heat).max()) or 1.0
    colours = np.where(heat[..., None] >= 0, GREEN, VIOLET)
    strength = (np.abs(heat) / largest)[..., None]
    heat_rgb = np.rint(255 - strength * (255 - colours)).astype(np.uint8)
    original = [] if explanation.image is None else [("image", as_unit_rgb(explanation.image))]
    pictures = [
        *original,
        ("overlay: green for, violet against", explanation.overlay(label)),
        ("per-pixel weight", heat_rgb),
    ]
    figures = "".join(
        '<figure style="display:inline-block;margin:0 1rem 1rem 0">'
        f'<img alt="{escape(caption)}" src="{png_data_uri(picture)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
        for caption, picture in pictures
    )
    return f'<div class="lm-images">{figures}</div>'
