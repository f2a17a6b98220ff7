"""`Value`: one scalar node of a computation graph.

A Value holds its number (``data``), the gradient of the latest backward pass
(``grad``), an optional ``label``, the primitive that made it (``op``), its
inputs (``parents``, an ordered tuple) and the local derivative of itself with
respect to each parent (``local_grads``, same order). Rules come from
:mod:`autonode.ops`; graph algorithms from :mod:`autonode.graph`.

Nodes only point at their parents, never back, so a graph has no reference
cycles and is freed by reference counting as soon as its output is dropped.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

from autonode import ops
from autonode.errors import AnomalyError, DomainError
from autonode.modes import ALL_DEFAULT, MODES
from autonode.ops import Op

Operand = Union["Value", float, int]

_new = object.__new__


def _as_float(data: Any, what: str = "Value data") -> float:
    """``data`` as a float, or TypeError naming it."""
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real):  # int, bool, numpy real scalars, Fraction, ...
        return float(data)
    shape = getattr(data, "shape", None)
    detail = f" of shape {shape}" if shape not in (None, ()) else ""
    raise TypeError(f"{what} must be a real number, got {type(data).__name__}{detail}: {data!r:.60}")


def _constant(x: Any) -> Value:
    """A leaf for a plain number met in arithmetic (the fast path of ``Value(x)``)."""
    if type(x) is not float:
        return Value(x)
    node = _new(Value)
    node.data = x
    node.grad = 0.0
    node.label = ""
    node._fn = node._a = node._b = None
    if not ALL_DEFAULT.value and MODES.anomaly and not math.isfinite(x):
        raise AnomalyError(f"constant has non-finite value {x!r}")
    return node


def _describe(node: Value | float) -> str:
    if not isinstance(node, Value):
        return f"constant={node!r}"
    label = node.label if len(node.label) <= 60 else f"{node.label[:60]}… ({len(node.label)} characters)"
    name = label or ("value" if node._fn is None else f"({node.op} node)")
    return f"{name}={node.data!r}"


def _unary(op: Op) -> Callable[[Value], Value]:
    """The recorder of a unary op: ``f(a)`` computes the op's forward and local derivative and records the node.

    Made once per op, with the op's rules bound as locals, so recording a node costs one Python call.
    """
    forward, derivatives = op.forward, op.derivatives

    def record(a: Value) -> Value:
        x = a.data
        try:
            data = forward(x)
            (da,) = derivatives(data, x)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            raise _domain_error(op, (a,), error) from None
        node = _new(Value)
        node.data = data
        node.grad = 0.0
        node.label = ""
        node._b = None
        if ALL_DEFAULT.value or MODES.record:
            node._fn = op
            node._a = a
            node._da = da
        else:
            node._fn = node._a = None
        if not ALL_DEFAULT.value and MODES.anomaly:
            _check(op, (a,), data, (da,))
        return node

    record.__name__ = record.__qualname__ = op.name
    record.__doc__ = f"{op.name} of this value as one node; its local derivative: {op.formula}."
    return record


def _binary(op: Op) -> Callable[[Value, Operand], Value]:
    """The recorder of a binary op: ``f(a, b)`` (``b`` a Value or a number) records the node ``a op b``.

    Made once per op, with the op's rules bound as locals, so ``a * b`` costs one Python call.
    """
    forward, derivatives = op.forward, op.derivatives

    def record(a: Value, b: Operand) -> Value:
        if isinstance(b, Value):
            y = b.data
        else:  # a number: kept in the node as is, a Value leaf only once someone looks (see parents)
            b = y = b if type(b) is float else _as_float(b)
        x = a.data
        try:
            data = forward(x, y)
            da, db = derivatives(data, x, y)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            raise _domain_error(op, (a, b), error) from None
        node = _new(Value)
        node.data = data
        node.grad = 0.0
        node.label = ""
        if ALL_DEFAULT.value or MODES.record:
            node._fn = op
            node._a = a
            node._da = da
            node._b = b
            node._db = db
        else:
            node._fn = node._a = node._b = None
        if not ALL_DEFAULT.value and MODES.anomaly:
            if not isinstance(b, Value) and not math.isfinite(y):
                raise AnomalyError(f"constant has non-finite value {y!r}")
            _check(op, (a, b), data, (da, db))
        return node

    record.__name__ = record.__qualname__ = f"__{op.name}__"
    record.__doc__ = f"self {op.symbol} other as one node; its local derivatives: {op.formula}."
    return record


_RECORDERS: dict[int, tuple[Op, Callable[..., Value]]] = {}


def recorder(op: Op) -> Callable[..., Value]:
    """The recorder of a unary or binary table op (made on first use, then cached)."""
    entry = _RECORDERS.get(id(op))
    if entry is None:
        entry = _RECORDERS[id(op)] = (op, _unary(op) if op.arity == 1 else _binary(op))
    return entry[1]


_ADD, _SUB, _MUL, _DIV, _POW = (recorder(op) for op in (ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.POW))


class Value:
    """A scalar node: ``Value(2.0, label="a")``; arithmetic builds the graph."""

    # A node is one GC-tracked object of 8 slots. Up to two parents and their local
    # derivatives live inline (_a, _da, _b, _db); an n-ary node (sum, dot, logsumexp)
    # has _a = _b = None and keeps its parents tuple in _da, its derivatives in _db.
    __slots__ = ("data", "grad", "label", "_fn", "_a", "_b", "_da", "_db", "__weakref__")

    data: float
    grad: float
    label: str
    _fn: Op | None
    _a: Value | None
    _b: Value | float | None  # a float: a number operand kept inline until looked at (see parents)
    _da: Any
    _db: Any

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = _as_float(data)
        self.grad = 0.0
        self.label = label
        self._fn = None
        self._a = None
        self._b = None
        if not ALL_DEFAULT.value and MODES.anomaly and not math.isfinite(self.data):
            raise AnomalyError(f"leaf {label or 'value'} has non-finite value {self.data!r}")

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in order; () for a leaf.

        A number met in arithmetic (the 2.0 of ``x * 2.0``) is kept in the node and
        becomes a Value leaf here, the first time anyone looks: recording stays one
        object per op. Its ``grad`` starts as its share of the latest backward pass.
        """
        a = self._a
        if a is None:
            return self._da if self._fn is not None else ()
        b = self._b
        if b is None:
            return (a,)
        if not isinstance(b, Value):
            b = self._constant_leaf()
        return (a, b)

    def _constant_leaf(self) -> Value:
        """Turn the number kept as second operand into a Value leaf (once); grad = local × this node's grad."""
        leaf = _constant(self._b)
        leaf.grad = self._db * self.grad
        self._b = leaf
        return leaf

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """∂self/∂parent for each parent, same order as :attr:`parents`."""
        a = self._a
        if a is None:
            return self._db if self._fn is not None else ()
        return (self._da,) if self._b is None else (self._da, self._db)

    # ------------------------------------------------------------ recording --
    @staticmethod
    def apply(op: Op, *inputs: Operand) -> Value:
        """Apply any table ``op`` to ``inputs`` (Values or numbers) and record the node."""
        if not ops.arity_ok(op, inputs):
            takes = "an even number (w₁…wₙ, x₁…xₙ)" if op is ops.DOT else (op.arity or "one or more")
            raise TypeError(f"{op.name} takes {takes} operands, got {len(inputs)}")
        nodes = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)
        if op.arity is None:
            return _record(op, nodes, tuple(n.data for n in nodes))
        record: Any = recorder(op)
        return record(*nodes)  # type: ignore[no-any-return]

    # -------------------------------------------------------------- reading --
    @property
    def op(self) -> str:
        """The primitive's symbol (``'+'``, ``'*'``, ``'**2'``, ``'tanh'``...); ``''`` for a leaf."""
        fn = self._fn
        return fn.symbol if fn is not None else ""

    @property
    def primitive(self) -> Op | None:
        """The :class:`~autonode.ops.Op` that made this node, None for a leaf."""
        return self._fn

    @property
    def is_leaf(self) -> bool:
        return not self.parents

    @property
    def _prev(self) -> tuple[Value, ...]:
        """micrograd's name for the inputs (here an ordered tuple)."""
        return self.parents

    @property
    def _op(self) -> str:
        """micrograd's name for the op symbol."""
        return self.op

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        extra += f", op={self.op!r}" if self._fn is not None else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    def __float__(self) -> float:
        return self.data

    # -------------------------------------------------------------- algebra --
    # Each operator is its table op's recorder (made once by _binary/_unary): one Python call per node.
    __add__ = _ADD
    __sub__ = _SUB
    __mul__ = _MUL
    __truediv__ = _DIV
    __neg__ = recorder(ops.NEG)
    exp = recorder(ops.EXP)
    log = recorder(ops.LOG)
    tanh = recorder(ops.TANH)
    sigmoid = recorder(ops.SIGMOID)
    relu = recorder(ops.RELU)

    # other + self and other * self are recorded as self + other, self * other (as micrograd does;
    # exact, since IEEE addition and multiplication commute), so the number stays inline too
    __radd__ = _ADD
    __rmul__ = _MUL

    def __rsub__(self, other: Operand) -> Value:
        return _SUB(_constant(other), self)

    def __rtruediv__(self, other: Operand) -> Value:
        return _DIV(_constant(other), self)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _POW(self, other)
        if not isinstance(other, (int, float)) or isinstance(other, bool):
            _as_float(other, "exponent")
            other = float(other)
        return recorder(ops.pow_const(other))(self)

    def __rpow__(self, other: Operand) -> Value:
        return _POW(_constant(other), self)

    def __pos__(self) -> Value:
        return self

    def backward(self, gradient: float = 1.0) -> None:
        """Run the chain rule from this node: every node's ``grad`` becomes ∂self/∂node.

        Leaves accumulate across calls (zero them with ``grad = 0``); inner
        nodes show the gradient of this pass only, as in PyTorch.
        """
        from autonode.graph import backpropagate

        backpropagate(self, gradient)


