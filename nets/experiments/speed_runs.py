"""Timed runs behind ``autonode compare`` and the demo, each measured side by side in one process.

* :func:`forward_experiment` — the seed tutorial's 100-100-50-10 forward pass, nested loops vs matrices.
* :func:`tutorial_run` — the seed's digits run (64-30-10 sigmoid, ½SSE, α = 0.25): time per iteration
  for the vectorised engine, the looped one and the same maths written directly in numpy; test accuracy.
* :func:`modern_runs` — 64-30-10 ReLU/softmax cross-entropy with Adam, batch 32, against PyTorch
  (both float32, one thread), and the time to 97 % test accuracy against scikit-learn's MLPClassifier, both sides
  trained epoch by epoch to the same target (like for like).

Every timing runs on one thread (:func:`nets.experiments.comparison.one_thread`).
Figures only: nothing here asserts a speed.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

from nets.datasets import load
from nets.engines import make_engine
from nets.experiments.comparison import max_abs_diff, one_thread, timed
from nets.experiments.sklearn_bench import sklearn_time_to_accuracy
from nets.init import initialise
from nets.looped import LoopedMLP
from nets.optim import get_optimizer
from nets.recipes import get_recipe
from nets.train import accuracy, train
from nets.types import Array, Weights
from nets.vector import VectorMLP


# ------------------------------------------------- the seed's experiment --
def forward_experiment(sizes: tuple[int, ...] = (100, 100, 50, 10), seed: int = 0, loop_seconds: float = 0.2,
                       matrix_seconds: float = 0.05) -> dict[str, float]:
    """The tutorial's timing: one sample forward through ``sizes`` (sigmoid), nested loops vs matrices
    (each repeat of the timing loops at least ``loop_seconds`` / ``matrix_seconds``)."""
    rng = np.random.default_rng(seed)
    weights = initialise("uniform", list(sizes), rng)
    x = rng.random(sizes[0])
    looped = LoopedMLP(list(sizes), "sigmoid", weights=weights)
    vector = VectorMLP(list(sizes), "sigmoid", weights=weights)
    diff = max_abs_diff(looped.nested_forward(x), vector.forward(x[None, :])[0])
    t_loop = timed(lambda: looped.nested_forward(x), repeat=3, min_seconds=loop_seconds)
    t_matrix = timed(lambda: vector.forward(x[None, :]), repeat=5, min_seconds=matrix_seconds)
    return {"looped_seconds": t_loop, "matrix_seconds": t_matrix, "speedup": t_loop / t_matrix, "max_diff": diff}


# ------------------------------------------------------- training runs --
def _bare_numpy_tutorial(X: Array, Y: Array, weights: Weights, iterations: int, alpha: float) -> list[Array]:
    """The tutorial's maths written directly in numpy (sigmoid 64-30-10, ½‖y - h‖², full batch): the anchor.

    Like the tutorial (and the trainer) it also evaluates the cost J every iteration.
    """
    (W1, b1), (W2, b2) = [(W.copy(), b.copy()) for W, b in weights]
    m = X.shape[0]
    costs = []
    for _ in range(iterations):
        h2 = 1.0 / (1.0 + np.exp(-(X @ W1.T + b1)))
        h3 = 1.0 / (1.0 + np.exp(-(h2 @ W2.T + b2)))
        costs.append(0.5 * np.sum((Y - h3) ** 2) / m)
        d3 = -(Y - h3) * h3 * (1.0 - h3) / m
        d2 = (d3 @ W2) * h2 * (1.0 - h2)
        W2 -= alpha * (d3.T @ h2)
        b2 -= alpha * d3.sum(axis=0)
        W1 -= alpha * (d2.T @ X)
        b1 -= alpha * d2.sum(axis=0)
    return [W1, b1, W2, b2]


def tutorial_run(iterations: int, seeds: list[int], looped_iterations: int = 2) -> dict[str, Any]:
    """The seed's digits run: ms per iteration (vectorised, looped, bare numpy) and test accuracy per seed."""
    recipe = get_recipe("tutorial")
    lr = float(recipe.optimizer_options["lr"])
    accuracies, vector_times, bare_times = [], [], []
    looped_time = 0.0
    with one_thread():  # for the bare loop and every engine alike
        for seed in seeds:
            data = load("digits", seed=seed)
            sizes = recipe.sizes(data.n_features, data.n_classes)
            weights = initialise(recipe.init, sizes, np.random.default_rng(seed))
            bare_iterations = min(iterations, 500)
            start = time.perf_counter()
            _bare_numpy_tutorial(data.X_train, data.Y_train, weights, bare_iterations, lr)
            bare_times.append((time.perf_counter() - start) / bare_iterations)
            net = make_engine("vector", sizes, recipe.activations, weights)
            history = train(net, data.X_train, data.Y_train, loss=recipe.loss, optimizer=recipe.optimizer, lr=lr,
                            epochs=iterations, track_accuracy=False, progress=False)
            vector_times.append(history.seconds / iterations)
            accuracies.append(accuracy(net.predict_output(data.X_test), data.Y_test))
            if seed == seeds[0]:
                looped = make_engine("looped", sizes, recipe.activations, weights)
                history = train(looped, data.X_train, data.Y_train, loss=recipe.loss, optimizer=recipe.optimizer, lr=lr,
                                epochs=looped_iterations, track_accuracy=False, progress=False)
                looped_time = history.seconds / looped_iterations
    vector = float(np.min(vector_times))  # best over the seeds for both: the least disturbed runs
    bare = float(np.min(bare_times))
    return {
        "iterations": iterations, "seeds": seeds, "test_accuracy": accuracies,
        "mean_test_accuracy": float(np.mean(accuracies)),
        "vector_seconds_per_iteration": vector, "looped_seconds_per_iteration": looped_time,
        "bare_numpy_seconds_per_iteration": bare,
        "speedup_vs_looped": looped_time / vector, "overhead_vs_bare_numpy": vector / bare,
    }


