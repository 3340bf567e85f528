"""A path of 0.1, kept: the names of :mod:`limette.views.plot`."""

from .views.plot import (
    NEGATIVE,
    POSITIVE,
    plot_summary,
    plot_waterfall,
    plot_weights,
)

__all__ = [
    "NEGATIVE",
    "POSITIVE",
    "plot_summary",
    "plot_waterfall",
    "plot_weights",
]
