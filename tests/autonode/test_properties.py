"""Property tests: random expression graphs, gradients checked two independent ways.

A program is a list of steps ``(op, operand indices)`` over three leaves; each
step may reuse any earlier node, so shared subexpressions and diamonds occur.
One interpreter runs a program on three backends: autonode Values, plain
``math`` floats (for central differences) and PyTorch float64 tensors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autonode
from autonode import Value

N_LEAVES = 3
BOUND = 1e6  # every intermediate value stays below this, so central differences stay accurate
EPS = 1e-6


@dataclass
class Backend:
    """The functions a program needs beyond Python's operators."""

    tanh: Callable[[Any], Any]
    sigmoid: Callable[[Any], Any]
    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    relu: Callable[[Any], Any]
    vsum: Callable[[list[Any]], Any]
    dot: Callable[[list[Any], list[Any]], Any]
    logsumexp: Callable[[list[Any]], Any]
    relu_inputs: list[float] = field(default_factory=list)


def autonode_backend() -> Backend:
    return Backend(
        Value.tanh, Value.sigmoid, Value.exp, Value.log, Value.relu, autonode.vsum, autonode.dot, autonode.logsumexp
    )


def float_backend() -> Backend:
    """Independent plain-math formulas; records relu inputs to keep central differences off the kink."""
    backend = Backend(
        math.tanh,
        lambda x: 1.0 / (1.0 + math.exp(-x)),
        math.exp,
        math.log,
        lambda x: x if x > 0 else 0.0,
        math.fsum,
        lambda ws, xs: math.fsum(w * x for w, x in zip(ws, xs)),
        lambda xs: math.log(math.fsum(math.exp(x) for x in xs)),
    )
    plain_relu = backend.relu

    def relu(x: float) -> float:
        backend.relu_inputs.append(x)
        return float(plain_relu(x))

    backend.relu = relu
    return backend


def torch_backend() -> Backend:
    torch = pytest.importorskip("torch")
    return Backend(
        torch.tanh,
        torch.sigmoid,
        torch.exp,
        torch.log,
        torch.relu,
        lambda xs: torch.stack(xs).sum(),
        lambda ws, xs: (torch.stack(ws) * torch.stack(xs)).sum(),
        lambda xs: torch.logsumexp(torch.stack(xs), dim=0),
    )


Rule = Callable[[Backend, list[Any]], Any]

OPS: dict[str, tuple[int, Rule]] = {
    "add": (2, lambda B, x: x[0] + x[1]),
    "sub": (2, lambda B, x: x[0] - x[1]),
    "mul": (2, lambda B, x: x[0] * x[1]),
    "div": (2, lambda B, x: x[0] / (x[1] * x[1] + 1.0)),
    "const_minus": (1, lambda B, x: 1.5 - x[0]),
    "const_times": (1, lambda B, x: 0.5 * x[0]),
    "const_over": (1, lambda B, x: 2.0 / (x[0] * x[0] + 0.5)),
    "plus_const": (1, lambda B, x: x[0] + 0.25),
    "neg": (1, lambda B, x: -x[0]),
    "square": (1, lambda B, x: x[0] ** 2),
    "cube": (1, lambda B, x: x[0] ** 3),
    "sqrt": (1, lambda B, x: (x[0] * x[0] + 1.0) ** 0.5),
    "reciprocal": (1, lambda B, x: (x[0] * x[0] + 1.0) ** -1),
    "pow_value": (2, lambda B, x: (x[0] * x[0] + 0.5) ** B.tanh(x[1])),
    "const_pow": (1, lambda B, x: 2.0 ** B.tanh(x[0])),
    "exp": (1, lambda B, x: B.exp(x[0])),
    "log": (1, lambda B, x: B.log(x[0] * x[0] + 0.1)),
    "tanh": (1, lambda B, x: B.tanh(x[0])),
    "sigmoid": (1, lambda B, x: B.sigmoid(x[0])),
    "relu": (1, lambda B, x: B.relu(x[0])),
    "sum": (3, lambda B, x: B.vsum(x)),
    "dot": (4, lambda B, x: B.dot(x[:2], x[2:])),
    "logsumexp": (3, lambda B, x: B.logsumexp(x)),
}

Program = list[tuple[str, tuple[int, ...]]]


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[float], Program]:
    inputs = draw(st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=N_LEAVES, max_size=N_LEAVES))
    program: Program = []
    for step in range(draw(st.integers(1, 10))):
        name = draw(st.sampled_from(sorted(OPS)))
        n_nodes = N_LEAVES + step
        args = tuple(draw(st.integers(0, n_nodes - 1)) for _ in range(OPS[name][0]))
        program.append((name, args))
    return inputs, program


def run(program: Program, leaves: list[Any], backend: Backend) -> list[Any]:
    """Every node's value: the leaves, then one per step; the last is the output."""
    nodes = list(leaves)
    for name, args in program:
        nodes.append(OPS[name][1](backend, [nodes[i] for i in args]))
    return nodes


def run_floats(program: Program, inputs: list[float]) -> tuple[float, list[float]] | None:
    """The output and relu inputs in plain maths, or None if a value overflows or leaves the bound."""
    backend = float_backend()
    try:
        nodes = run(program, inputs, backend)
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(v) and abs(v) < BOUND for v in nodes):
        return None
    return nodes[-1], backend.relu_inputs


def autonode_gradients(program: Program, inputs: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    out = run(program, leaves, autonode_backend())[-1]
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def _same_side(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all((x > 0) == (y > 0) for x, y in zip(a, b))


PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


@PROPERTY_SETTINGS
@given(programs())
def test_gradients_match_central_differences(case: tuple[list[float], Program]) -> None:
    inputs, program = case
    centre = run_floats(program, inputs)
    assume(centre is not None)
    assert centre is not None
    f, relu_inputs = centre
    value, grads = autonode_gradients(program, inputs)
    assert value == pytest.approx(f, rel=1e-12, abs=1e-12)
    for i in range(N_LEAVES):
        up, down = list(inputs), list(inputs)
        up[i] += EPS
        down[i] -= EPS
        plus, minus = run_floats(program, up), run_floats(program, down)
        assume(plus is not None and minus is not None)
        assert plus is not None and minus is not None
        assume(_same_side(plus[1], relu_inputs) and _same_side(minus[1], relu_inputs))
        numeric = (plus[0] - minus[0]) / (2 * EPS)
        tolerance = 1e-4 * abs(numeric) + 1e-6 * max(1.0, abs(f))
        assert abs(grads[i] - numeric) <= tolerance, f"∂/∂x{i}: backward {grads[i]}, central difference {numeric}"


@PROPERTY_SETTINGS
@given(programs())
def test_gradients_match_pytorch_float64(case: tuple[list[float], Program]) -> None:
    torch = pytest.importorskip("torch")
    inputs, program = case
    centre = run_floats(program, inputs)
    assume(centre is not None)
    assert centre is not None
    assume(all(z == 0 or abs(z) > 1e-9 for z in centre[1]))  # both engines agree on which side of relu's kink
    value, grads = autonode_gradients(program, inputs)
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = run(program, leaves, torch_backend())[-1]
    out.backward()
    expected = [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]
    # Relative error ≤ 1e-9; the 1e-12 absolute floor only matters for results that cancel to about zero.
    assert abs(value - out.item()) <= 1e-9 * abs(out.item()) + 1e-12
    for i, (g, t) in enumerate(zip(grads, expected)):
        assert abs(g - t) <= 1e-9 * abs(t) + 1e-12, f"∂/∂x{i}: autonode {g}, PyTorch {t}"
