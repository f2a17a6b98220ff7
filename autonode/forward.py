"""Forward mode: dual numbers whose derivative rules are the op table's.

A :class:`Dual` carries a number and its tangent, the derivative along one
chosen direction: ``Dual(x, ẋ)``. Each op computes its output with the table's
``forward`` and its local derivatives with the table's ``derivatives`` (both on
floats), then pushes the tangent through the chain rule::

    out  = op.forward(x₁, …, xₖ)
    ȯut  = Σᵢ (∂out/∂xᵢ) · ẋᵢ          (∂out/∂xᵢ from op.derivatives)

No graph is recorded: one pass gives f(x) and the directional derivative
J·ẋ. A plain number operand has no tangent and adds no term. Reverse mode
(:meth:`autonode.Value.backward`) uses the same two rules, walking the other way.

>>> y = (Dual(2.0, 1.0) * 3.0).tanh()     # d/dx tanh(3x) at x = 2
>>> y.tangent == 3.0 * (1.0 - y.primal ** 2)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

from autonode import ops
from autonode.errors import DomainError
from autonode.ops import Op
from autonode.value import Value

DualOperand = Union["Dual", float, int]


def _primal(x: Any, op: Op) -> float:
    """The number of an operand: a Dual's primal, a plain real number as float (TypeError otherwise)."""
    if isinstance(x, Dual):
        return x.primal
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    if isinstance(x, Value):
        raise TypeError(
            f"{op.name}: cannot mix a Dual (forward mode) with a Value (reverse mode); "
            "pass plain numbers to jvp, or build the whole expression from one kind"
        )
    raise TypeError(f"{op.name}: operands must be Duals or real numbers, got {type(x).__name__}: {x!r:.60}")


def apply(op: Op, *inputs: DualOperand) -> Dual:
    """Apply a table ``op`` to Duals or numbers: primal by ``op.forward``, tangent Σᵢ ∂out/∂xᵢ · ẋᵢ."""
    if not ops.arity_ok(op, inputs):
        takes = "an even number (w₁…wₙ, x₁…xₙ)" if op is ops.DOT else (op.arity or "one or more")
        raise TypeError(f"{op.name} takes {takes} operands, got {len(inputs)}")
    xs = [_primal(x, op) for x in inputs]
    try:
        out = op.forward(*xs)
        local = op.derivatives(out, *xs)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        reason = op.domain(*xs) or str(error)
        raise DomainError(f"{op.name} (forward mode): {reason} (operands: {', '.join(map(repr, xs))})") from None
    tangent = 0.0
    for x, d in zip(inputs, local):
        if isinstance(x, Dual):  # a plain number has no tangent: no term (so no 0·nan from its rule)
            tangent += d * x.tangent
    return Dual(out, tangent)


def _binary(op: Op) -> Callable[[Dual, DualOperand], Dual]:
    def method(self: Dual, other: DualOperand) -> Dual:
        return apply(op, self, other)

    method.__name__ = f"__{op.name}__"
    method.__doc__ = f"self {op.symbol} other; tangent by the table's rule {op.formula}."
    return method


def _reflected(op: Op) -> Callable[[Dual, DualOperand], Dual]:
    def method(self: Dual, other: DualOperand) -> Dual:
        return apply(op, other, self)

    method.__name__ = f"__r{op.name}__"
    method.__doc__ = f"other {op.symbol} self; tangent by the table's rule {op.formula}."
    return method


def _unary(op: Op) -> Callable[[Dual], Dual]:
    def method(self: Dual) -> Dual:
        return apply(op, self)

    method.__name__ = op.name
    method.__doc__ = f"{op.name} of this dual number; tangent by the table's rule {op.formula}."
    return method


class Dual:
    """A number with a tangent: ``Dual(x, ẋ)``; arithmetic carries ẋ along by the op table's rules."""

    __slots__ = ("primal", "tangent")

    primal: float
    tangent: float

    def __init__(self, primal: float, tangent: float = 0.0) -> None:
        self.primal = float(primal)
        self.tangent = float(tangent)

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r})"

    __add__ = _binary(ops.ADD)
    __radd__ = _reflected(ops.ADD)
    __sub__ = _binary(ops.SUB)
    __rsub__ = _reflected(ops.SUB)
    __mul__ = _binary(ops.MUL)
    __rmul__ = _reflected(ops.MUL)
    __truediv__ = _binary(ops.DIV)
    __rtruediv__ = _reflected(ops.DIV)
    __rpow__ = _reflected(ops.POW)
    __neg__ = _unary(ops.NEG)
    exp = _unary(ops.EXP)
    log = _unary(ops.LOG)
    tanh = _unary(ops.TANH)
    sigmoid = _unary(ops.SIGMOID)
    relu = _unary(ops.RELU)

    def __pow__(self, other: DualOperand) -> Dual:
        """self ** other: a number exponent is the table's x^n op (as Value does), a Dual one the a^b op."""
        if isinstance(other, Dual):
            return apply(ops.POW, self, other)
        if not isinstance(other, (int, float)) or isinstance(other, bool):
            raise TypeError(f"exponent must be a real number or a Dual, got {type(other).__name__}: {other!r:.60}")
        return apply(ops.pow_const(other), self)

    def __pos__(self) -> Dual:
        return self


def vsum(xs: list[DualOperand] | tuple[DualOperand, ...]) -> Dual:
    """Σxᵢ as one op (the table's n-ary sum)."""
    return apply(ops.SUM, *xs)


def dot(ws: list[DualOperand] | tuple[DualOperand, ...], xs: list[DualOperand] | tuple[DualOperand, ...]) -> Dual:
    """Σwᵢxᵢ as one op (the table's dot); ValueError if the lengths differ."""
    if len(ws) != len(xs):
        raise ValueError(f"dot needs operands of equal length, got {len(ws)} weights and {len(xs)} inputs")
    return apply(ops.DOT, *ws, *xs)


def logsumexp(xs: list[DualOperand] | tuple[DualOperand, ...]) -> Dual:
    """log Σ e^xᵢ as one op (the table's logsumexp); its tangent is Σ softmax(x)ᵢ · ẋᵢ."""
    return apply(ops.LOGSUMEXP, *xs)
