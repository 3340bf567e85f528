"""A path of 0.1, kept: the names of :mod:`limette.tabular.recurrent`."""

from .tabular.recurrent import RecurrentTabularExplainer

__all__ = [
    "RecurrentTabularExplainer",
]
