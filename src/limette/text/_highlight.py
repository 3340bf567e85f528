"""A document with its words highlighted by weight, as escaped HTML.

:func:`highlight_html` is the one place a text explanation becomes markup; reports and
notebooks reuse it. Every character of the document goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["highlight_html"]

_POSITIVE, _NEGATIVE = (46, 133, 64), (192, 57, 43)


def highlight_html(text: str, spans: Sequence[tuple[int, int, float]]) -> str:
    """``text`` as HTML with each ``(start, length, weight)`` span in a coloured ``<mark>``.

    Green marks push towards the explained label, red ones away; the opacity grows with
    ``|weight|`` relative to the largest one. Spans must not overlap.

    Examples
    --------
    >>> highlight_html("good <b>", [(0, 4, 0.5)])  # doctest: +ELLIPSIS
    '<p class="document"><mark ... title="+0.5000">good</mark> &lt;b&gt;</p>'
    """
    largest = max((abs(weight) for _, _, weight in spans), default=0.0)
    parts, pointer = [], 0
    for start, length, weight in sorted(spans):
        parts.append(escape(text[pointer:start]))
        red, green, blue = _POSITIVE if weight >= 0 else _NEGATIVE
        alpha = 0.15 + 0.75 * (abs(weight) / largest if largest > 0 else 0.0)
        parts.append(
            f'<mark style="background:rgba({red},{green},{blue},{alpha:.2f})" '
            f'title="{weight:+.4f}">{escape(text[start : start + length])}</mark>'
        )
        pointer = start + length
    parts.append(escape(text[pointer:]))
    body = "".join(parts).replace("\n", "<br>")
    return f'<p class="document">{body}</p>'
