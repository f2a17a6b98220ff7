"""Newton's method on the tutorial's f(x) = x⁴ - 3x³ + 2, beside its gradient descent.

Both start at x = 6 and stop, as the tutorial does, when a step moves x by at most 1e-5:

* gradient descent:  x ← x - 0.01·f′(x)            (the tutorial's recipe; 70 steps to 2.249965)
* Newton's method:   x ← x - f′(x) / f″(x)          (the step to the minimum of the local parabola)

f′ is ``grad(f)`` and f″ is ``grad(grad(f))``: the backward pass of f is itself
recorded and differentiated, so no derivative is written by hand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from autonode import grad
from nets.walkthrough.tutorial import PRECISION, START, STEP, f

MAX_STEPS = 10_000


@dataclass(frozen=True)
class Iterate:
    """One step of a method: x before it, f′(x) and f″(x) there (f″ unused by gradient descent), x after it."""

    method: str
    step: int
    x: float
    first_derivative: float
    second_derivative: float | None
    x_next: float


def newton(start: float = START, precision: float = PRECISION) -> list[Iterate]:
    """x ← x - f′(x)/f″(x) until a step moves x by at most ``precision``; f′, f″ by grad and grad(grad)."""
    df, d2f = grad(f), grad(grad(f))
    iterates: list[Iterate] = []
    x_old, x_new = 0.0, start
    while abs(x_new - x_old) > precision:
        x_old = x_new
        first, second = df(x_old), d2f(x_old)
        if second == 0.0:
            raise ZeroDivisionError(f"f″({x_old!r}) = 0: Newton's step is undefined there; start elsewhere")
        x_new = x_old - first / second
        iterates.append(Iterate("newton", len(iterates) + 1, x_old, first, second, x_new))
        if len(iterates) >= MAX_STEPS:
            raise RuntimeError(f"Newton's method did not settle in {MAX_STEPS} steps from x = {start!r}")
    return iterates


def gradient_descent(start: float = START, step: float = STEP, precision: float = PRECISION) -> list[Iterate]:
    """The tutorial's x ← x - step·f′(x), every iterate kept; f′ by grad (same numbers as tutorial.gradient_descent)."""
    df = grad(f)
    iterates: list[Iterate] = []
    x_old, x_new = 0.0, start
    while abs(x_new - x_old) > precision:
        x_old = x_new
        first = df(x_old)
        x_new = x_old - step * first
        iterates.append(Iterate("gradient descent", len(iterates) + 1, x_old, first, None, x_new))
        if len(iterates) >= MAX_STEPS:
            raise RuntimeError(f"gradient descent did not settle in {MAX_STEPS} steps from x = {start!r}")
    return iterates


def rows() -> list[dict[str, Any]]:
    """Every iterate of both methods from x = 6 as plain dicts (method, step, x, f′, f″, x_next), for tables."""
    return [asdict(it) for it in gradient_descent() + newton()]


def summary() -> dict[str, Any]:
    """Steps and final x of each method from x = 6 (the exact minimum is 9/4)."""
    descent, newton_steps = gradient_descent(), newton()
    return {
        "start": START, "minimum": 2.25,
        "gradient_descent_steps": len(descent), "gradient_descent_x": descent[-1].x_next,
        "newton_steps": len(newton_steps), "newton_x": newton_steps[-1].x_next,
    }


def note() -> str:
    """One line for the tutorial's walkthrough section: Newton's steps and iterates beside gradient descent's."""
    descent, iterates = gradient_descent(), newton()
    path = " → ".join(f"{x:.7g}" for x in [iterates[0].x] + [it.x_next for it in iterates])  # the page: ≤ 7 digits
    return (f"Newton's method x ← x - f′(x)/f″(x), f′ = grad(f), f″ = grad(grad(f)) (the backward pass "
            f"differentiated), same start and stop rule: {len(iterates)} steps to {iterates[-1].x_next:f} "
            f"(gradient descent: {len(descent)} steps to {descent[-1].x_next:f}): {path}.")
