"""Small SVG and PNG writers for the HTML report: bar charts and data-URI images.

Everything here returns markup with every piece of user text escaped; no JavaScript.
"""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass
from html import escape

import numpy as np

from ..errors import InputError

#: Colours of weights that support (positive) and oppose (negative) a label.
POSITIVE, NEGATIVE = "#2166ac", "#b2182b"

ROW, PAD = 22, 6
NAME_WIDTH, PLOT_WIDTH, VALUE_WIDTH = 300, 340, 90
NAME_CHARACTERS = 44


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: its name, value, optional half-width of an interval."""

    name: str
    value: float
    interval: float | None = None
    tooltip: str = ""
    emphasis: bool = False


def number(value: float, signed: bool = False) -> str:
    """A short, readable number (3 significant digits, no exponent for common sizes)."""
    if not np.isfinite(value):
        return str(value)
    text = f"{value:+.3g}" if signed else f"{value:.3g}"
    if "e" in text and 1e-4 <= abs(value) < 1e6:
        text = f"{value:+.6f}" if signed else f"{value:.6f}"
    return text


def shorten(text: str, limit: int = NAME_CHARACTERS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (the full text goes in a tooltip)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    bars: list[Bar],
    *,
    css_class: str,
    diverging: bool,
    shown: int | None = None,
    signed_values: bool = True,
    label: str = "",
) -> str:
    """An SVG chart with one horizontal bar per row, largest first, names on the left.

    With ``shown``, rows get ``data-rank`` so that the report's script can show only the
    first rows; rows from ``shown`` on start hidden (class ``lm-beyond``). ``diverging``
    puts zero in the middle (weights); otherwise bars grow from the left (probabilities).
    """
    largest = max((abs(b.value) + (b.interval or 0.0) for b in bars), default=0.0) or 1.0
    half = PLOT_WIDTH / 2 if diverging else PLOT_WIDTH
    zero = NAME_WIDTH + (PLOT_WIDTH / 2 if diverging else 0)
    scale = (half - 4) / largest
    visible = len(bars) if shown is None else min(shown, len(bars))
    rows = [_bar_row(i, bar, zero, scale, shown, signed_values) for i, bar in enumerate(bars)]
    ranked = "" if shown is None else f' data-rows="{len(bars)}"'
    return (
        f'<svg class="lm-chart {css_class}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{escape(label)}" width="{NAME_WIDTH + PLOT_WIDTH + VALUE_WIDTH}" '
        f'height="{2 * PAD + visible * ROW}" data-row-height="{ROW}" data-pad="{2 * PAD}"'
        f"{ranked}>{''.join(rows)}</svg>"
    )


def _bar_row(
    i: int, bar: Bar, zero: float, scale: float, shown: int | None, signed_values: bool
) -> str:
    width = abs(bar.value) * scale
    left = zero - width if bar.value < 0 else zero
    sign = "lm-neg" if bar.value < 0 else "lm-pos"
    rank = ""
    classes = "lm-row lm-emphasis" if bar.emphasis else "lm-row"
    if shown is not None:
        rank = f' data-rank="{i}"'
        classes += " lm-beyond" if i >= shown else ""
    y = PAD + i * ROW
    whisker = ""
    if bar.interval is not None and np.isfinite(bar.interval) and bar.interval > 0:
        end = zero + bar.value * scale
        low, high = end - bar.interval * scale, end + bar.interval * scale
        mid = y + ROW / 2
        whisker = (
            f'<line class="lm-whisker" x1="{low:.1f}" x2="{high:.1f}" y1="{mid:.1f}" '
            f'y2="{mid:.1f}"/>'
        )
    value_x = zero + (width if bar.value >= 0 else 0) + 4
    if zero > NAME_WIDTH:  # diverging: values sit in the right margin, aligned
        value_x = NAME_WIDTH + PLOT_WIDTH + 4
    tooltip = bar.tooltip or f"{bar.name}: {number(bar.value, signed_values)}"
    return (
        f'<g class="{classes}"{rank}><title>{escape(tooltip)}</title>'
        f'<text class="lm-name" x="{NAME_WIDTH - 8}" y="{y + ROW / 2 + 4:.1f}" '
        f'text-anchor="end">{escape(shorten(bar.name))}</text>'
        f'<rect class="lm-bar {sign}" x="{left:.1f}" y="{y + 3}" width="{max(width, 0.5):.1f}" '
        f'height="{ROW - 6}"/>{whisker}'
        f'<line class="lm-zero" x1="{zero:.1f}" x2="{zero:.1f}" y1="{y}" y2="{y + ROW}"/>'
        f'<text class="lm-value" x="{value_x:.1f}" y="{y + ROW / 2 + 4:.1f}">'
        f"{escape(number(bar.value, signed_values))}</text></g>"
    )


def weight_color(weight: float, largest: float) -> str:
    """A CSS colour for ``weight``: the sign's hue, opacity proportional to ``|weight|``."""
    hue = POSITIVE if weight >= 0 else NEGATIVE
    alpha = 0.0 if largest <= 0 else min(1.0, abs(weight) / largest)
    red, green, blue = (int(hue[k : k + 2], 16) for k in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha:.3f})"


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an image (no dependency beyond zlib).

    Parameters
    ----------
    image : ndarray of shape (H, W), (H, W, 3) or (H, W, 4)
        uint8, or floats in ``[0, 1]`` (clipped).

    Examples
    --------
    >>> encode_png(np.zeros((2, 2)))[:4]
    b'\x89PNG'
    """
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.round(np.clip(np.asarray(array, dtype=float), 0.0, 1.0) * 255).astype(np.uint8)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise InputError(f"image must have shape (H, W), (H, W, 3) or (H, W, 4); got {image.shape}")
    height, width, channels = array.shape
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    raw = np.concatenate([np.zeros((height, 1), np.uint8), array.reshape(height, -1)], axis=1)

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def png_data_uri(image: np.ndarray) -> str:
    """Encode an image as a ``data:image/png;base64,...`` URI (see :func:`encode_png`).

    Examples
    --------
    >>> png_data_uri(np.zeros((2, 2))).startswith("data:image/png;base64,")
    True
    """
    return "data:image/png;base64," + base64.b64encode(encode_png(image)).decode("ascii")
