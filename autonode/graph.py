"""Graph walks over Values, all iterative: topological order, edges, leaves, chain-rule steps.

They read a node only through its public face (``parents``, ``local_grads``,
``grad``, ``op``, ``label``, ``is_leaf``), so they work on any graph of Values,
hand-written nodes included. Order is deterministic: a depth-first post-order
over each node's parents in their recorded order, so the same expression always
gives the same node order, the same chain-rule steps and the same drawing.
(``Value.backward`` has its own copy of this walk that reads the node record
directly: the engine's fast path, kept in value.py's speed section.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autonode.errors import AnomalyError
from autonode.modes import ALL_DEFAULT, MODES
from autonode.value import Constant, HandWritten, Value

_FINISH = object()  # stack marker: the node below it has had all its parents ordered


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on (itself included, leaves too), parents before children."""
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
    return [n for n in topological_order(root) if n.is_leaf]


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


def backward_steps(root: Value, gradient: float = 1.0) -> list[Step]:
    """Run backward from ``root`` and return each chain-rule step in the order applied.

    The same result as ``root.backward(gradient)``, one step per edge. A number met
    in arithmetic shows as its :class:`~autonode.value.Constant` leaf, whose grad is
    its share of this pass.
    """
    order = [node for node in topological_order(root) if not node.is_leaf]
    for node in order:
        node.grad = 0.0
    root.grad += gradient
    checking = not ALL_DEFAULT.value and MODES.anomaly
    steps = []
    for node in reversed(order):
        g = node.grad
        if isinstance(node.primitive, HandWritten):  # its chain rule is a closure: run it, report what it added
            before = [parent.grad for parent in node.parents]
            node._backward()
            for index, (parent, old) in enumerate(zip(node.parents, before)):
                added = parent.grad - old
                steps.append(Step(node, g, added / g if g else math.nan, added, parent, index))
            continue
        for index, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            contribution = local * g
            if not isinstance(parent, Constant):  # (a Constant's grad is its share, read when it is made)
                parent.grad += contribution
            steps.append(Step(node, g, local, contribution, parent, index))
            if checking and not math.isfinite(parent.grad):
                raise AnomalyError(
                    f"backward: gradient of {parent.label or 'a value'}={parent.data!r} became {parent.grad!r} "
                    f"at the {node.op!r} node (upstream {g!r} × local {local!r})"
                )
    return steps
