"""Numerical gradients by central differences, and ``gradcheck`` against backward()."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autonode.value import Value

Function = Callable[..., Value]


def numerical_gradient(f: Function, inputs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """∂f/∂xᵢ ≈ (f(x + eps·eᵢ) - f(x - eps·eᵢ)) / (2·eps) for each input."""
    point = [float(x) for x in inputs]
    grads = []
    for i in range(len(point)):
        up = point.copy()
        down = point.copy()
        up[i] += eps
        down[i] -= eps
        plus = f(*[Value(x) for x in up]).data
        minus = f(*[Value(x) for x in down]).data
        grads.append((plus - minus) / (2 * eps))
    return grads


def analytic_gradient(f: Function, inputs: Sequence[float]) -> list[float]:
    """∂f/∂xᵢ by backward() at ``inputs``."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    f(*leaves).backward()
    return [leaf.grad for leaf in leaves]


class GradcheckError(AssertionError):
    """backward() disagrees with central differences; the message lists each input."""


def gradcheck(
    f: Function,
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare backward() with central differences, PyTorch's way: |a - n| ≤ atol + rtol·|n|."""
    analytic = analytic_gradient(f, inputs)
    numeric = numerical_gradient(f, inputs, eps)
    bad = [
        f"input {i} (= {inputs[i]!r}): backward {a!r}, numerical {n!r}"
        for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if bad and raise_exception:
        raise GradcheckError("gradcheck failed:\n  " + "\n  ".join(bad))
    return not bad
