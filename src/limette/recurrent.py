"""A path of 0.1, kept: the names of :mod:`limette.tabular.recurrent`."""

from .tabular.recurrent import *  # noqa: F403
from .tabular.recurrent import __all__ as __all__
