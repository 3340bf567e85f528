"""What the binary explainers (images, text) share: 0/1 samples composed on demand.

An image or a document becomes ``d`` interpretable features, every sample is a 0/1 row
(which segments or words are kept), and the model rows are composed from those rows only
when a model call needs them (:class:`~limette.engine.plan.Deferred`). A plan's
``setup(instance)`` gives a :class:`Setup` (``d``, the composer, what ``finish`` needs);
:func:`binary_draws` turns it into the :class:`~limette.engine.run.Draws` that both
``prepare`` and ``num_samples="auto"`` draw from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_sample_memory, lookup
from ..sampling import SCHEMES, Sampler
from .adaptive import Draw, binary_draw
from .plan import Deferred
from .run import Draws


@dataclass(frozen=True)
class Setup:
    """One instance cut into ``d`` features: how to compose model rows, and the rest."""

    d: int
    compose: Callable[[np.ndarray], Any]
    state: Any


def check_sampler(sampler: str) -> str:
    """``sampler`` if it names a scheme of :data:`limette.sampling.SCHEMES`.

    >>> check_sampler("sobol")
    'sobol'
    """
    lookup(SCHEMES, sampler, "sampler")
    return sampler


def binary_draws(
    sampler: Sampler,
    setup: Setup,
    weigh: Callable[[np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> Draws:
    """Rows of ``sampler`` (the first draw is ``sampler.sample(n, d, rng)``), composed later;
    every ``new_draw()`` starts its own stream."""

    def new_draw() -> Draw:
        draw_samples = binary_draw(sampler, setup.d, rng)

        def draw(n: int, first: bool) -> tuple[np.ndarray, Deferred]:
            if first:
                check_sample_memory(n, setup.d)
            samples, _ = draw_samples(n, first)
            return samples, Deferred(setup.compose, samples)

        return draw

    return Draws(new_draw, weigh, Deferred.build, setup.state)
