"""Numerical gradients by central differences: ``gradcheck`` against backward(), ``gradgradcheck`` against
the recorded backward pass (``backward(create_graph=True)``) differentiated again."""

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


def _close(a: float, n: float, atol: float, rtol: float) -> bool:
    """PyTorch's tolerance rule: |a - n| ≤ atol + rtol·|n| (False for nan)."""
    return abs(a - n) <= atol + rtol * abs(n)


def _verdict(check: str, bad: list[str], raise_exception: bool) -> bool:
    """True when nothing disagreed; else GradcheckError listing each disagreement (or False)."""
    if bad and raise_exception:
        raise GradcheckError(f"{check} failed:\n  " + "\n  ".join(bad))
    return not bad


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
        if not _close(a, n, atol, rtol)
    ]
    return _verdict("gradcheck", bad, raise_exception)


def analytic_hessian(f: Function, inputs: Sequence[float]) -> list[list[float]]:
    """∂²f/∂xᵢ∂xⱼ: the gradient recorded by backward(create_graph=True), each entry differentiated again."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    f(*leaves).backward(create_graph=True)
    gradient = [leaf.grad for leaf in leaves]
    rows = []
    for g in gradient:
        for leaf in leaves:
            leaf.grad = 0.0
        if isinstance(g, Value):
            g.backward()
        rows.append([float(leaf.grad) for leaf in leaves])
    return rows


def numerical_hessian(f: Function, inputs: Sequence[float], eps: float = 1e-6) -> list[list[float]]:
    """∂²f/∂xᵢ∂xⱼ ≈ (∂f/∂xᵢ(x + eps·eⱼ) - ∂f/∂xᵢ(x - eps·eⱼ)) / (2·eps), the gradients by backward()."""
    point = [float(x) for x in inputs]
    columns = []
    for j in range(len(point)):
        up, down = point.copy(), point.copy()
        up[j] += eps
        down[j] -= eps
        plus, minus = analytic_gradient(f, up), analytic_gradient(f, down)
        columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    return [[columns[j][i] for j in range(len(point))] for i in range(len(point))]


def gradgradcheck(
    f: Function,
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Second derivatives: the recorded backward pass, differentiated again, against central differences of
    the gradient (PyTorch's gradgradcheck idea and tolerance rule |a - n| ≤ atol + rtol·|n|)."""
    analytic = analytic_hessian(f, inputs)
    numeric = numerical_hessian(f, inputs, eps)
    bad = [
        f"second derivative ∂²f/∂x{i}∂x{j} at {list(inputs)!r}: recorded backward {a!r}, numerical {n!r}"
        for i, (a_row, n_row) in enumerate(zip(analytic, numeric))
        for j, (a, n) in enumerate(zip(a_row, n_row))
        if not _close(a, n, atol, rtol)
    ]
    return _verdict("gradgradcheck", bad, raise_exception)

