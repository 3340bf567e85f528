"""Whether a call holds JAX arrays, answered without importing JAX.

The tensor explainers ask :func:`holds_jax` first and hand JAX inputs over to
:mod:`limette.tensor._jax_path` (which imports JAX); without JAX installed no JAX array can
exist, so the check costs nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from ..compose import is_torch
from ..errors import InputError


def is_jax(value: Any) -> bool:
    """Whether ``value`` is a JAX array (or tracer)."""
    module = sys.modules.get("jax")
    return module is not None and isinstance(value, module.Array)


def holds_jax(inputs: Any) -> bool:
    """Whether ``inputs`` (an array or a tuple) are JAX arrays; mixing kinds is an error."""
    arrays = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    kinds = {"JAX" if is_jax(a) else "PyTorch" if is_torch(a) else "NumPy" for a in arrays}
    if "JAX" in kinds and len(kinds) > 1:
        others = " and ".join(sorted(kinds - {"JAX"}))
        raise InputError(f"inputs mixes JAX arrays with {others} arrays; use one kind")
    return kinds == {"JAX"}
