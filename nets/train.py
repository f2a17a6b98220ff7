"""The training loop, the same for every engine (anything implementing :class:`nets.engines.Trainable`).

Each step takes a batch, asks the network for ``(loss, gradients)``, adds the
L2 penalty if any and lets the optimizer update the weights. ``batch_size=None``
is full-batch gradient descent (the seed tutorial's (1/m) Σ per-sample gradients);
an integer gives minibatches, shuffled every epoch unless ``shuffle=False``.
At every epoch end a schedule sets the learning rate, and the loop can stop
on a stall: scikit-learn's rule, ``n_iter_no_change`` epochs in a row in which
the training loss did not fall by ``tol`` (or, with a validation set, the
validation score did not rise by ``tol``; the best weights are then restored).
A :class:`History` records loss, accuracy, validation score, learning rate and,
with ``track_gradients=True``, per-layer gradient norms and update/weight ratios.
On runs expected to last more than a couple of seconds a tqdm progress bar with
ETA appears on stderr (``progress=True`` forces it, ``False`` silences it); in Jupyter it is the
notebook widget bar when ipywidgets is installed, the text bar otherwise (without tqdm's
"IProgress not found" warning).
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.std import tqdm as text_bar

from nets import compiled
from nets.compiled import check_kernels
from nets.engines import Trainable
from nets.losses import Loss, get_loss
from nets.network_checks import all_finite
from nets.optim import (
    Adam,
    Adaptive,
    L2Penalty,
    Optimizer,
    Schedule,
    Segment,
    get_optimizer,
    get_schedule,
    weight_segments,
)
from nets.types import Array, Weights
from nets.vector import VectorMLP

AUTO_PROGRESS_SECONDS = 2.0


@dataclass
class History:
    """Per-epoch records of one call of :func:`train`."""

    loss: list[float] = field(default_factory=list)  # mean loss over the epoch's rows (L2 penalty included)
    # training accuracy over the epoch: each batch scored by its own step's forward pass (before that step's
    # update, as Keras reports it), so tracking it costs no extra pass over the data
    accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    validation_score: list[float] = field(default_factory=list)  # accuracy or R² on the validation rows
    learning_rate: list[float] = field(default_factory=list)  # the rate used during the epoch
    # with track_gradients: one row per epoch, one column per layer l (W[l] only)
    gradient_norms: list[list[float]] = field(default_factory=list)  # mean over the epoch's steps of ‖∂J/∂W[l]‖
    update_ratios: list[list[float]] = field(default_factory=list)  # mean over the steps of ‖ΔW[l]‖ / ‖W[l]‖
    stop_reason: str = ""  # why training stopped before the epochs asked for ("" if it did not)
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.loss)


@dataclass
class TrainingState:
    """What outlives one call of :func:`train`: pass the same object again to continue a run."""

    epochs: int = 0  # epochs done
    seen: int = 0  # training rows seen (scikit-learn's t_)
    lr0: float | None = None  # the schedule's base rate (divided by the adaptive schedule on stalls)
    best_loss: float = math.inf
    best_score: float = -math.inf
    no_improvement: int = 0  # epochs in a row without an improvement of tol
    best_weights: Weights | None = None  # with a validation set: the weights of the best score


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


def r2(outputs: Array, Y: Array) -> float:
    """Coefficient of determination R² = 1 - Σ(y - h)²/Σ(y - ȳ)² per output, averaged over the outputs.

    A constant target column scores 1 if predicted exactly, else 0 (scikit-learn's ``r2_score`` does the same).
    """
    out, T = np.asarray(outputs, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    out, T = (out[:, None] if out.ndim == 1 else out), (T[:, None] if T.ndim == 1 else T)
    if out.shape != T.shape:
        raise ValueError(f"r2: outputs have shape {out.shape}, targets {T.shape}")
    residual = np.sum((T - out) ** 2, axis=0)
    spread = np.sum((T - T.mean(axis=0)) ** 2, axis=0)
    safe = np.where(spread > 0, spread, 1.0)
    scores = np.where(spread > 0, 1.0 - residual / safe, np.where(residual == 0, 1.0, 0.0))
    return float(np.mean(scores))


SCORES: dict[str, Callable[[Array, Array], float]] = {"accuracy": accuracy, "r2": r2}
"""Validation score name → ``score(outputs, Y)`` (higher is better)."""


class GradientTracker:
    """Per-layer ‖∂J/∂W[l]‖ and ‖ΔW[l]‖/‖W[l]‖ at every step, averaged per epoch."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments = list(segments)
        self._reset()

    def _reset(self) -> None:
        n = len(self.segments)
        self.steps, self.norms, self.ratios = 0, [0.0] * n, [0.0] * n
        self._before: list[Array] = []

    def _pieces(self, arrays: Sequence[Array]) -> list[Array]:
        return [arrays[i].reshape(-1)[start:stop] for i, start, stop in self.segments]

    def before_update(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        for k, g in enumerate(self._pieces(grads)):
            self.norms[k] += math.sqrt(float(np.dot(g, g)))
        self._before = [w.copy() for w in self._pieces(params)]

    def after_update(self, params: Sequence[Array]) -> None:
        for k, (new, old) in enumerate(zip(self._pieces(params), self._before, strict=True)):
            size = math.sqrt(float(np.dot(old, old)))
            change = new - old
            self.ratios[k] += math.sqrt(float(np.dot(change, change))) / size if size > 0 else math.inf
        self.steps += 1

    def epoch_end(self, history: History) -> None:
        history.gradient_norms.append([s / self.steps for s in self.norms])
        history.update_ratios.append([s / self.steps for s in self.ratios])
        self._reset()


def _classes(outputs: Array, threshold: float, out: Any = None) -> Any:
    """The class :func:`accuracy` reads from each row: argmax for several outputs, else output > threshold."""
    if outputs.shape[1] > 1:
        return outputs.argmax(axis=1, out=out)
    return np.greater(outputs[:, 0], threshold, out=out)


def _stepper(
    net: Trainable, criterion: Loss, optimizer: Optimizer, penalty: L2Penalty | None, tracker: GradientTracker | None,
) -> Callable[[Array, Array], float]:
    """One training step on a batch: gradients (+ L2), the optimizer's update; returns the batch loss."""
    arrays = net.train_arrays()

    def step(X: Array, Y: Array) -> float:
        value, grads = net.train_gradients(X, Y, criterion)
        if not math.isfinite(value):
            raise FloatingPointError(f"train: the {criterion.name} loss became {value}; lower the lr")
        if penalty is not None:
            value += penalty.apply(arrays, grads, X.shape[0])
        if tracker is not None:
            tracker.before_update(arrays, grads)
        optimizer.step(arrays, grads)
        net.train_arrays_changed()
        if tracker is not None:
            tracker.after_update(arrays)
        return float(value)

    return step


def progress_bar_class() -> Any:
    """tqdm.auto's choice (the widget bar in Jupyter) when ipywidgets is installed, else the text bar: tqdm.auto
    would fall back to it too, after warning "IProgress not found" on import."""
    try:
        has_widgets = importlib.util.find_spec("ipywidgets") is not None
    except ValueError:  # in sys.modules without a spec: loaded some other way, so present
        has_widgets = True
    if not has_widgets:
        return text_bar
    from tqdm.auto import tqdm  # only with ipywidgets: it looks for a Jupyter kernel and picks the widget bar there

    return tqdm


def _bar(total: int, desc: str) -> Any:
    return progress_bar_class()(total=total, desc=desc, unit="step", dynamic_ncols=True, leave=True)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float)) or int(value) != value or value < 1:
        raise ValueError(f"train: {name} must be a positive integer, got {value!r}")
    return int(value)


