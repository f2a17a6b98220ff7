"""Scalar (node by node and fused), looped and vectorised engines compute the same numbers — and so does PyTorch.

Identical weights and inputs: outputs, losses and gradients agree to 1e-12
relative for every activation × loss × initialiser (float64); a 50-step
full-batch training run on digits ends with the same weights to 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest

from nets.engines import make_engine
from nets.init import INITIALISERS, initialise
from nets.losses import LOSSES
from nets.optim import get_optimizer
from nets.train import train
from nets.types import Weights

ENGINES = ("scalar", "scalar-fused", "looped")
HIDDEN = ("sigmoid", "tanh", "relu", "identity")
SIZES = [3, 4, 3]


def _case(loss: str, hidden: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    output = {"binary_cross_entropy": "sigmoid", "softmax_cross_entropy": "softmax"}.get(loss, hidden)
    X = rng.normal(size=(5, SIZES[0]))
    if loss == "binary_cross_entropy":
        Y = rng.integers(0, 2, (5, SIZES[-1])).astype(float)
    elif loss == "hinge":
        Y = rng.choice([-1.0, 1.0], (5, SIZES[-1]))
    elif loss == "softmax_cross_entropy":
        Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], 5)]
    else:
        Y = rng.normal(size=(5, SIZES[-1]))
    return [hidden, output], X, Y


def _close(a: np.ndarray, ref: np.ndarray, what: str) -> None:
    scale = max(1.0, float(np.max(np.abs(ref))))
    np.testing.assert_allclose(a, ref, rtol=1e-12, atol=1e-12 * scale, err_msg=what)


def _same_grads(grads: Weights, ref: Weights, who: str) -> None:
    for k, ((dW, db), (rW, rb)) in enumerate(zip(grads, ref, strict=True)):
        _close(dW, rW, f"{who}: dJ/dW[{k}]")
        _close(db, rb, f"{who}: dJ/db[{k}]")


@pytest.mark.parametrize("init", list(INITIALISERS))
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_engines_agree(hidden: str, loss: str, init: str) -> None:
    activations, X, Y = _case(loss, hidden)
    weights = initialise(init, SIZES, np.random.default_rng(5))
    if init == "uniform":  # shift to both signs so relu's kink and tanh's both halves are exercised
        weights = [(W - 0.5, b - 0.5) for W, b in weights]
    vector = make_engine("vector", SIZES, activations, weights)
    ref_out = vector.predict_output(X)
    ref_loss, ref_grads = vector.loss_and_gradients(X, Y, loss)
    for name in ENGINES:
        net = make_engine(name, SIZES, activations, weights)
        _close(net.predict_output(X), ref_out, f"{name}: outputs")
        value, grads = net.loss_and_gradients(X, Y, loss)
        assert value == pytest.approx(ref_loss, rel=1e-12, abs=1e-15), name
        _same_grads(grads, ref_grads, name)


@pytest.mark.parametrize("init", list(INITIALISERS))
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_vector_agrees_with_pytorch(hidden: str, loss: str, init: str) -> None:
    torch = pytest.importorskip("torch")
    from nets.torch_bridge import to_torch, torch_loss

    activations, X, Y = _case(loss, hidden)
    weights = initialise(init, SIZES, np.random.default_rng(9))
    if init == "uniform":
        weights = [(W - 0.5, b - 0.5) for W, b in weights]
    vector = make_engine("vector", SIZES, activations, weights)
    model = to_torch(vector)
    trunk = model[:-1] if activations[-1] == "softmax" else model
    value = torch_loss(loss, trunk(torch.tensor(X)), torch.tensor(Y))
    value.backward()
    ours, grads = vector.loss_and_gradients(X, Y, loss)
    assert ours == pytest.approx(value.item(), rel=1e-12)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    _same_grads(grads, [(m.weight.grad.numpy(), m.bias.grad.numpy()) for m in linears], "pytorch")
    _close(vector.predict_output(X), model(torch.tensor(X)).detach().numpy(), "pytorch outputs")


def test_fifty_steps_on_digits_end_with_the_same_weights() -> None:
    from nets.datasets import load

    data = load("digits", seed=0)
    X, Y = data.X_train[:24], data.Y_train[:24]
    sizes, activations = [64, 3, 10], ["sigmoid", "sigmoid"]
    start = initialise("uniform", sizes, np.random.default_rng(0))
    finals = {}
    for name in ("vector", "looped", "scalar-fused", "scalar"):
        net = make_engine(name, sizes, activations, start)
        train(net, X, Y, loss="half_sse", optimizer=get_optimizer("sgd", lr=0.25), epochs=50,
              track_accuracy=False, progress=False)
        finals[name] = net.get_weights()
    moved = max(float(np.max(np.abs(W - W0))) for (W, _), (W0, _) in zip(finals["vector"], start, strict=True))
    assert moved > 1e-3  # training really changed the weights
    for name, weights in finals.items():
        for (W, b), (rW, rb) in zip(weights, finals["vector"], strict=True):
            np.testing.assert_allclose(W, rW, rtol=0, atol=1e-10, err_msg=name)
            np.testing.assert_allclose(b, rb, rtol=0, atol=1e-10, err_msg=name)


def test_weights_round_trip_between_engines_is_exact() -> None:
    weights = initialise("he", [5, 4, 2], np.random.default_rng(2))
    scalar = make_engine("scalar", [5, 4, 2], "tanh", weights)
    back = make_engine("vector", [5, 4, 2], "tanh", scalar.get_weights()).get_weights()
    again = make_engine("scalar-fused", [5, 4, 2], "tanh", back).get_weights()
    for (W, b), (W0, b0) in zip(again, weights, strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
