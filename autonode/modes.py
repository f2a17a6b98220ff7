"""Global switches: graph recording (``no_grad``) and anomaly detection."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


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
