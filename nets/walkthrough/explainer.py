"""Seed 002 (the backprop explainer): its chain rule, momentum, gradient check and symmetry, on the engine.

The explainer's net is 3-3-3-1 with sigmoid units and no biases, x → y → z → p,
and J = ½(p - a)². It prints no numbers, so the weights, input and target are
fixed here (``W1``, ``W2``, ``W3``, ``X``, ``TARGET``; readable values, not
random). Its notation: ``y_i``/``y_j`` are a unit's input/output in hidden
layer 1, ``z_i``/``z_j`` in hidden layer 2, ``p_i``/``p_j`` at the output.

The weight followed is W¹ from x₂ to y₁ (``W[0][0, 1]`` in the shared format).
Each chain-rule factor of ∂J/∂W¹ is evaluated by the explainer's formula and
read from the engine (a node's ``grad`` or ``local_grads``). One correction:
the explainer ends with ∂y_i/∂W¹ = Σ_j x_j; for a single weight it is x_j alone.
"""

from __future__ import annotations

import numpy as np

from autonode import Value, numerical_gradient
from nets.optim import Momentum
from nets.scalar import MLP, step_values
from nets.types import Weights
from nets.walkthrough.report import Section, check, formula, numerical

W1 = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9]])
W2 = np.array([[0.2, -0.1, 0.4], [-0.3, 0.6, 0.1], [0.5, 0.2, -0.4]])
W3 = np.array([[0.7, -0.5, 0.3]])
X = [1.0, 0.5, -1.0]
TARGET = 1.0
UNIT, INPUT = 0, 1  # the weight followed: from x₂ (INPUT) to y₁ (UNIT)
ALPHA, MU = 0.5, 0.9  # momentum: V ← μV - α∂J/∂W;  W ← W + V
MOMENTUM_STEPS = 3


def explainer_weights() -> Weights:
    """The documented weights in the shared format (no biases: zeros)."""
    return [(W1.copy(), np.zeros(3)), (W2.copy(), np.zeros(3)), (W3.copy(), np.zeros(1))]


def explainer_network(weights: Weights | None = None) -> MLP:
    """The 3-3-3-1 sigmoid net (fused dot neurons, so each unit's input is one node)."""
    return MLP(3, [3, 3, 1], activations="sigmoid", weights=weights or explainer_weights())


def cost(model: MLP, x: list[float] = X, a: float = TARGET) -> tuple[Value, list[list[Value]]]:
    """J = ½(p - a)² and the layers' outputs [y_j, z_j, [p_j]] as Values."""
    h: list[Value] = [Value(v, label=f"x{i + 1}") for i, v in enumerate(x)]
    outputs = []
    for layer in model.layers:
        h = layer.forward(h)
        outputs.append(h)
    J = 0.5 * (outputs[-1][0] - a) ** 2
    return J, outputs


def _parameters(model: MLP) -> list[Value]:
    """The weights only (the explainer's net has no biases; they stay 0)."""
    return [w for layer in model.layers for n in layer.neurons for w in n.w]


def _chain_rule(out: Section) -> None:
    model = explainer_network()
    J, (y, z, (p,)) = cost(model)
    J.backward()
    weight = model.layers[0].neurons[UNIT].w[INPUT]
    p_i, y_i = p.parents[0], y[UNIT].parents[0]
    pj, yj = p.data, y[UNIT].data
    dJ_dp = pj - TARGET
    dp = pj * (1 - pj)
    out.rows.append(formula("∂J/∂p_j = p_j - a", dJ_dp, p.grad))
    out.rows.append(formula("∂p_j/∂p_i = p_j(1 - p_j)", dp, p.local_grads[0]))
    out.rows.append(formula("∂J/∂p_i = (p_j - a)·p_j(1 - p_j)", dJ_dp * dp, p_i.grad))
    spread = sum(W3[0, m] * z[m].data * (1 - z[m].data) * W2[m, UNIT] for m in range(3))
    out.rows.append(formula("∂J/∂y_j = ∂J/∂p_i · Σ_m W³_m·z_m(1 - z_m)·W²_m1", dJ_dp * dp * spread, y[UNIT].grad))
    out.rows.append(formula("∂y_j/∂y_i = y_j(1 - y_j)", yj * (1 - yj), y[UNIT].local_grads[0]))
    dot_node = y_i.parents[0]
    out.rows.append(formula("∂y_i/∂W¹ = x_j (x₂; not the explainer's Σ_j x_j)", X[INPUT], dot_node.local_grads[INPUT]))
    by_formula = dJ_dp * dp * spread * yj * (1 - yj) * X[INPUT]
    out.rows.append(formula("∂J/∂W¹ (x₂→y₁): product of the factors vs backward()", by_formula, weight.grad))

    def J_of(*ws: Value) -> Value:
        return _cost_with(model, list(ws))

    values = [w.data for w in _parameters(model)]
    numeric = numerical_gradient(J_of, values)
    analytic = [w.grad for w in _parameters(model)]
    out.rows.append(numerical("∂J/∂W¹ (x₂→y₁): central differences vs backward()",
                            numeric[UNIT * 3 + INPUT], weight.grad))
    worst = max(abs(a - n) / max(1e-8, abs(a) + abs(n)) for a, n in zip(analytic, numeric, strict=True))
    out.rows.append(check(f"gradient check, {len(values)} weights: worst rel. error {worst:.0e}",
                          worst < 1e-6))


