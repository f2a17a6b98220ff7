"""Newton's method and gradient descent on the seed's f(x) = x⁴ - 3x³ + 2, from x = 6.

The reference is the same loops written in plain floats with the derivatives worked
by hand, f′(x) = 4x³ - 9x² and f″(x) = 12x² - 18x.
"""

from __future__ import annotations

import pytest

from nets.walkthrough import newton


def df(x: float) -> float:
    return 4 * x**3 - 9 * x**2


def d2f(x: float) -> float:
    return 12 * x**2 - 18 * x


def hand_newton(x: float = 6.0, precision: float = 1e-5) -> list[float]:
    """Every x visited, the start included."""
    path, x_old = [x], 0.0
    while abs(x - x_old) > precision:
        x_old = x
        x = x_old - df(x_old) / d2f(x_old)
        path.append(x)
    return path


def hand_descent(x: float = 6.0, precision: float = 1e-5) -> list[float]:
    path, x_old = [x], 0.0
    while abs(x - x_old) > precision:
        x_old = x
        x = x_old - 0.01 * df(x_old)
        path.append(x)
    return path


def test_gradient_descent_iterates_are_the_seed_programs() -> None:
    expected = hand_descent()
    iterates = newton.gradient_descent()
    assert len(iterates) == 70 == len(expected) - 1
    assert [it.x for it in iterates] + [iterates[-1].x_next] == pytest.approx(expected, rel=1e-13)
    assert f"{iterates[-1].x_next:f}" == "2.249965"  # as the tutorial prints it
    assert [it.first_derivative for it in iterates] == pytest.approx([df(x) for x in expected[:-1]], rel=1e-13)


def test_newton_iterates_and_derivatives_match_the_hand_loop() -> None:
    expected = hand_newton()
    iterates = newton.newton()
    assert [it.x for it in iterates] + [iterates[-1].x_next] == pytest.approx(expected, rel=1e-14)
    for it in iterates:
        assert it.first_derivative == pytest.approx(df(it.x), rel=1e-14)
        assert it.second_derivative == pytest.approx(d2f(it.x), rel=1e-14)
    assert len(iterates) == len(expected) - 1 < 15  # quadratic convergence: a handful of steps, not 70
    assert iterates[-1].x_next == pytest.approx(2.25, abs=1e-12)  # Newton lands on 9/4 to rounding


def test_summary_and_rows() -> None:
    s = newton.summary()
    assert s["gradient_descent_steps"] == 70
    assert s["newton_steps"] == len(hand_newton()) - 1
    rows = newton.rows()
    assert {r["method"] for r in rows} == {"gradient descent", "newton"}
    assert len(rows) == 70 + s["newton_steps"]
    assert set(rows[0]) == {"method", "step", "x", "first_derivative", "second_derivative", "x_next"}


def test_newton_refuses_a_flat_second_derivative() -> None:
    """f″(1.5) = 12·2.25 - 27 = 0: the step would divide by zero."""
    with pytest.raises(ZeroDivisionError, match=r"f″\(1.5\) = 0"):
        newton.newton(start=1.5)


def test_walkthrough_notes_newton_beside_the_tutorials_descent_and_keeps_its_rows() -> None:
    from nets.walkthrough import run, tutorial

    section = run(["tutorial"])[0]
    note = section.notes[-1]
    assert f"{len(hand_newton()) - 1} steps to 2.250000" in note and "gradient descent: 70 steps to 2.249965" in note
    assert len(section.rows) == len(tutorial.section().rows)  # Newton's iterates are notes, not seed rows
