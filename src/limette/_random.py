"""Random state handling: ``random_state`` in, one fresh generator per instance out.

The seed fixes the perturbations of *one* explanation. Every instance gets its own
generator built from the same :class:`numpy.random.SeedSequence`, so an explanation never
depends on which other instances were explained with it, in what order, in which chunk
or on which worker.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np

from .errors import InputError

RandomState: TypeAlias = "int | np.integer | np.random.Generator | np.random.SeedSequence | None"


def resolve_seed(random_state: RandomState) -> np.random.SeedSequence:
    """Turn a user's ``random_state`` into a :class:`~numpy.random.SeedSequence`.

    ``None`` draws fresh entropy; an ``int`` is used as it is; a ``Generator`` is asked
    for one 63-bit integer (so it advances, as scikit-learn's estimators do).
    """
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(2**63)))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise InputError(f"random_state must be a non-negative int; got {random_state}")
        return np.random.SeedSequence(int(random_state))
    raise InputError(
        "random_state must be None, an int, a numpy.random.Generator or a SeedSequence; "
        f"got {type(random_state).__name__}"
    )


def instance_generator(seed: np.random.SeedSequence) -> np.random.Generator:
    """A fresh generator for one instance, the same whichever instance it is."""
    return np.random.Generator(np.random.PCG64(seed))


def seed_entropy(seed: np.random.SeedSequence) -> int:
    """The integer that rebuilds ``seed``: recorded on every explanation."""
    entropy = seed.entropy
    if entropy is None or isinstance(entropy, int):
        return int(entropy or 0)
    return int(next(iter(entropy)))
