"""One boundary check for what users hand us: instances, training data, model outputs.

Inner code trusts what comes out of here and never checks again.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from types import FrameType
from typing import Any

import numpy as np

from .errors import InputError, LimetteWarning, ModelOutputError, UnknownOptionError


def as_float_array(value: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """Convert ``value`` to a finite float array, or raise an error naming ``name``."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise InputError(
            f"{name} must be numeric; could not convert it to floats ({error})"
        ) from error
    if ndim is not None and array.ndim != ndim:
        raise InputError(f"{name} must be {ndim}-D; got an array of shape {array.shape}")
    if array.size == 0:
        raise InputError(f"{name} is empty; got an array of shape {array.shape}")
    check_finite(array, name)
    return array


def check_finite(array: np.ndarray, name: str, error: type[Exception] = InputError) -> None:
    """Raise ``error`` naming ``name`` and the first bad position when ``array`` has NaN/inf."""
    finite = np.isfinite(array)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        bad = array[where]
        raise error(f"{name} contains {bad} at index {where}; all values must be finite")


def as_row(value: Any, name: str, n_features: int) -> np.ndarray:
    """Convert one instance to a finite 1-D float array of ``n_features`` values."""
    row = as_float_array(value, name)
    if row.ndim == 2 and row.shape[0] == 1:
        row = row[0]
    if row.ndim != 1:
        raise InputError(f"{name} must be one row (1-D); got an array of shape {row.shape}")
    if row.shape[0] != n_features:
        raise InputError(
            f"{name} has {row.shape[0]} values; the explainer was built on {n_features} features"
        )
    return row


def as_model_output(output: Any, n_rows: int, name: str, classification: bool) -> np.ndarray:
    """Check one batch of model output and return it as a float array of shape ``(n, k)``."""
    if type(output).__module__.startswith("torch") and hasattr(output, "detach"):
        output = output.detach().cpu().numpy()  # a torch tensor, on any device
    try:
        array = np.asarray(output, dtype=float)
    except (TypeError, ValueError) as error:
        raise ModelOutputError(
            f"{name} returned something that is not numeric ({error})"
        ) from error
    if array.ndim == 1 and not classification:
        array = array[:, None]
    if array.ndim != 2:
        hint = " (in classification mode pass predict_proba, not predict)" if classification else ""
        raise ModelOutputError(
            f"{name} must return an array of shape (n_samples, n_outputs); "
            f"got shape {array.shape} for {n_rows} samples{hint}"
        )
    if array.shape[0] != n_rows:
        raise ModelOutputError(
            f"{name} returned {array.shape[0]} rows for a batch of {n_rows} samples"
        )
    if not classification and array.shape[1] != 1:
        raise ModelOutputError(
            f"{name} must return one value per sample in regression mode; got shape {array.shape}"
        )
    check_finite(array, f"the output of {name}", ModelOutputError)
    return array


def check_labels(labels: Iterable[int], n_outputs: int) -> tuple[int, ...]:
    """Check that every label indexes a model output; return them as a tuple of ints."""
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
        raise InputError(f"labels must be a sequence of integers such as (1,); got {labels!r}")
    checked = []
    for label in labels:
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
            raise InputError(f"labels must be integers; got {label!r}")
        if not 0 <= label < n_outputs:
            raise InputError(
                f"label {label} is out of range: the model returns {n_outputs} outputs "
                f"(labels 0..{n_outputs - 1})"
            )
        checked.append(int(label))
    if not checked:
        raise InputError("labels is empty; give at least one label to explain")
    return tuple(checked)


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int when it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def lookup(table: dict[str, Any], name: str, argument: str) -> Any:
    """Look a string option up in ``table``; an unknown name lists the valid ones."""
    try:
        return table[name]
    except (KeyError, TypeError):
        valid = ", ".join(repr(key) for key in sorted(table))
        raise UnknownOptionError(f"{argument}={name!r} is not known; use one of {valid}") from None


def check_names(names: Sequence[Any] | None, n: int, argument: str) -> list[str] | None:
    """Check that ``names`` has ``n`` entries and return them as strings."""
    if names is None:
        return None
    names = [str(name) for name in names]
    if len(names) != n:
        raise InputError(f"{argument} has {len(names)} names; expected {n}")
    return names


def warn_user(message: str) -> None:
    """Issue a :class:`~limette.errors.LimetteWarning` pointing at the user's line: the
    first frame outside limette, however many of limette's frames and generators lie
    between (a fixed ``stacklevel`` breaks whenever a call path changes)."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame: FrameType | None = sys._getframe(1)
    level = 2  # 1 is this function, 2 its caller
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, LimetteWarning, stacklevel=level)
