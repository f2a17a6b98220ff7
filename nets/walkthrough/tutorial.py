"""Seed 000 (the numpy neural-network tutorial): its worked numbers, recomputed with the engine.

* The 3-3-1 feed-forward example: W⁽¹⁾ rows all 0.2 / 0.4 / 0.6, b⁽¹⁾ = 0.8,
  W⁽²⁾ = (0.5, 0.5, 0.5), b⁽²⁾ = 0.2, x = (1.5, 2.0, 3.0), sigmoid everywhere,
  run through the per-node :class:`nets.scalar.MLP` node by node.
* Gradient descent on f(x) = x⁴ - 3x³ + 2 from x = 6 with step 0.01 until a
  step moves less than 1e-5, the derivative taken by ``backward()``.
* The tutorial's δ formulas, δ⁽ⁿˡ⁾ = -(y - h)·f'(z) and
  δ⁽ˡ⁾ = (W⁽ˡ⁾ᵀ δ⁽ˡ⁺¹⁾)·f'(z⁽ˡ⁾), with f'(z) = f(z)(1 - f(z)) as the tutorial
  writes it, against ∂J/∂z from ``backward()`` on J = ½‖y - h‖². The tutorial
  gives no target for this example; we use y = 1.

Notation: the tutorial numbers layers from 1 (W⁽¹⁾ joins layer 1 to 2); the
shared weights format counts from 0 (``W[0]`` is the tutorial's W⁽¹⁾). Its δ is
+∂J/∂z (the minus sign sits inside the formula), unlike seed 001's δ = -∂L/∂z.
"""

from __future__ import annotations

import numpy as np

from autonode import Value
from nets.scalar import MLP
from nets.walkthrough.report import Section, formula

W1 = np.array([[0.2, 0.2, 0.2], [0.4, 0.4, 0.4], [0.6, 0.6, 0.6]])
B1 = np.array([0.8, 0.8, 0.8])
W2 = np.array([[0.5, 0.5, 0.5]])
B2 = np.array([0.2])
X = [1.5, 2.0, 3.0]
TARGET = 1.0  # not in the tutorial: chosen to evaluate the δ formulas

START, STEP, PRECISION = 6.0, 0.01, 0.00001


def tutorial_network() -> MLP:
    """The tutorial's 3-3-1 sigmoid network with its dummy weights, built node by node."""
    return MLP(3, [3, 1], activations="sigmoid", weights=[(W1, B1), (W2, B2)], fused=False)


def f(x: Value) -> Value:
    """The tutorial's toy cost f(x) = x⁴ - 3x³ + 2."""
    return x**4 - 3 * x**3 + 2


def gradient_descent(start: float = START, step: float = STEP, precision: float = PRECISION) -> tuple[float, int]:
    """x ← x - step·f'(x) until |x_new - x_old| ≤ precision; f'(x) from backward(). Returns (x, iterations)."""
    x_old, x_new, iterations = 0.0, start, 0
    while abs(x_new - x_old) > precision:
        x_old = x_new
        x = Value(x_old, label="x")
        f(x).backward()
        x_new = x_old - step * x.grad
        iterations += 1
    return x_new, iterations


def _seed_f_prime(a: float) -> float:
    """The tutorial's sigmoid derivative written from the activation: f(z)(1 - f(z))."""
    return a * (1.0 - a)


def section(seed: int = 0) -> Section:
    """The tutorial's numbers (feed-forward, gradient descent) and its δ formulas checked by the engine."""
    del seed  # no randomness in this section
    out = Section("tutorial", "Tutorial (seed 000): feed-forward, gradient descent, δ formulas")
    model = tutorial_network()
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(X)]
    hidden = model.layers[0].forward(x)
    output = model.layers[1].forward(hidden)[0]
    for i, h in enumerate(hidden):
        out.add(f"h{i + 1}⁽²⁾ = f({W1[i, 0]}·1.5 + {W1[i, 0]}·2.0 + {W1[i, 0]}·3.0 + 0.8)",
                ("0.8909", "0.9677", "0.9909")[i], h.data, truncated=True)
    out.add("output h⁽³⁾ = f(0.5·h₁ + 0.5·h₂ + 0.5·h₃ + 0.2)", "0.8354", output.data, truncated=True)

    df_at_start = Value(START)
    f(df_at_start).backward()
    out.rows.append(formula("f'(6) from backward() vs the tutorial's df(x) = 4x³ - 9x²",
                            4 * START**3 - 9 * START**2, df_at_start.grad))
    minimum, iterations = gradient_descent()
    out.add(f"gradient descent from x = 6 ({iterations} steps): local minimum", "2.249965", minimum)

    J = 0.5 * (TARGET - output) ** 2
    J.backward()
    z3 = output.parents[0]
    z2 = [h.parents[0] for h in hidden]
    delta3 = -(TARGET - output.data) * _seed_f_prime(output.data)
    out.rows.append(formula("δ⁽³⁾ = -(y - h⁽³⁾)·f'(z⁽³⁾)  vs  ∂J/∂z⁽³⁾", delta3, z3.grad))
    delta2 = [W2[0, j] * delta3 * _seed_f_prime(h.data) for j, h in enumerate(hidden)]
    for j in range(3):
        out.rows.append(formula(f"δ⁽²⁾_{j + 1} = (W⁽²⁾ᵀδ⁽³⁾)_{j + 1}·f'(z⁽²⁾_{j + 1})  vs  ∂J/∂z⁽²⁾_{j + 1}",
                                delta2[j], z2[j].grad))
    w2 = model.layers[1].neurons[0].w
    out.rows.append(formula("∂J/∂W⁽²⁾_12 = h⁽²⁾_2·δ⁽³⁾  vs  engine", hidden[1].data * delta3, w2[1].grad))
    w1 = model.layers[0].neurons[2].w
    out.rows.append(formula("∂J/∂W⁽¹⁾_31 = x_1·δ⁽²⁾_3  vs  engine", X[0] * delta2[2], w1[0].grad))
    out.rows.append(formula("∂J/∂b⁽¹⁾_2 = δ⁽²⁾_2  vs  engine", delta2[1], model.layers[0].neurons[1].b.grad))

    out.notes = [
        "Feed-forward runs through nets.scalar.MLP built node by node (one * per weight), sigmoid in both layers. "
        f"The tutorial cuts these to 4 decimals rather than rounding (h3 = {hidden[2].data:.6f} is printed 0.9909, "
        f"the output {output.data:.6f} as 0.8354): they agree after the same cut.",
        f"Gradient descent: f'(x) comes from backward() on f(x) = x⁴ - 3x³ + 2; the exact minimum is 9/4 = 2.25 "
        f"(f'(x) = x²(4x - 9)); the seed's stop rule leaves it {abs(minimum - 2.25):.1e} short.",
        "δ rows: target y = 1 (the tutorial gives none); its δ is +∂J/∂z, J = ½‖y - h‖².",
    ]
    return out