def _cost_with(model: MLP, params: list[Value]) -> Value:
    """J with the weights taken from ``params`` (Values, row by row) instead of the model's own leaves."""
    h: list[Value] = [Value(v) for v in X]
    k = 0
    for layer in model.layers:
        nxt = []
        for neuron in layer.neurons:
            ws = params[k:k + len(neuron.w)]
            k += len(neuron.w)
            z = ws[0] * h[0]
            for w, hi in zip(ws[1:], h[1:], strict=True):
                z = z + w * hi
            nxt.append(z.sigmoid())
        h = nxt
    return 0.5 * (h[0] - TARGET) ** 2


def _momentum(out: Section) -> None:
    """The library's momentum optimizer (nets.optim) stepping the Values, against the explainer's formula."""
    model = explainer_network()
    params = _parameters(model)
    optimizer = Momentum(lr=ALPHA, mu=MU)
    grads: list[list[float]] = []
    costs = []
    followed = UNIT * 3 + INPUT
    positions = [params[followed].data]
    for _ in range(MOMENTUM_STEPS):
        model.zero_grad()
        J, _ = cost(model)
        J.backward()
        costs.append(J.data)
        grads.append([w.grad for w in params])
        step_values(optimizer, params)
        positions.append(params[followed].data)
    velocity = optimizer.velocity[0]
    costs.append(cost(model)[0].data)
    out.rows.append(formula("momentum step 1 = gradient step W¹ - α∂J/∂W¹ (V₀ = 0)",
                            positions[0] - ALPHA * grads[0][followed], positions[1]))
    unrolled = -ALPHA * sum(MU ** (MOMENTUM_STEPS - 1 - t) * grads[t][followed] for t in range(MOMENTUM_STEPS))
    out.rows.append(formula(f"V after {MOMENTUM_STEPS} steps = -α Σ_t μ^({MOMENTUM_STEPS - 1}-t) ∂J/∂W¹_t",
                            unrolled, velocity[followed]))
    out.rows.append(check(f"J falls at each of the first {MOMENTUM_STEPS} momentum steps",
                          all(b < a for a, b in zip(costs, costs[1:]))))
    out.notes.append("Momentum, J step by step: " + " → ".join(f"{c:.5f}" for c in costs))


def _train(model: MLP, steps: int, alpha: float = ALPHA) -> None:
    for _ in range(steps):
        model.zero_grad()
        J, _ = cost(model)
        J.backward()
        for w in _parameters(model):
            w.data -= alpha * w.grad


def _identical_units(model: MLP) -> bool:
    """Both hidden layers: every unit's output and incoming weights equal to its neighbours'."""
    _, outputs = cost(model)
    for layer, h in zip(model.layers[:-1], outputs[:-1], strict=True):
        rows = [[w.data for w in n.w] for n in layer.neurons]
        if any(v.data != h[0].data for v in h) or any(r != rows[0] for r in rows):
            return False
    return True


def _symmetry(out: Section, seed: int) -> None:
    zero = MLP(3, [3, 3, 1], activations="sigmoid", init="zeros")
    _train(zero, 10)
    out.rows.append(check("zero init: hidden units still identical after 10 steps",
                          _identical_units(zero)))
    rng = np.random.default_rng(seed)
    random = MLP(3, [3, 3, 1], activations="sigmoid", init="he", rng=rng)
    _train(random, 10)
    out.rows.append(check(f"random init (He, seed {seed}): hidden units differ",
                          not _identical_units(random)))


def section(seed: int = 0) -> Section:
    """Chain-rule factors, momentum, gradient check and the symmetry of zero initialisation."""
    out = Section("explainer", "Explainer (seed 002): chain rule, momentum, gradient check, symmetry")
    _chain_rule(out)
    _momentum(out)
    _symmetry(out, seed)
    out.notes[:0] = [
        "The explainer gives no numbers: weights W1, W2, W3, input x = (1, 0.5, -1) and target a = 1 are fixed "
        "in nets/walkthrough/explainer.py; no biases, sigmoid units, J = ½(p - a)².",
        "Rows follow ∂J/∂W¹ from x₂ to y₁ back from the output; 'formula' is the explainer's expression, "
        "'engine' the node's grad or local derivative.",
        "Its last factor ∂y_i/∂W¹_ij is x_j for one weight (the explainer writes Σ_j x_j).",
        f"Momentum in the explainer's form: V ← μV - α∂J/∂W, W ← W + V with μ = {MU}, α = {ALPHA} "
        "(nets.optim's momentum optimizer stepping the Values through nets.scalar.step_values).",
    ]
    return out
