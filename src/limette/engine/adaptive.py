"""``num_samples="auto"``: draw perturbations in batches until the top-K ranking is stable.

In the spirit of S-LIME (Zhou, Hooker and Wang, KDD 2021), which grows the sample until a
central-limit test says the selected features would not change: after each batch we fit
lime's ridge (``alpha=1``) on every feature, take the ``K`` features with the largest
absolute weight, and compute for every pair (``i`` inside the top ``K``, ``j`` outside)

    z_ij = (|b_i| - |b_j|) / sqrt(se_i² + se_j²)

with the ridge standard errors of :func:`limette.surrogates.ridge_std`. When the smallest
``z`` reaches its target for every explained label, the ranking is stable and sampling
stops. Every look at the data is a chance to stop on a tie by luck, so the ``i``-th look
tests at level ``(1 - confidence) · 6 / (π² i²)`` (these sum to ``1 - confidence``): a
tie stops early with probability at most ``1 - confidence``, however many batches it
takes (with one fixed level a tie stopped early in about a third of runs). The test is
two-sided: the ranking puts the larger of two tied weights first, so a tie's ``z`` is the
absolute value of a normal. Otherwise the next batch is sized from how far
``z`` is from the target (standard errors shrink like ``1/sqrt(n)``), at least
``batch`` and at most doubling the sample, until ``max_samples``. Batches come from one
random stream, so a seed gives the same explanation every time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri

from .._design import WeightedDesign
from .._validation import check_positive_int
from ..errors import InputError
from ..surrogates import ridge_std
from .evaluate import choose_labels

__all__ = ["AutoSamples", "adaptive_samples", "as_auto", "binary_draw", "sample_and_evaluate"]


@dataclass(frozen=True)
class AutoSamples:
    """How ``num_samples="auto"`` decides when to stop.

    Parameters
    ----------
    confidence : float
        Required one-sided normal confidence that every top-``K`` feature outranks every
        other feature, over all the looks at the data together (see the module notes).
    top_k : int, optional
        ``K``; defaults to the explanation's ``num_features``, at most 5 (the last of ten
        features is often tied with the eleventh, and no sample size settles a tie).
    batch : int
        Samples in the first batch and the smallest later batch.
    max_samples : int
        The cap; sampling stops there with ``stop_reason="max_samples"``.

    Examples
    --------
    >>> AutoSamples(confidence=0.9, max_samples=20000).batch
    1000
    """

    confidence: float = 0.95
    top_k: int | None = None
    batch: int = 1000
    max_samples: int = 20000

    def __post_init__(self) -> None:
        if not 0.5 <= self.confidence < 1.0:
            raise InputError(f"confidence must be in [0.5, 1); got {self.confidence}")
        check_positive_int(self.batch, "batch", minimum=2)
        check_positive_int(self.max_samples, "max_samples", minimum=2)
        if self.top_k is not None:
            check_positive_int(self.top_k, "top_k")


def as_auto(num_samples: Any) -> AutoSamples | None:
    """The :class:`AutoSamples` rule for ``num_samples`` (``"auto"`` or one), else ``None``."""
    if isinstance(num_samples, AutoSamples):
        return num_samples
    if isinstance(num_samples, str):
        if num_samples != "auto":
            raise InputError(
                f"num_samples must be an integer >= 2, 'auto' or AutoSamples; got {num_samples!r}"
            )
        return AutoSamples()
    return None


def ranking_z(samples: np.ndarray, targets: np.ndarray, weights: np.ndarray, k: int) -> float:
    """Smallest ``z`` separating the top-``k`` features from the rest, over all targets."""
    d = samples.shape[1]
    if k >= d:
        return float("inf")
    design = WeightedDesign(samples, targets, weights)
    every, columns = np.arange(d), np.arange(targets.shape[1])
    coef = design.ridge(1.0, every, columns)
    se = ridge_std(design, 1.0, every, columns, coef)
    magnitude = np.abs(coef)
    order = np.argsort(-magnitude, axis=0, kind="stable")
    worst = np.inf
    for t in columns:
        inside, outside = order[:k, t], order[k:, t]
        gap = magnitude[inside, t][:, None] - magnitude[outside, t][None, :]
        spread = np.sqrt(se[inside, t][:, None] ** 2 + se[outside, t][None, :] ** 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(spread > 0, gap / spread, np.where(gap > 0, np.inf, 0.0))
        worst = min(worst, float(z.min()))
    return worst


def look_target(confidence: float, look: int) -> float:
    """The ``z`` that the ``look``-th test (from 1) must reach: the normal quantile at
    ``1 - (1 - confidence) · 3 / (π² look²)`` (two-sided level ``(1 - confidence) · 6 /
    (π² look²)``).

    >>> round(look_target(0.95, 1), 3), round(look_target(0.95, 2), 3)
    (2.165, 2.669)
    """
    return float(-ndtri((1.0 - confidence) * 3.0 / (np.pi**2 * look**2)))


def adaptive_samples(
    draw: Callable[[int, bool], tuple[np.ndarray, Any]],
    model: Callable[[Any], np.ndarray],
    weigh: Callable[[np.ndarray], np.ndarray],
    labels_of: Callable[[np.ndarray], tuple[int, ...]],
    rule: AutoSamples,
    num_features: int,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Draw, evaluate and test batches until the ranking is stable or the cap is reached.

    ``draw(n, first)`` returns ``n`` interpretable samples and their model inputs (row 0
    the instance when ``first``); ``model(inputs)`` the ``(n, k)`` outputs;
    ``weigh(samples)`` the proximity weights of all samples drawn so far;
    ``labels_of(output_at_instance)`` the explained labels. Returns the samples, the
    outputs and what to record in the explanation's metadata.
    """
    k = check_positive_int(rule.top_k or min(num_features, 5), "top_k")
    parts: list[np.ndarray] = []
    outputs: list[np.ndarray] = []
    size, used, z, look = min(rule.batch, rule.max_samples), 0, 0.0, 0
    while True:
        look += 1
        target = look_target(rule.confidence, look)
        new_samples, inputs = draw(size, used == 0)
        parts.append(new_samples)
        outputs.append(model(inputs))
        used += size
        samples, values = np.concatenate(parts), np.concatenate(outputs)
        z = ranking_z(samples, values[:, list(labels_of(values[0]))], weigh(samples), k)
        if z >= target:
            reason = "stable"
            break
        if used >= rule.max_samples:
            reason = "max_samples"
            break
        wanted = used * (target / max(z, 1e-3)) ** 2 - used
        size = int(min(max(wanted, rule.batch), used, rule.max_samples - used))
    info = {
        "num_samples": "auto",
        "samples_used": used,
        "stop_reason": reason,
        "rank_z": z,
        "rank_z_target": target,
        "confidence": rule.confidence,
        "top_k": k,
    }
    return samples, values, info


