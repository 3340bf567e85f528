"""A path of 0.1, kept: the names of :mod:`limette.image.plot`."""

from .image.plot import (
    as_unit_rgb,
    encode_png,
    image_figure,
    image_section,
    plot_image,
    png_data_uri,
    render_overlay,
    segment_boundaries,
    shrink,
)

__all__ = [
    "as_unit_rgb",
    "encode_png",
    "image_figure",
    "image_section",
    "plot_image",
    "png_data_uri",
    "render_overlay",
    "segment_boundaries",
    "shrink",
]
