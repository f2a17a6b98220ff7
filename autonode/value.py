"""`Value`: one scalar node of a computation graph, and the chain rule through it.

A Value holds its number (``data``), the gradient of the latest backward pass
(``grad``), an optional ``label`` and, when an op made it, the op (``op``), its
inputs (``parents``, in order) and the local derivative of itself with respect
to each input (``local_grads``, same order). Each op's forward and derivative
rule comes from the table in :mod:`autonode.ops`, and so do Value's arithmetic
methods (generated at the end of this file): a new primitive is one table entry.

``backward()`` is the chain rule, run from the output back to the inputs::

    for node in reversed(topological order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad

``backward(create_graph=True)`` runs the same loop with Values instead of floats:
the local derivatives come from the same table rules run on Values, so every
gradient is itself a graph that can be differentiated again.

Nodes only point at their parents, never back, so a graph has no reference
cycles and is freed by reference counting as soon as its output is dropped.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

from autonode import ops
from autonode.errors import AnomalyError, DomainError
from autonode.modes import ALL_DEFAULT, MODES
from autonode.ops import Op

Operand = Union["Value", float, int]


class Value:
    """A scalar node: ``Value(2.0, label="a")``; arithmetic builds the graph.

    micrograd's constructor works too: ``Value(data, _children=(a, b), _op="f")``
    makes a node whose chain rule is the closure you assign to its ``_backward``.
    """

    # The node record. Each field means one thing; fields an op does not use stay unset.
    #   _fn            the Op that made this node (None: a leaf)
    #   _a, _da        first input and ∂self/∂_a           (unary and binary ops; _a is None otherwise)
    #   _b, _db        second input and ∂self/∂_b          (binary ops; _b is None for unary ops);
    #                  _b may be a plain number kept inline (see "one object per op" below)
    #   _many, _dmany  the inputs of an n-ary op (sum, dot, logsumexp, a hand-written node) and
    #                  ∂self/∂ each of the first len(_dmany) of them: its parents; any further
    #                  inputs are plain numbers (dot's x₁…xₙ when they are numbers)
    #   _closure       a hand-written chain rule (micrograd's ``_backward``), for hand-written nodes
    __slots__ = ("data", "grad", "label", "_fn", "_a", "_da", "_b", "_db", "_many", "_dmany", "_closure",
                 "__weakref__")

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    label: str
    _fn: Op | None
    _a: Value | None
    _da: Any
    _b: Value | float | None
    _db: Any
    _many: tuple[Any, ...]
    _dmany: tuple[Any, ...]
    _closure: Callable[[], None] | None

    def __init__(self, data: Any, _children: Iterable[Value] = (), _op: str = "", label: str = "") -> None:
        self.data = _as_float(data)
        self.grad = 0.0
        self.label = label
        self._fn = self._a = self._b = None
        children = tuple(_children)
        if children:  # micrograd's idiom: a node whose chain rule is the closure assigned to _backward
            for child in children:
                if not isinstance(child, Value):
                    raise TypeError(f"_children must be Values, got {type(child).__name__}: {child!r:.60}")
            self._fn = _hand_written(_op)
            self._many = children
            self._dmany = (math.nan,) * len(children)  # unknown: the closure holds them
            self._closure = None
        if not ALL_DEFAULT.value and MODES.anomaly and not math.isfinite(self.data):
            raise AnomalyError(f"leaf {label or 'value'} has non-finite value {self.data!r}")

    # -------------------------------------------------------------- reading --
    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in order; () for a leaf.

        A number met in arithmetic (the 2.0 of ``x * 2.0``) shows as a :class:`Constant`
        leaf, made on each look (the node is never changed by looking).
        """
        a = self._a
        if a is not None:
            b = self._b
            if b is None:
                return (a,)
            return (a, b if isinstance(b, Value) else Constant(b, self))
        if self._fn is None:
            return ()
        return self._many[: len(self._dmany)]

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """∂self/∂parent for each parent, same order as :attr:`parents`."""
        if self._a is not None:
            return (self._da,) if self._b is None else (self._da, self._db)
        return self._dmany if self._fn is not None else ()

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
        return self._fn is None

    @property
    def _prev(self) -> tuple[Value, ...]:
        """micrograd's name for the inputs (here an ordered tuple)."""
        return self.parents

    @property
    def _op(self) -> str:
        """micrograd's name for the op symbol."""
        return self.op

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's per-node chain rule: add ∂self/∂parent · self.grad to each parent's grad."""
        closure = getattr(self, "_closure", None) if self._a is None else None
        return closure if closure is not None else lambda: _chain_rule(self)

    @_backward.setter
    def _backward(self, closure: Callable[[], None]) -> None:
        """Assign a hand-written chain rule (micrograd's idiom); backward() then calls it for this node."""
        if not isinstance(self._fn, HandWritten):
            if self._fn is None:
                raise TypeError("a leaf has no chain rule: make the node with Value(data, _children=..., _op=...)")
            parents = self.parents
            self._fn, self._a, self._b = _hand_written(self.op), None, None
            self._many, self._dmany = parents, (math.nan,) * len(parents)
        self._closure = closure

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        extra += f", op={self.op!r}" if self._fn is not None else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    def __float__(self) -> float:
        return self.data

    # ----------------------------------------------------- hand-typed algebra --
    # The operators and named methods (exp, log, tanh, ...) are the op table's
    # recorders, attached below the class; ** is here because a number exponent
    # is part of its op (x**2 is one node whose op is "**2").
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

    if TYPE_CHECKING:  # what the table attaches, for type checkers
        def __add__(self, other: Operand) -> Value: ...
        def __radd__(self, other: Operand) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __rsub__(self, other: Operand) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __rmul__(self, other: Operand) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __rtruediv__(self, other: Operand) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def __getattr__(self, name: str) -> Callable[[], Value]: ...  # exp, log, tanh, ... one per unary op

    @staticmethod
    def apply(op: Op, *inputs: Operand) -> Value:
        """Apply any table ``op`` to ``inputs`` (Values or numbers) and record the node."""
        if not ops.arity_ok(op, inputs):
            takes = "an even number (w₁…wₙ, x₁…xₙ)" if op is ops.DOT else (op.arity or "one or more")
            raise TypeError(f"{op.name} takes {takes} operands, got {len(inputs)}")
        nodes = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)
        if op.arity is None:
            return _record_many(op, nodes, tuple(n.data for n in nodes))
        record: Any = recorder(op)
        return record(*nodes)  # type: ignore[no-any-return]

    # -------------------------------------------------------------- backward --
    def backward(self, gradient: Any = 1.0, create_graph: bool = False) -> None:
        """Run the chain rule from this node: every node's ``grad`` becomes ∂self/∂node.

        Leaves accumulate across calls (zero them with ``grad = 0``); inner nodes
        show the gradient of this pass only. ``create_graph=True`` records the pass
        itself, so each ``grad`` is a Value that can be differentiated again (as in
        PyTorch, leaves still accumulate: ``x.grad`` becomes ``x.grad + ∂self/∂x``).
        """
        if create_graph:
            _backward_graph(self, gradient)
        elif not ALL_DEFAULT.value and MODES.anomaly:
            _backward_checked(self, gradient)
        else:
            _backward_floats(self, gradient)


