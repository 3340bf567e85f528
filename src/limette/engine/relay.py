"""Warnings raised on a worker, shown where the caller sees warnings.

A chunk that runs in another process (a process pool, a Dask worker) warns into that
process's stderr: a notebook never shows it, and the caller's ``warnings`` filters,
``pytest.warns`` or ``catch_warnings`` never see it. So the worker records what it would
have shown while it runs a chunk (:func:`recording`) and sends it back beside the
outcomes (:class:`Relayed`); the caller's side (:class:`RelayingFuture`) warns each of
them once per run, at the user's line, under the caller's own filters.

The worker keeps its own filters, so what it records is what it would have shown there
(by default each message once per place in the code and worker process, as a serial
run shows it once per place). ``warnings.catch_warnings`` is not safe across threads
(Dask runs tasks on threads), so the recording is a hook on ``warnings.showwarning``,
installed once per process, that records for the threads running a chunk and passes
every other warning on as before.
"""

from __future__ import annotations

import pickle
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .._validation import warn_user

__all__ = ["Relayed", "RelayingFuture", "recording"]

Caught = list[tuple[type[Warning], str]]

_local = threading.local()
_install_lock = threading.Lock()
_passed_on: Any = None  # the showwarning the hook replaced


def _show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    caught: Caught | None = getattr(_local, "caught", None)
    if caught is None:
        _passed_on(message, category, *args, **kwargs)
        return
    if not _portable(category):  # the caller could not unpickle it
        message, category = f"{category.__name__}: {message}", UserWarning
    if (category, str(message)) not in caught:
        caught.append((category, str(message)))


def _portable(category: type[Warning]) -> bool:
    try:
        return pickle.loads(pickle.dumps(category)) is category
    except Exception:
        return False


def _install() -> None:
    global _passed_on
    with _install_lock:
        if warnings.showwarning is not _show:
            _passed_on = warnings.showwarning
            warnings.showwarning = _show


@contextmanager
def recording() -> Iterator[Caught]:
    """Record, on this thread, the warnings that would be shown while the block runs."""
    _install()
    caught: Caught = []
    _local.caught = caught
    try:
        yield caught
    finally:
        _local.caught = None


@dataclass(frozen=True)
class Relayed:
    """A worker's result and the warnings it recorded while computing it."""

    result: Any
    caught: Caught


@dataclass
class RelayingFuture:
    """A future of a :class:`Relayed` result: ``result()`` warns what the worker recorded
    (each message once per ``seen``, the run's set) and returns the result itself."""

    future: Any
    seen: set[tuple[type[Warning], str]] = field(default_factory=set)

    def result(self) -> Any:
        relayed = self.future.result()
        for category, message in relayed.caught:
            if (category, message) not in self.seen:
                self.seen.add((category, message))
                warn_user(message, category)
        return relayed.result

    def cancel(self) -> bool:
        return bool(self.future.cancel())
