"""Derivatives of derivatives: ``backward(create_graph=True)`` against PyTorch float64.

Every op of the table (picked up from ``autonode.ops.OPS`` by name, so a new op
is checked with no edit here) and fuzzed expressions over all of them: first,
second and third derivatives from autonode's recorded backward pass against
``torch.autograd.grad(..., create_graph=True)``, and Hessians against
``torch.autograd.functional.hessian``. Hand-worked cases pin the semantics
(accumulation into leaves, inner nodes, a non-default seed).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from autonode import GradcheckError, Value, gradgradcheck, ops
from autonode.ops import OPS

torch = pytest.importorskip("torch")

RTOL = 1e-12


def _close(actual: float, expected: float, scale: float = 1.0) -> bool:
    """|a - e| ≤ 1e-12 · max(|e|, scale): relative, with the size of the quantities around as the floor."""
    return abs(actual - expected) <= RTOL * max(abs(expected), scale)


# ------------------------------------------------------ one op at a time --
def _torch_op(op: ops.Op) -> Callable[..., Any]:
    """PyTorch's own function for a table op (by name; the few without one spelled out)."""
    special: dict[str, Callable[..., Any]] = {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "neg": lambda a: -a, "identity": lambda a: a * 1.0,
        "sum": lambda *a: torch.stack(list(a)).sum(),
        "dot": lambda *a: (torch.stack(list(a[: len(a) // 2])) * torch.stack(list(a[len(a) // 2:]))).sum(),
        "logsumexp": lambda *a: torch.logsumexp(torch.stack(list(a)), 0),
    }
    return special.get(op.name) or getattr(torch, op.name)


def _point(op: ops.Op, rng: random.Random) -> list[float]:
    """Operands inside the op's domain and away from kinks: a positive first operand where the op has a domain."""
    n = op.arity or (4 if op is ops.DOT else 3)
    xs = [rng.uniform(0.2, 1.5) * rng.choice((-1.0, 1.0)) for _ in range(n)]
    if op.name in ("log", "pow", "pow_const"):
        xs[0] = abs(xs[0]) + 0.3
    return xs


def _autonode_derivatives(f: Callable[..., Value], point: Sequence[float], order: int) -> list[list[float]]:
    """[f, ∂f/∂x (n), ∂²f/∂x∂x (n²), ...] by backward(create_graph=True), flattened per order."""
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    level: list[Any] = [f(*xs)]
    result = [[level[0].data]]
    for _ in range(order):
        nxt: list[Any] = []
        for y in level:
            for x in xs:
                x.grad = 0.0
            if isinstance(y, Value):
                y.backward(create_graph=True)
            nxt += [x.grad for x in xs]  # (0.0 where y does not depend on x)
        level = nxt
        result.append([float(v) for v in level])
    return result


def _torch_derivatives(f: Callable[..., Any], point: Sequence[float], order: int) -> list[list[float]]:
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    level = [f(*xs)]
    result = [[level[0].item()]]
    for _ in range(order):
        nxt = []
        for y in level:
            if y.requires_grad:
                grads = torch.autograd.grad(y, xs, create_graph=True, allow_unused=True)
                nxt += [g if g is not None else torch.tensor(0.0, dtype=torch.float64) for g in grads]
            else:
                nxt += [torch.tensor(0.0, dtype=torch.float64) for _ in xs]
        level = nxt
        result.append([v.item() for v in level])
    return result


def _assert_match(ours: list[list[float]], theirs: list[list[float]], what: str) -> None:
    for k, (a_level, t_level) in enumerate(zip(ours, theirs)):
        scale = max([1.0] + [abs(v) for v in t_level])
        for i, (a, t) in enumerate(zip(a_level, t_level)):
            assert _close(a, t, scale), f"{what}: order {k}, entry {i}: autonode {a!r}, PyTorch {t!r}"


TABLE = sorted(OPS.items()) + [(f"pow_const({n})", ops.pow_const(n)) for n in (2, 3, -1, 0.5, 1.5, 0, 1)]


@pytest.mark.parametrize(("name", "op"), TABLE, ids=[name for name, _ in TABLE])
def test_each_op_to_third_order_matches_pytorch(name: str, op: ops.Op) -> None:
    rng = random.Random(name)
    if isinstance(op, ops.PowConst):
        exponent = float(name[len("pow_const("):-1])
        torch_f: Callable[..., Any] = lambda a: a**exponent  # noqa: E731
    else:
        torch_f = _torch_op(op)
    for _ in range(3):
        point = _point(op, rng)
        ours = _autonode_derivatives(lambda *xs: Value.apply(op, *xs), point, 3)
        theirs = _torch_derivatives(torch_f, point, 3)
        _assert_match(ours, theirs, f"{name} at {point}")


# ------------------------------------------------------- fuzzed expressions --
def _wrapped(op: ops.Op, A: Callable[..., Any], xs: list[Any]) -> Any:
    """``op`` applied so its operands stay in its domain and away from kinks (the same on both engines)."""
    if op is ops.LOG:
        return A(ops.LOG, A(ops.ADD, A(ops.MUL, xs[0], xs[0]), 0.5))
    if op is ops.POW:
        return A(ops.POW, A(ops.ADD, A(ops.SIGMOID, xs[0]), 0.5), A(ops.TANH, xs[1]))
    if op is ops.DIV:
        return A(ops.DIV, xs[0], A(ops.ADD, A(ops.MUL, xs[1], xs[1]), 1.0))
    if op in (ops.EXP, ops.MUL):
        return A(op, *[A(ops.TANH, x) for x in xs])  # bounded, so long chains stay in range
    return A(op, *xs)


def _expression(seed: int) -> tuple[list[float], Callable[[Callable[..., Any]], Callable[..., Any]]]:
    rng = random.Random(seed)
    names = sorted(OPS)
    plan = []
    for step in range(rng.randint(2, 6)):
        op = OPS[rng.choice(names)]
        n = op.arity or (4 if op is ops.DOT else 3)
        plan.append((op, [rng.randrange(3 + step) for _ in range(n)]))
    point = [rng.uniform(-1.2, 1.2) for _ in range(3)]

    def build(A: Callable[..., Any]) -> Callable[..., Any]:
        def f(*inputs: Any) -> Any:
            nodes = list(inputs)
            for op, args in plan:
                nodes.append(_wrapped(op, A, [nodes[i] for i in args]))
            return A(ops.SUM, *nodes[3:])

        return f

    return point, build


def _apply_value(op: ops.Op, *xs: Any) -> Value:
    return Value.apply(op, *xs)


def _apply_torch(op: ops.Op, *xs: Any) -> Any:
    xs = tuple(x if isinstance(x, torch.Tensor) else torch.tensor(float(x), dtype=torch.float64) for x in xs)
    return _torch_op(op)(*xs)


def _near_a_kink(point: list[float], build: Callable[[Callable[..., Any]], Callable[..., Any]]) -> bool:
    """Does some relu or abs operand sit within 1e-6 of 0 (where the derivative jumps)?"""
    seen: list[float] = []

    def spy(op: ops.Op, *xs: Any) -> float:
        values = [float(x) for x in xs]
        if op in (ops.RELU, ops.ABS):
            seen.append(values[0])
        return float(op.forward(*values))

    build(spy)(*point)
    return any(abs(v) < 1e-6 for v in seen)


@pytest.mark.parametrize("seed", range(40))
def test_fuzzed_expressions_to_third_order_match_pytorch(seed: int) -> None:
    point, build = _expression(seed)
    if _near_a_kink(point, build):
        pytest.skip("an operand of relu or abs sits on its kink")
    ours = _autonode_derivatives(build(_apply_value), point, 3)
    theirs = _torch_derivatives(build(_apply_torch), point, 3)
    _assert_match(ours, theirs, f"expression {seed} at {point}")


@pytest.mark.parametrize("seed", range(0, 40, 4))
def test_hessians_match_torch_functional_hessian(seed: int) -> None:
    point, build = _expression(seed)
    ours = _autonode_derivatives(build(_apply_value), point, 2)[2]
    f = build(_apply_torch)
    hessian = torch.autograd.functional.hessian(lambda v: f(v[0], v[1], v[2]), torch.tensor(point, dtype=torch.float64))
    theirs = hessian.flatten().tolist()
    scale = max([1.0] + [abs(v) for v in theirs])
    assert all(_close(a, t, scale) for a, t in zip(ours, theirs)), (ours, theirs)


# ------------------------------------------------------------- semantics --
def test_second_and_third_derivative_of_a_cubic_by_hand() -> None:
    """f = x³ + 2x at x = 1.5: f' = 3x² + 2 = 8.75, f'' = 6x = 9, f''' = 6."""
    x = Value(1.5, label="x")
    f = x**3 + 2.0 * x
    f.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == 8.75
    x.grad = 0.0
    first.backward(create_graph=True)
    second = x.grad
    assert second.data == 9.0
    x.grad = 0.0
    second.backward()
    assert x.grad == 6.0


@pytest.mark.filterwarnings(r"ignore:Using backward\(\) with create_graph=True")
def test_leaves_accumulate_the_recorded_gradient_as_in_pytorch() -> None:
    """Without zeroing, x.grad becomes the old grad plus the new one, itself a graph."""
    x = Value(2.0)
    (x * x).backward(create_graph=True)  # x.grad = 2x = 4
    g = x.grad
    g.backward()  # x.grad = 2x + d(2x)/dx = 4 + 2
    assert x.grad.data == 6.0
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (t * t).backward(create_graph=True)
    t.grad.backward()
    assert t.grad.item() == 6.0


def test_inner_nodes_show_this_pass_as_values_and_the_seed_scales() -> None:
    x = Value(0.5)
    h = x.tanh()
    y = h * h  # ∂y/∂h = 2h
    y.backward(3.0, create_graph=True)
    assert isinstance(h.grad, Value) and h.grad.data == pytest.approx(3.0 * 2 * math.tanh(0.5), rel=1e-15)
    assert x.grad.data == pytest.approx(3.0 * 2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2), rel=1e-15)


def test_a_gradient_that_does_not_depend_on_the_input_is_still_a_value() -> None:
    x = Value(3.0)
    (x + x * 2.0).backward(create_graph=True)  # ∂/∂x = 3, a constant
    assert isinstance(x.grad, Value) and x.grad.data == 3.0
    x_grad = x.grad
    x.grad = 0.0
    x_grad.backward()
    assert x.grad == 0.0


def test_plain_backward_still_gives_floats() -> None:
    x = Value(1.5)
    (x.sin() * x).backward()
    assert type(x.grad) is float
    assert x.grad == pytest.approx(math.cos(1.5) * 1.5 + math.sin(1.5), rel=1e-15)


def test_gradgradcheck_passes_on_table_ops_and_catches_a_wrong_second_derivative() -> None:
    assert gradgradcheck(lambda a, b: (a * b).tanh() + a.sin() * b.log(), [0.3, 1.7])
    assert gradgradcheck(lambda a: a**3 + a.abs() * a.cos(), [-0.8])

    def wrong_tanh(x: Value) -> Value:
        t = math.tanh(x.data)
        out = Value(t, (x,), "tanh")

        def _backward() -> None:
            x.grad += (1 - t**2) * out.grad  # first derivative right, but a closure: no second derivative

        out._backward = _backward
        return out

    with pytest.raises((GradcheckError, TypeError)):
        gradgradcheck(lambda a: wrong_tanh(a) * a, [0.4])


def test_gradgradcheck_catches_a_rule_whose_derivative_is_a_plain_number() -> None:
    """A cube whose rule gives the right first derivative 3a² as a number, not a graph: f'' comes out 0, not 6a."""
    cube = ops.Op("cube", "cube", 1, lambda a: a**3, lambda out, a: (3.0 * float(a) ** 2,), "∂a³/∂a = 3a²")
    good = ops.Op("cube", "cube", 1, lambda a: a**3, lambda out, a: (3.0 * a * a,), "∂a³/∂a = 3a²")
    assert gradgradcheck(lambda a: Value.apply(good, a), [0.7])
    with pytest.raises(GradcheckError, match="second derivative"):
        gradgradcheck(lambda a: Value.apply(cube, a), [0.7])
    assert not gradgradcheck(lambda a: Value.apply(cube, a), [0.7], raise_exception=False)
