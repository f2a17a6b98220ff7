"""`gradcheck` and `numerical_gradient`: central differences against hand-derived gradients."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import pytest

from autonode import GradcheckError, Value, dot, gradcheck, logsumexp, numerical_gradient


def _f(x: Value, y: Value) -> Value:
    return (x * y + y**2).tanh() + x.exp() / (y * y + 1.0)


def _f_gradient(x: float, y: float) -> list[float]:
    """Hand-derived: u = xy + y², t = tanh u, v = eˣ/(y² + 1)."""
    u = x * y + y * y
    dt = 1 - math.tanh(u) ** 2
    q = y * y + 1
    return [dt * y + math.exp(x) / q, dt * (x + 2 * y) - math.exp(x) * 2 * y / q**2]


def test_numerical_gradient_matches_hand_derivatives() -> None:
    numeric = numerical_gradient(_f, [0.3, -0.7])
    assert numeric == pytest.approx(_f_gradient(0.3, -0.7), rel=1e-7, abs=1e-9)


def test_numerical_gradient_of_a_quadratic_is_exact_up_to_rounding() -> None:
    numeric = numerical_gradient(lambda x, y: x * x * 3.0 + y, [2.0, 5.0], eps=1e-4)
    assert numeric == pytest.approx([12.0, 1.0], rel=1e-9)


def test_gradcheck_passes_on_correct_functions() -> None:
    assert gradcheck(_f, [0.3, -0.7])
    assert gradcheck(lambda a, b, c: dot([a, b], [c, a]).sigmoid(), [0.5, -1.2, 2.0])
    assert gradcheck(lambda a, b, c: logsumexp([a, b * c, c.relu()]), [0.1, 0.2, 0.3])
    assert gradcheck(lambda a, b: a**b, [1.7, 0.6])


def test_gradcheck_catches_a_detached_subexpression() -> None:
    """x · const(x) has backward gradient x, but its true derivative is 2x."""

    def detached(x: Value) -> Value:
        return x * Value(x.data)

    assert not gradcheck(detached, [1.5], raise_exception=False)
    with pytest.raises(GradcheckError) as info:
        gradcheck(detached, [1.5])
    message = str(info.value)
    assert "input 0" in message and "1.5" in message


def test_gradcheck_uses_pytorch_defaults_and_tolerance_rule() -> None:
    defaults = {k: p.default for k, p in inspect.signature(gradcheck).parameters.items()}
    assert (defaults["eps"], defaults["atol"], defaults["rtol"]) == (1e-6, 1e-5, 1e-3)

    def off_by(delta: float) -> Callable[[Value], Value]:
        def f(x: Value) -> Value:
            return x * 100.0 + Value(x.data) * delta  # backward says 100, truth is 100 + delta

        return f

    assert gradcheck(off_by(0.05), [1.0])  # |Δ| = 0.05 ≤ 1e-5 + 1e-3 · 100.05
    assert not gradcheck(off_by(0.2), [1.0], raise_exception=False)  # 0.2 > 1e-5 + 1e-3 · 100.2


def test_gradcheck_does_not_touch_caller_values() -> None:
    inputs = [0.3, -0.7]
    gradcheck(_f, inputs)
    assert inputs == [0.3, -0.7]