def _check(op: Op, nodes: Sequence[Value | float], data: Any, local: tuple[Any, ...]) -> None:
    """Anomaly mode: raise at a node whose value or local derivative is not finite."""
    if not math.isfinite(data):
        raise AnomalyError(
            f"{op.name} produced {data!r} from {', '.join(_describe(n) for n in nodes)}"
        )
    for node, d in zip(nodes, local):
        if not math.isfinite(d):
            raise AnomalyError(
                f"{op.name}: local derivative with respect to {_describe(node)} is {d!r}"
            )


def _domain_error(op: Op, nodes: Sequence[Value | float], error: Exception) -> DomainError:
    values = [n.data if isinstance(n, Value) else n for n in nodes]
    reason = op.domain(*values) or str(error)
    operands = ", ".join(_describe(n) for n in nodes)
    if reason.startswith(op.name + " "):  # the reason names the op already ("log needs a positive operand...")
        return DomainError(f"{reason} (operands: {operands})")
    name = op.name if op.symbol == op.name else f"{op.name} ({op.symbol})"
    return DomainError(f"{name}: {reason} (operands: {operands})")


def _record(op: Op, nodes: tuple[Value, ...], xs: tuple[float, ...]) -> Value:
    """Apply an n-ary op (sum, dot, logsumexp) and record the node."""
    try:
        data = op.forward(*xs)
        local = op.derivatives(data, *xs)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise _domain_error(op, nodes, error) from None
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._a = node._b = None
    if ALL_DEFAULT.value or MODES.record:
        node._fn = op
        node._da = nodes
        node._db = local
    else:
        node._fn = None
    if not ALL_DEFAULT.value and MODES.anomaly:
        _check(op, nodes, data, local)
    return node


