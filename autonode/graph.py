"""Graph algorithms, all iterative: topological order, nodes/edges, backprop.

Order is deterministic: a depth-first post-order over each node's parents in
their recorded order, so the same expression always gives the same node
order, the same chain-rule steps and the same drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autonode.errors import AnomalyError
from autonode.modes import ALL_DEFAULT, MODES
from autonode.value import Value, _describe

_FINISH = object()  # stack marker: the node below it has had all its parents ordered


def _inner_nodes(root: Value) -> list[Value]:
    """The op nodes ``root`` depends on (itself included), parents first: what backward visits.

    Iterative depth-first post-order over each node's parents in their order, so
    the result is deterministic and no recursion limit applies. Reads the node
    slots directly (the hot path): leaves and numbers kept inline are skipped.
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
            if isinstance(b, V) and b._fn is not None and b not in done:  # (None or a number: no node)
                push(b)
            if a._fn is not None and a not in done:
                push(a)
        elif node._fn is not None:  # n-ary: parents tuple in _da
            for parent in reversed(node._da):
                if parent._fn is not None and parent not in done:
                    push(parent)
    return order


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on (itself included, leaves too), parents before children.

    The same depth-first post-order as backward uses, through :attr:`Value.parents`.
    """
    order: list[Value] = []
    done: set[Value] = set()
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is _FINISH:
            order.append(stack.pop())
            continue
        if node in done:
            continue
        done.add(node)
        stack += (node, _FINISH)
        stack += (parent for parent in reversed(node.parents) if parent not in done)
    return order


def edges(order: list[Value]) -> list[tuple[Value, Value, int]]:
    """(parent, child, parent's position among the child's inputs) for every edge."""
    return [(p, node, i) for node in order for i, p in enumerate(node.parents)]


def leaves(root: Value) -> list[Value]:
    """The inputs of the graph: nodes with no parents, in creation order."""
    return [n for n in topological_order(root) if not n.parents]


def _start(root: Value, gradient: float, stepwise: bool = False) -> list[Value]:
    """The inner nodes in creation order, their grads reset, the seed gradient set.

    ``stepwise``: numbers kept inline become Value leaves first (carrying the latest
    pass's share), so the steps can add this pass to them like to any leaf.
    """
    order = _inner_nodes(root)
    if stepwise:
        for node in order:
            node.parents  # noqa: B018 - looking makes the leaves
    for node in order:
        if node._fn is not None:
            node.grad = 0.0
    root.grad += gradient
    return order


def backpropagate(root: Value, gradient: float = 1.0) -> None:
    """Set every node's grad to ∂root/∂node (leaves accumulate, inner nodes reset)."""
    if not ALL_DEFAULT.value and MODES.anomaly:
        _steps(_start(root, gradient, stepwise=True))  # the same loop, step by step, raising at a non-finite grad
        return
    order = _start(root, gradient)
    V = Value
    for node in reversed(order):
        a = node._a
        if a is not None:
            g = node.grad
            a.grad += node._da * g
            b = node._b
            if isinstance(b, V):  # (None, or a number kept inline: no leaf to update)
                b.grad += node._db * g
        elif node._fn is not None:  # n-ary: parents in _da, derivatives in _db
            g = node.grad
            for parent, local in zip(node._da, node._db):
                parent.grad += local * g


@dataclass(frozen=True)
class Step:
    """One application of the chain rule: ``parent.grad += upstream × local``."""

    node: Value
    upstream: float
    local: float
    contribution: float
    parent: Value
    parent_index: int

    def __str__(self) -> str:
        """``[op] node → parent:  upstream × local = contribution``."""
        return (
            f"[{self.node.op}] {_name(self.node)} → {_name(self.parent)}:  "
            f"{self.upstream:.6g} × {self.local:.6g} = {self.contribution:.6g}"
        )


def _name(node: Value) -> str:
    return node.label or f"({node.op or 'leaf'} {node.data:.4g})"


def _steps(order: list[Value]) -> list[Step]:
    steps = []
    for node in reversed(order):
        g = node.grad
        for index, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            contribution = local * g
            parent.grad += contribution
            steps.append(Step(node, g, local, contribution, parent, index))
            if not ALL_DEFAULT.value and MODES.anomaly and not math.isfinite(parent.grad):
                raise AnomalyError(
                    f"backward: gradient of {_describe(parent)} became {parent.grad!r} "
                    f"at the {node.op!r} node {_describe(node)} (upstream {g!r} × local {local!r})"
                )
    return steps


def backward_steps(root: Value, gradient: float = 1.0) -> list[Step]:
    """Run backward from ``root`` and return each chain-rule step in the order applied."""
    return _steps(_start(root, gradient, stepwise=True))
