"""The loop every explainer runs: evaluate the model in batches, weigh, select, fit.

Modality explainers build the neighbourhood (interpretable samples and a way to turn
them into model inputs); everything after that is here, vectorised over samples and
labels, and shared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._design import WeightedDesign
from .._validation import as_model_output, check_labels, check_positive_int, check_probabilities
from ..errors import LimetteError, MissingDependencyError, ModelCallError
from ..selection import select_features
from ..surrogates import LinearFit, Surrogate

Compose = Callable[[np.ndarray], Any]


def _batches(n: int, batch_size: int | None) -> Iterator[slice]:
    size = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def progress_bar(
    total: int, enabled: bool, description: str = "explaining", unit: str = "instance"
) -> Any:
    """A tqdm progress bar when ``enabled`` (``None`` otherwise)."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise MissingDependencyError(
            "progress=True needs tqdm: pip install 'limette[progress]'"
        ) from None
    return tqdm(total=total, desc=description, unit=unit)


def call_model(
    predict_fn: Callable[[Any], Any],
    inputs: Any,
    rows: int,
    *,
    name: str,
    classification: bool,
    where: str,
) -> np.ndarray:
    """One model call on ``rows`` rows, its output checked (``(rows, k)`` floats).

    A model that raises is re-raised as :class:`~limette.errors.ModelCallError` naming the
    model (``name``, e.g. lime's ``classifier_fn``) and ``where`` it failed.
    """
    try:
        raw = predict_fn(inputs)
    except LimetteError:
        raise
    except Exception as error:
        raise ModelCallError(f"{name} raised {type(error).__name__} on {where}: {error}") from error
    return as_model_output(raw, rows, name, classification)


def evaluate(
    predict_fn: Callable[[Any], Any],
    samples: np.ndarray,
    compose: Compose,
    *,
    classification: bool,
    batch_size: int | None = None,
    progress: bool = False,
    name: str = "predict_fn",
    probabilities: bool = False,
) -> np.ndarray:
    """Call the model on ``compose(samples[batch])`` batch by batch; return ``(n, k)`` outputs.

    Memory is bounded by one composed batch. A model that raises is re-raised as
    :class:`~limette.errors.ModelCallError` with the batch it failed on. With
    ``probabilities``, outputs that are not probabilities give one warning.
    """
    n = len(samples)
    outputs: np.ndarray | None = None
    bar = progress_bar(n, progress, "model calls", "sample")
    try:
        for batch in _batches(n, batch_size):
            part = call_model(
                predict_fn,
                compose(samples[batch]),
                batch.stop - batch.start,
                name=name,
                classification=classification,
                where=f"samples {batch.start}..{batch.stop - 1} of {n}",
            )
            outputs = place(outputs, part, batch, n, name)
            if bar is not None:
                bar.update(batch.stop - batch.start)
    finally:
        if bar is not None:
            bar.close()
    if outputs is None:
        return np.empty((0, 0))
    if probabilities:
        check_probabilities(outputs, name)
    return outputs


def place(
    outputs: np.ndarray | None, part: np.ndarray, rows: slice, n: int, name: str
) -> np.ndarray:
    """Copy one model call's output ``part`` into ``outputs[rows]`` (made on the first call,
    ``(n, k)``) and return ``outputs``.

    The copy is taken before the model is called again: a model may return a view into a
    buffer it reuses between calls (an inference server, ONNX Runtime's preallocated
    outputs, hand-written batching). It is the copy that joining the parts would make.
    """
    if outputs is None:
        outputs = np.empty((n, part.shape[1]))
    elif part.shape[1] != outputs.shape[1]:
        raise LimetteError(
            f"{name} returned a different number of outputs across batches: "
            f"{ {outputs.shape[1], part.shape[1]} }"
        )
    outputs[rows] = part
    return outputs


