"""The op table: every primitive's forward and local-derivative rule, once.

Each :class:`Op` holds two plain functions built from :mod:`autonode.mathfn`:

* ``forward(*inputs) -> out``
* ``derivatives(out, *inputs) -> (∂out/∂input_0, ∂out/∂input_1, ...)``

Both run on Python floats, on numpy arrays (elementwise) and on Values. The
per-node engine (:class:`autonode.Value`) calls them on floats; the vectorised
engine in ``nets`` calls the same functions on arrays; ``backward(create_graph=True)``
calls the derivative rules on Values, which records each local derivative as a
graph (derivatives of derivatives). One set of rules, so nothing can drift apart.
Rules are written in terms of the output where that is cheapest
(``exp``: ``out``; ``tanh``: ``1 - out²``; ``sigmoid``: ``out·(1 - out)``).

A new primitive is one entry here, added to :data:`OPS`: with ``method="name"``,
Value gets ``x.name()`` and the expression parser ``name(...)``, and the tests that
loop over the table (float × array × central differences × PyTorch, to third
order) pick it up.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autonode import mathfn

Rule = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Op:
    """A primitive: its name, display symbol, arity (None: n-ary) and rules.

    ``method`` names the :class:`~autonode.Value` method that applies the op
    (``"exp"``, or an operator such as ``"__add__"``; a binary op also gets the reflected
    ``__radd__``, recorded with the operands swapped when ``commutative``); a unary op
    with a plain method name is also a function of the expression parser.

    An n-ary op may also have ``reduce(X)``: the same forward with its operands
    laid along the last axis of one array, kept as an axis of length 1 so the result
    broadcasts straight back against X in the derivative rule:
    ``reduce(X)[..., 0] == forward(*np.moveaxis(X, -1, 0))``. A batched engine calls it
    on an (m, K) matrix instead of splitting the matrix into K columns.
    """

    name: str
    symbol: str
    arity: int | None
    forward: Rule
    derivatives: Rule
    formula: str
    domain: Callable[..., str | None] = field(default=lambda *xs: None)
    reduce: Rule | None = None
    method: str | None = None
    commutative: bool = False

    def __repr__(self) -> str:
        return f"Op({self.name})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by reference (its rules are lambdas): the same table op is looked up on loading."""
        for key, op in _POW_CONST.items():
            if op is self:
                return (pow_const, (key[1],))
        if OPS.get(self.name) is not self:
            raise TypeError(f"op {self.name!r} is not in autonode's op table, so it cannot be pickled")
        return (_table_op, (self.name,))


# ---------------------------------------------------------------- domains --
# A domain check returns None when the inputs are fine, else a short reason.
# It runs only on floats, only when the plain forward has failed or produced
# something that is not a real number.


def _log_domain(x: float) -> str | None:
    return None if x > 0 else f"log needs a positive operand, got {x!r}"


def _div_domain(a: float, b: float) -> str | None:
    return None if b != 0 else "division by zero"


def _pow_domain(a: float, b: float) -> str | None:
    if a == 0 and b < 0:
        return f"0 cannot be raised to a negative power ({b!r})"
    if a < 0 and math.isfinite(b) and not float(b).is_integer():  # (±inf and nan exponents: IEEE, as PyTorch)
        return f"a negative base ({a!r}) needs an integer exponent, got {b!r}"
    return None


# ------------------------------------------------------------------ rules --
ONE_ONE = (1.0, 1.0)
ONE_MINUS_ONE = (1.0, -1.0)


def _pow_forward(a: Any, b: Any) -> Any:
    if type(a) is float and _pow_domain(a, b) is not None:
        raise ValueError(_pow_domain(a, b))
    return mathfn.power(a, b)


def _pow_base_derivative(a: Any, b: Any) -> Any:
    """∂(a^b)/∂a = b·a^(b-1); 0 when b = 0, inf where a^(b-1) is a pole."""
    if type(b) is float and b == 0:  # a constant exponent 0: the derivative is 0 everywhere, to every order
        return 0.0
    if type(a) is float:
        if b == 0:
            return 0.0
        if a == 0 and b < 1:
            return mathfn.INF
    return b * mathfn.power(a, b - 1)


