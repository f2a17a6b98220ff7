"""Scalar, array or node maths: each function takes a Python float, a numpy array or a graph node.

These are the building blocks of the op table's forward and derivative rules, so
one rule runs unchanged on the per-node engine (floats), the vectorised engine
(arrays) and the higher-order backward pass (:class:`autonode.Value` nodes, where
the rule builds the derivative's own graph). Floats go through :mod:`math` (fast,
exact to the last bit); arrays through numpy ufuncs; a node through its method of
the same name (``x.exp()``).

Overflow policy (documented in the README): ``exp`` and ``pow`` return ``inf``
instead of raising ``OverflowError``, as IEEE 754, numpy and PyTorch do; the
anomaly mode (:func:`autonode.detect_anomaly`) turns that into an error at the
first non-finite node.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Num = Any

INF = float("inf")


def is_node(x: Any) -> bool:
    """Is ``x`` a graph node (not a number or an array)? Its methods then record the rule as a graph."""
    return not isinstance(x, (float, int, np.ndarray, np.generic))


def exp(x: Num) -> Num:
    """e^x; inf on overflow."""
    if type(x) is float:
        try:
            return math.exp(x)
        except OverflowError:
            return INF
    if is_node(x):
        return x.exp()
    return np.exp(x)


def log(x: Num) -> Num:
    """ln x (natural logarithm), x > 0."""
    if type(x) is float:
        return math.log(x)
    if is_node(x):
        return x.log()
    return np.log(x)


def tanh(x: Num) -> Num:
    """tanh x = (e^x - e^-x) / (e^x + e^-x)."""
    if type(x) is float:
        return math.tanh(x)
    if is_node(x):
        return x.tanh()
    return np.tanh(x)


def sigmoid(x: Num) -> Num:
    """σ(x) = 1 / (1 + e^-x), evaluated without overflow for either sign of x."""
    if type(x) is float:
        if x >= 0.0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)
    if is_node(x):
        return x.sigmoid()
    # 1 / (1 + e^-x) in place: e^-x overflows to inf for x < -709, giving exactly 0 (no NaN),
    # and for x ≪ 0 the quotient keeps full relative precision.
    e = np.negative(np.asarray(x, dtype=np.result_type(x, np.float32)))
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1.0
    return np.divide(1.0, e, out=e)  # (np.reciprocal is slower on float64)


def relu(x: Num) -> Num:
    """max(0, x); nan stays nan."""
    if type(x) is float:
        return 0.0 if x <= 0.0 else x
    if is_node(x):
        return x.relu()
    return np.maximum(x, 0.0)


def step(x: Num) -> Num:
    """0 where x ≤ 0 else 1: the derivative of relu (0 at x = 0 and 1 at nan, as PyTorch)."""
    if type(x) is float:
        return 0.0 if x <= 0.0 else 1.0
    if is_node(x):  # piecewise constant: its value is exact to every order
        return 0.0 if float(x) <= 0.0 else 1.0
    off = np.less_equal(x, 0.0)
    np.logical_not(off, out=off)
    return off.astype(x.dtype if type(x) is np.ndarray and x.dtype.kind == "f" else np.result_type(x, np.float32))


def power(x: Num, n: Num) -> Num:
    """x^n; ±inf on overflow (-inf for a negative base to an odd integer power, as numpy)."""
    try:
        return x**n
    except OverflowError:
        odd = float(n).is_integer() and int(n) % 2 == 1
        return -INF if x < 0 and odd else INF


def sin(x: Num) -> Num:
    """sin x."""
    if type(x) is float:
        return math.sin(x)
    if is_node(x):
        return x.sin()
    return np.sin(x)


def cos(x: Num) -> Num:
    """cos x."""
    if type(x) is float:
        return math.cos(x)
    if is_node(x):
        return x.cos()
    return np.cos(x)


def absolute(x: Num) -> Num:
    """|x|."""
    if type(x) is float:
        return abs(x)
    if is_node(x):
        return x.abs()
    return np.abs(x)


def sign(x: Num) -> Num:
    """-1, 0 or 1 (nan at nan): the derivative of |x| (0 at x = 0, as PyTorch)."""
    if type(x) is float or is_node(x):  # piecewise constant: on a node its value is exact to every order
        v = float(x)
        return (v > 0.0) - (v < 0.0) + 0.0 if v == v else v
    return np.sign(x)

