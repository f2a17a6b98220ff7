"""Measurements behind ``autonode compare``: engines side by side from the same weights.

:func:`engine_rows` runs every available engine (scalar node by node, scalar
fused, looped, vectorised, micrograd, PyTorch) on one batch and reports max |Δ|
of outputs and gradients against the vectorised engine plus timings.
:func:`forward_experiment` is the seed tutorial's 100-100-50-10 looped vs matrix
forward pass; :func:`training_benchmarks` times whole training runs.
Figures only: nothing here asserts a speed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nets.types import Array, Weights


@dataclass
class EngineRow:
    """One engine's figures; ``note`` says why a figure is missing or estimated."""

    engine: str
    max_output_diff: float | None = None
    max_gradient_diff: float | None = None
    seconds_per_sample: float | None = None
    seconds_per_epoch: float | None = None
    epoch_estimated: bool = False
    speedup: float | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def timed(fn: Callable[[], Any], repeat: int = 3, min_seconds: float = 0.05) -> float:
    """Best-of-``repeat`` seconds per call of ``fn`` (each repeat loops until ``min_seconds``)."""
    best = float("inf")
    for _ in range(repeat):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        best = min(best, elapsed / calls)
    return best


def blas_kernel() -> str:
    """numpy's BLAS as the timings saw it: library, version, CPU kernel, and an OPENBLAS_CORETYPE override if set."""
    import os

    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not pools:
        return "no BLAS found"
    pool = pools[0]
    text = f"{pool.get('internal_api', '')} {pool.get('version') or ''}".strip()
    if pool.get("architecture"):
        text += f", {pool['architecture']} kernel"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    return text + (f" (chosen by OPENBLAS_CORETYPE={forced} in the environment)" if forced else "")


@contextmanager
def one_thread() -> Iterator[None]:
    """Every timing on one thread: numpy's BLAS and, when it is loaded, PyTorch's intra-op pool.

    Same thread count for every engine, and steady figures on a small, busy machine
    (these matrices are too small for a second thread to pay off).
    """
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=1):
        if torch is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None and threads is not None:
                torch.set_num_threads(threads)


def _max_diff(a: Any, b: Any) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def _grad_diff(g: Weights, ref: Weights) -> float:
    return max(max(_max_diff(dW, rW), _max_diff(db, rb)) for (dW, db), (rW, rb) in zip(g, ref, strict=True))


# ------------------------------------------------------------ micrograd --
def _call(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: fn(*args)


def micrograd_supports(activations: list[str], loss: str) -> str:
    """'' when micrograd can run this net and loss, else the reason it cannot."""
    if any(a != "relu" for a in activations[:-1]) or activations[-1] != "identity":
        return "micrograd's MLP has relu hidden layers and a linear output only"
    if loss not in ("half_sse", "sse", "mse", "hinge"):
        return f"micrograd's Value has no exp/log for {loss}"
    return ""


def micrograd_loss_and_gradients(weights: Weights, X: Array, Y: Array, loss: str) -> tuple[Array, float, Weights]:
    """Outputs, mean loss and gradients from ``micrograd.nn.MLP`` with ``weights`` copied in."""
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MicroMLP

    sizes = [weights[0][0].shape[1]] + [W.shape[0] for W, _ in weights]
    model = MicroMLP(sizes[0], sizes[1:])
    for layer, (W, b) in zip(model.layers, weights, strict=True):
        for i, neuron in enumerate(layer.neurons):
            for j, w in enumerate(neuron.w):
                w.data = float(W[i, j])
            neuron.b.data = float(b[i])
    total = MValue(0.0)
    outputs = []
    for x, y in zip(X, Y, strict=True):
        out = model([MValue(float(v)) for v in x])
        h = out if isinstance(out, list) else [out]
        outputs.append([v.data for v in h])
        if loss == "hinge":
            terms = [(1 + -float(t) * hk).relu() for hk, t in zip(h, y, strict=True)]
        else:
            terms = [(hk - float(t)) ** 2 for hk, t in zip(h, y, strict=True)]
        sample = sum(terms[1:], terms[0])
        scale = {"half_sse": 0.5, "mse": 1.0 / len(h)}.get(loss, 1.0)
        total = total + sample * scale
    J = total * (1.0 / len(X))
    model.zero_grad()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))  # micrograd's topological sort is recursive
    try:
        J.backward()
    finally:
        sys.setrecursionlimit(limit)
    grads = [
        (np.array([[w.grad for w in n.w] for n in layer.neurons]), np.array([n.b.grad for n in layer.neurons]))
        for layer in model.layers
    ]
    return np.array(outputs), J.data, grads


# ------------------------------------------------------------------ torch --
def torch_loss_and_gradients(
    weights: Weights, activations: list[str], X: Array, Y: Array, loss: str
) -> tuple[Array, float, Weights, Callable[[], Any]]:
    """Outputs, loss, gradients from the exported ``torch.nn.Sequential`` (float64) and a step closure."""
    import torch

    from nets.torch_bridge import to_torch, torch_loss
    from nets.vector import VectorMLP

    model = to_torch(VectorMLP([weights[0][0].shape[1]] + [W.shape[0] for W, _ in weights], activations,
                               weights=weights))
    trunk = model[:-1] if activations[-1] == "softmax" else model
    Xt, Yt = torch.as_tensor(X), torch.as_tensor(Y)

    def run() -> Any:
        model.zero_grad()
        value = torch_loss(loss, trunk(Xt), Yt)
        value.backward()
        return value

    value = run()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    grads = [(_numpy(lin.weight.grad), _numpy(lin.bias.grad)) for lin in linears]
    with torch.no_grad():
        outputs = model(Xt).numpy()
    return outputs, float(value.item()), grads, run


