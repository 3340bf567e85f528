"""A path of 0.1, kept: the names of :mod:`limette.tabular.discretize`."""

from .tabular.discretize import (
    DISCRETIZERS,
    DecileDiscretizer,
    Discretizer,
    EntropyDiscretizer,
    PercentileDiscretizer,
    QuartileDiscretizer,
    inverse_cdf_values,
    truncated_normal,
)

__all__ = [
    "DISCRETIZERS",
    "DecileDiscretizer",
    "Discretizer",
    "EntropyDiscretizer",
    "PercentileDiscretizer",
    "QuartileDiscretizer",
    "inverse_cdf_values",
    "truncated_normal",
]
