"""The report's double-backward drawing: f′(x) for f(x) = x⁴ − 3x³ + 2 as backward(create_graph=True) records it."""

from __future__ import annotations

from autonode import topological_order
from viz.report.functional import double_backward


def test_the_starting_gradient_is_named_by_what_it_is() -> None:
    first, d1, d2 = double_backward()
    assert (d1, d2) == (540.0, 324.0)  # by hand: 4·6³ − 9·6² and 12·6² − 18·6
    labels = {node.label: node for node in topological_order(first) if node.label}
    assert "seed" not in labels  # the page already uses the word for the tutorials and for random seeds
    start = labels["∂f/∂f"]
    # ∂f/∂f = 1 starts the pass; f′ is linear in it, so ∂f′/∂(∂f/∂f) = f′(6) = 540
    assert start.data == 1.0 and start.grad == 540.0