class Constant(Value):
    """A number met in arithmetic (the 2.0 of ``x * 2.0``), seen as a leaf of its node.

    ``grad`` is its share of the node's latest backward pass (local derivative ×
    the node's grad), read when the view is made; it is not a parent that
    accumulates. Views of the same operand compare equal and hash alike.
    """

    __slots__ = ("_owner",)

    def __init__(self, number: float, owner: Value) -> None:
        super().__init__(number)
        self._owner = owner
        self.grad = owner._db * owner.grad

    def __eq__(self, other: object) -> bool:
        return type(other) is Constant and other._owner is self._owner

    def __hash__(self) -> int:
        return hash((id(self._owner), "constant"))


class HandWritten(Op):
    """The op of a node made with micrograd's idiom: its chain rule is the node's own ``_backward``."""


def _by_closure(*xs: Any) -> Any:
    raise TypeError("a hand-written node has no table rule; its chain rule is the closure assigned to _backward")


def _hand_written(symbol: str) -> HandWritten:
    return HandWritten("hand-written", symbol or "?", None, _by_closure, _by_closure, "the node's own _backward")


# =========================================================== SPEED (one place) ==
# Everything that makes recording and backward fast is in this section. Figures
# from `autonode bench engine`'s MLP(64, [30, 10]) node by node, and from
# tracemalloc and timeit on this machine.
#
# 1. Slots, no __dict__: a node takes 128 bytes instead of ~330, and is ~20% faster
#    to make.
# 2. One object per op: a number operand (the 2.0 of x * 2.0) stays a float inside
#    its node (shown as a Constant view when someone looks). Making it a leaf object
#    at record time instead costs ~14% (per-node ratio to micrograd with the GC off
#    2.05× → 1.77×; 1,931 of that MLP's 4,500 op nodes have a number operand).
# 3. Up to two inputs live in the record itself (_a/_da, _b/_db), not in tuples: a
#    unary or binary node is one object, where tuples would add two more per node
#    for the allocator and the GC.
# 4. A recorder per op, made once with the op's rules bound as locals: ``a * b`` is
#    one Python call plus the two rule calls, and the recorder fills the node in
#    place. (Filling it through one shared constructor function instead costs ~10%:
#    one more call per node; per-node ratio with the GC off 2.39× → 2.10×.)
# 5. No reference cycles: nodes point only at their parents, so a graph is freed by
#    reference counting, and modes.gc_paused() can switch the cyclic GC off while a
#    graph is built (the GC is most of micrograd's time on that MLP).
# 6. Modes: one shared flag (modes.ALL_DEFAULT) stands for "no thread has changed a
#    mode", so recording a node reads one slot instead of two thread-local switches.
# 7. backward's topological order and chain-rule loop read the record directly
#    (the readable walks in graph.py go through ``parents`` and ``local_grads``).

