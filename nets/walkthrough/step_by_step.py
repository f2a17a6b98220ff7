"""Seed 001 ("Neural Networks - step by step"): one training step of a 3-4-1 sigmoid net, node by node.

Every number the seed prints is recomputed here with Value graphs and
``backward()``. Two graphs are used:

* **the network** (what the seed describes): x = (1, 3, 5) → h₁ = σ(Σ wᵢxᵢ)
  with w = (0.5, 1.2, -0.3); ŷ = σ(0.8·h₁ + 0.5·h₂ + 0.1·h₃ + 0.6·h₄ + b_o);
  L = (y - ŷ)² with y = 1 (SSE). The seed *assumes* ŷ = 0.6, so the output
  bias b_o is chosen to make that true; h₂…h₄ (not given) are 0.5 each and no
  printed number depends on them.
* **the seed's recipe as a graph**: its hidden δ multiplies δ_o by the sum of
  all four hidden→output weights, which is backprop in a net where h₁ reaches
  ŷ through all four weights (all hidden units tied to h₁). Backward on that
  graph reproduces the seed's hidden δ and input-weight changes digit for digit.

Sign convention: the seed's δ is -∂L/∂z and it *adds* α·δ·activation, so a
weight change is -α·∂L/∂w (the engine stores ∂L/∂w in ``.grad``).
"""

from __future__ import annotations

import math

from autonode import Value, backward_steps, vsum
from nets.walkthrough.report import Row, Section, check, formula

X = (1.0, 3.0, 5.0)
W_INPUT_H1 = (0.5, 1.2, -0.3)
LABEL = 1.0
OUTPUT_ACTIVATION = 0.6
W_H_O = (0.8, 0.5, 0.1, 0.6)  # h1, h2, h3, h4 → ŷ
OTHER_HIDDEN = (0.5, 0.5, 0.5)  # h2, h3, h4: not given by the seed, no printed number depends on them
ALPHA = 0.01


def _seed_sigmoid_derivative(a: float) -> float:
    """The seed's ``sigmoid_derivative <- function(x) x*(1-x)`` (applied to an activation)."""
    return a * (1.0 - a)


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


class _Graph:
    """One forward pass and backward on L = (y - ŷ)², with ŷ forced to the seed's 0.6 by an output bias."""

    def __init__(self, w_to_output: tuple[float, ...], tied: bool) -> None:
        self.x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(X)]
        self.w = [Value(v, label=f"w(x{i + 1}→h1)") for i, v in enumerate(W_INPUT_H1)]
        self.products = [wi * xi for wi, xi in zip(self.w, self.x, strict=True)]
        self.z_h1 = vsum(self.products)
        self.z_h1.label = "z_h1"
        self.h1 = self.z_h1.sigmoid()
        self.h1.label = "h1"
        self.w_out = [Value(v, label=f"w(h{k + 1}→o)") for k, v in enumerate(w_to_output)]
        if tied:  # the seed's recipe: h1 reaches ŷ through every hidden→output weight
            hidden = [self.h1] * len(self.w_out)
        else:
            hidden = [self.h1, *(Value(v, label=f"h{k + 2}") for k, v in enumerate(OTHER_HIDDEN))]
        self.terms = [wk * hk for wk, hk in zip(self.w_out, hidden, strict=True)]
        weighted = vsum(self.terms)
        bias = Value(_logit(OUTPUT_ACTIVATION) - weighted.data, label="b_o")
        self.z_o = weighted + bias
        self.z_o.label = "z_o"
        self.y_hat = self.z_o.sigmoid()
        self.loss = (LABEL - self.y_hat) ** 2
        self.loss.label = "L"
        self.steps = backward_steps(self.loss)

    def contributions_to_h1(self) -> list[float]:
        """-(∂L/∂h1 contributions), one per hidden→output edge: the seed's δ_o·w_k."""
        by_term = {id(s.node): -s.contribution for s in self.steps if s.parent is self.h1}
        return [by_term[id(term)] for term in self.terms]


