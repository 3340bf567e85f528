"""Composers: turn interpretable samples into model inputs, a whole batch at once.

:func:`mask_compose` is the composer of every "feature present / absent" modality with a
feature mask (image segments, Captum-style tensors): sample ``b``'s input takes the
instance's value where its feature is kept and the baseline's elsewhere, computed by
indexing ``keep[:, feature_mask]``; no loop over samples or features. NumPy arrays stay
NumPy; PyTorch tensors stay on their device.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["is_torch", "mask_compose"]


def is_torch(value: Any) -> bool:
    """Whether ``value`` is a PyTorch tensor (without importing torch)."""
    return type(value).__module__.startswith("torch") and hasattr(value, "device")


def mask_compose(keep: Any, feature_mask: Any, inputs: Any, baseline: Any) -> Any:
    """Masked copies of ``inputs``: one per row of ``keep``.

    Parameters
    ----------
    keep : array of shape (b, d)
        1 where a feature is present, 0 where it is replaced by the baseline.
    feature_mask : int array
        Feature id (``0..d-1``) of every input element; must broadcast against ``inputs``
        (an image's ``(H, W, 1)`` segment map against an ``(H, W, 3)`` image).
    inputs, baseline : arrays or tensors
        The instance and what "absent" means; ``baseline`` broadcasts against ``inputs``.

    Returns
    -------
    array or tensor of shape ``(b, *broadcast(feature_mask.shape, inputs.shape))``

    Examples
    --------
    >>> import numpy as np
    >>> mask_compose(np.array([[1, 0]]), np.array([0, 0, 1]), np.array([5.0, 6.0, 7.0]), 0.0)
    array([[5., 6., 0.]])
    """
    if is_torch(inputs):
        import torch

        device = inputs.device
        keep_t = torch.as_tensor(keep, device=device).to(torch.bool)
        mask_t = torch.as_tensor(feature_mask, device=device).to(torch.long)
        base_t = torch.as_tensor(baseline, device=device, dtype=inputs.dtype)
        return torch.where(keep_t[:, mask_t], inputs, base_t).contiguous()
    return _numpy_compose(np.asarray(keep).astype(bool), np.asarray(feature_mask), inputs, baseline)


def _numpy_compose(keep: np.ndarray, mask: np.ndarray, inputs: Any, baseline: Any) -> np.ndarray:
    """NumPy composition, one element (or one group of trailing elements) per mask entry.

    Trailing axes along which ``mask`` is constant (the colour channels of an ``(H, W, 1)``
    segment map against an ``(H, W, 3)`` image) are fused into one opaque element, so each
    output row is filled by one masked copy of whole pixels: no per-channel gather, and a
    C-ordered result.
    """
    dtype = np.result_type(inputs, baseline)
    shape = np.broadcast_shapes(mask.shape, np.shape(inputs), np.shape(baseline))
    padded = (1,) * (len(shape) - mask.ndim) + mask.shape
    split = len(shape)
    while split > 0 and padded[split - 1] == 1:
        split -= 1
    outer, inner = shape[:split], shape[split:]
    item = np.dtype((np.void, dtype.itemsize * int(np.prod(inner, dtype=np.intp))))

    def as_items(values: Any) -> np.ndarray:
        full = np.ascontiguousarray(np.broadcast_to(np.asarray(values, dtype=dtype), shape))
        return full.reshape(*outer, -1).view(item).reshape(outer)

    index = np.broadcast_to(mask.reshape(padded[:split]), outer).ravel()
    selected = np.take(keep, index.astype(np.intp, copy=False), axis=1)
    out = np.empty((len(keep), *outer), dtype=item)
    out[...] = as_items(baseline)
    np.copyto(out, as_items(inputs), where=selected.reshape(len(keep), *outer))
    return out.view(dtype).reshape(len(keep), *shape)
