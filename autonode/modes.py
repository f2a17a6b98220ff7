"""Global switches: graph recording (``no_grad``) and anomaly detection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class _Modes:
    __slots__ = ("record", "anomaly")

    def __init__(self) -> None:
        self.record = True
        self.anomaly = False


MODES = _Modes()


@contextmanager
def no_grad() -> Iterator[None]:
    """Values built inside record no graph: they are leaves with no op."""
    previous = MODES.record
    MODES.record = False
    try:
        yield
    finally:
        MODES.record = previous


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first node whose value or gradient is NaN/inf."""
    previous = MODES.anomaly
    MODES.anomaly = True
    try:
        yield
    finally:
        MODES.anomaly = previous


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad`."""
    return MODES.record


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building a large graph.

    autonode graphs are acyclic and are freed by reference counting alone, so a
    collection pass that runs while a graph is being built only walks (and
    promotes) live nodes: pure overhead on a forward pass. Collection resumes,
    unchanged, when the block exits. ``nets`` uses this around network
    forward passes; use it around your own large forward loops.
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