def sample_and_evaluate(
    num_samples: Any,
    draw: Callable[[int, bool], tuple[np.ndarray, Any]],
    model: Callable[[Any], np.ndarray],
    weigh: Callable[[np.ndarray], np.ndarray],
    *,
    labels: Sequence[int] | None,
    top_labels: int | None,
    classification: bool,
    num_features: int,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Samples and model outputs for a fixed ``num_samples`` or ``"auto"``/:class:`AutoSamples`.

    The entry point of every explainer: with an integer it draws once; otherwise it runs
    :func:`adaptive_samples`. The dict holds what to add to the explanation's metadata.
    """
    rule = as_auto(num_samples)
    if rule is None:
        samples, inputs = draw(check_positive_int(num_samples, "num_samples", minimum=2), True)
        return samples, model(inputs), {}

    def labels_of(output: np.ndarray) -> tuple[int, ...]:
        return choose_labels(output, labels, top_labels, classification)[0]

    return adaptive_samples(draw, model, weigh, labels_of, rule, num_features)


def binary_draw(
    sampler: Any, d: int, rng: np.random.Generator
) -> Callable[[int, bool], tuple[np.ndarray, np.ndarray]]:
    """``draw(n, first)`` for a binary sampler (``sample(n, d, rng)``, row 0 the instance).

    The first call is exactly ``sampler.sample(n, d, rng)``; later calls draw ``n + 1``
    rows from the same generator and drop the instance row. Returns the samples twice
    (they are their own model inputs, composed later by the explainer).
    """

    def draw(n: int, first: bool) -> tuple[np.ndarray, np.ndarray]:
        samples = sampler.sample(n, d, rng) if first else sampler.sample(n + 1, d, rng)[1:]
        return samples, samples

    return draw