_new = object.__new__


def _record_one(op: Op) -> Callable[[Value], Value]:
    """The recorder of a unary op: ``f(a)`` computes forward and local derivative and records the node."""
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

    record.__name__ = record.__qualname__ = op.method or op.name
    record.__doc__ = f"{op.name} of this value as one node; its local derivative: {op.formula}."
    return record


def _record_two(op: Op) -> Callable[[Value, Operand], Value]:
    """The recorder of a binary op: ``f(a, b)`` (``b`` a Value or a number) records the node ``a op b``."""
    forward, derivatives = op.forward, op.derivatives

    def record(a: Value, b: Operand) -> Value:
        if isinstance(b, Value):
            y = b.data
        else:  # a number: kept in the node as is (speed trick 2)
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

    record.__name__ = record.__qualname__ = op.method or op.name
    record.__doc__ = f"self {op.symbol} other as one node; its local derivatives: {op.formula}."
    return record


def _record_many(op: Op, operands: tuple[Any, ...], xs: tuple[float, ...], n_parents: int = -1) -> Value:
    """Apply an n-ary op and record the node; the first ``n_parents`` operands are its parents (default: all)."""
    try:
        data = op.forward(*xs)
        local = op.derivatives(data, *xs)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise _domain_error(op, operands, error) from None
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._a = None
    if ALL_DEFAULT.value or MODES.record:
        node._fn = op
        node._many = operands
        node._dmany = tuple(local) if n_parents < 0 else tuple(local[:n_parents])
    else:
        node._fn = None
    if not ALL_DEFAULT.value and MODES.anomaly:
        _check(op, operands, data, local)
    return node


def _constant(x: Any) -> Value:
    """A leaf for a number on the left of ``-``, ``/`` or ``**``."""
    return x if isinstance(x, Value) else Value(x)


_RECORDERS: dict[int, tuple[Op, Callable[..., Value]]] = {}


def recorder(op: Op) -> Callable[..., Value]:
    """The recorder of a unary or binary table op (made on first use, then cached)."""
    entry = _RECORDERS.get(id(op))
    if entry is None:
        entry = _RECORDERS[id(op)] = (op, _record_one(op) if op.arity == 1 else _record_two(op))
    return entry[1]


