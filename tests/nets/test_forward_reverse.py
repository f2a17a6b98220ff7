"""The forward-vs-reverse experiment: its functions, their Jacobians by both modes, the rows it returns.

The Jacobians, by the experiment's own passes and by autonode's transformations, are
checked against the chain rule worked in plain floats along each chain (an independent
loop); no timing is asserted.
"""

from __future__ import annotations

import math

import pytest

from autonode import grad, jacfwd, jacrev
from nets.experiments import forward_reverse as fr


def _chain_gradient(w: list[float], x: list[float]) -> list[float]:
    """∂sₖ/∂xᵢ for sᵢ = tanh(sᵢ₋₁ + wᵢxᵢ) + ½sᵢ₋₁ by hand: forward values, then a backward loop in floats."""
    s = [math.tanh(w[0] * x[0])]
    for wi, xi in zip(w[1:], x[1:]):
        s.append(math.tanh(s[-1] + wi * xi) + 0.5 * s[-1])
    grads = [0.0] * len(x)
    upstream = 1.0
    for i in range(len(x) - 1, 0, -1):
        local = 1 - (s[i] - 0.5 * s[i - 1]) ** 2  # tanh' at step i
        grads[i] = upstream * local * w[i]
        upstream *= local + 0.5
    grads[0] = upstream * (1 - s[0] ** 2) * w[0]
    return grads


def _chain_derivatives(w: list[float], x: float) -> list[float]:
    """dzⱼ/dx for zⱼ = tanh(wⱼzⱼ₋₁) + ½zⱼ₋₁, z₀ = x, by hand (a forward loop in floats)."""
    z, dz, out = x, 1.0, []
    for wj in w:
        t = math.tanh(wj * z)
        z, dz = t + 0.5 * z, (1 - t * t) * wj * dz + 0.5 * dz
        out.append(dz)
    return out


@pytest.mark.parametrize("k", [1, 3, 9])
def test_every_mode_gives_the_hand_chain_rule(k: int) -> None:
    """The experiment's own passes and autonode's jacfwd/grad/jacrev, all against the float loops."""
    w = [0.3 * (i + 1) * (-1) ** i for i in range(k)]
    x = [0.1 * i - 0.4 for i in range(k)]
    expected = _chain_gradient(w, x)
    f = fr.many_inputs(w)
    for gradient in (fr.forward_gradient(f, x), fr.reverse_gradient(f, x), grad(f)(x), jacfwd(f)(x)):
        assert gradient == pytest.approx(expected, rel=1e-13, abs=1e-15)
    g = fr.many_outputs(w)
    expected_g = _chain_derivatives(w, 0.7)
    for derivatives in (fr.forward_derivatives(g, 0.7), fr.reverse_derivatives(g, 0.7), jacrev(g)(0.7),
                        jacfwd(g)(0.7)):
        assert derivatives == pytest.approx(expected_g, rel=1e-13, abs=1e-15)


def test_rows_cover_both_shapes_and_sizes_with_pass_counts() -> None:
    rows = fr.timing_rows(sizes=(1, 4), rounds=1, min_seconds=0.0)
    assert [(r["shape"], r["k"]) for r in rows] == [
        (fr.MANY_INPUTS, 1), (fr.MANY_INPUTS, 4), (fr.MANY_OUTPUTS, 1), (fr.MANY_OUTPUTS, 4)]
    for r in rows:
        passes = (r["k"], 1) if r["shape"] == fr.MANY_INPUTS else (1, r["k"])
        assert (r["forward_passes"], r["reverse_passes"]) == passes
        assert r["max_abs_diff"] <= 1e-14
        assert r["forward_seconds"] > 0 and r["reverse_seconds"] > 0
        assert r["forward_over_reverse"] == pytest.approx(r["forward_seconds"] / r["reverse_seconds"])
