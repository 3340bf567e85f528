"""Captum-style inputs for :mod:`limette.tensor`: tuples of arrays or tensors, baselines,
feature masks, targets, and attributions back in the inputs' shape.

Everything here works on NumPy arrays and PyTorch tensors alike; tensors stay on their
device. Inputs are checked once, at the boundary, with errors that name the argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import warn_user
from ..compose import is_torch
from ..errors import InputError, ModelOutputError

Arrays = tuple[Any, ...]


def as_tuple(value: Any) -> tuple[Any, ...]:
    """``value`` as a tuple (a single array becomes a 1-tuple)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def to_numpy(value: Any) -> np.ndarray:
    """A float64 NumPy copy of an array or tensor (from any device)."""
    if is_torch(value):
        import torch

        return np.asarray(value.detach().to("cpu", torch.float64).numpy())
    return np.asarray(value, dtype=float)


def like(value: Any, reference: Any, dtype: Any = None) -> Any:
    """``value`` as an array of the same kind (and device) as ``reference``."""
    if is_torch(reference):
        import torch

        return torch.as_tensor(value, device=reference.device, dtype=dtype)
    return np.asarray(value, dtype=dtype)


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in value.shape)


@dataclass(frozen=True)
class TensorInputs:
    """Checked inputs: ``arrays`` (each ``(B, ...)``), whether they came as a tuple."""

    arrays: Arrays
    is_tuple: bool
    torch: bool

    @property
    def batch_size(self) -> int:
        return int(self.arrays[0].shape[0])

    @property
    def reference(self) -> Any:
        return self.arrays[0]

    def output(self, values: Arrays) -> Any:
        """Return ``values`` the way the inputs came: a tuple, or its only element."""
        return tuple(values) if self.is_tuple else values[0]


def format_inputs(inputs: Any) -> TensorInputs:
    """Check ``inputs`` (an array, a tensor, or a tuple of them with equal first dims)."""
    arrays = as_tuple(inputs)
    if not arrays:
        raise InputError("inputs is an empty tuple; give at least one array or tensor")
    kinds = {is_torch(a) for a in arrays}
    if len(kinds) > 1:
        raise InputError("inputs mixes NumPy arrays and PyTorch tensors; use one kind")
    torch_kind = kinds.pop()
    if not torch_kind:
        arrays = tuple(np.asarray(a) for a in arrays)
        for i, a in enumerate(arrays):
            if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
                raise InputError(f"inputs[{i}] must be numeric; got dtype {a.dtype}")
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise InputError(
                f"inputs[{i}] must have a leading batch dimension; got a scalar of shape ()"
            )
    sizes = [int(a.shape[0]) for a in arrays]
    if len(set(sizes)) > 1:
        raise InputError(f"every input must have the same first (batch) dimension; got {sizes}")
    if sizes[0] == 0:
        raise InputError("inputs has a batch of 0 examples")
    for i, a in enumerate(arrays):
        _check_finite(a, f"inputs[{i}]" if isinstance(inputs, (tuple, list)) else "inputs")
    return TensorInputs(arrays, isinstance(inputs, (tuple, list)), torch_kind)


def is_scalar(value: Any) -> bool:
    """Whether ``value`` is one number of any dtype (bool, int, float; Python, NumPy, or
    a zero-dimensional array or tensor)."""
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return True
    return (is_torch(value) or isinstance(value, np.ndarray)) and value.ndim == 0