def _order(root: Value) -> list[Value]:
    """The op nodes ``root`` depends on (itself included), parents first: what backward visits.

    Iterative depth-first post-order over each node's inputs in their order (so
    deterministic, with no recursion limit); leaves and inline numbers are skipped.
    """
    order: list[Value] = []
    done: set[Value] = set()
    stack: list[Any] = [root]
    pop, push, finish, mark = stack.pop, stack.append, order.append, done.add
    V = Value
    while stack:
        node = pop()
        if node is _FINISH:
            finish(pop())
            continue
        if node in done:
            continue
        mark(node)
        push(node)
        push(_FINISH)
        a = node._a
        if a is not None:
            b = node._b
            if isinstance(b, V) and b._fn is not None and b not in done:
                push(b)
            if a._fn is not None and a not in done:
                push(a)
        elif node._fn is not None:
            for parent in reversed(node._many[: len(node._dmany)]):
                if parent._fn is not None and parent not in done:
                    push(parent)
    return order


_FINISH = object()  # stack marker: the node below it has had all its parents ordered


def _start(root: Value, gradient: Any) -> list[Value]:
    """The op nodes in creation order, their grads reset to 0, the seed gradient added to the root."""
    if root._fn is None:  # a leaf: nothing to run, its grad accumulates the seed
        root.grad += gradient
        return []
    order = _order(root)
    for node in order:
        node.grad = 0.0
    root.grad += gradient
    return order


def _backward_floats(root: Value, gradient: float) -> None:
    """The chain rule on floats, every node's record read directly (speed trick 7)."""
    V = Value
    for node in reversed(_start(root, gradient)):
        g = node.grad
        a = node._a
        if a is not None:
            a.grad += node._da * g
            b = node._b
            if isinstance(b, V):  # (None, or a number kept inline: no parent to update)
                b.grad += node._db * g
        elif isinstance(node._fn, HandWritten):
            if node._closure is not None:
                node._closure()
        else:
            for parent, local in zip(node._many, node._dmany):
                parent.grad += local * g


# ========================================================= end of SPEED section ==


def _chain_rule(node: Value) -> None:
    """One node's chain rule: each parent's grad += ∂node/∂parent × node.grad (numbers are skipped)."""
    for parent, local in zip(node.parents, node.local_grads):
        if not isinstance(parent, Constant):
            parent.grad += local * node.grad


def _backward_checked(root: Value, gradient: float) -> None:
    """The chain rule as in micrograd, raising at the first gradient that is NaN or infinite."""
    for node in reversed(_start(root, gradient)):
        if isinstance(node._fn, HandWritten):
            node._backward()
            continue
        g = node.grad
        for parent, local in zip(node.parents, node.local_grads):
            if isinstance(parent, Constant):
                continue
            parent.grad += local * g
            if not math.isfinite(parent.grad):
                raise AnomalyError(
                    f"backward: gradient of {_describe(parent)} became {parent.grad!r} "
                    f"at the {node.op!r} node {_describe(node)} (upstream {g!r} × local {local!r})"
                )


def _operands(node: Value) -> tuple[Any, ...]:
    """Every input of the op that made ``node``, numbers included, in order (the table rule's arguments)."""
    if node._a is not None:
        return (node._a,) if node._b is None else (node._a, node._b)
    return node._many


def local_grad_values(node: Value) -> tuple[Any, ...]:
    """∂node/∂parent for each parent as Values: the op table's derivative rule run on the node and its inputs.

    The rule builds each local derivative as a graph (``tanh``: ``1 - out·out``
    with ``out`` the node itself), so it can be differentiated again. A number
    stays a number (``mul``'s ∂(a·2)/∂a is 2.0).
    """
    fn = node._fn
    if isinstance(fn, HandWritten):
        raise TypeError(
            f"create_graph=True cannot differentiate the hand-written node {_describe(node)} "
            f"(op {fn.symbol!r}): its chain rule is a closure, not an op-table rule; build it from table ops"
        )
    assert fn is not None
    operands = _operands(node)
    return tuple(fn.derivatives(node, *operands)[: len(node.parents)])


def _backward_graph(root: Value, gradient: Any) -> None:
    """The chain rule with Values: each contribution local × upstream is recorded, so grads are graphs."""
    seed = gradient if isinstance(gradient, Value) else Value(gradient, label="seed")
    order = _order(root) if root._fn is not None else []
    for node in order:
        node.grad = 0.0
    _accumulate(root, seed)
    for node in reversed(order):
        g = node.grad
        for parent, local in zip(node.parents, local_grad_values(node)):
            if isinstance(parent, Constant):
                continue
            _accumulate(parent, g if type(local) is float and local == 1.0 else local * g)


