"""The vectorised engine on its own: gradients vs central differences, dtypes, errors, training, data, recipes."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from nets.datasets import load, one_hot
from nets.looped import LoopedMLP
from nets.losses import get_loss
from nets.recipes import get_recipe
from nets.train import accuracy, train
from nets.vector import VectorMLP


@pytest.mark.parametrize("activations", [["sigmoid", "sigmoid"], ["tanh", "identity"], ["relu", "softmax"]])
def test_gradients_match_central_differences(activations: list[str]) -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 3)), np.eye(2)[rng.integers(0, 2, 6)]
    loss = "softmax_cross_entropy" if activations[-1] == "softmax" else "mse"
    net = VectorMLP([3, 4, 2], activations, init="xavier", rng=1)
    _, grads = net.loss_and_gradients(X, Y, loss)
    weights = net.get_weights()
    eps = 1e-6
    for k, (W, b) in enumerate(weights):
        for array, grad in ((W, grads[k][0]), (b, grads[k][1])):
            for idx in np.ndindex(*array.shape):
                saved = array[idx]
                array[idx] = saved + eps
                net.set_weights(weights)
                up = net.loss_and_gradients(X, Y, loss)[0]
                array[idx] = saved - eps
                net.set_weights(weights)
                down = net.loss_and_gradients(X, Y, loss)[0]
                array[idx] = saved
                assert grad[idx] == pytest.approx((up - down) / (2 * eps), abs=1e-7)


def test_seed_feed_forward_example() -> None:
    """The tutorial's 3-3-1 example: W¹ rows 0.2/0.4/0.6, b¹ = 0.8, W² = 0.5, b² = 0.2, x = (1.5, 2, 3) → 0.8354."""
    W1 = np.array([[0.2, 0.2, 0.2], [0.4, 0.4, 0.4], [0.6, 0.6, 0.6]])
    weights = [(W1, np.full(3, 0.8)), (np.full((1, 3), 0.5), np.array([0.2]))]
    net = VectorMLP([3, 3, 1], "sigmoid", weights=weights)
    out = net.forward(np.array([[1.5, 2.0, 3.0]]))
    assert float(out[0, 0]) == pytest.approx(0.8354, abs=1e-4)  # the seed prints 4 decimals (0.83546 here)
    np.testing.assert_allclose(net.h[1][0], [0.8909, 0.9677, 0.9909], atol=1e-4)
    assert LoopedMLP([3, 3, 1], "sigmoid", weights=weights).nested_forward([1.5, 2.0, 3.0])[0] == pytest.approx(
        float(out[0, 0]), rel=1e-15)


def test_float32_on_request() -> None:
    X = np.random.default_rng(0).normal(size=(4, 3))
    net64 = VectorMLP([3, 5, 2], "tanh", rng=0)
    net32 = VectorMLP([3, 5, 2], "tanh", weights=net64.get_weights(), dtype=np.float32)
    out = net32.predict_output(X)
    assert out.dtype == np.float32 and net32.loss_and_gradients(X, np.zeros((4, 2)), "mse")[1][0][0].dtype == np.float32
    np.testing.assert_allclose(out, net64.predict_output(X), rtol=1e-5)
    with pytest.raises(ValueError, match="float64 or float32"):
        VectorMLP([3, 2], dtype=np.int32)


def test_bad_input_names_the_problem() -> None:
    net = VectorMLP([3, 2], "sigmoid", rng=0)
    with pytest.raises(ValueError, match=r"X must have shape \(m, 3\), got \(2, 4\)"):
        net.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="NaN or infinity"):
        net.forward(np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match="empty"):
        net.forward(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"Y must have shape \(1, 2\)"):
        net.loss_and_gradients(np.zeros((1, 3)), np.zeros((1, 3)), "mse")
    with pytest.raises(ValueError, match=r"W\[0\] must have shape \(2, 3\)"):
        net.set_weights([(np.zeros((3, 2)), np.zeros(2))])
    with pytest.raises(ValueError, match=r"activations\[0\]: softmax is allowed on the output layer only"):
        VectorMLP([3, 2, 2], ["softmax", "sigmoid"])
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        VectorMLP([3, 2], "gelu")