def _pow_exponent_derivative(out: Any, a: Any) -> Any:
    """∂(a^b)/∂b = a^b·ln a for a > 0; 0 at a = 0 (PyTorch); nan for a < 0."""
    if type(a) is float or mathfn.is_node(a):
        v = float(a)
        if v > 0:
            return out * mathfn.log(a)
        return 0.0 if v == 0 else float("nan")
    safe = np.where(a > 0, a, 1.0)
    return np.where(a > 0, out * np.log(safe), np.where(a == 0, 0.0, np.nan))


def _sum_forward(*xs: Any) -> Any:
    return sum(xs[1:], xs[0])


def _dot_forward(*xs: Any) -> Any:
    n = len(xs) // 2
    return sum(map(operator.mul, xs[:n], xs[n:]))


def _dot_derivatives(out: Any, *xs: Any) -> tuple[Any, ...]:
    n = len(xs) // 2
    return xs[n:] + xs[:n]


def _logsumexp_reduce(X: Any) -> Any:
    """m + ln Σₖ e^(Xₖ - m) over the last axis (kept, length 1), with m = maxₖ Xₖ (no overflow)."""
    m = np.maximum.reduce(X, axis=-1, keepdims=True)
    if np.logical_and.reduce(np.isfinite(m), axis=None):  # (ndarray.all goes through Python; this does not)
        total = np.add.reduce(np.exp(X - m), axis=-1, keepdims=True)
        out = np.log(total, out=total)
    else:  # a row of -inf (or with an inf) is shifted by 0, so no -inf - -inf = nan; its ln 0 = -inf is the answer
        m = np.where(np.isfinite(m), m, 0.0).astype(m.dtype)
        with np.errstate(divide="ignore"):
            out = np.log(np.add.reduce(np.exp(X - m), axis=-1, keepdims=True))
    out += m
    return out


def _logsumexp_forward(*xs: Any) -> Any:
    """m + ln Σ e^(xᵢ - m) with m = max xᵢ (no overflow); arrays are stacked and reduced in one pass."""
    if type(xs[0]) is float:
        m = max(xs)
        if math.isinf(m):  # every xᵢ = -inf gives -inf, an xᵢ = +inf gives +inf (shifting by m would give nan)
            return m if not any(x != x for x in xs) else math.nan  # ... unless an xᵢ is nan (max skips it)
        return m + mathfn.log(sum(mathfn.exp(x - m) for x in xs))
    return _logsumexp_reduce(np.stack(np.broadcast_arrays(*xs), axis=-1))[..., 0]


def _logsumexp_derivatives(out: Any, *xs: Any) -> tuple[Any, ...]:
    return tuple([mathfn.exp(x - out) for x in xs])


ADD = Op(
    "add", "+", 2, operator.add, lambda out, a, b: ONE_ONE, "∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1",
    method="__add__", commutative=True,
)
SUB = Op(
    "sub", "-", 2, operator.sub, lambda out, a, b: ONE_MINUS_ONE, "∂(a-b)/∂a = 1, ∂(a-b)/∂b = -1", method="__sub__"
)
MUL = Op(
    "mul", "*", 2, operator.mul, lambda out, a, b: (b, a), "∂(a·b)/∂a = b, ∂(a·b)/∂b = a",
    method="__mul__", commutative=True,
)
DIV = Op(
    "div", "/", 2, operator.truediv,
    lambda out, a, b: (1.0 / b, -out / b),
    "∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b²",
    _div_domain, method="__truediv__",
)
NEG = Op("neg", "neg", 1, operator.neg, lambda out, a: (-1.0,), "∂(-a)/∂a = -1", method="__neg__")
POW = Op(
    "pow", "**", 2, _pow_forward,
    lambda out, a, b: (_pow_base_derivative(a, b), _pow_exponent_derivative(out, a)),
    "∂(a^b)/∂a = b·a^(b-1), ∂(a^b)/∂b = a^b·ln a",
    _pow_domain,
)
EXP = Op("exp", "exp", 1, mathfn.exp, lambda out, a: (out,), "∂e^a/∂a = e^a", method="exp")
LOG = Op("log", "log", 1, mathfn.log, lambda out, a: (1.0 / a,), "∂ln a/∂a = 1/a", _log_domain, method="log")
TANH = Op(
    "tanh", "tanh", 1, mathfn.tanh, lambda out, a: (1.0 - out * out,), "∂tanh a/∂a = 1 - tanh²a", method="tanh"
)
SIGMOID = Op(
    "sigmoid", "sigmoid", 1, mathfn.sigmoid,
    lambda out, a: (out * (1.0 - out),), "∂σ(a)/∂a = σ(a)·(1 - σ(a))", method="sigmoid",
)
RELU = Op(
    "relu", "relu", 1, mathfn.relu, lambda out, a: (mathfn.step(a),), "∂relu(a)/∂a = 1 if a > 0 else 0",
    method="relu",
)
SIN = Op("sin", "sin", 1, mathfn.sin, lambda out, a: (mathfn.cos(a),), "∂sin a/∂a = cos a", method="sin")
COS = Op("cos", "cos", 1, mathfn.cos, lambda out, a: (-mathfn.sin(a),), "∂cos a/∂a = -sin a", method="cos")
ABS = Op("abs", "abs", 1, mathfn.absolute, lambda out, a: (mathfn.sign(a),), "∂|a|/∂a = sign a (0 at 0)", method="abs")
IDENTITY = Op("identity", "id", 1, lambda a: a, lambda out, a: (1.0,), "∂a/∂a = 1")
SUM = Op(
    "sum", "sum", None, _sum_forward, lambda out, *xs: (1.0,) * len(xs), "∂(Σxᵢ)/∂xᵢ = 1",
    reduce=lambda X: X.sum(axis=-1, keepdims=True),
)
DOT = Op(
    "dot", "dot", None, _dot_forward, _dot_derivatives,
    "inputs w₁…wₙ, x₁…xₙ: ∂(Σwᵢxᵢ)/∂wᵢ = xᵢ, ∂(Σwᵢxᵢ)/∂xᵢ = wᵢ",
)
LOGSUMEXP = Op(
    "logsumexp", "logsumexp", None, _logsumexp_forward, _logsumexp_derivatives,
    "∂ log Σe^xⱼ / ∂xᵢ = e^(xᵢ - out) = softmax(x)ᵢ",
    reduce=_logsumexp_reduce,
)