def section(seed: int = 0) -> Section:
    """The seed's worked numbers, in its order, each beside the engine's value."""
    del seed  # no randomness in this section
    out = Section("step-by-step", "Step-by-step walkthrough (seed 001): one training step, node by node")
    net = _Graph(W_H_O, tied=False)

    for i, product in enumerate(net.products):
        out.add(f"weighted input w{i + 1}·x{i + 1}", ("0.5", "3.6", "-1.5")[i], product.data)
    out.add("net input Σ wᵢxᵢ", "2.6", net.z_h1.data)
    out.add("sigmoid(net input) = h1", "0.9308616", net.h1.data)
    out.add("relu(net input)", "2.6", net.z_h1.relu().data)

    delta_o = -net.z_o.grad
    out.add("output δ = 2(y - ŷ)·ŷ(1 - ŷ), y = 1, ŷ = 0.6", "0.192", delta_o)
    seed_delta_o = 2 * (LABEL - OUTPUT_ACTIVATION) * _seed_sigmoid_derivative(OUTPUT_ACTIVATION)
    out.rows.append(check(
        "sign: the seed's δ is -∂L/∂z (engine ∂L/∂z_o = -0.192)",
        abs(seed_delta_o + net.z_o.grad) < 1e-12,
    ))
    change = -ALPHA * net.w_out[0].grad
    out.add("weight change α·δ·h1 = -α·∂L/∂w(h1→o)", "0.001787254", change)
    updated = W_H_O[0] + change
    out.add("updated weight h1→o", "0.8017873", updated)

    seed_recipe = _Graph((updated, *W_H_O[1:]), tied=True)
    for k, value in enumerate(seed_recipe.contributions_to_h1()):
        printed = ("0.1539432", "0.0960000", "0.0192000", "0.1152000")[k]
        out.add(f"δ_o·w(h{k + 1}→o)", printed, value)
    out.add("Σ δ_o·w (seed's recipe)", "0.3843432", -seed_recipe.h1.grad)
    out.add("hidden δ, seed's recipe (updated weight 0.8017873)", "0.02473567", -seed_recipe.z_h1.grad)
    for i, w in enumerate(seed_recipe.w):
        printed = ("0.0002473567", "0.0007420701", "0.0012367836")[i]
        out.add(f"input weight change α·δ_h1·x{i + 1}", printed, -ALPHA * w.grad)
    for i, w in enumerate(seed_recipe.w):
        printed = ("0.5002474", "1.2007421", "-0.2987632")[i]
        out.add(f"updated w(x{i + 1}→h1)", printed, w.data - ALPHA * w.grad)

    before_update = _Graph(W_H_O, tied=True)
    out.rows.append(Row(
        "hidden δ, same recipe with w(h1→o) before its update (0.8)", "0.02471359",
        -before_update.z_h1.grad, source="variant",
    ))
    h1 = net.h1.data
    true_delta = seed_delta_o * W_H_O[0] * _seed_sigmoid_derivative(h1)
    out.rows.append(formula("hidden δ by true backprop: δ_o·w(h1→o)·h1(1 - h1)", true_delta, -net.z_h1.grad))
    out.rows.append(formula(
        "true input weight change α·δ_h1·x3", ALPHA * true_delta * X[2], -ALPHA * net.w[2].grad
    ))

    out.notes = [
        "Sign: the seed's δ is -∂L/∂z and it adds α·δ·activation; the engine's grad is ∂L/∂w, so a change is -α·grad.",
        "The seed assumes ŷ = 0.6 rather than computing it from h1; an output bias makes ŷ = 0.6 in the graph.",
        "The seed's hidden δ uses w(h1→o) after its update (0.8017873); true backprop uses the weight of the "
        "forward pass, 0.8 (the same recipe then gives 0.02471359).",
        "It also sums δ_o·w over all four hidden→output weights. Backprop sums over the nodes h1 feeds (only ŷ): "
        f"δ_h1 = δ_o·w(h1→o)·h1(1-h1) = {-net.z_h1.grad:.8f}. The seed's numbers are what backward() gives "
        "if h1 fed ŷ through all four weights (all hidden units tied to h1): that graph reproduces them above.",
    ]
    return out
