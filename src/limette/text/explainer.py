"""LIME for text: :class:`TextExplainer` and its :class:`TextExplanation`.

A document is cut once into words and separators (:mod:`limette.text.tokens`, lime's
``IndexedString``/``IndexedCharacters``); lime's sampling switches off a uniformly drawn
number of words per sample; the perturbed documents of a batch are built at once from the
document's bytes; the weights come from the cosine distance of each binary row to the
instance (×100, kernel width 25), which for 0/1 rows is ``1 - sqrt(kept / d)``.
lime's argument names are kept so that switching is a change of import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .._random import RandomState
from .._validation import check_positive_float, lookup
from ..engine import run
from ..engine.adaptive import AutoSamples
from ..engine.run import Options
from ..explanation_set import ExplanationSet
from ..kernels import get_kernel
from ..selection import FEATURE_SELECTIONS
from ._plan import DEFAULT_SAMPLER, TextPlan
from .explanation import TextExplanation
from .tokens import IndexedText, SplitExpression, index_text

__all__ = ["TextExplainer", "TextExplanation"]

_MODES = {"classification": True, "regression": False}


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
        self.kernel_width = check_positive_float(kernel_width, "kernel_width")
        self.kernel_fn = get_kernel(kernel, self.kernel_width)
        self.verbose = verbose
        self.class_names = None if class_names is None else [str(c) for c in class_names]
        self.feature_selection = lookup(
            {name: name for name in FEATURE_SELECTIONS}, feature_selection, "feature_selection"
        )
        self.split_expression = split_expression
        self.bow = bool(bow)
        self.mask_string = mask_string
        self.random_state = random_state
        self.char_level = bool(char_level)
        self.mode = mode
        self.classification_ = lookup(_MODES, mode, "mode")

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
        num_samples: int | str | AutoSamples = 5000,
        distance_metric: str | Callable[..., Any] = "cosine",
        model_regressor: Any = None,
        batch_size: int | None = None,
        progress: bool = False,
        random_state: RandomState = None,
        sampler: str = DEFAULT_SAMPLER,
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
        num_samples : int, "auto" or AutoSamples
            Perturbed documents (the first is the document itself). ``"auto"`` draws
            batches until the top words are stable (see :class:`~limette.AutoSamples`);
            ``metadata`` records ``samples_used`` and ``stop_reason``.
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
        sampler : {"random", "sobol", "stratified", "antithetic"}
            How the random numbers behind the samples are drawn; every choice draws lime's
            distribution (a uniform number of words off, then which ones uniformly,
            :class:`~limette.sampling.UniformCountSampler`), so the expected explanation
            is lime's. ``"random"`` (default) is lime's plain sampling; ``"sobol"``
            lowered the variance of the weights only 1.0-2.3× on real text models
            (``benchmarks/RESULTS.md``), too unevenly to be the default. Recorded in
            ``metadata["sampler"]``.

        Returns
        -------
        TextExplanation
        """
        options = Options.of(locals())
        explanation: TextExplanation = run.explain(
            TextPlan.build(self, options), classifier_fn, text, options
        )
        if self.verbose:
            _report(explanation)
        return explanation

    def explain_many(
        self,
        texts: Any,
        classifier_fn: Callable[[list[str]], Any],
        labels: Sequence[int] | None = (1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str | Callable[..., Any] = "cosine",
        model_regressor: Any = None,
        batch_size: int | None = None,
        chunk_size: int | None = None,
        executor: Any = None,
        errors: str = "raise",
        progress: bool = False,
        random_state: RandomState = None,
        sampler: str = DEFAULT_SAMPLER,
    ) -> ExplanationSet:
        """Explain many documents at once: model calls across documents, bounded memory.

        ``explain_many(texts)[i]`` is the same explanation, bit for bit, as
        ``explain(texts[i])`` with the same ``random_state``, whatever ``batch_size``,
        ``chunk_size`` and ``executor`` (see :meth:`limette.TabularExplainer.explain_many`
        for models whose last bits depend on their thread count): every document gets a
        fresh generator from the same seed.

        Parameters
        ----------
        texts : sequence of str
        classifier_fn, labels, top_labels, num_features, num_samples, distance_metric, \
model_regressor, random_state, sampler
            As in :meth:`explain` (``num_samples`` must be an integer here).
        batch_size : int, optional
            Documents per call of ``classifier_fn``; a call may hold the perturbed
            documents of several texts. By default as many as fit in about 16 MB of the
            longest text.
        chunk_size : int, optional
            Documents per unit of work (what a worker gets); chosen from the number of
            workers by default.
        executor : concurrent.futures.Executor or dask.distributed.Client, optional
            Where chunks run (see :meth:`limette.TabularExplainer.explain_many`).
        errors : {"raise", "collect"}
            ``"raise"`` stops with :class:`~limette.errors.InstanceError` naming the first
            failing document; ``"collect"`` keeps ``(index, error)`` in ``.errors``.
        progress : bool
            Show a progress bar of documents explained (needs tqdm).

        Returns
        -------
        ExplanationSet

        Examples
        --------
        >>> import numpy as np
        >>> from limette import TextExplainer
        >>> def positive(texts):
        ...     p = np.array([0.2 + 0.6 * ("good" in t.split()) for t in texts])
        ...     return np.column_stack([1 - p, p])
        >>> explainer = TextExplainer(random_state=0)
        >>> docs = ["a good film", "not a good plot", "bad"]
        >>> result = explainer.explain_many(docs, positive, num_samples=300)
        >>> result[1].as_list() == explainer.explain(docs[1], positive, num_samples=300).as_list()
        True
        """
        options = Options.of(locals())
        plan = TextPlan.build(self, options)
        return run.explain_many(plan, classifier_fn, texts, options)

    def iter_explanations(
        self,
        texts: Any,
        classifier_fn: Callable[[list[str]], Any],
        labels: Sequence[int] | None = (1,),
        top_labels: int | None = None,
        num_features: int = 10,
        num_samples: int = 5000,
        distance_metric: str | Callable[..., Any] = "cosine",
        model_regressor: Any = None,
        batch_size: int | None = None,
        chunk_size: int | None = None,
        executor: Any = None,
        errors: str = "raise",
        progress: bool = False,
        random_state: RandomState = None,
        sampler: str = DEFAULT_SAMPLER,
    ) -> Iterator[ExplanationSet]:
        """:meth:`explain_many` chunk by chunk: yields one :class:`ExplanationSet` per chunk."""
        options = Options.of(locals())
        plan = TextPlan.build(self, options)
        return run.iter_explanations(plan, classifier_fn, texts, options)

    explain_instance = explain


def _report(explanation: TextExplanation) -> None:
    for row, label in enumerate(explanation.labels):
        print("Intercept", explanation.intercept[row])
        print("Prediction_local", [explanation.local_pred[row]])
        print("Right:", explanation.model_output[label])