def test_pickles() -> None:
    net = VectorMLP([3, 2], ["tanh"], rng=0)
    copy = pickle.loads(pickle.dumps(net))
    X = np.ones((1, 3))
    np.testing.assert_array_equal(copy.predict_output(X), net.predict_output(X))


def test_trainer_history_and_minibatches() -> None:
    data = load("moons", seed=0, n_samples=200)
    net = VectorMLP([2, 16, 2], ["tanh", "softmax"], rng=0)
    history = train(net, data.X_train, data.Y_train, loss="softmax_cross_entropy", optimizer="adam", lr=0.02,
                    epochs=40, batch_size=16, X_test=data.X_test, Y_test=data.Y_test, progress=False)
    assert history.epochs == 40 and len(history.accuracy) == 40 and len(history.test_accuracy) == 40
    assert history.loss[-1] < 0.5 * history.loss[0] and history.test_accuracy[-1] > 0.9
    with pytest.raises(ValueError, match="batch_size"):
        train(net, data.X_train, data.Y_train, loss="mse", lr=0.1, batch_size=0)
    with pytest.raises(ValueError, match="epochs"):
        train(net, data.X_train, data.Y_train, loss="mse", lr=0.1, epochs=0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_trainer_stops_on_divergence() -> None:
    net = VectorMLP([1, 1], "identity", weights=[(np.array([[1.0]]), np.array([0.0]))])
    X, Y = np.array([[1e200]]), np.array([[0.0]])
    with pytest.raises(FloatingPointError, match="lower the lr"):
        train(net, X, Y, loss="sse", lr=1.0, epochs=3, progress=False)


def test_accuracy_conventions() -> None:
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([[0, 1], [0, 1]])) == 0.5
    assert accuracy(np.array([0.7, 0.2]), np.array([1.0, 0.0])) == 1.0
    assert accuracy(np.array([-0.3, 0.2]), np.array([-1.0, -1.0])) == 0.5


@pytest.mark.parametrize("name", ["digits", "moons", "circles", "xor"])
def test_datasets(name: str) -> None:
    data = load(name, seed=1, n_samples=100)
    rows = 1797 if name == "digits" else 100
    assert len(data.X_train) + len(data.X_test) == rows and len(data.X_test) == pytest.approx(0.4 * rows, abs=1)
    assert abs(data.X_train.mean()) < 1e-9 and data.Y_train.shape == (len(data.X_train), data.n_classes)
    assert data.n_classes == (10 if name == "digits" else 2)


def test_dataset_errors() -> None:
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        load("mnist")
    with pytest.raises(ValueError, match=r"labels must lie in 0..1"):
        one_hot(np.array([0, 2]), 2)


