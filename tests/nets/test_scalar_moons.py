"""micrograd's moons demo, unchanged apart from imports, on the per-node MLP: 100% training accuracy.

The demo: np.random.seed(1337), random.seed(1337), make_moons(100, noise=0.1),
labels mapped to ±1, MLP(2, [16, 16, 1]), max-margin loss mean(relu(1 - yᵢ·scoreᵢ))
+ 1e-4·Σp², SGD with learning rate 1.0 - 0.9·k/100 for 100 steps (full batch),
then the decision boundary evaluated on a mesh. The notebook's plotting calls
are left out (matplotlib is not under test); every line that touches the
network is the demo's. With no seed argument the MLP draws from Python's
``random``, so the demo's ``random.seed`` fixes it.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.datasets import make_moons

from autonode import Value
from nets.scalar import MLP


def test_moons_demo_reaches_full_training_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1  # make y be -1 or 1

    model = MLP(2, [16, 16, 1])  # 2-layer neural network
    print(model)
    print("number of parameters", len(model.parameters()))

    def loss(batch_size: int | None = None) -> tuple[Value, float]:
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    first_loss, first_accuracy = loss()
    print(first_loss, first_accuracy)
    for k in range(100):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        if k % 1 == 0:
            print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")

    final_loss, final_accuracy = loss()
    assert first_accuracy < 0.9
    assert final_accuracy == 1.0
    assert final_loss.data < 0.1 * first_loss.data
    minibatch_loss, minibatch_accuracy = loss(batch_size=10)  # the demo's other branch
    assert np.isfinite(minibatch_loss.data) and 0.0 <= minibatch_accuracy <= 1.0

    # the demo's decision boundary: the trained model on a mesh around the data
    h = 0.25
    x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
    y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    Xmesh = np.c_[xx.ravel(), yy.ravel()]
    inputs = [list(map(Value, xrow)) for xrow in Xmesh]
    scores = list(map(model, inputs))
    Z = np.array([s.data > 0 for s in scores]).reshape(xx.shape)
    assert Z.any() and not Z.all()  # both classes appear on the mesh

    out = capsys.readouterr().out
    assert "number of parameters 337" in out
    assert "MLP[2, 16, 16, 1]" in out and "step 99 loss" in out


def test_one_neuron_layer_network_trains_with_the_demo_loop() -> None:
    """micrograd's bug fixed: MLP(2, [16, 1, 1]) runs the same loop and learns through its one-unit layer."""
    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = MLP(2, [16, 1, 1])

    def loss() -> tuple[Value, float]:
        scores = list(map(model, [list(map(Value, xrow)) for xrow in X]))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total, sum(accuracy) / len(accuracy)

    first_loss, _ = loss()
    for k in range(20):
        total_loss, _ = loss()
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
    final_loss, final_accuracy = loss()
    assert final_loss.data < 0.5 * first_loss.data
    assert final_accuracy >= 0.8
