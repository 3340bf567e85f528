"""LIME for text: :class:`TextExplainer` and its :class:`TextExplanation`.

A document is cut once into words and separators (:mod:`limette._tokens`, lime's
``IndexedString``/``IndexedCharacters``); lime's sampling switches off a uniformly drawn
number of words per sample; the perturbed documents of a batch are built at once from the
document's bytes; the weights come from the cosine distance of each binary row to the
instance (×100, kernel width 25), which for 0/1 rows is ``1 - sqrt(kept / d)``.
lime's argument names are kept so that switching is a change of import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, ClassVar

import numpy as np

from ._engine import evaluate, explanation_fields
from ._highlight import highlight_html
from ._random import RandomState, instance_generator, resolve_seed, seed_entropy
from ._tokens import IndexedText, SplitExpression, index_text
from ._validation import check_positive_int, lookup
from .explanation import Explanation
from .kernels import get_distance, get_kernel
from .report import register_section
from .sampling import UniformCountSampler
from .surrogates import as_surrogate

__all__ = ["TextExplainer", "TextExplanation"]

_MODES = {"classification": True, "regression": False}
#: Composed text per model call when ``batch_size`` is not given (bytes): bounds memory.
_BATCH_BYTES = 1 << 24


@dataclass(frozen=True, eq=False)
class TextExplanation(Explanation):
    """An :class:`Explanation` of a document, with where each feature occurs in it.

    Attributes
    ----------
    text : str
        The explained document.
    positions : tuple of tuple of int
        Character offsets of the occurrences of each feature (one with positional
        features, every occurrence of the word with ``bow``).
    """

    text: str = ""
    positions: tuple[tuple[int, ...], ...] = ()

    kind: ClassVar[str] = "text"

    def as_list(self, label: int | None = None, positions: bool = False) -> list[tuple[str, float]]:
        """``[(word, weight), ...]`` by decreasing absolute weight.

        With ``positions=True`` words read ``word_3-40`` (their offsets), as in lime.
        """
        row = self._row(label)
        order = self._order(row)
        if not positions:
            return [(self.feature_names[j], float(self.coef[row, j])) for j in order]
        return [
            (
                f"{self.feature_names[j]}_{'-'.join(map(str, self.positions[j]))}",
                float(self.coef[row, j]),
            )
            for j in order
        ]

    def spans(self, label: int | None = None) -> list[tuple[int, int, float]]:
        """``(start, length, weight)`` of every occurrence of every explained word."""
        row = self._row(label)
        return [
            (start, len(self.feature_names[j]), float(self.coef[row, j]))
            for j in self._order(row)
            for start in self.positions[j]
        ]

    def highlight_html(self, label: int | None = None) -> str:
        """The document as escaped HTML, explained words coloured by sign and weight."""
        return highlight_html(self.text, self.spans(label))

    def details_html(self) -> str:
        """One highlighted copy of the document per explained label."""
        return "".join(
            f"<h3>Words in the document for {escape(self.label_name(label))}</h3>"
            f"{self.highlight_html(label)}"
            for label in self.labels
        )


@register_section("text")
def _document_section(explanation: Explanation, label: int) -> str:
    """The report's panel for one label: the document with its words highlighted."""
    if not isinstance(explanation, TextExplanation):
        return ""
    return explanation.highlight_html(label)