def format_baselines(baselines: Any, inputs: TensorInputs) -> Arrays:
    """One baseline per input: a number (kept as a Python ``bool``, ``int`` or ``float``),
    or an array broadcastable to that input."""
    if baselines is None:
        return tuple(0.0 for _ in inputs.arrays)
    given = as_tuple(baselines)
    if len(given) != len(inputs.arrays):
        raise InputError(
            f"baselines has {len(given)} entries; inputs has {len(inputs.arrays)} arrays"
        )
    formatted: list[Any] = []
    for i, (baseline, array) in enumerate(zip(given, inputs.arrays)):
        if is_scalar(baseline):
            value = baseline.item() if hasattr(baseline, "item") else baseline
            _check_finite(np.float64(value), f"baselines[{i}]")
            formatted.append(value)
            continue
        converted: Any
        if inputs.torch:
            import torch

            converted = torch.as_tensor(
                baseline if is_torch(baseline) else np.asarray(baseline), device=array.device
            )
        else:
            converted = to_numpy(baseline) if is_torch(baseline) else np.asarray(baseline)
        try:
            fits = np.broadcast_shapes(_shape(converted), _shape(array)) == _shape(array)
        except ValueError:
            fits = False
        if not fits:
            raise InputError(
                f"baselines[{i}] has shape {_shape(converted)}; expected a number or an array "
                f"broadcastable to the input's shape {_shape(array)}"
            )
        _check_finite(converted, f"baselines[{i}]")
        formatted.append(converted)
    return tuple(formatted)


def _check_finite(array: Any, name: str) -> None:
    """Raise naming ``name`` and the first position of a NaN or infinity in ``array``."""
    if is_torch(array):
        import torch

        if not array.is_floating_point() or bool(torch.isfinite(array).all()):
            return
        host = to_numpy(array)
    else:
        if not np.issubdtype(np.asarray(array).dtype, np.inexact):
            return
        host = np.asarray(array)
        if np.isfinite(host).all():
            return
    where = tuple(int(i) for i in np.argwhere(~np.isfinite(host))[0])
    raise InputError(
        f"{name} contains {host[where]} at index {where}; inputs and baselines must be finite"
    )


@dataclass(frozen=True)
class FeatureMask:
    """Feature ids of every input element (integer arrays of the inputs' kind and ndim),
    the number of interpretable features ``d``, and which ids occur."""

    masks: Arrays
    n_features: int
    present: np.ndarray

    def broadcast(self, inputs: TensorInputs) -> Arrays:
        """Each mask expanded to its input's full shape."""
        return tuple(
            m.expand(*a.shape) if inputs.torch else np.broadcast_to(m, a.shape)
            for m, a in zip(self.masks, inputs.arrays)
        )


def default_feature_mask(inputs: TensorInputs) -> FeatureMask:
    """Captum's default: every scalar of one example is its own feature, shared by examples."""
    masks, offset = [], 0
    for a in inputs.arrays:
        size = int(np.prod(a.shape[1:], dtype=int))
        masks.append(like(np.arange(offset, offset + size).reshape((1, *a.shape[1:])), a))
        offset += size
    if offset == 0:
        raise InputError("inputs has no elements to attribute: every input is empty")
    return FeatureMask(tuple(masks), offset, np.ones(offset, dtype=bool))


def format_feature_mask(feature_mask: Any, inputs: TensorInputs) -> FeatureMask:
    """Check a user's feature mask: integer ids grouping elements across all inputs."""
    if feature_mask is None:
        return default_feature_mask(inputs)
    given = as_tuple(feature_mask)
    if len(given) != len(inputs.arrays):
        raise InputError(
            f"feature_mask has {len(given)} masks; inputs has {len(inputs.arrays)} arrays"
        )
    hosts = [to_numpy(m) if is_torch(m) else np.asarray(m) for m in given]
    for i, (host, array) in enumerate(zip(hosts, inputs.arrays)):
        _check_mask(host, array, f"feature_mask[{i}]" if inputs.is_tuple else "feature_mask")
    hosts = [
        h.astype(np.int64).reshape((1,) * (a.ndim - h.ndim) + h.shape)
        for h, a in zip(hosts, inputs.arrays)
    ]
    ids = np.unique(np.concatenate([h.ravel() for h in hosts]))
    if ids.size == 0:
        raise InputError("feature_mask marks no element: every input is empty")
    if ids[0] != 0:
        warn_user(
            f"the smallest id in feature_mask is {ids[0]}, not 0; ids are shifted to start at 0"
        )
        hosts = [h - ids[0] for h in hosts]
        ids = ids - ids[0]
    n_features = int(ids[-1]) + 1
    present = np.zeros(n_features, dtype=bool)
    present[ids] = True
    if not present.all():
        missing = np.flatnonzero(~present)
        warn_user(
            f"feature_mask ids are not contiguous: {missing[:10].tolist()} mark no element; "
            "their attributions are 0"
        )
    masks = tuple(like(h, a) for h, a in zip(hosts, inputs.arrays))
    return FeatureMask(masks, n_features, present)


