"""micrograd's moons demo, unchanged apart from imports, on the per-node MLP: 100% training accuracy.

The demo: np.random.seed(1337), random.seed(1337), make_moons(100, noise=0.1),
labels mapped to ±1, MLP(2, [16, 16, 1]), max-margin loss mean(relu(1 - yᵢ·scoreᵢ))
+ 1e-4·Σp², SGD with learning rate 1.0 - 0.9·k/100 for 100 steps (full batch).
With no seed argument the MLP draws from Python's ``random``, so the demo's
``random.seed`` fixes it. Fused dot neurons (the default) keep it to a few seconds.
"""

from __future__ import annotations

import random

import numpy as np
from sklearn.datasets import make_moons

from autonode import Value
from nets.scalar import MLP


def test_moons_demo_reaches_full_training_accuracy() -> None:
    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])

    def loss() -> tuple[Value, float]:
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    first_loss, first_accuracy = loss()
    for k in range(100):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

    final_loss, final_accuracy = loss()
    assert first_accuracy < 0.9
    assert final_accuracy == 1.0
    assert final_loss.data < 0.1 * first_loss.data
