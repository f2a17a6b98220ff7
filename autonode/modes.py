"""Switches: graph recording (``no_grad``), anomaly detection, and pausing the cyclic GC.

Recording and anomaly detection are per thread, as PyTorch's grad mode is: a
``with no_grad():`` in one thread never changes what another thread records,
and a new thread starts with the defaults (recording on, anomaly detection off).
Pausing the garbage collector is process-wide by nature, so :func:`gc_paused`
counts the pauses under a lock and restores the collector once, when the last
one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


class _ThreadModes(threading.local):
    """This thread's switches; class attributes are the defaults a new thread starts with."""

    record = True
    anomaly = False


MODES = _ThreadModes()
"""The calling thread's switches: ``MODES.record``, ``MODES.anomaly``."""


# ---------------------------------------------------------------- speed trick --
# Reading a thread-local attribute costs about three times a plain slot read, and
# every recorded node needs the two switches. While no thread has a switch changed
# (the usual case), ALL_DEFAULT.value is True and the recorder skips both
# thread-local reads: one slot read instead of two thread-local ones per node.
class _AllDefault:
    __slots__ = ("value", "open_blocks")

    def __init__(self) -> None:
        self.value = True  # no block below is open in any thread
        self.open_blocks = 0


ALL_DEFAULT = _AllDefault()
_LOCK = threading.Lock()


@contextmanager
def _switched(name: str, setting: bool) -> Iterator[None]:
    """Set this thread's switch ``name`` for the block, then restore the value it had."""
    with _LOCK:
        ALL_DEFAULT.open_blocks += 1
        ALL_DEFAULT.value = False
    previous = getattr(MODES, name)
    setattr(MODES, name, setting)
    try:
        yield
    finally:
        setattr(MODES, name, previous)
        with _LOCK:
            ALL_DEFAULT.open_blocks -= 1
            ALL_DEFAULT.value = ALL_DEFAULT.open_blocks == 0


def no_grad() -> AbstractContextManager[None]:
    """Values built inside (in this thread) record no graph: they are leaves with no op."""
    return _switched("record", False)


def enable_grad() -> AbstractContextManager[None]:
    """Record the graph inside the block (in this thread), even within :func:`no_grad`."""
    return _switched("record", True)


def detect_anomaly() -> AbstractContextManager[None]:
    """Raise :class:`AnomalyError` at the first node (built in this thread) whose value or gradient is NaN/inf."""
    return _switched("anomaly", True)


def is_grad_enabled() -> bool:
    """True unless this thread is inside :func:`no_grad`."""
    return bool(ALL_DEFAULT.value or MODES.record)


_GC_LOCK = threading.Lock()
_GC = {"pauses": 0, "was_enabled": False}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building a large graph.

    autonode graphs are acyclic and are freed by reference counting alone, so a
    collection pass that runs while a graph is being built only walks (and
    promotes) live nodes: pure overhead on a forward pass. ``nets`` uses this
    around network forward passes; use it around your own large forward loops.
    Safe from many threads at once: the pauses are counted, and when the last one
    ends the collector is restored to the state it had before the first began.
    """
    with _GC_LOCK:
        if _GC["pauses"] == 0:
            _GC["was_enabled"] = gc.isenabled()
            gc.disable()
        _GC["pauses"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC["pauses"] -= 1
            if _GC["pauses"] == 0 and _GC["was_enabled"]:
                gc.enable()
