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
    frequency-sampled columns still to fill) and, for every slot of those columns, whether
    each sample drew it (``same[s, i]`` for samples ``i`` from 1, as bytes: gathering an
    instance's rows of it and transposing them into its samples is one cheap pass; a
    last row of zeros stands for a value never seen in training, slot ``-1``)."""

    interpretable: np.ndarray
    same: np.ndarray


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
    inputs = np.array(inputs)  # owned, not rows of a reused block
    inputs[0] = inputs[min(1, n - 1)]  # a stand-in for each instance's own row 0
    return SharedNeighbourhood(inputs, SharedRows(np.array(interpretable), _slots(table, uniforms)))


def _slots(table: TableSampler, uniforms: np.ndarray) -> np.ndarray:
    """``same[s, i]``: whether sample ``i + 1`` drew slot ``s``."""
    count = len(table.slot_values)
    same = np.zeros((count + 1, len(uniforms) - 1), dtype=np.uint8)
    owner = np.repeat(np.arange(len(table.columns)), np.diff(np.append(table.offsets, count)))
    for slot in range(count):  # a loop over slots, not samples
        same[slot] = table.same_slot_of(slot, int(owner[slot]), uniforms[1:, owner[slot]])
    return same


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
    own = table.slot_of(row)
    indicators = np.array_equal(columns, np.arange(d))  # every column is one
    if indicators:
        gathered = rows.same[own]
        samples[1:] = gathered.T
    else:
        samples[1:] = rows.interpretable[1:]
        if len(columns):
            samples[1:, columns] = rows.same[own].T
    samples[0] = (row - table.means) / table.scales
    samples[0, columns] = 1.0
    if indicators and distance_metric == "euclidean":
        # 0/1 values: each squared difference is 0 or 1, and the sum of the mismatches is
        # exact in any order, so this is the euclidean distance's value bit for bit
        kept = np.add.reduce(gathered, axis=0, dtype=np.uint8 if d < 256 else np.intp)
        distances = np.empty(n)
        distances[0] = 0.0
        np.sqrt(np.subtract(d, kept, dtype=float), out=distances[1:])
    else:
        distances = get_distance(distance_metric)(samples)
    weights = np.asarray(kernel_fn(distances))
    return Neighbourhood(samples, weights, row[None, :], row)