def _accumulate(node: Value, contribution: Value) -> None:
    """node.grad += contribution, as a recorded node unless node.grad is still the number 0."""
    grad = node.grad
    node.grad = contribution if type(grad) is float and grad == 0.0 else grad + contribution


def _as_float(data: Any, what: str = "Value data") -> float:
    """``data`` as a float, or TypeError naming it."""
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real):  # int, bool, numpy real scalars, Fraction, ...
        return float(data)
    shape = getattr(data, "shape", None)
    detail = f" of shape {shape}" if shape not in (None, ()) else ""
    raise TypeError(f"{what} must be a real number, got {type(data).__name__}{detail}: {data!r:.60}")


def _describe(node: Value | float) -> str:
    if not isinstance(node, Value):
        return f"constant={node!r}"
    label = node.label if len(node.label) <= 60 else f"{node.label[:60]}… ({len(node.label)} characters)"
    name = label or ("value" if node._fn is None else f"({node.op} node)")
    return f"{name}={node.data!r}"


def _check(op: Op, nodes: Sequence[Value | float], data: Any, local: Sequence[Any]) -> None:
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


# ------------------------------------------------------------ n-ary nodes --
def _nodes(xs: Iterable[Operand], what: str) -> tuple[Value, ...]:
    nodes = tuple(x if isinstance(x, Value) else Value(x) for x in xs)
    if not nodes:
        raise ValueError(f"{what} needs at least one operand, got none")
    return nodes


def vsum(xs: Iterable[Operand]) -> Value:
    """Σxᵢ as one node (n parents, each local derivative 1)."""
    nodes = _nodes(xs, "sum")
    return _record_many(ops.SUM, nodes, tuple(n.data for n in nodes))


def dot(ws: Iterable[Operand], xs: Iterable[Operand]) -> Value:
    """Σwᵢxᵢ as one node (a neuron's weighted input); ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ.

    Parents are w₁…wₙ, x₁…xₙ. When every xᵢ is a plain number (a network's
    input), the xᵢ are numbers kept in the node, not parents: parents are w₁…wₙ.
    """
    w_nodes = _nodes(ws, "dot")
    xs = tuple(xs)
    if len(w_nodes) != len(xs):
        raise ValueError(f"dot needs operands of equal length, got {len(w_nodes)} weights and {len(xs)} inputs")
    if any(isinstance(x, Value) for x in xs):
        nodes = w_nodes + _nodes(xs, "dot")
        return _record_many(ops.DOT, nodes, tuple(n.data for n in nodes))
    numbers = tuple(_as_float(x, "dot input") for x in xs)
    return _record_many(ops.DOT, w_nodes + numbers, tuple(w.data for w in w_nodes) + numbers, len(w_nodes))


def logsumexp(xs: Iterable[Operand]) -> Value:
    """log Σ e^xᵢ as one node, computed stably; ∂/∂xᵢ = softmax(x)ᵢ."""
    nodes = _nodes(xs, "logsumexp")
    return _record_many(ops.LOGSUMEXP, nodes, tuple(n.data for n in nodes))


# ------------------------------------------- methods from the op table --
def _reflected(record: Callable[[Value, Operand], Value]) -> Callable[[Value, Operand], Value]:
    def reflected(self: Value, other: Operand) -> Value:
        return record(_constant(other), self)

    return reflected


def _attach(op: Op) -> None:
    """Give Value the method ``op.method`` (and its reflected twin for a binary op)."""
    if op.method is None:
        return
    record = recorder(op)
    setattr(Value, op.method, record)
    if op.arity == 2 and op.method.startswith("__"):
        # other + self and other * self are recorded as self + other, self * other (as micrograd
        # does; exact, since IEEE addition and multiplication commute), so the number stays inline
        setattr(Value, "__r" + op.method[2:], record if op.commutative else _reflected(record))
    elif op.arity == 1 and hasattr(float, f"__{op.method}__"):  # abs → also abs(x)
        setattr(Value, f"__{op.method}__", record)


for _op in ops.OPS.values():
    _attach(_op)
_POW = recorder(ops.POW)

FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    op.method: recorder(op) for op in ops.OPS.values()
    if op.arity == 1 and op.method is not None and not op.method.startswith("__")
}
"""The unary table ops by name (``exp``, ``log``, ``tanh``, ...): the expression parser's functions."""
