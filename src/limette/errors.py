"""The exceptions and warnings limette raises.

Every error subclasses :class:`LimetteError` and the built-in error a user would
already catch (``ValueError``, ``TypeError``, ``RuntimeError``, ``ImportError``), so
``except ValueError`` keeps working around code that switched from ``lime``.
"""

from __future__ import annotations

__all__ = [
    "CategoricalNumbersWarning",
    "InputError",
    "InstanceError",
    "LimetteError",
    "LimetteWarning",
    "MissingDependencyError",
    "ModelCallError",
    "ModelOutputError",
    "ModelOutputWarning",
    "SurrogateConvergenceWarning",
    "TooFewSamplesWarning",
    "UnknownOptionError",
    "WorkerLostError",
]


class LimetteError(Exception):
    """Base class of every error raised by limette."""


class InputError(LimetteError, ValueError):
    """An argument has the wrong shape, type or value; the message names the argument."""


class UnknownOptionError(InputError):
    """A string option is not one of the accepted names; the message lists them."""


class ModelOutputError(LimetteError, ValueError):
    """The user's model returned something of the wrong shape, or non-finite values."""


class ModelCallError(LimetteError, RuntimeError):
    """The user's model raised; the original exception is chained as ``__cause__``."""


class InstanceError(LimetteError, RuntimeError):
    """Explaining one of many instances failed; ``index`` says which, the cause is chained."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index

    def __reduce__(self) -> tuple[type, tuple[str, int | None]]:
        return (type(self), (str(self), self.index))


class WorkerLostError(InstanceError):
    """Explaining this instance came back without a result each time it was tried, also
    alone: the worker running it (a process, a Dask worker) died, or the executor lost the
    task otherwise. The executor's last error is chained as ``__cause__``."""


class MissingDependencyError(LimetteError, ImportError):
    """An optional dependency is needed; the message gives the ``pip install`` line."""


class LimetteWarning(UserWarning):
    """A warning about input that limette could handle but that may surprise the user."""


class TooFewSamplesWarning(LimetteWarning):
    """Fewer samples than interpretable features: the fit is underdetermined and its
    attributions are far from the values that more samples would give."""


class ModelOutputWarning(LimetteWarning):
    """The model's output looks unlike what the mode expects (e.g. classification outputs
    that are not probabilities)."""


class SurrogateConvergenceWarning(LimetteWarning):
    """An iterative surrogate (the lasso) reached its iteration limit before its tolerance:
    its weights are approximate. Raise ``max_iter`` or ``tol``."""


class CategoricalNumbersWarning(LimetteWarning):
    """A text column of the training data is mostly numbers: a few stray tokens (``"n/a"``)
    made it categorical, with one category per distinct number."""
