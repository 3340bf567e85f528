"""Tables: :class:`TabularExplainer`, its discretizers and the recurrent explainer."""

from .discretize import (
    DecileDiscretizer,
    Discretizer,
    EntropyDiscretizer,
    PercentileDiscretizer,
    QuartileDiscretizer,
)
from .explainer import TabularExplainer
from .recurrent import RecurrentTabularExplainer

__all__ = [
    "DecileDiscretizer",
    "Discretizer",
    "EntropyDiscretizer",
    "PercentileDiscretizer",
    "QuartileDiscretizer",
    "RecurrentTabularExplainer",
    "TabularExplainer",
]
