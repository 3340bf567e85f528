"""lime's ``RecurrentTabularExplainer``: tables of sequences, one feature per (feature, step).

A thin view of :class:`~limette.tabular.TabularExplainer`: training data and instances of
shape ``(timesteps, features)`` are flattened feature by feature, and the model gets its
batches back in ``(n, timesteps, features)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._validation import as_float_array, check_names
from ._encoder import SequenceEncoder
from .explainer import TabularExplainer

__all__ = ["RecurrentTabularExplainer"]


class RecurrentTabularExplainer(TabularExplainer):
    """Explain models on 3-D inputs (samples × timesteps × features), like lime's.

    Each (feature, timestep) pair is one interpretable feature named ``name_t-k``; the
    model receives batches shaped ``(n, timesteps, features)``.
    """

    def __init__(
        self, training_data: Any, feature_names: Sequence[str] | None = None, **kwargs: Any
    ) -> None:
        data = as_float_array(training_data, "training_data", 3)
        n, self.n_timesteps, self.n_input_features = data.shape
        names = check_names(feature_names, self.n_input_features, "feature_names")
        names = names or [str(i) for i in range(self.n_input_features)]
        flat_names = [
            f"{name}_t-{self.n_timesteps - (t + 1)}"
            for name in names
            for t in range(self.n_timesteps)
        ]
        super().__init__(data.transpose(0, 2, 1).reshape(n, -1), feature_names=flat_names, **kwargs)
        self.row_encoder_ = SequenceEncoder(
            self.row_encoder_.frame,
            self.row_encoder_.feature_names,
            self.row_encoder_.sampler,
            n_timesteps=self.n_timesteps,
            n_input_features=self.n_input_features,
        )