def _torch_epoch_seconds(X: Array, Y: Array, sizes: list[int], epochs: int, batch: int, seed: int) -> float:
    """PyTorch's idiomatic loop for the same run (float32, Linear/ReLU, cross_entropy, torch.optim.Adam)."""
    import torch

    torch.manual_seed(seed)
    layers: list[Any] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(np.argmax(Y, axis=1))
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=generator)
        for first in range(0, len(Xt), batch):
            rows = order[first:first + batch]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(Xt[rows]), yt[rows]).backward()  # type: ignore[no-untyped-call]
            optimizer.step()
    return (time.perf_counter() - start) / epochs


def modern_runs(epochs: int, seed: int = 0, target: float = 0.97) -> dict[str, Any]:
    """64-30-10 CE + Adam batch 32: epoch time vs PyTorch; time to ``target`` vs sklearn. One thread each."""
    try:
        import torch  # noqa: F401 - loaded first, so one_thread() pins its pool too
    except ImportError:
        pass
    with one_thread():
        return _modern_runs(epochs, seed, target)


def _modern_runs(epochs: int, seed: int, target: float) -> dict[str, Any]:
    data = load("digits", seed=seed)
    recipe = get_recipe("modern")
    sizes = [data.n_features, 30, data.n_classes]
    result: dict[str, Any] = {"sizes": sizes, "batch_size": 32, "epochs": epochs, "dtype": "float32"}
    # float32 like PyTorch's default, so both do the same arithmetic; best of three runs each
    timings = []
    for _ in range(3):
        fast = VectorMLP(sizes, recipe.activations, init="he", rng=seed, dtype=np.float32)
        history = train(fast, data.X_train, data.Y_train, loss=recipe.loss, optimizer="adam", lr=0.01,
                        epochs=epochs, batch_size=32, rng=seed, track_accuracy=False, progress=False)
        timings.append(history.seconds / epochs)
    result["vector_seconds_per_epoch"] = min(timings)
    if "torch" in sys.modules:
        result["torch_seconds_per_epoch"] = min(
            _torch_epoch_seconds(data.X_train, data.Y_train, sizes, epochs, 32, seed) for _ in range(3))
        result["speedup_vs_torch"] = result["torch_seconds_per_epoch"] / result["vector_seconds_per_epoch"]
    else:
        result["torch_seconds_per_epoch"] = None
    # time to target test accuracy, epoch by epoch (evaluation time included)
    net = make_engine("vector", [data.n_features, *recipe.hidden, data.n_classes], recipe.activations,
                      init=recipe.init, rng=seed)
    optimizer = get_optimizer("adam", **recipe.optimizer_options)
    generator = np.random.default_rng(seed)
    start, reached, test_acc, epoch = time.perf_counter(), None, 0.0, 0
    for epoch in range(1, 101):  # noqa: B007 - the epoch count is reported
        train(net, data.X_train, data.Y_train, loss=recipe.loss, optimizer=optimizer, epochs=1,
              batch_size=recipe.batch_size, rng=generator, track_accuracy=False, progress=False)
        test_acc = accuracy(net.predict_output(data.X_test), data.Y_test)
        if test_acc >= target:
            reached = time.perf_counter() - start
            break
    result.update({"target_accuracy": target, "vector_seconds_to_target": reached, "vector_epochs_to_target": epoch,
                   "vector_test_accuracy": test_acc})
    # like for like: scikit-learn's time to the same target, also epoch by epoch with its scoring timed
    sk = sklearn_time_to_accuracy(data.X_train, data.y_train, data.X_test, data.y_test, target, seed, hidden=(30,))
    result.update({"sklearn_seconds_to_target": sk["seconds"], "sklearn_epochs_to_target": sk["epochs"],
                   "sklearn_test_accuracy": sk["accuracy"]})
    if reached is not None and sk["seconds"] is not None:
        result["time_ratio_vs_sklearn"] = reached / sk["seconds"]
        result["epoch_cost_ratio_vs_sklearn"] = (reached / epoch) / (sk["seconds"] / sk["epochs"])
        result["epochs_ratio_vs_sklearn"] = epoch / sk["epochs"]
    return result
