"""The digits runs the report shows: two recipes trained, a spread over random seeds, the per-node engine beside.

* :func:`train_recipe` trains a recipe of :mod:`nets.recipes` with the vectorised engine on
  scikit-learn's 8×8 digits (:func:`nets.datasets.load`: 60/40 split, standardised), in
  ``chunks`` so the test accuracy is sampled along the way without evaluating it after
  every one of the tutorial's 3000 iterations.
* :func:`seed_spread` trains the tutorial recipe once per random seed (each seed its own
  split and initial weights) in worker processes, one per core, and returns each test accuracy.
* :func:`per_node_vs_vector` trains both recipes for a few epochs with the per-node engine
  and the vectorised one from the same weights and minibatch order.

All training runs on one BLAS thread: on matrices this small more threads only add
synchronisation (many times slower on a busy 2-core machine).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from nets.datasets import Dataset, load
from nets.engines import make_engine
from nets.optim import get_optimizer
from nets.recipes import Recipe, get_recipe
from nets.train import accuracy, train
from nets.types import Network, Weights

RECIPES = ("tutorial", "modern")
CHUNKS = 30
TUTORIAL_ACCURACY = 0.86  # what the tutorial reports for its recipe on digits ("86%")
PER_NODE_EPOCHS = {"tutorial": 10, "modern": 2}
PER_NODE_ENGINES = ("scalar-fused", "vector")


@dataclass
class RecipeRun:
    """One recipe's run: the network, its per-epoch losses, test accuracy sampled after ``accuracy_epochs``."""

    recipe: Recipe
    net: Network
    epochs: int
    loss: list[float] = field(default_factory=list)
    accuracy_epochs: list[int] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0
    predictions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def final_accuracy(self) -> float:
        return self.test_accuracy[-1]


