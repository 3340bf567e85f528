"""lime's random states, turned into limette seeds.

lime keeps a ``numpy.random.RandomState`` (``check_random_state(random_state)``: the
global one for ``None``) and advances it at every explanation. The compat layer does the
same: each explanation draws one integer from that state and gives it to limette as the
seed, so ``np.random.seed(0)`` repeats a run with ``random_state=None``, and two
explainers built with the same integer explain alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SEED_BOUND", "check_random_state", "draw_seed"]

SEED_BOUND = 2**31 - 1


def check_random_state(random_state: Any) -> np.random.RandomState:
    """lime's (scikit-learn's) rule: ``None`` is NumPy's global state, an int seeds a new one."""
    from sklearn.utils import check_random_state as sklearn_check

    return sklearn_check(random_state)


def draw_seed(*states: np.random.RandomState) -> int:
    """One limette seed from each lime state in turn (each advances, as lime's would)."""
    seed = 0
    for state in states:
        seed = seed * (SEED_BOUND + 1) + int(state.randint(0, SEED_BOUND))
    return seed