def split_validation(
    X: Array, Y: Array, fraction: float, rng: np.random.Generator, stratify: bool
) -> tuple[Array, Array, Array, Array]:
    """(X_train, Y_train, X_val, Y_val): ⌈fraction·m⌉ rows held out at random, stratified by class when asked.

    Stratified, each class gives its share of the validation rows (largest remainders get the
    rounding); the class of a row is the argmax of its one-hot target (or its single target value).
    """
    if not (isinstance(fraction, (int, float)) and 0.0 < fraction < 1.0):
        raise ValueError(f"train: validation_fraction must be in (0, 1), got {fraction!r}")
    m = X.shape[0]
    n_val = math.ceil(fraction * m)
    if n_val < 2 or n_val >= m:
        raise ValueError(f"train: validation_fraction={fraction} of {m} rows leaves {n_val} validation rows and "
                         f"{m - n_val} training rows; both need at least 2 and 1: change validation_fraction "
                         "or give more rows")
    if stratify:
        labels = np.argmax(Y, axis=1) if Y.shape[1] > 1 else Y[:, 0]
        classes, counts = np.unique(labels, return_counts=True)
        share = n_val * counts / m
        take = np.floor(share).astype(int)
        take[np.argsort(take - share, kind="stable")[: n_val - take.sum()]] += 1
        held = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take)])
    else:
        held = rng.permutation(m)[:n_val]
    kept = np.ones(m, dtype=bool)
    kept[held] = False
    return X[kept], Y[kept], X[held], Y[held]