class PowConst(Op):
    """x^n for a constant exponent n (the exponent is part of the op, not a node)."""


_POW_CONST: dict[tuple[type, float], Op] = {}


def pow_const(n: float | int) -> Op:
    """The op x ↦ x^n; ∂(x^n)/∂x = n·x^(n-1). Cached per exponent."""
    key = (type(n), n)
    op = _POW_CONST.get(key)
    if op is None:
        exponent = float(n)
        op = PowConst(
            "pow_const", f"**{n:g}" if isinstance(n, float) else f"**{n}", 1,
            lambda a: _pow_forward(a, exponent),
            # x² → 2x exactly (x^1 = x): one pass over an array instead of two
            (lambda out, a: (2.0 * a,)) if exponent == 2.0 else (lambda out, a: (_pow_base_derivative(a, exponent),)),
            f"∂(a^{n})/∂a = {n}·a^{exponent - 1:g}",
            lambda a: _pow_domain(a, exponent),
        )
        _POW_CONST[key] = op
    return op


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, TANH, SIGMOID, RELU, SIN, COS, ABS, IDENTITY, SUM, DOT, LOGSUMEXP
    )
}
"""Every primitive by name (``pow_const`` ops are made per exponent by :func:`pow_const`)."""

ACTIVATIONS: dict[str, Op] = {op.name: op for op in (SIGMOID, TANH, RELU, IDENTITY)}
"""The unary ops a network layer may use as its activation f(z)."""


def chain(upstream: Any, local: Any) -> Any:
    """One chain-rule product upstream·local; a local derivative that is the constant 1 costs nothing."""
    if type(local) is float and local == 1.0:
        return upstream
    return upstream * local


def activation_derivative(op: Op, z: Any, h: Any) -> Any:
    """f'(z) from the table's rule, given z and h = f(z) (floats or arrays)."""
    return op.derivatives(h, z)[0]


def _table_op(name: str) -> Op:
    """The table's op called ``name`` (unpickling)."""
    return OPS[name]


def reduce_rule(op: Op) -> Rule:
    """``op.reduce``: its forward over the last axis of one array, kept (ValueError if the op has none)."""
    if op.reduce is None:
        raise ValueError(f"op {op.name} has no reduce rule (only n-ary ops such as sum and logsumexp do)")
    return op.reduce


def arity_ok(op: Op, inputs: Sequence[Any]) -> bool:
    """Does ``inputs`` have the number of operands ``op`` takes?"""
    if op.arity is None:
        return len(inputs) >= 1 and (op is not DOT or len(inputs) % 2 == 0)
    return len(inputs) == op.arity
