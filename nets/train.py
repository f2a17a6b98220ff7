"""The training loop, the same for every engine (anything implementing :class:`nets.types.Network`).

Each step takes a batch, asks the network for ``(loss, gradients)`` and lets the
optimizer update the weights. ``batch_size=None`` is full-batch gradient
descent (the seed tutorial's (1/m) Σ per-sample gradients); an integer gives
shuffled minibatches. A :class:`History` records the loss and accuracy per epoch.
On runs expected to last more than a couple of seconds a tqdm progress bar with
ETA appears on stderr (``progress=True`` forces it, ``False`` silences it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nets.losses import get_loss
from nets.optim import Optimizer, flatten, get_optimizer
from nets.types import Array, Network

AUTO_PROGRESS_SECONDS = 2.0


@dataclass
class History:
    """Per-epoch records of a training run."""

    loss: list[float] = field(default_factory=list)  # mean of the batch losses in the epoch
    accuracy: list[float] = field(default_factory=list)  # training accuracy after the epoch
    test_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.loss)


def accuracy(outputs: Array, Y: Array) -> float:
    """Fraction of rows classified right: argmax for several outputs; one output: sign for ±1 targets, else 0.5."""
    out, T = np.asarray(outputs), np.asarray(Y)
    if out.ndim == 1:
        out = out[:, None]
    if T.ndim == 1:
        T = T[:, None]
    if out.shape != T.shape:
        raise ValueError(f"accuracy: outputs have shape {out.shape}, targets {T.shape}")
    if T.shape[1] > 1:
        return float(np.mean(np.argmax(out, axis=1) == np.argmax(T, axis=1)))
    threshold = 0.0 if T.min() < 0 else 0.5
    return float(np.mean((out[:, 0] > threshold) == (T[:, 0] > threshold)))


Step = Callable[[list[Array], list[Array]], None]


def _stepper(net: Network, loss: str, optimizer: Optimizer) -> Callable[[Array, Array], float]:
    """One training step on a batch: gradients, then the optimizer's update; returns the batch loss.

    Engines with one flat parameter array (``flat_parameters``/``loss_and_flat_gradient``,
    the vectorised engine) are updated in a single call; engines with live arrays
    (``parameter_arrays``) in place; any other engine through get/set_weights.
    The data were checked once by :func:`train`, so the flat path skips the per-step checks.
    """
    flat = getattr(net, "flat_parameters", None)
    flat_gradient = getattr(net, "loss_and_flat_gradient", None)
    live = getattr(net, "parameter_arrays", None)
    criterion = get_loss(loss)  # looked up once, not at every step

    def step(X: Array, Y: Array) -> float:
        if flat is not None and flat_gradient is not None:
            value, grad = flat_gradient(X, Y, criterion, trusted=True, reuse=True)  # used at once
            _finite(value, loss)
            optimizer.step([flat()], [grad])
            return float(value)
        value, grads = net.loss_and_gradients(X, Y, loss)
        _finite(value, loss)
        if live is not None:
            optimizer.step(live(), flatten(grads))
        else:
            weights = net.get_weights()
            optimizer.step(flatten(weights), flatten(grads))
            net.set_weights(weights)
        return value

    return step


def _finite(value: float, loss: str) -> None:
    if not math.isfinite(value):
        raise FloatingPointError(f"train: the {loss} loss became {value}; lower the lr")


def _bar(total: int, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="step", dynamic_ncols=True, leave=True)


def train(
    net: Network,
    X: Array,
    Y: Array,
    *,
    loss: str,
    optimizer: Optimizer | str = "sgd",
    lr: float | None = None,
    epochs: int = 1,
    batch_size: int | None = None,
    rng: np.random.Generator | int | None = 0,
    X_test: Array | None = None,
    Y_test: Array | None = None,
    track_accuracy: bool = True,
    progress: bool | None = None,
    desc: str = "training",
) -> History:
    """Train ``net`` on (X, Y) for ``epochs`` passes; returns the :class:`History`."""
    X, Y = np.asarray(X), np.asarray(Y)
    dtype = getattr(net, "dtype", None)  # an engine with one float type (float32 VectorMLP) gets its data in it once
    if dtype is not None and np.issubdtype(X.dtype, np.number) and np.issubdtype(Y.dtype, np.number):
        X, Y = X.astype(dtype, copy=False), Y.astype(dtype, copy=False)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"train: X must be a non-empty (m, n) array, got shape {X.shape}")
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"train: Y has {Y.shape[0]} rows, X has {X.shape[0]}")
    for name, array in (("X", X), ("Y", Y)):
        if not np.issubdtype(array.dtype, np.number) or not np.all(np.isfinite(array)):
            raise ValueError(f"train: {name} must be numbers without NaN or infinity")
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"train: epochs must be a positive integer, got {epochs!r}")
    m = X.shape[0]
    if batch_size is not None and (int(batch_size) != batch_size or batch_size < 1):
        raise ValueError(f"train: batch_size must be a positive integer or None (full batch), got {batch_size!r}")
    size = m if batch_size is None else min(int(batch_size), m)
    if isinstance(optimizer, str):
        optimizer = get_optimizer(optimizer, **({} if lr is None else {"lr": lr}))
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    step = _stepper(net, loss, optimizer)
    n_batches = -(-m // size)
    total = epochs * n_batches
    history = History()
    bar = _bar(total, desc) if progress else None
    start = time.perf_counter()
    done = 0
    try:
        for _ in range(epochs):
            # one shuffle per epoch; each minibatch is then a slice (a view) of the shuffled rows
            order = generator.permutation(m) if size < m else None
            X_epoch, Y_epoch = (X, Y) if order is None else (X.take(order, axis=0), Y.take(order, axis=0))
            losses = []
            for first in range(0, m, size):
                losses.append(step(X_epoch[first:first + size], Y_epoch[first:first + size]))
                done += 1
                if bar is not None:
                    bar.update(1)
                elif progress is None and done == 1:
                    elapsed = time.perf_counter() - start
                    if elapsed * total > AUTO_PROGRESS_SECONDS:
                        bar = _bar(total, desc)
                        bar.start_t -= elapsed  # count the first step's time, so the ETA shows at once
                        bar.update(1)
            history.loss.append(sum(losses) / len(losses))
            if track_accuracy:
                history.accuracy.append(accuracy(net.predict_output(X), Y))
                if X_test is not None and Y_test is not None:
                    history.test_accuracy.append(accuracy(net.predict_output(X_test), Y_test))
            if bar is not None:
                shown = {"loss": f"{history.loss[-1]:.4g}"}
                if history.accuracy:
                    shown["acc"] = f"{history.accuracy[-1]:.3f}"
                bar.set_postfix(shown, refresh=False)
    finally:
        if bar is not None:
            bar.close()
    history.seconds = time.perf_counter() - start
    return history
