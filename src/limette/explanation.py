"""The result of one explanation and its views (list, map, frame, JSON, HTML, plots).

An :class:`Explanation` is immutable and holds arrays; views never recompute anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from .errors import InputError, MissingDependencyError

__all__ = ["Explanation"]

_KINDS: dict[str, type[Explanation]] = {}


@dataclass(frozen=True, eq=False)
class Explanation:
    """A local linear explanation of one prediction.

    Attributes
    ----------
    feature_names : tuple of str
        Readable name of each interpretable feature (``"mean radius <= 13.37"``,
        ``"color=red"``, a word, a segment).
    feature_values : tuple of str
        The instance's value of each feature, for display.
    labels : tuple of int
        The explained labels, in the order of the rows of ``coef``.
    coef : ndarray of shape (n_labels, n_features)
        Surrogate weights; zero where a feature was not selected.
    selected : ndarray of bool, shape (n_labels, n_features)
        Which features the surrogate of each label used.
    intercept, score, local_pred : ndarray of shape (n_labels,)
        Surrogate intercept, weighted R² on the samples, and prediction at the instance.
    model_output : ndarray of shape (n_outputs,)
        The model's own output at the instance (class probabilities or the value).
    mode : {"classification", "regression"}
    class_names : tuple of str, optional
    top_labels : tuple of int, optional
        The labels with the highest output, when explained with ``top_labels``.
    output_range : ndarray of shape (n_outputs, 2), optional
        Smallest and largest model output over the perturbed samples.
    coef_std : ndarray of shape (n_labels, n_features), optional
        Standard error of each weight, when the surrogate reports it.
    num_samples : int
        Number of perturbed samples the model was asked about.
    metadata : dict
        How the explanation was made (seed, kernel width, selection, ...).
    """

    feature_names: tuple[str, ...]
    feature_values: tuple[str, ...]
    labels: tuple[int, ...]
    coef: np.ndarray
    selected: np.ndarray
    intercept: np.ndarray
    score: np.ndarray
    local_pred: np.ndarray
    model_output: np.ndarray
    mode: str = "classification"
    class_names: tuple[str, ...] | None = None
    top_labels: tuple[int, ...] | None = None
    output_range: np.ndarray | None = None
    coef_std: np.ndarray | None = None
    num_samples: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)

    kind: ClassVar[str] = "tabular"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _KINDS[cls.kind] = cls

    # ----------------------------------------------------------------- lookups
    def label_row(self, label: int | None) -> int:
        """The row of ``coef``, ``intercept``, ... that holds ``label`` (``None``: the first)."""
        if label is None:
            return 0
        if label not in self.labels:
            raise InputError(
                f"label {label} was not explained; explained labels: {list(self.labels)}"
            )
        return self.labels.index(label)

    def feature_order(self, row: int) -> np.ndarray:
        """Selected features of ``row`` by decreasing absolute weight (ties in feature order)."""
        features = np.flatnonzero(self.selected[row])
        return features[np.argsort(-np.abs(self.coef[row, features]), kind="stable")]

    def label_name(self, label: int) -> str:
        """The class name of ``label`` (its number when no names were given)."""
        if self.class_names is not None and 0 <= label < len(self.class_names):
            return self.class_names[label]
        return str(label) if self.mode == "classification" else "value"

    # ------------------------------------------------------------------ fidelity
    @property
    def model_pred(self) -> np.ndarray:
        """The model's output at the instance for each explained label."""
        return self.model_output[list(self.labels)]

    @property
    def fidelity_gap(self) -> np.ndarray:
        """Surrogate prediction minus model prediction at the instance, per label."""
        return self.local_pred - self.model_pred

    @property
    def adjusted_score(self) -> np.ndarray:
        """Adjusted weighted R², penalising the number of features each surrogate used."""
        n = self.num_samples
        p = self.selected.sum(axis=1)
        denominator = np.maximum(n - p - 1, 1)
        return 1.0 - (1.0 - self.score) * (n - 1) / denominator

    def fidelity(self) -> dict[str, list[float]]:
        """Per-label fidelity: weighted R², adjusted R², and surrogate-minus-model gap."""
        return {
            "score": self.score.tolist(),
            "adjusted_score": self.adjusted_score.tolist(),
            "local_pred": self.local_pred.tolist(),
            "model_pred": self.model_pred.tolist(),
            "fidelity_gap": self.fidelity_gap.tolist(),
        }

    # --------------------------------------------------------------- uncertainty
    @property
    def interval_level(self) -> float:
        """Level of :meth:`coef_interval` by default: the surrogate's ``interval_level``
        (recorded in ``metadata["interval_level"]`` when it has one), else 0.95."""
        return float(self.metadata.get("interval_level", 0.95))

    def coef_interval(self, level: float | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """Lower and upper bounds ``(n_labels, n_features)`` of each weight's interval.

        A normal interval ``coef ± z · coef_std`` (a credible interval for
        :class:`~limette.uncertainty.BayesianRidge`); ``None`` without ``coef_std``.
        """
        half = self.interval_half_width(level)
        if half is None:
            return None
        return self.coef - half, self.coef + half

    def interval_half_width(self, level: float | None = None) -> np.ndarray | None:
        """Half the width ``z · coef_std`` of each weight's interval; ``None`` without ``coef_std``.

        ``level`` defaults to :attr:`interval_level`; reports and plots draw these.
        """
        if self.coef_std is None:
            return None
        level = self.interval_level if level is None else float(level)
        if not 0.0 < level < 1.0:
            raise InputError(f"level must be strictly between 0 and 1; got {level}")
        from scipy.special import ndtri

        return np.asarray(float(ndtri(0.5 + level / 2.0)) * self.coef_std)

    @property
    def predict_proba(self) -> np.ndarray | None:
        """Class probabilities at the instance (classification), as lime's ``predict_proba``."""
        return self.model_output if self.mode == "classification" else None

    @property
    def predicted_value(self) -> float | None:
        """The model's value at the instance (regression)."""
        return float(self.model_output[0]) if self.mode == "regression" else None

    @property
    def min_value(self) -> float | None:
        """Smallest model value over the samples (regression)."""
        return None if self.output_range is None else float(self.output_range[0, 0])

    @property
    def max_value(self) -> float | None:
        """Largest model value over the samples (regression)."""
        return None if self.output_range is None else float(self.output_range[0, 1])

    # --------------------------------------------------------------------- views
    def as_list(self, label: int | None = None) -> list[tuple[str, float]]:
        """``[(feature name, weight), ...]`` by decreasing absolute weight.

        ``label`` defaults to the first explained label.
        """
        row = self.label_row(label)
        return [(self.feature_names[j], float(self.coef[row, j])) for j in self.feature_order(row)]

    def as_map(self) -> dict[int, list[tuple[int, float]]]:
        """``{label: [(feature index, weight), ...]}`` by decreasing absolute weight."""
        return {
            label: [(int(j), float(self.coef[row, j])) for j in self.feature_order(row)]
            for row, label in enumerate(self.labels)
        }

    def as_frame(self) -> Any:
        """A pandas DataFrame: one row per label and selected feature.

        Columns: ``label``, ``label_name``, ``rank``, ``feature``, ``value``, ``weight``;
        with standard errors also ``std``, ``lower`` and ``upper`` (the
        :meth:`coef_interval` at :attr:`interval_level`); then the label's fidelity,
        ``score`` (weighted R²), ``adjusted_score`` and ``fidelity_gap``.
        """
        try:
            import pandas as pd
        except ImportError:
            raise MissingDependencyError(
                "as_frame needs pandas: pip install 'limette[pandas]'"
            ) from None
        interval = self.coef_interval()
        adjusted, gap = self.adjusted_score, self.fidelity_gap
        records = []
        for row, label in enumerate(self.labels):
            for rank, j in enumerate(self.feature_order(row), start=1):
                record = {
                    "label": label,
                    "label_name": self.label_name(label),
                    "rank": rank,
                    "feature": self.feature_names[j],
                    "value": self.feature_values[j],
                    "weight": float(self.coef[row, j]),
                }
                if self.coef_std is not None and interval is not None:
                    record["std"] = float(self.coef_std[row, j])
                    record["lower"] = float(interval[0][row, j])
                    record["upper"] = float(interval[1][row, j])
                record["score"] = float(self.score[row])
                record["adjusted_score"] = float(adjusted[row])
                record["fidelity_gap"] = float(gap[row])
                records.append(record)
        return pd.DataFrame.from_records(records)

    def intercept_for(self, label: int | None = None) -> float:
        """The surrogate's intercept for ``label``."""
        return float(self.intercept[self.label_row(label)])

    def score_for(self, label: int | None = None) -> float:
        """The surrogate's weighted R² for ``label``."""
        return float(self.score[self.label_row(label)])

    # ---------------------------------------------------------------------- JSON
    def downscaled(self, max_side: int) -> Explanation:
        """This explanation with its pictures at most ``max_side`` pixels on a side, for
        reports; itself when it has none (only image explanations do)."""
        return self

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (arrays as lists with their dtype); see :meth:`from_dict`.

        Besides the fields it carries the derived ``fidelity`` (see :meth:`fidelity`) for
        readers of the JSON; :meth:`from_dict` ignores it.
        """
        data = {item.name: _encode(getattr(self, item.name)) for item in fields(self)}
        derived = {"fidelity": self.fidelity()}
        return {"kind": self.kind, "limette_explanation": 1, **data, **derived}

    def to_json(self, **dumps_kwargs: Any) -> str:
        """The explanation as a JSON string (never pickle)."""
        return json.dumps(self.to_dict(), **dumps_kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Explanation:
        """Rebuild an explanation (of the right subclass) from :meth:`to_dict`'s output."""
        if not isinstance(data, dict) or data.get("limette_explanation") != 1:
            raise InputError("data is not a limette explanation (missing 'limette_explanation': 1)")
        kind = data.get("kind", "tabular")
        if kind not in _KINDS:
            raise InputError(f"unknown explanation kind {kind!r}; known kinds: {sorted(_KINDS)}")
        target = _KINDS[kind]
        names = {item.name for item in fields(target)}
        return target(**{key: _decode(value) for key, value in data.items() if key in names})

    @classmethod
    def from_json(cls, text: str) -> Explanation:
        """Rebuild an explanation from :meth:`to_json`'s output."""
        return cls.from_dict(json.loads(text))

    # ------------------------------------------------------------- plots, HTML
    def as_pyplot_figure(self, label: int | None = None, **kwargs: Any) -> Any:
        """A matplotlib figure with lime's bar chart of weights for ``label``."""
        from .views.plot import plot_weights

        return plot_weights(self, label=label, **kwargs).figure

    def to_html(self) -> str:
        """A self-contained HTML page showing the explanation (all user text escaped)."""
        from .views.report import render_report

        return render_report([self])

    def save_html(self, path: Any) -> None:
        """Write :meth:`to_html` to ``path`` (a str or path-like)."""
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.to_html())

    def _repr_html_(self) -> str:
        from .views.report import notebook_html

        return notebook_html(self)


_KINDS[Explanation.kind] = Explanation


def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {
            "__ndarray__": value.tolist(),
            "dtype": str(value.dtype),
            "shape": list(value.shape),
        }
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"]).reshape(value["shape"])
        if "__tuple__" in value:
            return tuple(_decode(item) for item in value["__tuple__"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value
