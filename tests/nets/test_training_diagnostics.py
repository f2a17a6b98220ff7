"""The trainer's validation, stall rule, adaptive rate and gradient records, against hand-worked runs and references."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from nets.engines import make_engine
from nets.experiments.gradient_flow import gradient_flow
from nets.looped import LoopedMLP
from nets.optim import get_optimizer
from nets.train import TrainingState, accuracy, r2, split_validation, train


def _flat_problem() -> tuple[object, np.ndarray, np.ndarray]:
    """A net whose loss cannot change: zero inputs, zero weights, zero targets (every gradient is 0)."""
    net = make_engine("vector", [2, 1], ["identity"], init="zeros")
    return net, np.zeros((8, 2)), np.zeros((8, 1))


def test_stall_rule_stops_as_scikit_learn_counts() -> None:
    net, X, Y = _flat_problem()
    history = train(net, X, Y, loss="mse", lr=0.1, epochs=50, n_iter_no_change=2, progress=False)
    # epoch 1 sets the best loss; epochs 2, 3, 4 do not beat it by tol: the count passes 2 at epoch 4
    assert history.epochs == 4
    assert history.stop_reason == "Training loss did not improve more than tol=0.000100 for 2 consecutive epochs."


def test_adaptive_rate_divides_by_five_on_each_stall_until_one_millionth() -> None:
    net, X, Y = _flat_problem()
    history = train(net, X, Y, loss="mse", lr=0.1, epochs=100, n_iter_no_change=2, schedule="adaptive",
                    progress=False)
    # stalls at epochs 4, 7, 10, ...: the rate after each is 0.1/5^k; once it is ≤ 1e-6 the next stall stops
    rates = [0.1 / 5 ** max(0, (epoch - 2) // 3) for epoch in range(1, 29)]
    assert history.learning_rate == pytest.approx(rates)
    assert history.epochs == 28 and history.stop_reason.startswith("Training loss did not improve")
    with pytest.raises(ValueError, match="adaptive .* n_iter_no_change"):
        train(net, X, Y, loss="mse", lr=0.1, schedule="adaptive", progress=False)


def test_validation_keeps_the_best_weights() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    labels = (X[:, 0] + 0.3 * rng.normal(size=120) > 0).astype(int)
    Y = np.eye(2)[labels]
    net = make_engine("vector", [4, 16, 2], ["relu", "softmax"], rng=0)
    history = train(net, X, Y, loss="softmax_cross_entropy", optimizer="adam", lr=0.05, epochs=40, batch_size=16,
                    validation_fraction=0.25, stratify=True, n_iter_no_change=5, rng=1, progress=False)
    assert len(history.validation_score) == history.epochs
    # the split again (same generator draws) to score the final weights independently
    _, _, X_val, Y_val = split_validation(X, Y, 0.25, np.random.default_rng(1), stratify=True)
    assert accuracy(net.predict_output(X_val), Y_val) == max(history.validation_score)


def test_stratified_split_keeps_class_shares_like_scikit_learn() -> None:
    from sklearn.model_selection import train_test_split

    labels = np.repeat([0, 1, 2], [50, 30, 20])
    Y = np.eye(3)[labels]
    X = np.arange(100.0)[:, None]
    _, _, _, Y_val = split_validation(X, Y, 0.1, np.random.default_rng(0), stratify=True)
    _, _, _, y_sk = train_test_split(X, labels, test_size=0.1, stratify=labels, random_state=0)
    assert np.bincount(Y_val.argmax(axis=1), minlength=3).tolist() == np.bincount(y_sk, minlength=3).tolist()
    with pytest.raises(ValueError, match="validation_fraction"):
        split_validation(X[:3], Y[:3], 0.1, np.random.default_rng(0), stratify=False)


def test_r2_matches_scikit_learn() -> None:
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(2)
    Y, H = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    assert r2(H, Y) == pytest.approx(r2_score(Y, H), rel=1e-12)
    Y[:, 1] = 4.0  # a constant column
    assert r2(H, Y) == pytest.approx(r2_score(Y, H), rel=1e-12)
    assert r2(Y, Y) == 1.0


def test_gradient_records_match_the_tutorials_loops() -> None:
    """Full batch, plain gradient descent: the recorded norms are ‖∂J/∂W[l]‖ of the looped engine's gradients."""
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    net = make_engine("vector", [3, 5, 4, 2], ["sigmoid", "tanh", "identity"], rng=3)
    reference = LoopedMLP([3, 5, 4, 2], ["sigmoid", "tanh", "identity"], weights=net.get_weights())
    lr = 0.05
    expected_norms, expected_ratios = [], []
    for _ in range(2):
        _, grads = reference.loss_and_gradients(X, Y, "half_sse")
        weights = reference.get_weights()
        expected_norms.append([np.linalg.norm(dW) for dW, _ in grads])
        expected_ratios.append([lr * np.linalg.norm(dW) / np.linalg.norm(W) for (dW, _), (W, _) in zip(grads, weights)])
        reference.set_weights([(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(weights, grads)])
    history = train(net, X, Y, loss="half_sse", optimizer=get_optimizer("sgd", lr=lr), epochs=2,
                    track_gradients=True, progress=False, track_accuracy=False)
    np.testing.assert_allclose(history.gradient_norms, expected_norms, rtol=1e-10)
    np.testing.assert_allclose(history.update_ratios, expected_ratios, rtol=1e-8)


def test_training_state_continues_a_run() -> None:
    net, X, Y = _flat_problem()
    state = TrainingState()
    train(net, X, Y, loss="mse", lr=0.1, epochs=2, n_iter_no_change=2, state=state, progress=False)
    history = train(net, X, Y, loss="mse", lr=0.1, epochs=10, n_iter_no_change=2, state=state, progress=False)
    assert state.epochs == 4 and state.seen == 32 and history.epochs == 2  # the count carried over: stop at epoch 4


def test_sigmoid_gradients_vanish_towards_the_input_and_relu_ones_do_not() -> None:
    flow = gradient_flow(epochs=2)
    sigmoid, relu = flow["runs"]["sigmoid"], flow["runs"]["relu"]
    assert len(sigmoid["gradient_norms"]) == 2 and len(sigmoid["gradient_norms"][0]) == len(flow["sizes"]) - 1
    # each sigmoid layer passes back at most ¼ of the gradient: five of them, more than two decades lost
    assert sigmoid["first_to_last"] < 1e-2
    assert 0.2 < relu["first_to_last"] < 5
    # and it shows: after two epochs the ReLU net is well above chance (10 %), the sigmoid net is not
    assert relu["test_accuracy"] > 0.5 and sigmoid["test_accuracy"] < 0.3 and math.isfinite(sigmoid["loss"][-1])


def _simulate_jupyter(monkeypatch: pytest.MonkeyPatch, widgets: bool) -> None:
    """A Jupyter kernel as tqdm.autonotebook detects one (ipykernel's shell loaded, IPython's shell named
    ZMQInteractiveShell), with ipywidgets importable or not; tqdm's notebook modules re-imported fresh."""
    import sys
    import types

    class ZMQInteractiveShell:
        config = {"IPKernelApp": {}}  # what tqdm before 4.69 looks for; later versions look at ipykernel.zmqshell

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = ZMQInteractiveShell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    for name in [n for n in os.environ if n == "QT_API" or n.startswith("SPYDER")]:
        monkeypatch.delenv(name)
    for name in ("tqdm.auto", "tqdm.autonotebook", "tqdm.notebook"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    _install_widgets(monkeypatch, widgets)


def _install_widgets(monkeypatch: pytest.MonkeyPatch, widgets: bool) -> None:
    """ipywidgets as a stand-in module with the three widgets tqdm.notebook imports, or as not installed."""
    import importlib.machinery
    import sys
    import types

    if widgets:
        fake = types.ModuleType("ipywidgets")
        fake.__spec__ = importlib.machinery.ModuleSpec("ipywidgets", None)
        for widget in ("HTML", "FloatProgress", "HBox"):
            setattr(fake, widget, type(widget, (), {}))
        monkeypatch.setitem(sys.modules, "ipywidgets", fake)
    else:
        monkeypatch.setitem(sys.modules, "ipywidgets", None)  # None in sys.modules: import fails, as uninstalled


def test_in_jupyter_without_ipywidgets_training_uses_the_text_bar_without_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys
    import warnings

    import tqdm.std

    from nets.train import progress_bar_class

    _simulate_jupyter(monkeypatch, widgets=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import tqdm.auto  # the reference: tqdm's own choice here is the widget bar, which cannot show

        try:  # tqdm warns at import (4.69+) or when the bar is made (earlier releases)
            tqdm.auto.tqdm(total=1, disable=False).close()
        except Exception:  # noqa: BLE001 - some releases raise instead of warning: also a bar that cannot show
            caught.append(warnings.WarningMessage("IProgress not found (raised)", UserWarning, "", 0))
    assert any("IProgress not found" in str(w.message) for w in caught)
    monkeypatch.delitem(sys.modules, "tqdm.auto")
    monkeypatch.delitem(sys.modules, "tqdm.autonotebook")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        assert progress_bar_class() is tqdm.std.tqdm
    assert "tqdm.autonotebook" not in sys.modules


def test_in_jupyter_with_ipywidgets_training_uses_the_notebook_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from nets.train import progress_bar_class

    _simulate_jupyter(monkeypatch, widgets=True)
    chosen = progress_bar_class()
    assert issubclass(chosen, sys.modules["tqdm.notebook"].tqdm)


def test_outside_jupyter_training_uses_the_text_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import tqdm.notebook
    import tqdm.std

    from nets.train import progress_bar_class

    for name in ("ipykernel.zmqshell", "IPython.utils._process_emscripten", "tqdm.auto", "tqdm.autonotebook"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    for widgets in (False, True):
        _install_widgets(monkeypatch, widgets)
        chosen = progress_bar_class()
        assert issubclass(chosen, tqdm.std.tqdm) and not issubclass(chosen, tqdm.notebook.tqdm)
