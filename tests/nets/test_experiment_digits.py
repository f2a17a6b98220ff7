"""The digits runs the report shows (nets.experiments.digits), against a plain numpy loop and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix

from nets.datasets import load
from nets.experiments.digits import chunks, confusion, raw_pixels, train_recipe
from nets.init import initialise


def _plain_tutorial(X: np.ndarray, Y: np.ndarray, weights: list, epochs: int, lr: float) -> tuple[list, list]:
    """The tutorial's full-batch gradient descent written out: sigmoid layers, J = (1/m) Σ ½‖y − h‖²."""
    (W1, b1), (W2, b2) = [(W.copy(), b.copy()) for W, b in weights]
    m, losses = X.shape[0], []
    for _ in range(epochs):
        h1 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
        h2 = 1 / (1 + np.exp(-(h1 @ W2.T + b2)))
        losses.append(float(np.sum(0.5 * (Y - h2) ** 2) / m))
        d2 = -(Y - h2) * h2 * (1 - h2)
        d1 = (d2 @ W2) * h1 * (1 - h1)
        W2 -= lr * d2.T @ h1 / m
        b2 -= lr * d2.sum(axis=0) / m
        W1 -= lr * d1.T @ X / m
        b1 -= lr * d1.sum(axis=0) / m
    return [(W1, b1), (W2, b2)], losses


def test_the_tutorial_run_is_the_tutorials_gradient_descent() -> None:
    data = load("digits", seed=3)
    run = train_recipe("tutorial", data, seed=3, epochs=40)
    start = initialise("uniform", [64, 30, 10], np.random.default_rng(3))
    final, losses = _plain_tutorial(data.X_train, data.Y_train, start, 40, 0.25)
    assert run.loss == pytest.approx(losses, rel=1e-10)
    for (W, b), (W_ref, b_ref) in zip(run.net.get_weights(), final):
        assert W == pytest.approx(W_ref, rel=1e-9, abs=1e-12) and b == pytest.approx(b_ref, rel=1e-9, abs=1e-12)
    h1 = 1 / (1 + np.exp(-(data.X_test @ final[0][0].T + final[0][1])))
    h2 = 1 / (1 + np.exp(-(h1 @ final[1][0].T + final[1][1])))
    assert (run.predictions == np.argmax(h2, axis=1)).all()
    assert run.accuracy_epochs == list(np.cumsum(chunks(40)))
    assert run.final_accuracy == pytest.approx(np.mean(np.argmax(h2, axis=1) == data.y_test))


def test_confusion_counts_as_scikit_learn_does() -> None:
    rng = np.random.default_rng(0)
    true, predicted = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    assert (confusion(true, predicted, 10) == confusion_matrix(true, predicted, labels=range(10))).all()


def test_raw_pixels_recover_the_bundled_images() -> None:
    data = load("digits", seed=0)
    raw = np.asarray(load_digits().data, dtype=np.float64)
    rows = np.arange(25)
    pixels = raw_pixels(data, rows, raw)
    for image in pixels:
        assert np.all(raw == image, axis=1).any()  # each one is exactly one of the 1797 bundled images


def test_chunks_split_the_epochs_evenly() -> None:
    assert chunks(3000) == [100] * 30
    assert chunks(31) == [2] + [1] * 29 and sum(chunks(31)) == 31
    assert chunks(3) == [1, 1, 1]


def test_the_seed_spread_returns_each_seeds_run_in_seed_order() -> None:
    """Worker processes change nothing: each seed's accuracy is that of the same run trained here, in order."""
    from nets.experiments.digits import SeedSpread, tutorial_accuracy

    seen: list[tuple[int, int]] = []
    spread = SeedSpread([2, 1], epochs=20, workers=2).start()
    got = spread.accuracies(lambda done, total: seen.append((done, total)), poll=0.05)
    assert got == [tutorial_accuracy(2, epochs=20), tutorial_accuracy(1, epochs=20)]
    assert seen[-1] == (2, 2) and all(total == 2 for _, total in seen)
