"""lime's ``has_arg``: whether a callable accepts an argument by keyword."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["has_arg"]

_BY_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def has_arg(fn: Callable[..., Any], arg_name: str | None) -> bool:
    """``True`` when ``fn`` has a parameter ``arg_name`` that can be passed by keyword.

    ``**kwargs`` does not count, as in lime. A callable whose signature cannot be read
    (some compiled functions) is asked through its ``__call__``.

    Examples
    --------
    >>> has_arg(lambda image, ratio=0.5: image, "ratio")
    True
    >>> has_arg(lambda *args: args, "ratio")
    False
    """
    try:
        signature = inspect.signature(fn)
    except ValueError:
        signature = inspect.signature(fn.__call__)  # type: ignore[operator]
    parameter = signature.parameters.get(arg_name) if arg_name is not None else None
    return parameter is not None and parameter.kind in _BY_KEYWORD
