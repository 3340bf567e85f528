"""LIME as a pure JAX function (``explain``) for use inside your own ``jax.jit``/``vmap``.

Needs ``pip install 'limette[jax]'``; see :mod:`limette.jax.functional` for the
constraints tracing puts on the arguments.
"""

from .functional import LocalFit, explain

__all__ = ["LocalFit", "explain"]
