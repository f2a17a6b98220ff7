"""The JAX engine and the training-loop benchmark's engines do the same maths as ours (independent code paths)."""

from __future__ import annotations

import numpy as np
import pytest

from nets.experiments.training_loop_bench import bare_numpy_epochs
from nets.init import initialise
from nets.losses import LOSSES
from nets.optim import Adam
from nets.train import train
from nets.vector import VectorMLP

SIZES = [5, 7, 3]


def _case(loss: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(9, SIZES[0]))
    if loss == "binary_cross_entropy":
        return ["tanh", "sigmoid"], X, rng.integers(0, 2, (9, 3)).astype(float)
    if loss == "hinge":
        return ["relu", "identity"], X, rng.choice([-1.0, 1.0], (9, 3))
    if loss == "softmax_cross_entropy":
        return ["sigmoid", "softmax"], X, np.eye(3)[rng.integers(0, 3, 9)]
    return ["tanh", "identity"], X, rng.normal(size=(9, 3))


@pytest.mark.parametrize("loss", list(LOSSES))
def test_jax_outputs_and_gradients_match_the_vectorised_engine(loss: str) -> None:
    pytest.importorskip("jax")
    from nets.experiments import jax_engine

    activations, X, Y = _case(loss)
    weights = initialise("xavier", SIZES, np.random.default_rng(4))
    net = VectorMLP(SIZES, activations, weights=weights)
    value, grads = net.loss_and_gradients(X, Y, loss)
    out, jax_value, jax_grads, _ = jax_engine.loss_and_gradients(weights, activations, X, Y, loss, np.float64)
    np.testing.assert_allclose(out, net.predict_output(X), rtol=1e-12, atol=1e-14)
    assert jax_value == pytest.approx(value, rel=1e-12)
    for (dW, db), (jW, jb) in zip(grads, jax_grads, strict=True):
        np.testing.assert_allclose(jW, dW, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(jb, db, rtol=1e-12, atol=1e-14)
    _, _, grads32, _ = jax_engine.loss_and_gradients(weights, activations, X, Y, loss, np.float32)
    scale = max(float(np.max(np.abs(a))) for pair in grads for a in pair)
    for (dW, db), (jW, jb) in zip(grads, grads32, strict=True):
        assert jW.dtype == np.float32
        assert np.max(np.abs(jW - dW)) <= 1e-5 * scale and np.max(np.abs(jb - db)) <= 1e-5 * scale


def test_jax_training_epoch_is_our_trainers_adam_run() -> None:
    pytest.importorskip("jax")
    from nets.experiments import jax_engine

    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(40, 5)), np.eye(3)[rng.integers(0, 3, 40)]
    weights = initialise("xavier", SIZES, np.random.default_rng(1))
    net = VectorMLP(SIZES, ["tanh", "softmax"], weights=weights)
    history = train(net, X, Y, loss="softmax_cross_entropy", optimizer=Adam(lr=0.01), epochs=3, batch_size=8,
                    shuffle=False, progress=False)
    epoch = jax_engine.training_epoch(weights, ["tanh", "softmax"], "softmax_cross_entropy", X, Y, 8, 0.01,
                                      np.float64)
    for _ in range(3):
        epoch()
    assert history.loss[-1] < history.loss[0]
    for (W, b), (jW, jb) in zip(net.get_weights(), epoch.weights(), strict=True):  # 15 Adam steps, same weights
        np.testing.assert_allclose(jW, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(jb, b, rtol=1e-10, atol=1e-12)


def test_the_bare_numpy_loop_is_the_same_training_as_ours() -> None:
    """The benchmark's floor does the same maths: same batches, same losses epoch by epoch."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(50, 5)), np.eye(3)[rng.integers(0, 3, 50)]
    weights = initialise("xavier", SIZES, np.random.default_rng(2))
    net = VectorMLP(SIZES, ["tanh", "softmax"], weights=weights)
    history = train(net, X, Y, loss="softmax_cross_entropy", optimizer=Adam(lr=0.01), epochs=4, batch_size=10,
                    rng=5, progress=False)
    bare = bare_numpy_epochs(weights, X, Y, 4, 10, 0.01, np.random.default_rng(5))
    np.testing.assert_allclose(history.loss, bare, rtol=1e-12)