def train(
    net: Trainable,
    X: Array,
    Y: Array,
    *,
    loss: str | Loss,
    optimizer: Optimizer | str = "sgd",
    lr: float | None = None,
    epochs: int = 1,
    batch_size: int | None = None,
    rng: np.random.Generator | int | None = 0,
    shuffle: bool = True,
    l2: float = 0.0,
    schedule: Schedule | str = "constant",
    validation: tuple[Array, Array] | None = None,
    validation_fraction: float = 0.0,
    stratify: bool = False,
    score: str = "accuracy",
    n_iter_no_change: int | None = None,
    tol: float = 1e-4,
    track_gradients: bool = False,
    state: TrainingState | None = None,
    X_test: Array | None = None,
    Y_test: Array | None = None,
    track_accuracy: bool = True,
    kernels: str | None = None,
    progress: bool | None = None,
    verbose: bool = False,
    desc: str = "training",
) -> History:
    """Train ``net`` on (X, Y) for up to ``epochs`` passes; returns the :class:`History`.

    ``l2``: scikit-learn's ``alpha`` (:class:`nets.optim.L2Penalty`); ``schedule``: a name from
    :data:`nets.optim.SCHEDULES` or a :class:`nets.optim.Schedule`; ``validation`` rows, or
    ``validation_fraction`` of (X, Y) held out (``stratify``: by class), scored with ``score``
    ("accuracy" or "r2") after every epoch; ``n_iter_no_change``/``tol``: the stall rule above
    (None: never stop early; the ``adaptive`` schedule needs it). ``state``: continue a run.
    ``kernels``: "numpy" (the reference); "numba": the loss's batch mean, Adam's update and a
    :class:`~nets.vector.VectorMLP`'s backward δ steps as compiled loops (:mod:`nets.compiled`, compiled
    before the clock starts); "numba+mkl": those, and the VectorMLP's large matrix products by MKL
    (:mod:`nets.mkl_products`). The given Adam and VectorMLP are switched to that set. None (the default):
    each as it is set (numpy unless asked otherwise).
    """
    X, Y = np.asarray(X), np.asarray(Y)
    if np.issubdtype(X.dtype, np.number) and np.issubdtype(Y.dtype, np.number):  # the engine's float type, once
        X, Y = X.astype(net.dtype, copy=False), Y.astype(net.dtype, copy=False)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"train: X must be a non-empty (m, n) array, got shape {X.shape}")
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"train: Y has {Y.shape[0]} rows, X has {X.shape[0]}")
    for name, array in (("X", X), ("Y", Y)):
        if not np.issubdtype(array.dtype, np.number) or not all_finite(array):
            raise ValueError(f"train: {name} must be numbers without NaN or infinity")
    epochs = _positive_int("epochs", epochs)
    if batch_size is not None:
        batch_size = _positive_int("batch_size", batch_size)
    if n_iter_no_change is not None:
        n_iter_no_change = _positive_int("n_iter_no_change", n_iter_no_change)
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise ValueError(f"train: tol must be a finite number >= 0, got {tol!r}")
    scorer = SCORES.get(score)
    if scorer is None:
        raise ValueError(f"train: unknown score {score!r}; known: {', '.join(SCORES)}")
    rule = get_schedule(schedule)
    if isinstance(rule, Adaptive) and n_iter_no_change is None:
        raise ValueError("train: the adaptive schedule divides the rate when the loss stalls; "
                         "give n_iter_no_change (scikit-learn's default is 10)")
    criterion = get_loss(loss)
    if kernels is not None:
        criterion = criterion.with_kernels(check_kernels(kernels, "train"))
    if isinstance(optimizer, str):
        optimizer = get_optimizer(optimizer, **({} if lr is None else {"lr": lr}))
    if kernels is not None:
        if isinstance(optimizer, Adam):
            optimizer.kernel = kernels
        if isinstance(net, VectorMLP):
            net.kernels = kernels
        if kernels != "numpy":  # the first call of each kernel compiles: done here, not in the timed epochs
            compiled.prepare(net.dtype, net.activations if isinstance(net, VectorMLP) else [])
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if validation_fraction:
        if validation is not None:
            raise ValueError("train: give validation rows or validation_fraction, not both")
        X, Y, X_val, Y_val = split_validation(X, Y, validation_fraction, generator, stratify)
        validation = (X_val, Y_val)
    elif validation is not None:
        X_val, Y_val = (np.asarray(a, dtype=net.dtype) for a in validation)
        validation = (X_val, Y_val if Y_val.ndim == 2 else Y_val[:, None])
    state = TrainingState() if state is None else state
    if state.lr0 is None:
        state.lr0 = optimizer.lr
    needs_layout = l2 > 0 or track_gradients
    segments = weight_segments(net.sizes, [a.shape for a in net.train_arrays()]) if needs_layout else []
    penalty = L2Penalty(l2, segments) if l2 else None
    tracker = GradientTracker(segments) if track_gradients else None
    step = _stepper(net, criterion, optimizer, penalty, tracker)
    threshold = 0.0 if Y.shape[1] == 1 and Y.min() < 0 else 0.5  # accuracy()'s rule for one output
    labels = _classes(Y, threshold)  # each step writes its rows' predicted classes; compared once per epoch
    predicted = np.empty_like(labels)
    m = X.shape[0]
    size = m if batch_size is None else min(batch_size, m)
    n_batches = -(-m // size)
    total = epochs * n_batches
    last_epoch = state.epochs + epochs
    history = History()
    bar = _bar(total, desc) if progress else None
    start = time.perf_counter()
    done = 0
    try:
        for _ in range(epochs):
            # one shuffle per epoch, as row indices: each minibatch gathers its own rows (X itself is never
            # copied whole: the batch just gathered is still in cache when the step reads it)
            order = generator.permutation(m) if shuffle and size < m else None
            history.learning_rate.append(optimizer.lr)
            total_loss = 0.0
            for first in range(0, m, size):
                if order is None:
                    Xb, Yb = X[first:first + size], Y[first:first + size]
                else:
                    rows = order[first:first + size]
                    Xb, Yb = X.take(rows, axis=0), Y.take(rows, axis=0)
                total_loss += step(Xb, Yb) * Xb.shape[0]
                if track_accuracy:
                    _classes(net.train_outputs(), threshold, out=predicted[first:first + size])
                done += 1
                if bar is not None:
                    bar.update(1)
                elif progress is None and done == 1:
                    elapsed = time.perf_counter() - start
                    if elapsed * total > AUTO_PROGRESS_SECONDS:
                        bar = _bar(total, desc)
                        bar.start_t -= elapsed  # count the first step's time, so the ETA shows at once
                        bar.update(1)
            history.loss.append(total_loss / m)
            state.epochs += 1
            state.seen += m
            if tracker is not None:
                tracker.epoch_end(history)
            if track_accuracy:
                truth = labels if order is None else labels.take(order)
                history.accuracy.append(np.count_nonzero(predicted == truth) / m)
                if X_test is not None and Y_test is not None:
                    history.test_accuracy.append(accuracy(net.predict_output(X_test), Y_test))
            if validation is not None:
                history.validation_score.append(scorer(net.predict_output(validation[0]), validation[1]))
            if verbose:
                shown = f", validation score = {history.validation_score[-1]:.8f}" if validation is not None else ""
                print(f"Iteration {state.epochs}, loss = {history.loss[-1]:.8f}{shown}")
            _count_stall(state, history, net, validation is not None, tol)
            optimizer.lr = rule.rate(state.lr0, state.epochs, state.seen, last_epoch)
            if bar is not None:
                bar.set_postfix({"loss": f"{history.loss[-1]:.4g}"}, refresh=False)
            if n_iter_no_change is not None and state.no_improvement > n_iter_no_change:
                watched = "Validation score" if validation is not None else "Training loss"
                reason = f"{watched} did not improve more than tol={tol:f} for {n_iter_no_change} consecutive epochs."
                lowered = rule.stalled(optimizer.lr) if isinstance(rule, Adaptive) else None
                if lowered is None:
                    history.stop_reason = reason
                    if verbose:
                        print(f"{reason} Stopping.")
                    break
                state.lr0 = optimizer.lr = lowered
                state.no_improvement = 0
                if verbose:
                    print(f"{reason} Setting learning rate to {lowered:f}")
    finally:
        if bar is not None:
            bar.close()
    if validation is not None and state.best_weights is not None:
        net.set_weights(state.best_weights)  # the weights of the best validation score, as scikit-learn
    history.seconds = time.perf_counter() - start
    return history


def _count_stall(state: TrainingState, history: History, net: Trainable, validating: bool, tol: float) -> None:
    """scikit-learn's stall count: +1 for an epoch without an improvement of ``tol``, else back to 0."""
    if validating:
        last = history.validation_score[-1]
        state.no_improvement = state.no_improvement + 1 if last < state.best_score + tol else 0
        if last > state.best_score:
            state.best_score = last
            state.best_weights = net.get_weights()
    else:
        last = history.loss[-1]
        state.no_improvement = state.no_improvement + 1 if last > state.best_loss - tol else 0
        state.best_loss = min(state.best_loss, last)
