"""Forward mode (dual numbers) against hand derivatives, central differences and reverse mode.

Every op of the table is pushed through a Dual and compared with a hand-written
derivative formula; random expressions over the whole table compare ``jvp``
with central differences of the plain float forward and with ``backward()``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autonode import OPS, DomainError, Value, forward, jvp, ops
from autonode.forward import Dual
from tests.autonode.random_expressions import (
    OP_NAMES,
    apply_dual,
    apply_float,
    apply_value,
    evaluate,
    random_plan,
)


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# op name → (operands, ∂out/∂operand_i written by hand)
HAND = {
    "add": ((1.3, -0.4), (1.0, 1.0)),
    "sub": ((1.3, -0.4), (1.0, -1.0)),
    "mul": ((1.3, -0.4), (-0.4, 1.3)),
    "div": ((1.3, -0.4), (1 / -0.4, -1.3 / 0.16)),
    "neg": ((1.3,), (-1.0,)),
    "pow": ((1.3, -0.4), (-0.4 * 1.3**-1.4, 1.3**-0.4 * math.log(1.3))),
    "exp": ((0.7,), (math.exp(0.7),)),
    "log": ((0.7,), (1 / 0.7,)),
    "tanh": ((0.7,), (1 / math.cosh(0.7) ** 2,)),
    "sigmoid": ((0.7,), (_sig(0.7) * (1 - _sig(0.7)),)),
    "relu": ((0.7,), (1.0,)),
    "sin": ((0.7,), (math.cos(0.7),)),
    "cos": ((0.7,), (-math.sin(0.7),)),
    "abs": ((-0.7,), (-1.0,)),
    "identity": ((0.7,), (1.0,)),
    "sum": ((0.7, -1.1, 2.0), (1.0, 1.0, 1.0)),
    "dot": ((0.7, -1.1, 2.0, 0.3), (2.0, 0.3, 0.7, -1.1)),
    "logsumexp": ((0.7, -1.1, 2.0), tuple(math.exp(x) / (math.exp(0.7) + math.exp(-1.1) + math.exp(2.0))
                                         for x in (0.7, -1.1, 2.0))),
}


def test_every_op_has_a_hand_derivative() -> None:
    assert set(OPS) <= set(HAND), sorted(set(OPS) - set(HAND))


@pytest.mark.parametrize("name", sorted(OPS))
def test_tangent_of_each_op_is_its_hand_derivative_along_each_input(name: str) -> None:
    operands, partials = HAND[name]
    for i in range(len(operands)):
        duals = [Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(operands)]
        out = forward.apply(OPS[name], *duals)
        assert out.tangent == pytest.approx(partials[i], rel=1e-14, abs=1e-15), (name, i)


@pytest.mark.parametrize("name", sorted(name for name, op in OPS.items() if op.method is not None))
def test_each_table_method_of_a_dual_gives_the_hand_derivative(name: str) -> None:
    """Dual's operators and methods come from the table: x.tanh(), a - b and its reflected b.__rsub__(a)."""
    op = OPS[name]
    assert op.method is not None
    operands, partials = HAND[name]
    if op.arity == 1:
        assert getattr(Dual(operands[0], 1.0), op.method)().tangent == pytest.approx(partials[0], rel=1e-14)
        return
    a, b = operands
    assert getattr(Dual(a, 1.0), op.method)(b).tangent == pytest.approx(partials[0], rel=1e-14)
    assert getattr(Dual(b, 1.0), "__r" + op.method[2:])(a).tangent == pytest.approx(partials[1], rel=1e-14)


def test_python_operators_and_abs_on_duals() -> None:
    x = Dual(-0.5, 1.0)
    assert abs(x).tangent == -1.0 and (1.0 - x).tangent == -1.0 and (3.0 / x).tangent == pytest.approx(-12.0)


def test_tangent_is_the_weighted_sum_of_the_partials() -> None:
    """ẏ = Σ ∂y/∂xᵢ · ẋᵢ for a direction with every component non-zero."""
    operands, partials = HAND["dot"]
    direction = (0.5, -2.0, 1.5, 3.0)
    out = forward.apply(ops.DOT, *[Dual(x, t) for x, t in zip(operands, direction)])
    assert out.tangent == pytest.approx(sum(p * t for p, t in zip(partials, direction)), rel=1e-14)


