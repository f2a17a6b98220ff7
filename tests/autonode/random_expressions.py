"""Random expressions over every op of the table, written once and run on any kind of number.

A :class:`Plan` is a list of steps (op name, operand positions, constant exponent);
:func:`evaluate` runs it with an ``apply(op, *operands)`` of the caller's choice:

* :func:`apply_value`: autonode Values (reverse mode),
* :func:`apply_dual`:  autonode.forward Duals (forward mode),
* :func:`apply_float`: the table's plain forward on floats (for central differences),
* :func:`apply_torch`: PyTorch float64 tensors, written independently of the table.

Operands that an op's domain restricts are shaped first (log of a² + ½, a base
σ(a) + ½, a divisor b² + 1), so every draw is inside every domain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autonode import OPS, Value, forward, ops

POW_CONST_EXPONENTS = (2.0, 3.0, -1.5, 0.5)
OP_NAMES = [*OPS, "pow_const"]
POW_CONST_BY_OP = {id(ops.pow_const(n)): float(n) for n in POW_CONST_EXPONENTS}  # (pow_const caches one op per n)


@dataclass(frozen=True)
class Step:
    op: str
    operands: tuple[int, ...]
    exponent: float = 0.0


@dataclass(frozen=True)
class Plan:
    n_inputs: int
    steps: tuple[Step, ...]

    @property
    def ops_used(self) -> set[str]:
        return {s.op for s in self.steps}


def random_plan(rng: np.random.Generator, n_inputs: int, n_steps: int, first_ops: Sequence[str] = ()) -> Plan:
    """A random expression of ``n_inputs`` inputs; ``first_ops`` are used first (so a set of seeds covers the table)."""
    steps = []
    count = n_inputs
    for k in range(n_steps):
        name = first_ops[k] if k < len(first_ops) else str(rng.choice(OP_NAMES))
        arity = {"sum": 3, "logsumexp": 3, "dot": 4}.get(name, OPS[name].arity if name in OPS else 1)
        recent = max(0, count - 4)  # mostly recent nodes, so the expression is deep as well as wide
        picks = tuple(int(rng.integers(recent if rng.random() < 0.7 else 0, count)) for _ in range(arity or 1))
        exponent = float(rng.choice(POW_CONST_EXPONENTS)) if name == "pow_const" else 0.0
        steps.append(Step(name, picks, exponent))
        count += 1
    return Plan(n_inputs, tuple(steps))


def evaluate(plan: Plan, apply: Callable[..., Any], inputs: Sequence[Any]) -> Any:
    """The plan's output (the sum of every step's node, so each one matters) with numbers of ``apply``'s kind."""
    A = apply
    nodes = list(inputs)
    for step in plan.steps:
        xs = [nodes[i] for i in step.operands]
        a = xs[0]
        name = step.op
        if name == "div":
            out = A(ops.DIV, a, A(ops.ADD, A(ops.MUL, xs[1], xs[1]), 1.0))
        elif name == "pow":
            out = A(ops.POW, A(ops.ADD, A(ops.SIGMOID, a), 0.5), A(ops.TANH, xs[1]))
        elif name == "exp":
            out = A(ops.EXP, A(ops.TANH, a))
        elif name == "log":
            out = A(ops.LOG, A(ops.ADD, A(ops.MUL, a, a), 0.5))
        elif name == "pow_const":
            out = A(ops.pow_const(step.exponent), A(ops.ADD, A(ops.MUL, a, a), 0.5))
        elif name == "mul":
            out = A(ops.TANH, A(ops.MUL, a, xs[1]))  # (bounded, so long products stay in range)
        else:
            out = A(OPS[name], *xs)
        nodes.append(out)
    return A(ops.SUM, *nodes[plan.n_inputs:])


def apply_value(op: ops.Op, *xs: Any) -> Value:
    return Value.apply(op, *xs)


def apply_dual(op: ops.Op, *xs: Any) -> forward.Dual:
    """Through the Dual's own operators and methods where the op has one (as a user writes it), else apply."""
    first = xs[0]
    if isinstance(first, forward.Dual):
        if op.method is not None:
            return getattr(first, op.method)(*xs[1:])
        if id(op) in POW_CONST_BY_OP:
            return first ** POW_CONST_BY_OP[id(op)]
    return forward.apply(op, *xs)


def apply_float(op: ops.Op, *xs: Any) -> float:
    return float(op.forward(*[float(x) for x in xs]))


def apply_torch(op: ops.Op, *xs: Any) -> Any:
    """The same op in PyTorch's own functions (not the table's rules)."""
    import torch  # (optional: only the tests that compare with PyTorch import it)

    name = op.name
    if name == "pow_const":
        return xs[0] ** POW_CONST_BY_OP[id(op)]
    table: dict[str, Callable[..., Any]] = {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "neg": lambda a: -a, "pow": torch.pow, "exp": torch.exp,
        "log": torch.log, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
        "sin": torch.sin, "cos": torch.cos, "abs": torch.abs,
        "identity": lambda a: a.clone() if isinstance(a, torch.Tensor) else a,
        "sum": lambda *a: torch.stack(list(a)).sum(),
        "dot": lambda *a: (torch.stack(list(a[: len(a) // 2])) * torch.stack(list(a[len(a) // 2:]))).sum(),
        "logsumexp": lambda *a: torch.logsumexp(torch.stack(list(a)), 0),
    }
    return table[name](*xs)

