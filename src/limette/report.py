"""A path of 0.1, kept: the names of :mod:`limette.views.report`."""

from .views.report import (
    DEFAULT_SHOWN,
    REPORT_SIDE,
    SHOWN_CLASSES,
    SectionRenderer,
    global_importance,
    notebook_html,
    png_data_uri,
    register_section,
    render_fragment,
    render_report,
    render_summary,
    script_json,
    weight_color,
)

__all__ = [
    "DEFAULT_SHOWN",
    "REPORT_SIDE",
    "SHOWN_CLASSES",
    "SectionRenderer",
    "global_importance",
    "notebook_html",
    "png_data_uri",
    "register_section",
    "render_fragment",
    "render_report",
    "render_summary",
    "script_json",
    "weight_color",
]