def _check_mask(mask: np.ndarray, array: Any, name: str) -> None:
    if not (np.issubdtype(mask.dtype, np.integer) or mask.dtype == bool):
        if not (np.issubdtype(mask.dtype, np.floating) and np.all(mask == np.round(mask))):
            raise InputError(f"{name} must hold integer feature ids; got dtype {mask.dtype}")
    shape = _shape(array)
    if mask.size == 0 and int(np.prod(shape[1:], dtype=np.int64)) > 0:
        raise InputError(f"{name} is empty; its input has shape {shape}")
    padded = (1,) * (len(shape) - mask.ndim) + mask.shape
    try:
        fits = mask.ndim <= len(shape) and np.broadcast_shapes(padded, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise InputError(
            f"{name} has shape {mask.shape}; expected the input's shape {shape} or a shape "
            "that broadcasts to it"
        )


def present_per_example(mask: FeatureMask, batch_size: int, aggregate: bool) -> np.ndarray:
    """Which features mark some element of each example (``B × d``; one row when the
    batch is explained as a whole)."""
    if aggregate:
        return mask.present[None]
    present = np.zeros((batch_size, mask.n_features), dtype=bool)
    for m in mask.masks:
        ids = to_numpy(m).astype(np.int64) if is_torch(m) else np.asarray(m)
        ids = np.broadcast_to(ids, (batch_size, *ids.shape[1:])).reshape(batch_size, -1)
        rows = np.repeat(np.arange(batch_size), ids.shape[1])
        present[rows, ids.ravel()] = True
    return present


def feature_sums(inputs: TensorInputs, baselines: Arrays, mask: FeatureMask) -> np.ndarray:
    """Per example and feature: ``Σx²``, ``Σx·b``, ``Σb²``, ``Σ(x-b)²`` (``B × d × 4``).

    With them, the cosine or Euclidean distance between an example and any masked copy
    follows from the interpretable sample alone, without building the copy.
    """
    B, d = inputs.batch_size, mask.n_features
    total = np.zeros((B * d, 4))
    for array, baseline, ids in zip(inputs.arrays, baselines, mask.broadcast(inputs)):
        sums = _torch_sums if inputs.torch else _numpy_sums
        total += sums(array, baseline, ids, B * d)
    return total.reshape(B, d, 4)


def _offsets(ids: Any, batch: int, d: int, ndim: int) -> Any:
    rows = np.arange(batch).reshape((batch,) + (1,) * (ndim - 1))
    return (like(rows, ids) * d + ids).reshape(-1)


def _numpy_sums(array: Any, baseline: Any, ids: Any, size: int) -> np.ndarray:
    x = np.asarray(array, dtype=float)
    b = np.broadcast_to(np.asarray(baseline, dtype=float), x.shape)
    index = _offsets(ids, x.shape[0], size // x.shape[0], x.ndim)
    values = (x * x, x * b, b * b, (x - b) ** 2)
    return np.stack([np.bincount(index, v.ravel(), minlength=size) for v in values], axis=1)


def _torch_sums(array: Any, baseline: Any, ids: Any, size: int) -> np.ndarray:
    import torch

    dtype = torch.float32 if array.device.type == "mps" else torch.float64
    x = array.to(dtype)
    b = torch.as_tensor(baseline, device=array.device, dtype=dtype).expand(x.shape)
    index = _offsets(ids, x.shape[0], size // x.shape[0], x.ndim)
    values = torch.stack([x * x, x * b, b * b, (x - b) ** 2], dim=-1).reshape(-1, 4)
    sums = torch.zeros(size, 4, device=array.device, dtype=dtype)
    return to_numpy(sums.index_add_(0, index, values))


def expand_args(args: Any, repeats: int) -> tuple[Any, ...]:
    """Additional forward arguments for ``repeats`` stacked copies of the batch."""
    if args is None:
        return ()
    expanded: list[Any] = []
    for arg in as_tuple(args):
        if is_torch(arg) and arg.dim() > 0:
            import torch

            expanded.append(torch.cat([arg] * repeats, dim=0))
        elif isinstance(arg, np.ndarray) and arg.ndim > 0:
            expanded.append(np.concatenate([arg] * repeats, axis=0))
        else:
            expanded.append(arg)
    return tuple(expanded)


def check_target(target: Any, batch_size: int) -> Any:
    """Normalise ``target``: None, an int, a tuple, or a per-example list of ints/tuples."""
    if target is None:
        return target
    if isinstance(target, tuple):
        return _non_negative(target)
    if is_torch(target) or isinstance(target, np.ndarray):
        array = to_numpy(target)
        if array.size == 1:
            return _non_negative(int(array.reshape(-1)[0]))
        target = [int(t) for t in array.reshape(-1)]
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        return _non_negative(int(target))
    if isinstance(target, Sequence) and not isinstance(target, str):
        if len(target) != batch_size:
            raise InputError(f"target has {len(target)} entries; inputs has {batch_size} examples")
        return [_non_negative(t if isinstance(t, tuple) else int(t)) for t in target]
    raise InputError(
        "target must be None, an int, a tuple, or a list with one per example; "
        f"got {type(target).__name__}"
    )


def _non_negative(target: Any) -> Any:
    """``target`` (an int or a tuple of ints) when no index is negative; an error otherwise
    (a negative index would silently pick an output counted from the end)."""
    for index in target if isinstance(target, tuple) else (target,):
        if int(index) < 0:
            raise InputError(f"target {target!r} is negative; give the index of the output, from 0")
    return target


def _check_in_range(columns: Any, shape: tuple[int, ...], target: Any, name: str) -> None:
    """Raise naming ``target`` when an index is past the end of ``name``'s output dims."""
    for axis, index in enumerate(columns):
        size = shape[axis + 1]
        if int(index) >= size:
            raise InputError(
                f"target {target!r} is out of range: {name} returned shape {shape}, so "
                f"dimension {axis + 1} takes indices 0..{size - 1}"
            )


def select_target(output: Any, target: Any, batch_size: int, name: str) -> Any:
    """The targeted output of every row of one model call (rows are examples repeated)."""
    if target is None:
        return output
    if not (is_torch(output) or isinstance(output, np.ndarray)):
        output = np.asarray(output)
    if isinstance(target, (int, tuple)):
        index = target if isinstance(target, tuple) else (target,)
        if len(index) > output.ndim - 1:
            raise ModelOutputError(
                f"{name} returned shape {_shape(output)}; target {target!r} needs "
                f"{len(index) + 1} dimensions"
            )
        _check_in_range(index, _shape(output), target, name)
        return output[(slice(None), *index)]
    rows = int(output.shape[0])
    if rows % batch_size:
        raise ModelOutputError(f"{name} returned {rows} rows for a batch of {batch_size} examples")
    columns = np.array([t if isinstance(t, tuple) else (t,) for t in target])
    if columns.shape[1] > output.ndim - 1:
        raise ModelOutputError(
            f"{name} returned shape {_shape(output)}; target needs {columns.shape[1] + 1} "
            "dimensions"
        )
    _check_in_range(columns.max(axis=0), _shape(output), target, name)
    example = np.arange(rows) % batch_size
    picks = tuple(like(columns[example, j], output) for j in range(columns.shape[1]))
    return output[(like(np.arange(rows), output), *picks)]


def to_input_shape(coef: np.ndarray, inputs: TensorInputs, mask: FeatureMask) -> Arrays:
    """Attributions in the inputs' shape: every element gets its feature's coefficient."""
    results: list[Any] = []
    for array, ids in zip(inputs.arrays, mask.broadcast(inputs)):
        rows = np.arange(coef.shape[0]).reshape((-1,) + (1,) * (array.ndim - 1))
        if inputs.torch:
            import torch

            dtype = array.dtype if array.is_floating_point() else torch.float32
            table = torch.as_tensor(coef, device=array.device, dtype=dtype)
            results.append(table[like(rows, array), ids[: coef.shape[0]]])
        else:
            dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else np.float64
            results.append(coef.astype(dtype)[rows, ids[: coef.shape[0]]])
    return tuple(results)
