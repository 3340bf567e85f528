"""The units of a Captum-style ``attribute`` call and the user callables run on them.

A unit is what one surrogate explains: one example, or the whole batch when the model
returns one value for it. Perturbations are composed for every unit at once by indexing
the feature masks; a user ``similarity_func`` is called on the composed batch, one
perturbation of one unit at a time, as Captum calls it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compose import mask_compose
from ..errors import ModelOutputError
from . import _inputs as ti

__all__ = ["Units", "masked_transform", "pick", "user_similarity_weights"]


class Units:
    """One ``attribute`` call's inputs, split into units that get a surrogate each: one
    example each, or the whole batch when the model returns one value for it."""

    def __init__(
        self, inputs: ti.TensorInputs, base: ti.Arrays, mask: ti.FeatureMask, units: list[slice]
    ) -> None:
        self.inputs, self.base, self.mask, self.units = inputs, base, mask, units

    def original(self, u: int) -> Any:
        rows = self.units[u]
        return self.inputs.output(tuple(a[rows] for a in self.inputs.arrays))

    def kwargs(self, u: int) -> dict[str, Any]:
        rows, output = self.units[u], self.inputs.output
        return {
            "baselines": output(tuple(pick(b, rows) for b in self.base)),
            "feature_mask": output(tuple(pick(m, rows) for m in self.mask.masks)),
            "num_interp_features": self.mask.n_features,
        }

    def interpretable(self, row: np.ndarray) -> Any:
        """One interpretable vector ``(1, d)`` as Captum's functions get it."""
        if not self.inputs.torch:
            return row[None].copy()
        import torch

        integral = bool(np.all(row == np.round(row)))
        return ti.like(row[None], self.inputs.reference, torch.long if integral else None)

    def sums(self) -> np.ndarray:
        sums = ti.feature_sums(self.inputs, self.base, self.mask)
        if self.units == [slice(None)]:
            return sums.sum(axis=0, keepdims=True)
        return sums

    def compose(self, keep: np.ndarray) -> tuple[Any, ...]:
        """Perturbed inputs ``(m, B, ...)`` per input array; ``keep`` is ``(m, d)`` shared
        or ``(units, m, d)``."""
        x = self.inputs
        if keep.ndim == 2:
            return tuple(
                mask_compose(keep, m, a, b) for m, a, b in zip(self.mask.masks, x.arrays, self.base)
            )
        pieces = [
            [
                mask_compose(keep[u], pick(m, rows), a[rows], pick(b, rows))
                for m, a, b in zip(self.mask.masks, x.arrays, self.base)
            ]
            for u, rows in enumerate(self.units)
        ]
        return tuple(_join([piece[j] for piece in pieces]) for j in range(len(x.arrays)))


def _join(parts: list[Any]) -> Any:
    if len(parts) == 1:
        return parts[0]
    if ti.is_torch(parts[0]):
        import torch

        return torch.cat(parts, dim=1)
    return np.concatenate(parts, axis=1)


def pick(value: Any, rows: slice) -> Any:
    """The rows of a baseline or mask that belong to ``rows`` (shared ones as they are)."""
    if not hasattr(value, "shape") or value.ndim == 0 or value.shape[0] == 1:
        return value
    return value[rows]


def masked_transform(curr_sample: Any, original_input: Any, **kwargs: Any) -> Any:
    """Captum's default ``from_interp_rep_transform`` for a batch of binary vectors."""
    originals = ti.as_tuple(original_input)
    masks = ti.as_tuple(kwargs["feature_mask"])
    baselines = ti.as_tuple(kwargs["baselines"])
    keep = ti.to_numpy(curr_sample).reshape(-1, int(kwargs["num_interp_features"]))
    composed = tuple(
        mask_compose(keep, m, a, b).reshape(len(keep) * a.shape[0], *a.shape[1:])
        for m, a, b in zip(masks, originals, baselines)
    )
    return composed if isinstance(original_input, (tuple, list)) else composed[0]


def user_similarity_weights(
    similarity_func: Any,
    units: Units,
    u: int,
    parts: tuple[Any, ...],
    Z: np.ndarray,
    index: np.ndarray,
) -> np.ndarray:
    """Weights of the perturbations ``index`` of unit ``u`` (composed in ``parts``,
    ``(m, B, ...)`` per input), one ``similarity_func`` call per perturbation."""
    rows = units.units[u]
    original, kwargs = units.original(u), units.kwargs(u)
    samples = Z[u] if Z.ndim == 3 else Z
    weights = np.empty(len(index))
    for i, j in enumerate(index):
        perturbed = units.inputs.output(tuple(p[i, rows] for p in parts))
        interp = units.interpretable(samples[j])
        value = ti.to_numpy(similarity_func(original, perturbed, interp, **kwargs))
        if value.size != 1:
            raise ModelOutputError(
                f"similarity_func returned {value.size} values for one perturbation; "
                "expected one weight"
            )
        weights[i] = value.reshape(-1)[0]
    return weights
