"""The tabular plan's shared neighbourhood (see :mod:`limette.engine.shared`).

Without ``sample_around_instance`` (or with a discretizer, which draws every column from
its bins' frequencies), lime's perturbed rows do not depend on the instance: continuous
columns are drawn around the training mean, frequency-sampled columns from their
training frequencies. So one draw per seed serves every instance: the model rows and the
standardised continuous columns are shared, and an instance adds only its row 0 and its
"same slot as the instance" indicators, computed from the kept uniforms exactly as
:meth:`~limette.tabular._sampling.TableSampler.sample` computes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.chunk import Neighbourhood
from ..engine.shared import SharedNeighbourhood
from ..engine.workspace import empty
from ..kernels import get_distance
from ..sampling import uniform_stream
from ._sampling import TableSampler


@dataclass(frozen=True, eq=False)
class SharedRows:
    """What every instance's samples share: the interpretable samples (row 0 and the
    frequency-sampled columns still to fill) and the uniforms of those columns."""

    interpretable: np.ndarray
    uniforms: np.ndarray


def shareable(sampler: str, tilt: float | None, discretized: bool, around: bool) -> bool:
    """Whether rows ``1..n-1`` are the same for every instance under one seed."""
    return tilt is None and sampler != "glime" and (discretized or not around)


def draw_shared(
    table: TableSampler,
    d: int,
    n: int,
    rng: np.random.Generator,
    sampler: str,
    sampling_method: str,
) -> SharedNeighbourhood:
    """Rows ``1..n-1`` as :meth:`TableSampler.sample` draws them for any instance."""
    stream = uniform_stream(sampler, table.uniform_width(d), rng)
    uniforms = np.empty((n, len(table.columns)))
    placeholder = np.zeros(d)  # only row 0 and the indicators depend on it
    interpretable, inputs = table.sample(
        placeholder, n, rng, sampling_method, False, first=True, stream=stream, uniforms=uniforms
    )
    inputs = np.array(inputs[1:])  # owned, not rows of a reused block
    return SharedNeighbourhood(inputs, SharedRows(np.array(interpretable), uniforms))


def neighbourhood_with(
    table: TableSampler,
    shared: SharedNeighbourhood,
    row: np.ndarray,
    kernel_fn: Callable[[np.ndarray], np.ndarray],
    distance_metric: str | Callable[..., Any],
) -> Neighbourhood:
    """One instance's neighbourhood over the shared rows: its own row 0 is its only
    model row."""
    rows: SharedRows = shared.state
    n, d = rows.interpretable.shape
    columns = table.columns
    samples = empty((n, d))
    if np.array_equal(columns, np.arange(d)):  # every column is an indicator
        samples[1:] = table.same_slot(row, rows.uniforms[1:])
    else:
        samples[1:] = rows.interpretable[1:]
        if len(columns):
            samples[1:, columns] = table.same_slot(row, rows.uniforms[1:])
    samples[0] = (row - table.means) / table.scales
    samples[0, columns] = 1.0
    weights = np.asarray(kernel_fn(get_distance(distance_metric)(samples)))
    return Neighbourhood(samples, weights, row[None, :], row)