def test_operators_and_constants() -> None:
    """d/dx (2 - x)·x / 4 + 3^x + x^2.5 at x = 1.5, by hand."""
    x = Dual(1.5, 1.0)
    y = (2 - x) * x / 4 + 3**x + x**2.5 - (-x)
    by_hand = (2 - 2 * 1.5) / 4 + 3**1.5 * math.log(3) + 2.5 * 1.5**1.5 + 1
    assert y.tangent == pytest.approx(by_hand, rel=1e-14)
    assert y.primal == pytest.approx((2 - 1.5) * 1.5 / 4 + 3**1.5 + 1.5**2.5 + 1.5, rel=1e-14)


def test_number_operands_add_no_tangent_even_where_their_rule_is_nan() -> None:
    """(-2)^x: ∂/∂base is nan at base < 0, but a constant base has no tangent, so none of it leaks in."""
    y = (-2.0) ** Dual(3.0, 1.0)
    assert y.primal == -8.0
    assert math.isnan(y.tangent)  # ∂(a^b)/∂b = a^b·ln a, undefined for a < 0, as reverse mode says
    z = Dual(-2.0, 1.0) ** 3.0
    assert z.tangent == pytest.approx(3 * 4.0)


def test_domain_errors_name_the_op() -> None:
    with pytest.raises(DomainError, match=r"log \(forward mode\): log needs a positive operand, got -1.0"):
        Dual(-1.0, 1.0).log()
    with pytest.raises(DomainError, match="division by zero"):
        Dual(1.0, 1.0) / 0.0
    with pytest.raises(DomainError, match="division by zero"):
        1.0 / Dual(0.0, 1.0)
    with pytest.raises(DomainError, match=r"0 cannot be raised to a negative power"):
        Dual(0.0, 1.0) ** -1.5


def test_mixing_duals_and_values_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot mix a Dual .* with a Value"):
        Dual(1.0, 1.0) * Value(2.0)
    with pytest.raises(TypeError, match="operands must be Duals or real numbers, got str"):
        Dual(1.0, 1.0) + "2"  # type: ignore[operator]


def test_nary_helpers_check_their_operands() -> None:
    with pytest.raises(ValueError, match="equal length, got 2 weights and 1 inputs"):
        forward.dot([Dual(1.0), Dual(2.0)], [Dual(3.0)])
    with pytest.raises(TypeError, match="sum takes one or more operands, got 0"):
        forward.vsum([])
    assert forward.logsumexp([Dual(0.0, 1.0), Dual(0.0, 0.0)]).tangent == pytest.approx(0.5)


# ------------------------------------------------------- random expressions --
SEEDS = range(40)
N_STEPS = 12


def _plan(seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    start = (seed * 5) % len(OP_NAMES)
    rotation = OP_NAMES[start:] + OP_NAMES[:start]  # every op leads some plans
    return random_plan(rng, n_inputs=1 + seed % 4, n_steps=N_STEPS, first_ops=rotation[:5]), rng


def test_random_expressions_cover_every_op_of_the_table() -> None:
    used = set().union(*(_plan(seed)[0].ops_used for seed in SEEDS))
    assert used == set(OP_NAMES)


@pytest.mark.parametrize("seed", SEEDS)
def test_jvp_matches_central_differences_and_backward(seed: int) -> None:
    plan, rng = _plan(seed)
    x = rng.uniform(-1.5, 1.5, plan.n_inputs).tolist()

    def f(*xs):  # type: ignore[no-untyped-def]
        return evaluate(plan, apply_dual, xs)

    leaves = [Value(v) for v in x]
    out = evaluate(plan, apply_value, leaves)
    out.backward()
    reverse = [leaf.grad for leaf in leaves]

    eps = 1e-6
    for j in range(plan.n_inputs):
        basis = [1.0 if k == j else 0.0 for k in range(plan.n_inputs)]
        value, tangent = jvp(f, x, basis)
        assert value == pytest.approx(out.data, rel=1e-14, abs=1e-14)
        assert tangent == pytest.approx(reverse[j], rel=1e-12, abs=1e-12), ("reverse", j)
        up = [v + eps * b for v, b in zip(x, basis)]
        down = [v - eps * b for v, b in zip(x, basis)]
        central = (evaluate(plan, apply_float, up) - evaluate(plan, apply_float, down)) / (2 * eps)
        assert tangent == pytest.approx(central, rel=1e-5, abs=1e-6), ("central differences", j)

    direction = rng.normal(size=plan.n_inputs).tolist()
    _, tangent = jvp(f, x, direction)
    assert tangent == pytest.approx(sum(g * d for g, d in zip(reverse, direction)), rel=1e-11, abs=1e-12)