class TextExplainer:
    """Explain any text classifier (a function from a list of strings to probabilities).

    Parameters
    ----------
    kernel_width : float
        Width of the kernel on distances ×100 (lime's 25).
    kernel : callable or str, optional
        ``kernel(distances, kernel_width) -> weights``; lime's ``sqrt(exp(-d²/w²))`` by default.
    verbose : bool
        Print the intercept, the local prediction and the model's prediction (as lime).
    class_names : sequence of str, optional
    feature_selection : {"auto", "none", "forward_selection", "highest_weights", "lasso_path"}
    split_expression : str, compiled regular expression or callable
        Regular expression of separators, or a function returning the tokens in order.
    bow : bool
        Bag of words: a feature is a distinct word and removing it removes every
        occurrence. Otherwise a feature is one occurrence, replaced by ``mask_string``.
    mask_string : str, optional
        Replacement of absent positional features (``"UNKWORDZ"``, or ``chr(0)`` at
        character level); unused with ``bow``, as in lime.
    random_state : None, int or numpy.random.Generator
        Seed of every explanation; ``explain`` may override it.
    char_level : bool
        Features are characters instead of words.
    mode : {"classification", "regression"}
        Classification explains probabilities ``(n, n_classes)``; regression a value ``(n,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TextExplainer
    >>> def positive(texts):
    ...     p = np.array([0.2 + 0.6 * ("good" in t.split()) for t in texts])
    ...     return np.column_stack([1 - p, p])
    >>> explainer = TextExplainer(class_names=["neg", "pos"], random_state=0)
    >>> explanation = explainer.explain("a good film", positive, num_samples=500)
    >>> explanation.as_list()[0][0]
    'good'
    """

    def __init__(
        self,
        kernel_width: float = 25,
        kernel: Callable[[np.ndarray, float], np.ndarray] | str | None = None,
        verbose: bool = False,
        class_names: Sequence[str] | None = None,
        feature_selection: str = "auto",
        split_expression: SplitExpression = r"\W+",
        bow: bool = True,
        mask_string: str | None = None,
        random_state: RandomState = None,
        char_level: bool = False,
        mode: str = "classification",
    ) -> None:
        self.kernel_width = float(kernel_width)
        self.kernel_fn = get_kernel(kernel, self.kernel_width)
        self.verbose = verbose
        self.class_names = None if class_names is None else [str(c) for c in class_names]
        self.feature_selection = feature_selection
        self.split_expression = split_expression
        self.bow = bool(bow)
        self.mask_string = mask_string
        self.random_state = random_state
        self.char_level = bool(char_level)
        self.mode = mode
        self.classification_ = lookup(_MODES, mode, "mode")
        self.sampler_ = UniformCountSampler()

    def index(self, text: str) -> IndexedText:
        """``text`` cut into pieces and features with this explainer's options."""
        return index_text(text, self.split_expression, self.bow, self.mask_string, self.char_level)

    def explain(
        self,
        text: str,
        classifier_fn: Callable[[list[str]], Any],
        labels: Sequence[int] | None = (1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str | Callable[..., Any] = "cosine",
        model_regressor: Any = None,
        batch_size: int | None = None,
        progress: bool = False,
        random_state: RandomState = None,
    ) -> TextExplanation:
        """Explain the classifier's prediction for one document.

        Parameters
        ----------
        text : str
        classifier_fn : callable
            Takes a list of strings; returns probabilities ``(n, n_classes)``
            (classification) or values ``(n,)`` (regression).
        labels : sequence of int
            Labels to explain; ignored with ``top_labels``.
        top_labels : int, optional
            Explain the ``top_labels`` labels with the highest probability.
        num_features : int
            Most words in each explanation.
        num_samples : int
            Perturbed documents (the first is the document itself).
        distance_metric : str or callable
            Distance of the binary rows to the instance, multiplied by 100 as in lime;
            ``"cosine"`` is computed in closed form.
        model_regressor : scikit-learn regressor or limette surrogate, optional
            Defaults to ridge regression with ``alpha=1`` (lime's default).
        batch_size : int, optional
            Documents per call of ``classifier_fn``; by default as many as fit in about
            16 MB of text (every sample at once for documents up to ~3,000 characters).
        progress : bool
            Show a progress bar of model calls (needs tqdm).
        random_state : None, int or numpy.random.Generator, optional
            Overrides the explainer's ``random_state`` for this call.

        Returns
        -------
        TextExplanation
        """
        indexed = self.index(text)
        n = check_positive_int(num_samples, "num_samples", minimum=2)
        seed = resolve_seed(self.random_state if random_state is None else random_state)
        samples = self.sampler_.sample(n, indexed.num_features, instance_generator(seed))
        if batch_size is None:
            batch_size = max(1, _BATCH_BYTES // max(1, len(text.encode("utf-8"))))
        outputs = evaluate(
            classifier_fn,
            samples,
            indexed.compose,
            classification=self.classification_,
            batch_size=batch_size,
            progress=progress,
            name="classifier_fn",
        )
        fields = explanation_fields(
            samples,
            self.kernel_fn(100.0 * _distances(samples, distance_metric)),
            outputs,
            classification=self.classification_,
            labels=labels,
            top_labels=top_labels,
            num_features=num_features,
            feature_selection=self.feature_selection,
            surrogate=as_surrogate(model_regressor),
        )
        explanation = TextExplanation(
            feature_names=indexed.words,
            feature_values=("True",) * indexed.num_features,
            class_names=None if self.class_names is None else tuple(self.class_names),
            text=text,
            positions=indexed.positions(),
            metadata=self._metadata(seed, distance_metric),
            **fields,
        )
        if self.verbose:
            _report(explanation)
        return explanation

    explain_instance = explain

    def _metadata(self, seed: Any, distance_metric: Any) -> dict[str, Any]:
        return {
            "explainer": type(self).__name__,
            "seed": seed_entropy(seed),
            "kernel_width": self.kernel_width,
            "feature_selection": self.feature_selection,
            "distance_metric": distance_metric if isinstance(distance_metric, str) else "callable",
            "bow": self.bow,
            "char_level": self.char_level,
            "mask_string": self.mask_string,
            "split_expression": _describe_split(self.split_expression),
        }


def _describe_split(split_expression: SplitExpression) -> str:
    if isinstance(split_expression, re.Pattern):
        return split_expression.pattern
    return split_expression if isinstance(split_expression, str) else "callable"


def _distances(samples: np.ndarray, metric: str | Callable[..., Any]) -> np.ndarray:
    """Distance of every binary row to the all-ones instance.

    For 0/1 rows the cosine similarity to a row of ones is ``sqrt(kept / d)``; a row with
    nothing kept has distance 1, as in scikit-learn.
    """
    if metric != "cosine":
        return np.asarray(get_distance(metric)(samples), dtype=float)
    kept = samples.sum(axis=1)
    return np.asarray(1.0 - np.sqrt(kept / samples.shape[1]))


def _report(explanation: TextExplanation) -> None:
    for row, label in enumerate(explanation.labels):
        print("Intercept", explanation.intercept[row])
        print("Prediction_local", [explanation.local_pred[row]])
        print("Right:", explanation.model_output[label])
