"""lime's ``Explanation``: a limette explanation seen through lime's attributes.

lime keys ``local_exp`` and ``intercept`` by label, keeps ``score`` as the last explained
label's weighted R² (a float) and ``local_pred`` as that label's surrogate prediction at
the instance (an array of one value); regression explanations carry label 1 (the weights)
and label 0 (their negation). The HTML views are limette's self-contained report, not
lime's JavaScript bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import InputError, MissingDependencyError
from ...explanation import Explanation as NativeExplanation

__all__ = ["DomainMapper", "Explanation"]


class DomainMapper:
    """Turns feature ids into readable names (lime's base class: ids as they are)."""

    def map_exp_ids(self, exp: Sequence[tuple[int, float]], **kwargs: Any) -> list[Any]:
        """``exp`` unchanged: ``[(feature id, weight), ...]``."""
        return list(exp)


class NamesMapper(DomainMapper):
    """Feature ids to the limette explanation's feature names."""

    def __init__(self, feature_names: Sequence[str]) -> None:
        self.feature_names = list(feature_names)

    def map_exp_ids(self, exp: Sequence[tuple[int, float]], **kwargs: Any) -> list[Any]:
        return [(self.feature_names[i], weight) for i, weight in exp]


class Explanation:
    """What lime's explainers return (``local_exp``, ``intercept``, ``score``, ...).

    Parameters
    ----------
    domain_mapper : DomainMapper
    mode : {"classification", "regression"}
    class_names : sequence of str, optional
    random_state : unused, kept for lime's signature

    Attributes
    ----------
    limette : limette.Explanation or None
        The explanation this one was made from (fidelity, uncertainty, JSON, plots).
    """

    def __init__(
        self,
        domain_mapper: DomainMapper,
        mode: str = "classification",
        class_names: Sequence[str] | None = None,
        random_state: Any = None,
    ) -> None:
        if mode not in ("classification", "regression"):
            raise InputError(f"mode must be 'classification' or 'regression'; got {mode!r}")
        self.random_state = random_state
        self.mode = mode
        self.domain_mapper = domain_mapper
        self.local_exp: dict[int, list[tuple[int, float]]] = {}
        self.intercept: dict[int, float] = {}
        self.score: float | None = None
        self.local_pred: np.ndarray | None = None
        self.limette: NativeExplanation | None = None
        if mode == "classification":
            self.class_names = None if class_names is None else list(class_names)
            self.top_labels: list[int] | None = None
            self.predict_proba: np.ndarray | None = None
        else:
            self.class_names = ["negative", "positive"]
            self.predicted_value: float | None = None
            self.min_value = 0.0
            self.max_value = 1.0
            self.dummy_label = 1

    @classmethod
    def from_limette(
        cls, native: NativeExplanation, domain_mapper: DomainMapper, verbose: bool = False
    ) -> Explanation:
        """lime's view of ``native`` (the numbers are ``native``'s, keyed as lime keys them)."""
        result = cls(domain_mapper, native.mode, native.class_names)
        fill_from_limette(result, native, verbose)
        return result

    def available_labels(self) -> list[int]:
        """The explained labels (the top labels first when ``top_labels`` was used)."""
        if self.mode != "classification":
            raise NotImplementedError("Not supported for regression explanations.")
        return list(self.top_labels if self.top_labels else self.local_exp)

    def _label(self, label: int) -> int:
        chosen = label if self.mode == "classification" else self.dummy_label
        if chosen not in self.local_exp:
            raise InputError(
                f"label {chosen} was not explained; explained labels: {list(self.local_exp)}"
            )
        return chosen

    def as_list(self, label: int = 1, **kwargs: Any) -> list[tuple[Any, float]]:
        """``[(feature name, weight), ...]`` for ``label`` by decreasing absolute weight."""
        mapped = self.domain_mapper.map_exp_ids(self.local_exp[self._label(label)], **kwargs)
        return [(name, float(weight)) for name, weight in mapped]

    def as_map(self) -> dict[int, list[tuple[int, float]]]:
        """``{label: [(feature id, weight), ...]}`` (lime's ``local_exp``)."""
        return self.local_exp

    def as_pyplot_figure(self, label: int = 1, **kwargs: Any) -> Any:
        """A matplotlib bar chart of ``label``'s weights (limette's ``plot_weights``)."""
        chosen = self._label(label)
        native = self._native()
        return native.as_pyplot_figure(chosen if self.mode == "classification" else None, **kwargs)

    def as_html(
        self,
        labels: Sequence[int] | None = None,
        predict_proba: bool = True,
        show_predicted_value: bool = True,
        **kwargs: Any,
    ) -> str:
        """A self-contained HTML page of the explanation (limette's report, all text escaped).

        lime's arguments are accepted; the page always shows every explained label with a
        selector, the model's output and the surrogate's fidelity.
        """
        return self._native().to_html()

    def save_to_file(
        self,
        file_path: Any,
        labels: Sequence[int] | None = None,
        predict_proba: bool = True,
        show_predicted_value: bool = True,
        **kwargs: Any,
    ) -> None:
        """Write :meth:`as_html` to ``file_path``."""
        with open(file_path, "w", encoding="utf-8") as handle:
            handle.write(self.as_html(labels, predict_proba, show_predicted_value, **kwargs))

    def show_in_notebook(
        self,
        labels: Sequence[int] | None = None,
        predict_proba: bool = True,
        show_predicted_value: bool = True,
        **kwargs: Any,
    ) -> None:
        """Display :meth:`as_html` in a Jupyter notebook."""
        try:
            from IPython.display import HTML, display
        except ImportError:
            raise MissingDependencyError(
                "show_in_notebook needs IPython: pip install ipython"
            ) from None
        display(HTML(self.as_html(labels, predict_proba, show_predicted_value, **kwargs)))

    def _repr_html_(self) -> str:
        return self._native()._repr_html_()

    def _native(self) -> NativeExplanation:
        if self.limette is None:
            raise InputError("this explanation was not made by a limette explainer")
        return self.limette


def fill_from_limette(target: Any, native: NativeExplanation, verbose: bool = False) -> None:
    """Set lime's result attributes of ``target`` from a limette explanation."""
    target.limette = native
    weights = native.as_map()
    intercepts = {label: native.intercept_for(label) for label in native.labels}
    if native.mode == "regression":
        (label,) = native.labels
        target.local_exp = {1: weights[label], 0: [(j, -w) for j, w in weights[label]]}
        target.intercept = {1: intercepts[label], 0: intercepts[label]}
        target.predicted_value = native.predicted_value
        target.min_value, target.max_value = native.min_value, native.max_value
    else:
        target.local_exp = dict(weights)
        target.intercept = intercepts
        target.predict_proba = native.model_output.copy()
        target.top_labels = None if native.top_labels is None else list(native.top_labels)
        if getattr(target, "class_names", None) is None:
            target.class_names = [str(k) for k in range(len(native.model_output))]
    target.score = float(native.score[-1])
    target.local_pred = native.local_pred[-1:].copy()
    if verbose:
        for row, label in enumerate(native.labels):
            print("Intercept", native.intercept[row])
            print("Prediction_local", native.local_pred[row : row + 1])
            print("Right:", native.model_output[label])