def test_modern_recipe_reaches_97_percent_on_digits() -> None:
    recipe = get_recipe("modern")
    data = load("digits", seed=0)
    net = VectorMLP(recipe.sizes(64, 10), recipe.activations, init=recipe.init, rng=0)
    train(net, data.X_train, data.Y_train, loss=recipe.loss, optimizer=recipe.optimizer, epochs=recipe.epochs,
          batch_size=recipe.batch_size, track_accuracy=False, progress=False, **recipe.optimizer_options)
    assert accuracy(net.predict_output(data.X_test), data.Y_test) >= 0.97


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def test_tutorial_recipe_trains_as_the_seeds_sample_by_sample_loop() -> None:
    """The tutorial recipe through nets.train equals the seed's own algorithm, written as the seed writes it."""
    recipe = get_recipe("tutorial")
    data = load("digits", seed=0)
    X, Y = data.X_train[:40], data.Y_train[:40]
    rng = np.random.default_rng(5)  # the seed: W and b from random_sample, U[0, 1)
    W = {1: rng.random((30, 64)), 2: rng.random((10, 30))}
    b = {1: rng.random(30), 2: rng.random(10)}
    net = VectorMLP(recipe.sizes(64, 10), recipe.activations, weights=[(W[1], b[1]), (W[2], b[2])])
    iterations = 15
    train(net, X, Y, loss=recipe.loss, optimizer=recipe.optimizer, batch_size=recipe.batch_size, epochs=iterations,
          track_accuracy=False, progress=False, **recipe.optimizer_options)
    m, alpha = len(X), 0.25
    for _ in range(iterations):  # the seed's section 5: ΔW, Δb summed over samples, then one gradient step
        tri_W = {1: np.zeros((30, 64)), 2: np.zeros((10, 30))}
        tri_b = {1: np.zeros(30), 2: np.zeros(10)}
        for x, y in zip(X, Y):
            z2 = W[1].dot(x) + b[1]
            h2 = _sigmoid(z2)
            z3 = W[2].dot(h2) + b[2]
            h3 = _sigmoid(z3)
            delta3 = -(y - h3) * _sigmoid(z3) * (1 - _sigmoid(z3))
            delta2 = np.dot(W[2].T, delta3) * _sigmoid(z2) * (1 - _sigmoid(z2))
            tri_W[2] += np.outer(delta3, h2)
            tri_b[2] += delta3
            tri_W[1] += np.outer(delta2, x)
            tri_b[1] += delta2
        for layer in (1, 2):
            W[layer] += -alpha * (1.0 / m * tri_W[layer])
            b[layer] += -alpha * (1.0 / m * tri_b[layer])
    for (W_net, b_net), layer in zip(net.get_weights(), (1, 2)):
        np.testing.assert_allclose(W_net, W[layer], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b_net, b[layer], rtol=1e-12, atol=1e-12)


def test_progress_bar_shows_eta_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    data = load("xor", seed=0, n_samples=40)
    net = VectorMLP([2, 4, 2], ["tanh", "softmax"], rng=0)
    train(net, data.X_train, data.Y_train, loss="softmax_cross_entropy", optimizer="adam", lr=0.01, epochs=3,
          progress=True, desc="xor run")
    err = capsys.readouterr().err
    assert "xor run" in err and "3/3" in err and "<" in err  # tqdm's "elapsed<remaining" ETA field


def test_per_node_engine_trains_through_the_same_loop() -> None:
    from nets.engines import make_engine

    data = load("xor", seed=0, n_samples=40)
    net = make_engine("scalar-fused", [2, 4, 2], ["tanh", "softmax"], init="xavier", rng=0)
    history = train(net, data.X_train, data.Y_train, loss="softmax_cross_entropy", optimizer="adam", lr=0.05,
                    epochs=5, progress=False)
    assert history.epochs == 5 and history.loss[-1] < history.loss[0]


