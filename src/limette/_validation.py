"""One boundary check for what users hand us: instances, training data, model outputs.

Inner code trusts what comes out of here and never checks again.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from types import FrameType
from typing import Any

import numpy as np

from .errors import (
    InputError,
    LimetteWarning,
    ModelOutputError,
    ModelOutputWarning,
    SurrogateConvergenceWarning,
    TooFewSamplesWarning,
    UnknownOptionError,
)


def to_floats(value: Any, failure: str, error: type[Exception] = InputError) -> np.ndarray:
    """``value`` as a float array; ``error("<failure> (<why>)")`` when it is not numeric."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as cause:
        raise error(f"{failure} ({cause})") from cause


def as_float_array(value: Any, name: str, ndim: int | None = None) -> np.ndarray:
    """Convert ``value`` to a finite float array, or raise an error naming ``name``."""
    array = to_floats(value, f"{name} must be numeric; could not convert it to floats")
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
    array = to_floats(output, f"{name} returned something that is not numeric", ModelOutputError)
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


def check_probabilities(output: np.ndarray, name: str, tolerance: float = 1e-4) -> bool:
    """Warn (and return ``True``) when classification ``output`` ``(n, k)`` is not
    probabilities: a negative value, or a row that does not sum to 1 within ``tolerance``.

    One pass of a matrix-vector product and a minimum, a few microseconds for a batch of
    thousands of rows: nothing next to the model call that made them.
    """
    sums = output @ np.ones(output.shape[1])
    lowest = float(output.min())
    if lowest >= -tolerance and float(sums.min()) >= 1.0 - tolerance:
        if float(sums.max()) <= 1.0 + tolerance:
            return False
    worst = int(np.argmax(np.abs(sums - 1.0)))
    found = f"row {worst} sums to {float(sums[worst]):.6g}"
    if lowest < -tolerance:
        found = f"it returned {lowest:.6g}"
    warn_user(
        f"{name} does not return probabilities in classification mode ({found}); the "
        "explanation is of these scores. Pass the model's predict_proba (or softmax its "
        "logits), or use mode='regression' for scores",
        ModelOutputWarning,
    )
    return True


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


def check_positive_float(value: Any, name: str) -> float:
    """Return ``value`` as a float when it is a finite number ``> 0``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name} must be a positive number; got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise InputError(f"{name} must be a positive number; got {value!r}")
    return float(value)


def available_memory() -> int | None:
    """Bytes this process may still allocate: ``MemAvailable`` of ``/proc/meminfo``, capped
    by a cgroup limit; the physical memory elsewhere; ``None`` when unknown."""
    found: list[int] = []
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
        with open("/sys/fs/cgroup/memory.max") as limit:
            text = limit.read().strip()
        if text.isdigit():
            found.append(int(text))
    except (OSError, ValueError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, OSError, ValueError):
            return None
    return min(found)


def check_sample_memory(
    n_samples: int, n_features: int, name: str = "num_samples", arrays: int = 3
) -> None:
    """Refuse ``n_samples`` when the ``arrays`` float64 matrices of ``n_samples × n_features``
    an explanation holds at once (samples, their model inputs, indicators) would not fit
    in the memory available, before anything that large is allocated."""
    needed = int(n_samples) * max(int(n_features), 1) * 8 * arrays
    if needed < 2**28:  # 256 MiB: not worth reading /proc for (explain_many asks per instance)
        return
    free = available_memory()
    if free is not None and needed > free:
        raise InputError(
            f"{name}={n_samples} needs about {needed / 2**30:.1f} GiB for {n_features} "
            f"features ({arrays} arrays of {name} × features × 8 bytes); "
            f"{free / 2**30:.1f} GiB of memory is available. Use fewer samples"
        )


def warn_few_samples(n_samples: int, n_features: int, name: str, explainer: str) -> None:
    """Warn (:class:`~limette.errors.TooFewSamplesWarning`) when ``n_samples`` is below the
    number of interpretable features: the least-squares fit is underdetermined."""
    if n_samples < n_features:
        warn_user(
            f"{explainer} with {name}={n_samples} and {n_features} features: fewer samples "
            f"than features leave the fit underdetermined and the attributions unreliable; "
            f"use {name} >= {n_features} (ideally several times more)",
            TooFewSamplesWarning,
        )


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
    if len(set(names)) != n:
        repeated = sorted(name for name, count in Counter(names).items() if count > 1)
        raise InputError(
            f"{argument} repeats {repeated!r}; every feature needs its own "
            "name (explanations and reports list features by name)"
        )
    return names


def warn_user(message: str, category: type[Warning] = LimetteWarning) -> None:
    """Issue a warning (a :class:`~limette.errors.LimetteWarning` unless ``category`` says
    otherwise) pointing at the user's line: the
    first frame outside limette, however many of limette's frames and generators lie
    between (a fixed ``stacklevel`` breaks whenever a call path changes)."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame: FrameType | None = sys._getframe(1)
    level = 2  # 1 is this function, 2 its caller
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def warn_unconverged(count: int, what: str) -> None:
    """Say that the lasso stopped at its limit of ``count`` ``what`` before its tolerance."""
    warn_user(
        f"the lasso surrogate stopped after {count} {what} before reaching its tolerance: "
        "its weights are approximate (raise max_iter or tol)",
        SurrogateConvergenceWarning,
    )