def proximity_weights(
    samples: np.ndarray, sampler: Any, weigh: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``weigh(samples)``, or unit weights when ``sampler`` draws from the kernel-weighted
    distribution already (its ``kernel_weighted`` attribute is true, as for GLIME)."""
    if getattr(sampler, "kernel_weighted", False):
        return np.ones(len(samples))
    return np.asarray(weigh(samples))


def choose_labels(
    output: np.ndarray,
    labels: Sequence[int] | None,
    top_labels: int | None,
    classification: bool,
) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """The labels to explain and, with ``top_labels``, the top labels in decreasing order."""
    if not classification:
        return (0,), None
    if top_labels is not None:
        count = check_positive_int(top_labels, "top_labels")
        top = tuple(int(i) for i in np.argsort(-output, kind="stable")[:count])
        return top, top
    return check_labels(labels if labels is not None else (1,), output.shape[0]), None


@dataclass(frozen=True, eq=False)
class LocalModel:
    """A fitted local surrogate: the fit, its feature masks and its fidelity."""

    fit: LinearFit
    selected: np.ndarray
    score: np.ndarray
    local_pred: np.ndarray


def weighted_r2(design: WeightedDesign, predictions: np.ndarray) -> np.ndarray:
    """Weighted R² for every target; like scikit-learn, 1 for an exact fit of a constant."""
    residual = design.Y - predictions
    sse = design.w @ (residual * residual)
    sst = design.total_sum_of_squares
    exact = np.isclose(sse, 0.0, atol=1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(
            sst > 0, 1.0 - sse / np.where(sst > 0, sst, 1.0), np.where(exact, 1.0, 0.0)
        )
    return np.asarray(score)


def fit_local_model(
    samples: np.ndarray,
    targets: np.ndarray,
    weights: np.ndarray,
    *,
    num_features: int,
    feature_selection: str,
    surrogate: Surrogate,
) -> LocalModel:
    """Select features and fit the surrogate for all ``k`` targets (columns of ``targets``)."""
    num_features = check_positive_int(num_features, "num_features")
    design = WeightedDesign(samples, targets, weights)
    selected = select_features(design, num_features, feature_selection)
    fit = surrogate.fit(design, selected)
    predictions = fit.predict(samples)
    return LocalModel(fit, selected, weighted_r2(design, predictions), predictions[0].copy())


def explanation_fields(
    samples: np.ndarray,
    weights: np.ndarray,
    outputs: np.ndarray,
    *,
    classification: bool,
    labels: Sequence[int] | None,
    top_labels: int | None,
    num_features: int,
    feature_selection: str,
    surrogate: Surrogate,
) -> dict[str, Any]:
    """Everything after the model call, as keyword arguments of :class:`Explanation`.

    Chooses the labels, fits the local model for all of them, and reports the model's
    output at the instance (row 0) and its range over the samples.
    """
    chosen, top = choose_labels(outputs[0], labels, top_labels, classification)
    local = fit_local_model(
        samples,
        outputs[:, chosen],
        weights,
        num_features=num_features,
        feature_selection=feature_selection,
        surrogate=surrogate,
    )
    return {
        "labels": chosen,
        "top_labels": top,
        "coef": local.fit.coef,
        "coef_std": local.fit.coef_std,
        "selected": local.selected,
        "intercept": local.fit.intercept,
        "score": local.score,
        "local_pred": local.local_pred,
        "model_output": outputs[0].copy(),  # not a view that would keep every output alive
        "output_range": _column_ranges(outputs),
        "num_samples": len(samples),
        "mode": "classification" if classification else "regression",
    }


def _column_ranges(outputs: np.ndarray) -> np.ndarray:
    """``[min, max]`` of each column of ``(n, k)`` outputs, as ``(k, 2)``.

    Reduced along contiguous rows of the transpose: NumPy's reduction over the first axis
    of a narrow array is 25× slower than the copy.
    """
    columns = np.ascontiguousarray(outputs.T)
    return np.column_stack([columns.min(axis=1), columns.max(axis=1)])
