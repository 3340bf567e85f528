"""``num_samples="auto"``: draw perturbations in batches until a re-run would agree.

The target is in the user's terms: the expected top-``K`` Jaccard similarity between this
explanation and an independent re-run (default 0.9, ``K = num_features`` up to 5). The
samples come as ``R`` independent replicates, each its own randomisation of the sampler
(its own Sobol stream under its own random shift, or plain random draws), batch after batch;
the explanation is fitted on all of them. After each batch
:class:`limette.engine.redraw.ReplicateMoments` fits lime's ridge (``alpha=1``, every feature) on
the pooled samples and on each replicate, and estimates the expected re-draw Jaccard from
the replicates' spread; sampling stops when the estimate reaches the target. Otherwise the
same model says how many samples would reach it (variance falling like ``1 / n``), and the
next batch goes there: at least a quarter of ``batch``, at most half the sample so far, up
to ``max_samples``. Batches come from fixed streams, so a seed gives the same explanation
every time, alone or in ``explain_many``.

An explainer supplies ``new_draw()``, which starts one replicate's stream and returns its
``draw(n, first)`` (``n`` samples and their model inputs; row 0 the instance when
``first``), ``model(inputs)`` and ``weigh(samples)``; :func:`sample_and_evaluate` does the
rest for fixed and adaptive sizes alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_positive_int
from ..errors import InputError
from .evaluate import choose_labels
from .redraw import ReplicateMoments

__all__ = ["AutoSamples", "adaptive_samples", "as_auto", "binary_draw", "sample_and_evaluate"]

Draw = Callable[[int, bool], tuple[np.ndarray, Any]]

#: Standard errors the estimate must clear the target by.
CAUTION = 1.0
#: A batch adds at most this share of the samples drawn so far (the looks' grid).
GROWTH = 0.5


@dataclass(frozen=True)
class AutoSamples:
    """How ``num_samples="auto"`` decides when to stop.

    Parameters
    ----------
    target : float
        Expected top-``K`` Jaccard similarity between the explanation and an independent
        re-run at which sampling stops (estimated from the replicates; recorded in
        ``metadata["redraw_jaccard"]`` with its standard error).
    top_k : int, optional
        ``K``; defaults to the explanation's ``num_features``, at most 5.
    batch : int
        Samples in the first batch; later batches are at least a quarter of it.
    max_samples : int
        The cap; sampling stops there with ``stop_reason="max_samples"``.
    replicates : int
        Independent randomisations of the sampler the samples are split into (their spread
        measures the explanation's own). Each replicate's Sobol points are a quarter of the
        sample, so the pooled explanation keeps most of their advantage: on the hard
        breast-cancer row at 16 000 samples the weights' total variance was 1.7× a single
        stream's with 4 replicates and 2.6× with 8 (``benchmarks/RESULTS.md``).

    Examples
    --------
    >>> AutoSamples(target=0.95, max_samples=40000).batch
    1000
    """

    target: float = 0.9
    top_k: int | None = None
    batch: int = 1000
    max_samples: int = 20000
    replicates: int = 4

    def __post_init__(self) -> None:
        if not 0.0 < self.target <= 1.0:
            raise InputError(f"target must be in (0, 1]; got {self.target}")
        check_positive_int(self.replicates, "replicates", minimum=3)
        check_positive_int(self.batch, "batch", minimum=self.replicates)
        check_positive_int(self.max_samples, "max_samples", minimum=self.batch)
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


def _batch(draws: list[Draw], per: int, first: bool) -> tuple[np.ndarray, Any, np.ndarray]:
    """``per`` samples from every replicate: samples, model inputs, replicate of each row."""
    parts = [draw(per, first and r == 0) for r, draw in enumerate(draws)]
    owner = np.repeat(np.arange(len(draws)), per)
    if first:
        owner[0] = -1  # the instance itself, shared by every replicate's fit
    samples = np.concatenate([samples for samples, _ in parts])
    inputs = [inputs for _, inputs in parts]
    if isinstance(inputs[0], np.ndarray):
        return samples, np.concatenate(inputs), owner
    return samples, inputs[0].extended(inputs[1:]), owner  # rows composed later


def adaptive_samples(
    new_draw: Callable[[], Draw],
    model: Callable[[Any], np.ndarray],
    weigh: Callable[[np.ndarray], np.ndarray],
    labels_of: Callable[[np.ndarray], tuple[int, ...]],
    rule: AutoSamples,
    num_features: int,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Draw, evaluate and estimate batches until the re-draw target or the cap is reached.

    ``new_draw()`` starts one replicate (see the module notes); ``model(inputs)`` returns
    the ``(n, k)`` outputs; ``weigh(samples)`` the proximity weights of all samples drawn
    so far; ``labels_of(output_at_instance)`` the explained labels. Returns the samples,
    the outputs and what to record in the explanation's metadata.
    """
    k = check_positive_int(rule.top_k or min(num_features, 5), "top_k")
    draws = [new_draw() for _ in range(rule.replicates)]
    samples_parts: list[np.ndarray] = []
    output_parts: list[np.ndarray] = []
    moments: ReplicateMoments | None = None
    labels: list[int] = []
    size, used, looks = min(rule.batch, rule.max_samples), 0, 0
    while True:
        looks += 1
        per = -(-size // rule.replicates)
        new_samples, inputs, owner = _batch(draws, per, used == 0)
        samples_parts.append(new_samples)
        output_parts.append(model(inputs))
        samples, values = np.concatenate(samples_parts), np.concatenate(output_parts)
        if moments is None:
            labels = list(labels_of(values[0]))
            moments = ReplicateMoments.empty(rule.replicates, samples.shape[1], len(labels))
        new = slice(used, used + len(new_samples))
        moments.add(new_samples, values[new][:, labels], weigh(samples)[new], owner)
        used += len(new_samples)
        estimate = moments.model(k)
        jaccard, error = estimate.jaccard(), None
        if jaccard >= rule.target:  # the standard error decides (and costs) only now
            error = estimate.standard_error()
            if jaccard - CAUTION * error >= rule.target:
                reason = "target"
                break
        if used >= rule.max_samples:
            reason = "max_samples"
            break
        wanted = estimate.samples_for(rule.target, used, rule.max_samples) - used
        smallest = max(rule.batch // 4, rule.replicates)
        size = int(min(max(wanted, smallest), GROWTH * used, rule.max_samples - used))
    info = {
        "num_samples": "auto",
        "samples_used": used,
        "stop_reason": reason,
        "redraw_jaccard": jaccard,
        "redraw_jaccard_se": estimate.standard_error() if error is None else error,
        "target_jaccard": rule.target,
        "top_k": k,
        "replicates": rule.replicates,
        "looks": looks,
    }
    return samples, values, info


def sample_and_evaluate(
    num_samples: Any,
    new_draw: Callable[[], Draw],
    model: Callable[[Any], np.ndarray],
    weigh: Callable[[np.ndarray], np.ndarray],
    *,
    labels: Sequence[int] | None,
    top_labels: int | None,
    classification: bool,
    num_features: int,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Samples and model outputs for a fixed ``num_samples`` or ``"auto"``/:class:`AutoSamples`.

    The entry point of every explainer: with an integer it draws once from one stream;
    otherwise it runs :func:`adaptive_samples`. The dict holds what to add to the
    explanation's metadata.
    """
    rule = as_auto(num_samples)
    if rule is None:
        n = check_positive_int(num_samples, "num_samples", minimum=2)
        samples, inputs = new_draw()(n, True)
        return samples, model(inputs), {}

    def labels_of(output: np.ndarray) -> tuple[int, ...]:
        return choose_labels(output, labels, top_labels, classification)[0]

    return adaptive_samples(new_draw, model, weigh, labels_of, rule, num_features)


def binary_draw(sampler: Any, d: int, rng: np.random.Generator) -> Draw:
    """``draw(n, first)`` for a binary sampler (``sample(n, d, rng)``, row 0 the instance).

    A sampler with ``rows(d, rng)`` (:class:`~limette.sampling.BernoulliSampler`) continues
    one stream across calls (one Sobol sequence per replicate). Otherwise the first call is
    exactly ``sampler.sample(n, d, rng)`` and later calls draw ``n + 1`` rows from the same
    generator and drop the instance row (each a fresh randomisation of the sampler's
    scheme). Returns the samples twice (they are their own model inputs, composed later
    by the explainer).
    """
    if hasattr(sampler, "rows"):
        next_rows = sampler.rows(d, rng)

        def draw_rows(n: int, first: bool) -> tuple[np.ndarray, np.ndarray]:
            samples = np.vstack([np.ones((1, d)), next_rows(n - 1)]) if first else next_rows(n)
            return samples, samples

        return draw_rows

    def draw(n: int, first: bool) -> tuple[np.ndarray, np.ndarray]:
        samples = sampler.sample(n, d, rng) if first else sampler.sample(n + 1, d, rng)[1:]
        return samples, samples

    return draw