def test_float32_network_trains_in_float32_and_follows_the_float64_run() -> None:
    data = load("moons", seed=0, n_samples=200)
    net64 = VectorMLP([2, 8, 2], ["relu", "softmax"], rng=1)
    net32 = VectorMLP([2, 8, 2], ["relu", "softmax"], weights=net64.get_weights(), dtype=np.float32)
    for net in (net64, net32):
        train(net, data.X_train, data.Y_train, loss="softmax_cross_entropy", optimizer="adam", lr=0.01,
              epochs=3, batch_size=16, rng=0, track_accuracy=False, progress=False)
    assert net32.flat_parameters().dtype == np.float32
    for (W32, b32), (W64, b64) in zip(net32.get_weights(), net64.get_weights()):
        np.testing.assert_allclose(W32, W64, rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(b32, b64, rtol=1e-3, atol=1e-4)


def test_minibatches_visit_every_row_once_per_epoch_in_the_generator_order() -> None:
    """Each epoch feeds every row exactly once, in the order of the generator's permutation."""
    X = np.arange(10.0)[:, None]
    Y = np.zeros((10, 1))
    seen: list[float] = []

    class Recorder(VectorMLP):
        def train_gradients(self, X: Any, Y: Any, loss: Any) -> Any:
            seen.extend(np.asarray(X)[:, 0].tolist())
            return super().train_gradients(X, Y, loss)

    net = Recorder([1, 1], "identity", rng=0)
    train(net, X, Y, loss="mse", optimizer="sgd", lr=0.01, epochs=2, batch_size=3, rng=7, progress=False)
    order = np.random.default_rng(7)
    expected = [float(i) for _ in range(2) for i in order.permutation(10)]
    assert seen == expected


def test_public_gradients_are_fresh_arrays_and_the_trainers_is_the_work_array() -> None:
    net = VectorMLP([3, 4, 2], ["tanh", "identity"], rng=0)
    X, Y = np.random.default_rng(1).normal(size=(5, 3)), np.zeros((5, 2))
    _, first = net.loss_and_flat_gradient(X, Y, "mse")
    kept = first.copy()
    _, second = net.loss_and_flat_gradient(2 * X, Y, "mse")
    np.testing.assert_array_equal(first, kept)  # a later pass leaves an earlier result alone
    assert not np.array_equal(first, second)
    _, (work,) = net.train_gradients(X, Y, get_loss("mse"))
    np.testing.assert_array_equal(work, kept)  # the same numbers ...
    _, (again,) = net.train_gradients(2 * X, Y, get_loss("mse"))
    assert again is work  # ... in the engine's own array, overwritten by the next pass
    np.testing.assert_array_equal(work, second)


def test_backward_leaves_the_callers_array_alone() -> None:
    net = VectorMLP([3, 4, 2], ["tanh", "sigmoid"], rng=0)
    net.forward(np.ones((2, 3)))
    dJ_dh = np.full((2, 2), 0.5)
    net.backward(dJ_dh)
    np.testing.assert_array_equal(dJ_dh, np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match=r"∂J/∂h must have shape \(2, 2\)"):
        net.backward(np.ones((3, 2)))


def test_training_accuracy_is_scored_on_each_steps_own_forward_pass() -> None:
    """History.accuracy: every batch scored with the weights its step started from (no extra pass over X)."""
    data = load("moons", seed=0, n_samples=120)
    X, Y = data.X_train, data.Y_train
    net = VectorMLP([2, 8, 2], ["tanh", "softmax"], rng=3)
    (W0, b0), (W1, b1) = net.get_weights()
    before = np.tanh(X @ W0.T + b0) @ W1.T + b1  # a plain numpy forward pass with the starting weights
    expected = float(np.mean(before.argmax(axis=1) == Y.argmax(axis=1)))
    history = train(net, X, Y, loss="softmax_cross_entropy", optimizer="sgd", lr=5.0, epochs=1, progress=False)
    assert history.accuracy == [pytest.approx(expected, abs=1e-12)]
    after = float(np.mean(net.predict_output(X).argmax(axis=1) == Y.argmax(axis=1)))
    assert after != expected  # the big step changed the predictions: the figure is the pre-update one


def test_training_accuracy_of_one_output_uses_the_sign_for_plus_minus_one_targets() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 3))
    Y = np.where(X[:, :1] > 0, 1.0, -1.0)
    net = VectorMLP([3, 1], ["identity"], rng=2)
    ((W, b),) = net.get_weights()
    expected = float(np.mean(((X @ W.T + b)[:, 0] > 0) == (Y[:, 0] > 0)))  # before the one full-batch step
    history = train(net, X, Y, loss="hinge", optimizer="sgd", lr=0.1, epochs=1, progress=False)
    assert history.accuracy == [pytest.approx(expected)]
