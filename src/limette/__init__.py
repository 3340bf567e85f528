"""limette: fast, trustworthy LIME explanations for tables, texts, images and tensors."""

from .discretize import (
    DecileDiscretizer,
    Discretizer,
    EntropyDiscretizer,
    PercentileDiscretizer,
    QuartileDiscretizer,
)
from .explanation import Explanation
from .surrogates import LinearFit, Ridge, SklearnSurrogate, Surrogate
from .tabular import RecurrentTabularExplainer, TabularExplainer
from .tensor import KernelShap, Lime, LimeBase

__version__ = "0.1.0"

__all__ = [
    "DecileDiscretizer",
    "Discretizer",
    "EntropyDiscretizer",
    "Explanation",
    "KernelShap",
    "Lime",
    "LimeBase",
    "LinearFit",
    "PercentileDiscretizer",
    "QuartileDiscretizer",
    "RecurrentTabularExplainer",
    "Ridge",
    "SklearnSurrogate",
    "Surrogate",
    "TabularExplainer",
    "__version__",
]