def chunks(epochs: int, most: int = CHUNKS) -> list[int]:
    """``epochs`` split into at most ``most`` nearly equal runs."""
    n = min(most, epochs)
    return [epochs // n + (1 if k < epochs % n else 0) for k in range(n)]


def train_recipe(name: str, data: Dataset, seed: int = 0, epochs: int | None = None,
                 on_chunk: Callable[[int, int], None] = lambda done, total: None) -> RecipeRun:
    """Train recipe ``name`` on ``data`` (vectorised engine, weights and batches from ``seed``).

    ``epochs`` defaults to the recipe's; ``on_chunk(epochs done, epochs in all)`` is called
    after each chunk, when the test accuracy has been sampled.
    """
    recipe = get_recipe(name)
    total = int(recipe.epochs) if epochs is None else int(epochs)
    net = make_engine("vector", recipe.sizes(data.n_features, data.n_classes), recipe.activations,
                      init=recipe.init, rng=seed)
    optimizer = get_optimizer(recipe.optimizer, **recipe.optimizer_options)
    rng = np.random.default_rng(seed)
    run = RecipeRun(recipe, net, total)
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        for chunk in chunks(total):
            history = train(net, data.X_train, data.Y_train, loss=recipe.loss, optimizer=optimizer, epochs=chunk,
                            batch_size=recipe.batch_size, rng=rng, track_accuracy=False, progress=False)
            run.loss.extend(history.loss)
            run.accuracy_epochs.append(run.accuracy_epochs[-1] + chunk if run.accuracy_epochs else chunk)
            run.test_accuracy.append(accuracy(net.predict_output(data.X_test), data.Y_test))
            on_chunk(run.accuracy_epochs[-1], total)
        run.predictions = np.argmax(net.predict_output(data.X_test), axis=1)
    run.seconds = time.perf_counter() - start
    return run


def tutorial_accuracy(seed: int, epochs: int | None = None, dtype: Any = np.float64) -> float:
    """Test accuracy of the tutorial recipe on the split and initial weights of random seed ``seed``,
    computed in ``dtype`` (float64, or float32 with the vectorised engine)."""
    data = load("digits", seed=seed)
    recipe = get_recipe("tutorial")
    net = make_engine("vector", recipe.sizes(data.n_features, data.n_classes), recipe.activations,
                      init=recipe.init, rng=seed, dtype=dtype)
    with threadpool_limits(limits=1):
        train(net, data.X_train, data.Y_train, loss=recipe.loss,
              optimizer=get_optimizer(recipe.optimizer, **recipe.optimizer_options),
              epochs=recipe.epochs if epochs is None else epochs, batch_size=recipe.batch_size, rng=seed,
              track_accuracy=False, progress=False)
        return accuracy(net.predict_output(data.X_test), data.Y_test)


class SeedSpread:
    """The tutorial recipe over several random seeds, trained in worker processes while the caller goes on.

    ``SeedSpread(seeds).start()`` submits one run per seed (one worker per core, at most
    ``workers``); :meth:`accuracies` waits for them, in seed order. The workers start by
    ``fork`` where the platform has it and the process runs no other Python thread (no second
    import of numpy and scikit-learn), else by ``spawn``.

    Speed: ``dtype=np.float32`` halves the work of each run (1.3 s of CPU instead of 2.2 s on
    this project's 2-core test machine) and, on the seeds tried, ends at the same test accuracy.
    """

    def __init__(self, seeds: Sequence[int], epochs: int | None = None, workers: int | None = None,
                 dtype: Any = np.float64) -> None:
        self.seeds = list(seeds)
        self.epochs = epochs
        self.dtype = dtype
        self.workers = max(1, min(workers or os.cpu_count() or 1, len(self.seeds) or 1))
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future[float]] = []

    def start(self) -> SeedSpread:
        # fork only from a single-threaded process (the command line); with other Python threads running
        # (a Jupyter kernel's, say) a forked child could inherit a lock held mid-update, so spawn instead
        fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
        context = multiprocessing.get_context("fork" if fork else "spawn")
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        self._futures = [self._pool.submit(tutorial_accuracy, seed, self.epochs, self.dtype) for seed in self.seeds]
        return self

    def done(self) -> int:
        """How many seeds have finished."""
        return sum(1 for f in self._futures if f.done())

    def accuracies(self, on_done: Callable[[int, int], None] = lambda done, total: None,
                   poll: float = 0.5) -> list[float]:
        """Each seed's test accuracy (waits); ``on_done(finished, total)`` at least every ``poll`` seconds."""
        if self._pool is None:
            self.start()
        try:
            while True:
                finished = self.done()
                on_done(finished, len(self._futures))
                if finished == len(self._futures):
                    break
                time.sleep(poll)
            return [f.result() for f in self._futures]
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (runs not started are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def seed_spread(seeds: Sequence[int], epochs: int | None = None, dtype: Any = np.float64) -> list[float]:
    """Test accuracy of the tutorial recipe for each random seed (runs in parallel worker processes)."""
    return SeedSpread(seeds, epochs, dtype=dtype).start().accuracies()


def max_weight_gap(a: Weights, b: Weights) -> float:
    """max |Δ| over every entry of two networks' (W, b) layers."""
    return max(float(np.max(np.abs(x - y))) for (Wa, ba), (Wb, bb) in zip(a, b) for x, y in ((Wa, Wb), (ba, bb)))


@dataclass(frozen=True)
class EngineRun:
    """One recipe trained by one engine: epochs, final training loss, test accuracy, seconds per epoch."""

    recipe: str
    engine: str
    epochs: int
    final_loss: float
    test_accuracy: float
    seconds_per_epoch: float


def per_node_vs_vector(data: Dataset, seed: int = 0,
                       epochs: dict[str, int] | None = None) -> tuple[list[EngineRun], dict[str, float]]:
    """Both recipes trained by the per-node engine (one fused ``dot`` per neuron) and the vectorised one.

    Same initial weights, same minibatch order; returns the runs and, per recipe, the max |Δ|
    between the weights the two engines end with (rounding error only).
    """
    runs: list[EngineRun] = []
    gaps: dict[str, float] = {}
    for name, count in (epochs or PER_NODE_EPOCHS).items():
        recipe = get_recipe(name)
        sizes = recipe.sizes(data.n_features, data.n_classes)
        start = make_engine("vector", sizes, recipe.activations, init=recipe.init, rng=seed).get_weights()
        final = {}
        for engine in PER_NODE_ENGINES:
            net = make_engine(engine, sizes, recipe.activations, weights=start)
            history = train(net, data.X_train, data.Y_train, loss=recipe.loss,
                            optimizer=get_optimizer(recipe.optimizer, **recipe.optimizer_options), epochs=count,
                            batch_size=recipe.batch_size, rng=seed, track_accuracy=False, progress=False)
            final[engine] = net.get_weights()
            runs.append(EngineRun(name, engine, count, history.loss[-1],
                                  accuracy(net.predict_output(data.X_test), data.Y_test), history.seconds / count))
        gaps[name] = max_weight_gap(final[PER_NODE_ENGINES[0]], final[PER_NODE_ENGINES[1]])
    return runs, gaps


def confusion(true: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """counts[i, j] = number of test digits of class i predicted as j."""
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (np.asarray(true), np.asarray(predicted)), 1)
    return counts


def raw_pixels(data: Dataset, rows: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """The 0–16 pixel intensities of test rows, recovered by undoing the per-feature standardisation.

    ``raw`` is every digits image (scikit-learn's ``load_digits().data``). Standardising is
    x ↦ (x − μ)/σ per pixel, increasing, so each pixel's smallest and largest standardised
    values over all images map to its smallest and largest raw values; that fixes σ and μ.
    Pixels that are constant keep their constant raw value.
    """
    scaled = np.vstack([data.X_train, data.X_test])
    lo, hi = raw.min(axis=0), raw.max(axis=0)
    slo, shi = scaled.min(axis=0), scaled.max(axis=0)
    spread = np.where(shi - slo > 1e-12, shi - slo, 1.0)
    sigma = np.where(shi - slo > 1e-12, (hi - lo) / spread, 0.0)
    mu = lo - slo * sigma
    pixels: np.ndarray = np.clip(np.round(data.X_test[rows] * sigma + mu), 0, 16)
    return pixels


def network_sample(run: RecipeRun, data: Dataset, sample: int = 0) -> dict[str, Any]:
    """One test image through the trained network and back: loss, gradients, activations, prediction."""
    net = run.net
    x, y = data.X_test[sample:sample + 1], data.Y_test[sample:sample + 1]
    loss, grads = net.loss_and_gradients(x, y, run.recipe.loss)
    activations = [np.asarray(h, dtype=np.float64).reshape(-1) for h in _activations(net, x)]
    return {"loss": float(loss), "grads": grads, "activations": activations, "weights": net.get_weights(),
            "predicted": int(np.argmax(net.predict_output(x)[0])), "digit": int(data.y_test[sample])}


def _activations(net: Any, x: np.ndarray) -> list[np.ndarray]:
    """h[0] = x, h[1], ..., the output, for one row (a forward pass through each layer)."""
    net.forward(x)
    return [np.asarray(h)[0] for h in net.h]
