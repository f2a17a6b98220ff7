"""NaN and ±inf at the edges of the op table, against PyTorch float64.

Each case runs three ways: through :class:`Value` (the float rules), through the
op table on numpy arrays (the array rules), and through PyTorch. Values and
gradients must agree, NaN for NaN and inf for inf. Two places where autonode
deliberately differs from PyTorch are pinned by the policy tests at the end.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autonode import Value, detect_anomaly, logsumexp, ops
from autonode.errors import AnomalyError

torch = pytest.importorskip("torch")

INF, NAN = math.inf, math.nan


def _torch(op_name: str, xs: list[float]) -> tuple[float, list[float]]:
    """out and ∂out/∂xᵢ by PyTorch float64."""
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    if op_name == "pow":
        out = leaves[0] ** leaves[1]
    elif op_name == "relu":
        out = torch.relu(leaves[0])
    elif op_name == "logsumexp":
        out = torch.logsumexp(torch.stack(leaves), 0)
    else:
        raise AssertionError(op_name)
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    return out.item(), [g.item() for g in grads]


def _value(op_name: str, xs: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    if op_name == "pow":
        out = leaves[0] ** leaves[1]
    elif op_name == "relu":
        out = leaves[0].relu()
    else:
        out = logsumexp(leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def _array(op_name: str, xs: list[float]) -> tuple[float, list[float]]:
    op = ops.OPS[op_name]
    arrays = [np.array([x, 0.5]) for x in xs]  # a second, ordinary column rides along
    with np.errstate(all="ignore"):
        out = op.forward(*arrays)
        partials = op.derivatives(out, *arrays)
    return float(out[0]), [float(np.broadcast_to(p, (2,))[0]) for p in partials]


def _same(actual: float, expected: float) -> bool:
    if math.isnan(expected):
        return math.isnan(actual)
    return actual == expected or abs(actual - expected) <= 1e-15 * abs(expected)


CASES = [
    ("pow", [-0.5, INF]),
    ("pow", [-0.5, -INF]),
    ("pow", [-2.0, NAN]),
    ("pow", [2.0, INF]),
    ("pow", [0.0, INF]),
    ("pow", [0.5, -INF]),
    ("relu", [NAN]),
    ("relu", [INF]),
    ("relu", [-INF]),
    ("logsumexp", [-INF, NAN]),
    ("logsumexp", [INF, NAN]),
    ("logsumexp", [NAN, 1.0]),
    ("logsumexp", [1.0, NAN]),
    ("logsumexp", [INF, -INF]),
    ("logsumexp", [-INF, -INF]),
]


@pytest.mark.parametrize(("op_name", "xs"), CASES, ids=[f"{n}{xs}" for n, xs in CASES])
@pytest.mark.parametrize("engine", [_value, _array], ids=["floats", "arrays"])
def test_value_and_gradients_match_pytorch(op_name: str, xs: list[float], engine: Any) -> None:
    expected_out, expected_grads = _torch(op_name, xs)
    out, grads = engine(op_name, xs)
    assert _same(out, expected_out), f"{op_name}{xs} = {out}, PyTorch {expected_out}"
    for i, (g, e) in enumerate(zip(grads, expected_grads)):
        assert _same(g, e), f"∂{op_name}/∂x{i} at {xs}: {g}, PyTorch {e}"


@pytest.mark.parametrize(("base", "exponent", "expected"), [(-0.5, INF, 0.0), (-0.5, -INF, INF), (-2.0, NAN, NAN)])
def test_a_constant_infinite_or_nan_exponent_is_no_error(base: float, exponent: float, expected: float) -> None:
    """Python's float power gives the same: (-0.5)**inf == 0.0, (-2.0)**nan is nan."""
    out = Value(base) ** exponent
    assert _same(out.data, expected) and _same(out.data, base**exponent)
    assert _same(Value(base).__pow__(Value(exponent)).data, expected)


def test_a_negative_base_with_a_finite_fraction_is_still_a_domain_error() -> None:
    with pytest.raises(ValueError, match="needs an integer exponent"):
        Value(-0.5) ** Value(0.5)


# ----------------------------------------------------------------- policies --
def test_policy_zero_local_derivative_times_infinite_upstream_is_nan() -> None:
    """Every chain-rule step is the product local × upstream, so 0·∞ = nan (IEEE).

    PyTorch's relu and x**0 select instead of multiplying and give 0 there; its
    multiplication gives nan like autonode. Anomaly mode names the step.
    """
    for build in (lambda x: x.relu(), lambda x: x**0):
        x = Value(-1.0)
        build(x).backward(INF)
        assert math.isnan(x.grad)
    x = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
    (torch.relu(x) * INF).backward()
    assert x.grad.item() == 0.0  # the difference this policy documents
    with detect_anomaly(), pytest.raises(AnomalyError, match="relu"):
        Value(-1.0).relu().backward(INF)


def test_policy_subnormal_operand_of_log_or_division_has_an_infinite_local_derivative() -> None:
    """The local derivative 1/x is a stored number: at a subnormal x it overflows to inf.

    PyTorch divides the upstream gradient by x instead (d/dx[1e-300·ln x] at 5e-324
    is 2.0e23 there); autonode's gradient through that node is inf, and anomaly mode
    names the node.
    """
    x = Value(5e-324)
    y = x.log() * 1e-300
    y.backward()
    assert y.parents[0].local_grads == (INF,) and x.grad == INF
    t = torch.tensor(5e-324, dtype=torch.float64, requires_grad=True)
    (torch.log(t) * 1e-300).backward()
    assert t.grad.item() == pytest.approx(1e-300 / 5e-324, rel=1e-12)
    a = Value(1.0)
    (a / 5e-324 * 1e-300).backward()
    assert a.grad == INF
    with detect_anomaly(), pytest.raises(AnomalyError, match="log: local derivative"):
        Value(5e-324).log()
