"""lime's ``wrappers.scikit_image``: ``BaseWrapper`` and ``SegmentationAlgorithm``.

``SegmentationAlgorithm("quickshift", kernel_size=4, ...)`` is a callable ``image ->
segments`` that passes on only the parameters the scikit-image function accepts (so
lime's ``random_seed`` is dropped where scikit-image no longer takes it).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from typing import Any

from ...._validation import lookup
from ....errors import MissingDependencyError
from ..utils.generic_utils import has_arg

__all__ = ["BaseWrapper", "SegmentationAlgorithm"]


class BaseWrapper:
    """A function or callable with stored keyword parameters.

    Parameters
    ----------
    target_fn : callable, optional
    **target_params
        Parameters for ``target_fn``.
    """

    def __init__(self, target_fn: Any = None, **target_params: Any) -> None:
        self.target_fn = target_fn
        self.target_params = target_params

    def _targets(self) -> list[Callable[..., Any]]:
        if self.target_fn is None:
            if callable(self):
                return [self.__call__]
            raise TypeError("the wrapper has no target_fn and is not callable itself")
        if isinstance(self.target_fn, (types.FunctionType, types.MethodType)):
            return [self.target_fn]
        return [self.target_fn.__call__]  # AttributeError when it is not callable

    def _check_params(self, parameters: Iterable[str]) -> None:
        """Raise ``ValueError`` for a parameter the target does not accept.

        ``parameters`` is a list or dict of names; a string or anything not iterable
        raises ``TypeError``.
        """
        targets = self._targets()
        if isinstance(parameters, str) or not isinstance(parameters, Iterable):
            raise TypeError(
                f"parameters must be a list or dict of names; got {type(parameters).__name__}"
            )
        for name in parameters:
            for target in targets:
                if not has_arg(target, name):
                    raise ValueError(f"{name} is not a valid parameter")

    def set_params(self, **params: Any) -> None:
        """Replace the stored parameters (each must be accepted by the target)."""
        self._check_params(params)
        self.target_params = params

    def filter_params(
        self, fn: Callable[..., Any], override: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The stored parameters that ``fn`` accepts, updated with ``override``."""
        kept = {name: value for name, value in self.target_params.items() if has_arg(fn, name)}
        kept.update(override or {})
        return kept


class SegmentationAlgorithm(BaseWrapper):
    """A scikit-image segmentation (``"quickshift"``, ``"slic"`` or ``"felzenszwalb"``)
    with its parameters: ``SegmentationAlgorithm("slic", n_segments=50)(image)``."""

    def __init__(self, algo_type: str, **target_params: Any) -> None:
        try:
            import skimage.segmentation as segmentation
        except ImportError:
            raise MissingDependencyError(
                "SegmentationAlgorithm needs scikit-image: pip install 'limette[image]'"
            ) from None

        functions = {
            "felzenszwalb": segmentation.felzenszwalb,
            "quickshift": segmentation.quickshift,
            "slic": segmentation.slic,
        }
        self.algo_type = algo_type
        target = lookup(functions, algo_type, "algo_type")
        super().__init__(target, **target_params)
        self.set_params(**self.filter_params(target))

    def __call__(self, *args: Any) -> Any:
        return self.target_fn(args[0], **self.target_params)
