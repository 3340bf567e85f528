"""lime's ``LimeError``: limette's :class:`~limette.errors.InputError` under lime's name."""

from ...errors import InputError as LimeError

__all__ = ["LimeError"]
