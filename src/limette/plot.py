"""A path of 0.1, kept: the names of :mod:`limette.views.plot`."""

from .views.plot import *  # noqa: F403
from .views.plot import __all__ as __all__
