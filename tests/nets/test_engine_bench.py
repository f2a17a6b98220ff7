"""`autonode bench engine --quick` prints its table; no timing is asserted (figures belong to the command)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from nets.experiments.engine_bench import (
    autonode_dot,
    autonode_node_by_node,
    count_nodes,
    digits_sample,
    micrograd_engine,
    random_weights,
)
from viz.cli.main import main


def test_bench_engine_quick_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "engine", "--quick"]) == 0
    out = capsys.readouterr().out
    for expected in ("MLP(64, [30, 10])", "autonode, node by node", "autonode, one dot per neuron", "ms/sample",
                     "graph memory", "Deep chain", "∂y/∂x = 20,000 ✓"):
        assert expected in out
    if importlib.util.find_spec("micrograd") is not None:
        assert "micrograd " in out and "RecursionError" in out


def test_engines_compute_the_same_loss_and_gradients() -> None:
    """Every engine of the benchmark, against a numpy forward/backward of the same network written out by hand."""
    weights = random_weights(seed=3)
    x, y = digits_sample(5)
    (W0, b0), (W1, b1) = weights
    z1 = W0 @ np.array(x) + b0
    h1 = np.maximum(z1, 0.0)
    out = W1 @ h1 + b1
    delta2 = 2 * (out - np.array(y))  # ∂L/∂out for L = Σ (out - y)²
    delta1 = (W1.T @ delta2) * (z1 > 0)
    dW0, dW1 = np.outer(delta1, x), np.outer(delta2, h1)
    flat = [g for dW, db in ((dW0, delta1), (dW1, delta2)) for row, b_j in zip(dW, db) for g in (*row, b_j)]
    makers = [autonode_node_by_node, autonode_dot]
    if importlib.util.find_spec("micrograd") is not None:
        makers.append(micrograd_engine)  # checks the weights really were copied into micrograd's MLP
    for make in makers:
        engine = make(weights)
        loss = engine.loss(x, y)
        loss.backward()
        assert loss.data == pytest.approx(float(np.sum((out - np.array(y)) ** 2)), rel=1e-12)
        assert [p.grad for p in engine.parameters] == pytest.approx(flat, rel=1e-9, abs=1e-12)
    assert count_nodes(autonode_dot(weights).loss(x, y)) < count_nodes(autonode_node_by_node(weights).loss(x, y))
