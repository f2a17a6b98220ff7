"""Forward mode against reverse mode: the cost of a full Jacobian as the inputs or the outputs grow.

Two families of functions, each a chain whose length grows with the size k:

* **many inputs, one output** f: ℝᵏ → ℝ, ``sᵢ = tanh(sᵢ₋₁ + wᵢ·xᵢ) + ½·sᵢ₋₁`` over i = 2…k
  (s₁ = tanh(w₁x₁)), output sₖ. Its gradient takes k forward passes (one dual-number pass
  per input direction eⱼ) or one reverse pass (record with Values, one ``backward()``).
* **one input, many outputs** g: ℝ → ℝᵏ, ``z ← tanh(wⱼ·z) + ½·z`` from z = x, every zⱼ an
  output. Its Jacobian takes one forward pass or k reverse passes (one ``backward()`` per
  output over the one recorded graph).

A pass over a chain of length k costs O(k), so forward mode grows like k² on f and
stays linear on g; reverse mode the other way round. The passes are the engine's own
(:func:`forward_gradient`, :func:`reverse_gradient`, :func:`forward_derivatives`,
:func:`reverse_derivatives`, a few lines each), without the bookkeeping of
``autonode.jacfwd``/``grad``/``jacrev`` (argument trees, putting grads back), whose
results they are checked against in the tests. Both modes are timed side by side in
one process, alternating, and their results compared (they must agree to rounding).
Figures only: nothing here asserts a speed.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autonode import Dual, Value

SIZES = (1, 2, 4, 8, 16, 32, 64)
MANY_INPUTS = "ℝᵏ → ℝ"
MANY_OUTPUTS = "ℝ → ℝᵏ"


def _weights(k: int, seed: int) -> list[float]:
    return [float(v) for v in np.random.default_rng(seed).uniform(-1.0, 1.0, k)]


def many_inputs(w: Sequence[float]) -> Callable[[list[Any]], Any]:
    """f(x) for x ∈ ℝᵏ: s₁ = tanh(w₁x₁), sᵢ = tanh(sᵢ₋₁ + wᵢxᵢ) + ½·sᵢ₋₁; returns sₖ (Values or Duals alike)."""

    def f(xs: list[Any]) -> Any:
        s = (w[0] * xs[0]).tanh()
        for wi, xi in zip(w[1:], xs[1:]):
            s = (s + wi * xi).tanh() + 0.5 * s
        return s

    return f


def many_outputs(w: Sequence[float]) -> Callable[[Any], list[Any]]:
    """g(x) ∈ ℝᵏ: z ← tanh(wⱼ·z) + ½·z from z = x; returns [z₁, …, zₖ]."""

    def g(x: Any) -> list[Any]:
        z, out = x, []
        for wj in w:
            z = (wj * z).tanh() + 0.5 * z
            out.append(z)
        return out

    return g


def forward_gradient(f: Callable[[list[Any]], Any], x: Sequence[float]) -> list[float]:
    """∂f/∂xⱼ for each j by forward mode: pass j runs f on duals with tangent eⱼ (k passes)."""
    return [f([Dual(v, 1.0 if i == j else 0.0) for i, v in enumerate(x)]).tangent for j in range(len(x))]


def reverse_gradient(f: Callable[[list[Any]], Any], x: Sequence[float]) -> list[float]:
    """∂f/∂xⱼ for every j by reverse mode: record f once, one backward() (one pass)."""
    leaves = [Value(v) for v in x]
    f(leaves).backward()
    return [leaf.grad for leaf in leaves]


def forward_derivatives(g: Callable[[Any], list[Any]], x: float) -> list[float]:
    """dgᵢ/dx for every output i by forward mode: one pass on a dual with tangent 1."""
    return [y.tangent for y in g(Dual(x, 1.0))]


def reverse_derivatives(g: Callable[[Any], list[Any]], x: float) -> list[float]:
    """dgᵢ/dx for each output i by reverse mode: record g once, one backward() per output (k passes)."""
    leaf = Value(x)
    derivatives = []
    for y in g(leaf):
        leaf.grad = 0.0
        y.backward()
        derivatives.append(leaf.grad)
    return derivatives


def _per_call(fn: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def _side_by_side(forward: Callable[[], Any], reverse: Callable[[], Any], rounds: int,
                  min_seconds: float) -> tuple[float, float, float, float]:
    """Median and spread (min, max) are taken over ``rounds`` alternating rounds; each round runs a
    batch of calls lasting about ``min_seconds``. Returns (forward median, reverse median, forward
    min..max width / median, reverse width / median)."""
    calls = [max(1, int(min_seconds / max(_per_call(fn, 1), 1e-7))) for fn in (forward, reverse)]
    fwd: list[float] = []
    rev: list[float] = []
    for r in range(rounds):
        pair = [(forward, calls[0], fwd), (reverse, calls[1], rev)]
        for fn, n, into in pair if r % 2 == 0 else pair[::-1]:  # alternate which goes first
            into.append(_per_call(fn, n))
    return (statistics.median(fwd), statistics.median(rev),
            (max(fwd) - min(fwd)) / statistics.median(fwd), (max(rev) - min(rev)) / statistics.median(rev))


def _max_diff(a: Sequence[float], b: Sequence[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b))


def _jacobians(shape: str, k: int, seed: int) -> tuple[Callable[[], Any], Callable[[], Any], tuple[int, int]]:
    """The full Jacobian at a fixed random point by forward and by reverse mode, and each one's pass count."""
    w = _weights(k, seed + k)
    x_rng = np.random.default_rng(seed + 1000 + k)
    if shape == MANY_INPUTS:
        f = many_inputs(w)
        x = x_rng.uniform(-1.0, 1.0, k).tolist()
        return (lambda: forward_gradient(f, x)), (lambda: reverse_gradient(f, x)), (k, 1)
    g = many_outputs(w)
    x0 = float(x_rng.uniform(-1.0, 1.0))
    return (lambda: forward_derivatives(g, x0)), (lambda: reverse_derivatives(g, x0)), (1, k)


def timing_rows(sizes: Sequence[int] = SIZES, rounds: int = 7, min_seconds: float = 0.01,
                seed: int = 0) -> list[dict[str, Any]]:
    """One row per (function family, size k): time for the full Jacobian by each mode, passes, agreement.

    Keys: ``shape`` (``"ℝᵏ → ℝ"`` or ``"ℝ → ℝᵏ"``), ``k``, ``forward_seconds``, ``reverse_seconds``
    (medians per Jacobian), ``forward_passes``, ``reverse_passes``, ``forward_over_reverse`` (the time
    ratio), ``forward_spread``/``reverse_spread`` ((max - min)/median over the rounds), ``max_abs_diff``
    (forward vs reverse results) and ``load_average`` (1 minute, when the system reports it).
    """
    rows = []
    for shape in (MANY_INPUTS, MANY_OUTPUTS):
        for k in sizes:
            run_forward, run_reverse, passes = _jacobians(shape, k, seed)
            diff = _max_diff(run_forward(), run_reverse())
            t_fwd, t_rev, s_fwd, s_rev = _side_by_side(run_forward, run_reverse, rounds, min_seconds)
            rows.append({
                "shape": shape, "k": k, "forward_seconds": t_fwd, "reverse_seconds": t_rev,
                "forward_passes": passes[0], "reverse_passes": passes[1], "forward_over_reverse": t_fwd / t_rev,
                "forward_spread": s_fwd, "reverse_spread": s_rev, "max_abs_diff": diff,
                "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            })
    return rows