def _nodes(xs: Iterable[Operand], what: str) -> tuple[Value, ...]:
    nodes = tuple(x if isinstance(x, Value) else Value(x) for x in xs)
    if not nodes:
        raise ValueError(f"{what} needs at least one operand, got none")
    return nodes


def vsum(xs: Iterable[Operand]) -> Value:
    """Σxᵢ as one node (n parents, each local derivative 1)."""
    nodes = _nodes(xs, "sum")
    return _record(ops.SUM, nodes, tuple(n.data for n in nodes))


def dot(ws: Iterable[Operand], xs: Iterable[Operand]) -> Value:
    """Σwᵢxᵢ as one node (a neuron's weighted input); ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ.

    Parents are w₁…wₙ, x₁…xₙ. When every xᵢ is a plain number (a network's
    input), the xᵢ are constants of the node, not parents: parents are w₁…wₙ.
    """
    w_nodes = _nodes(ws, "dot")
    xs = tuple(xs)
    if len(w_nodes) != len(xs):
        raise ValueError(f"dot needs operands of equal length, got {len(w_nodes)} weights and {len(xs)} inputs")
    if any(isinstance(x, Value) for x in xs):
        nodes = w_nodes + _nodes(xs, "dot")
        return _record(ops.DOT, nodes, tuple(n.data for n in nodes))
    inputs = tuple(w.data for w in w_nodes) + tuple(_as_float(x, "dot input") for x in xs)
    node = _record(ops.DOT, w_nodes, inputs)
    if node._fn is not None:
        node._db = node._db[: len(w_nodes)]
    return node


def logsumexp(xs: Iterable[Operand]) -> Value:
    """log Σ e^xᵢ as one node, computed stably; ∂/∂xᵢ = softmax(x)ᵢ."""
    nodes = _nodes(xs, "logsumexp")
    return _record(ops.LOGSUMEXP, nodes, tuple(n.data for n in nodes))
