"""Errors of the engine's domain; each message names the op, node and value."""

from __future__ import annotations


class AutonodeError(Exception):
    """Base class of every error autonode raises on purpose."""


class DomainError(AutonodeError, ValueError):
    """An op was applied outside its mathematical domain (log of x ≤ 0, 1/0, ...)."""


class AnomalyError(AutonodeError, FloatingPointError):
    """Anomaly mode met a NaN or infinite value or gradient."""


class ExpressionError(AutonodeError, ValueError):
    """An expression string could not be parsed; names the offending token."""
