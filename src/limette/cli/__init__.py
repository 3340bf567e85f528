"""The ``limette`` command line (entry point ``limette.cli:main``), its inputs and the demo."""

from .commands import main

__all__ = ["main"]
