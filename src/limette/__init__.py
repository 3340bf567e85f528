"""limette: fast, trustworthy LIME explanations for tables, texts, images and tensors."""

from .engine.adaptive import AutoSamples
from .explanation import Explanation
from .explanation_set import ExplanationSet, write_explanations
from .image import ImageExplainer, ImageExplanation
from .surrogates import LinearFit, Ridge, SklearnSurrogate, Surrogate
from .tabular import (
    DecileDiscretizer,
    Discretizer,
    EntropyDiscretizer,
    PercentileDiscretizer,
    QuartileDiscretizer,
    RecurrentTabularExplainer,
    TabularExplainer,
)
from .tensor import KernelShap, Lime, LimeBase
from .text import TextExplainer, TextExplanation
from .uncertainty import BayesianRidge, Bootstrap

__version__ = "0.1.0"

__all__ = [
    "AutoSamples",
    "BayesianRidge",
    "Bootstrap",
    "DecileDiscretizer",
    "Discretizer",
    "EntropyDiscretizer",
    "Explanation",
    "ExplanationSet",
    "ImageExplainer",
    "ImageExplanation",
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
    "TextExplainer",
    "TextExplanation",
    "__version__",
    "write_explanations",
]