def _numpy(tensor: Any) -> Array:
    if tensor is None:
        raise RuntimeError("torch produced no gradient for a parameter")
    out: Array = tensor.detach().numpy().copy()
    return out


# ------------------------------------------------------------ the table --
def engine_rows(
    sizes: list[int],
    activations: list[str],
    weights: Weights,
    X: Array,
    Y: Array,
    loss: str,
    engines: list[str],
    X_epoch: Array,
    Y_epoch: Array,
    tick: Callable[[str], None] = lambda name: None,
) -> list[EngineRow]:
    """Every engine on batch (X, Y) from ``weights``: differences vs vectorised, times per sample and epoch.

    Time per sample: forward + backward over (X, Y), divided by its rows. Time per
    epoch: one full-batch forward + backward over (X_epoch, Y_epoch), measured for
    the array engines, estimated as rows × time per sample for the per-node ones.
    """
    epoch_rows = X_epoch.shape[0]
    from nets.engines import make_engine

    reference = make_engine("vector", sizes, activations, weights)
    ref_out = reference.predict_output(X)
    _, ref_grads = reference.loss_and_gradients(X, Y, loss)
    m = X.shape[0]
    rows: list[EngineRow] = []
    if "pytorch" in engines:
        try:
            import torch  # noqa: F401 - loaded first, so one_thread() pins its pool too
        except ImportError:
            pass
    with one_thread():
        for name in engines:
            tick(name)
            row = EngineRow(name)
            try:
                if name == "micrograd":
                    reason = micrograd_supports(activations, loss)
                    if reason:
                        row.note = reason
                        rows.append(row)
                        continue
                    start = time.perf_counter()
                    out, _, grads = micrograd_loss_and_gradients(weights, X, Y, loss)
                    row.seconds_per_sample = (time.perf_counter() - start) / m
                    row.seconds_per_epoch, row.epoch_estimated = row.seconds_per_sample * epoch_rows, True
                elif name == "pytorch":
                    import torch

                    out, _, grads, step = torch_loss_and_gradients(weights, activations, X, Y, loss)
                    row.seconds_per_sample = timed(step) / m
                    epoch_step = torch_loss_and_gradients(weights, activations, X_epoch, Y_epoch, loss)[3]
                    row.seconds_per_epoch = timed(epoch_step)
                    row.note = f"float64, {torch.get_num_threads()} thread(s)"
                else:
                    net = make_engine(name, sizes, activations, weights)
                    out = net.predict_output(X)
                    per_node = name.startswith("scalar")
                    if per_node:
                        start = time.perf_counter()
                        _, grads = net.loss_and_gradients(X, Y, loss)
                        row.seconds_per_sample = (time.perf_counter() - start) / m
                        row.seconds_per_epoch, row.epoch_estimated = row.seconds_per_sample * epoch_rows, True
                    else:
                        _, grads = net.loss_and_gradients(X, Y, loss)
                        row.seconds_per_sample = timed(_call(net.loss_and_gradients, X, Y, loss)) / m
                        row.seconds_per_epoch = timed(_call(net.loss_and_gradients, X_epoch, Y_epoch, loss), repeat=2)
                row.max_output_diff = _max_diff(out, ref_out)
                row.max_gradient_diff = _grad_diff(grads, ref_grads)
            except ImportError as error:
                row.note = f"not installed ({error.name})"
            rows.append(row)
    slowest = max((r.seconds_per_epoch for r in rows if r.seconds_per_epoch), default=None)
    for r in rows:
        if slowest and r.seconds_per_epoch:
            r.speedup = slowest / r.seconds_per_epoch
    return rows


# ------------------------------------------------- the seed's experiment --
def forward_experiment(sizes: tuple[int, ...] = (100, 100, 50, 10), seed: int = 0) -> dict[str, float]:
    """The tutorial's timing: one sample forward through ``sizes`` (sigmoid), nested loops vs matrices."""
    from nets.init import initialise
    from nets.looped import LoopedMLP
    from nets.vector import VectorMLP

    rng = np.random.default_rng(seed)
    weights = initialise("uniform", list(sizes), rng)
    x = rng.random(sizes[0])
    looped = LoopedMLP(list(sizes), "sigmoid", weights=weights)
    vector = VectorMLP(list(sizes), "sigmoid", weights=weights)
    diff = _max_diff(looped.nested_forward(x), vector.forward(x[None, :])[0])
    t_loop = timed(lambda: looped.nested_forward(x), repeat=3, min_seconds=0.2)
    t_matrix = timed(lambda: vector.forward(x[None, :]), repeat=5, min_seconds=0.05)
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
    from nets.datasets import load
    from nets.engines import make_engine
    from nets.init import initialise
    from nets.recipes import get_recipe
    from nets.train import accuracy, train

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
    from nets.datasets import load
    from nets.engines import make_engine
    from nets.optim import get_optimizer
    from nets.recipes import get_recipe
    from nets.train import accuracy, train
    from nets.vector import VectorMLP

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
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier as SkMLP

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        sk = SkMLP(hidden_layer_sizes=(30,), random_state=seed).fit(data.X_train, data.y_train)
        result["sklearn_fit_seconds"] = time.perf_counter() - start
    result["sklearn_test_accuracy"] = float(sk.score(data.X_test, data.y_test))
    if reached is not None:
        result["time_ratio_vs_sklearn"] = reached / result["sklearn_fit_seconds"]
    return result
