"""Section 5 (and the model section 3 draws): digits trained with the tutorial's and a modern recipe.

Both recipes come from :mod:`nets.recipes` and run on the vectorised engine through
:func:`nets.train.train`, from scikit-learn's bundled 8×8 digits (60/40 split,
standardised; :func:`nets.datasets.load`). Training runs in chunks so the test
accuracy can be sampled along the way without evaluating it after each of the
tutorial's 3000 iterations. ``--quick`` cuts the epochs; ``--full`` also trains the
recipes for a few epochs with the per-node engine (:mod:`viz.report.scalar_training`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np

from viz.report.context import Context
from viz.report.page import figure, table
from viz.report.svgplot import Series, confusion_matrix_svg, digit_svg, line_chart

RECIPES = ("tutorial", "modern")
QUICK_EPOCHS = {"tutorial": 500, "modern": 3}
CHUNKS = 30
SEED_ACCURACY = "86%"
MISCLASSIFIED_SHOWN = 8
SPREAD_SEEDS = 5


@dataclass
class Trained:
    """One recipe's run: the network, its per-epoch losses, test accuracy sampled at ``accuracy_epochs``."""

    recipe: Any
    net: Any
    epochs: int
    loss: list[float] = field(default_factory=list)
    accuracy_epochs: list[int] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0
    predictions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def final_accuracy(self) -> float:
        return self.test_accuracy[-1]


def epochs_for(recipe: Any, ctx: Context) -> int:
    return QUICK_EPOCHS[recipe.name] if ctx.options.quick and recipe.name in QUICK_EPOCHS else int(recipe.epochs)


def _chunks(epochs: int) -> list[int]:
    """Split ``epochs`` into at most CHUNKS nearly equal runs."""
    n = min(CHUNKS, epochs)
    return [epochs // n + (1 if k < epochs % n else 0) for k in range(n)]


def train_recipe(name: str, data: Any, ctx: Context) -> Trained:
    """Train recipe ``name`` on ``data`` with the vectorised engine; test accuracy after each chunk.

    Training uses one BLAS thread: on matrices this small more threads only add
    synchronisation (many times slower on a busy 2-core machine), as in the engine comparison.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _train_recipe(name, data, ctx)


def _train_recipe(name: str, data: Any, ctx: Context) -> Trained:
    from nets.engines import make_engine
    from nets.optim import get_optimizer
    from nets.recipes import get_recipe
    from nets.train import accuracy, train

    recipe = get_recipe(name)
    epochs = epochs_for(recipe, ctx)
    net = make_engine("vector", recipe.sizes(data.n_features, data.n_classes), recipe.activations,
                      init=recipe.init, rng=ctx.options.seed)
    optimizer = get_optimizer(recipe.optimizer, **recipe.optimizer_options)
    rng = np.random.default_rng(ctx.options.seed)
    run = Trained(recipe, net, epochs)
    start = time.perf_counter()
    done = 0
    for chunk in _chunks(epochs):
        history = train(net, data.X_train, data.Y_train, loss=recipe.loss, optimizer=optimizer, epochs=chunk,
                        batch_size=recipe.batch_size, rng=rng, track_accuracy=False, progress=False,
                        desc=f"digits {name}")
        run.loss.extend(history.loss)
        done += chunk
        run.accuracy_epochs.append(done)
        run.test_accuracy.append(accuracy(net.predict_output(data.X_test), data.Y_test))
    run.seconds = time.perf_counter() - start
    run.predictions = np.argmax(net.predict_output(data.X_test), axis=1)
    return run


def digits_data(ctx: Context) -> Any:
    from nets.datasets import load

    return ctx.cached("digits-data", lambda: load("digits", seed=ctx.options.seed))


def trained(ctx: Context, name: str) -> Trained:
    """The recipe's run, trained once per report."""
    data = digits_data(ctx)
    return ctx.cached(f"digits-{name}", lambda: train_recipe(name, data, ctx))


def raw_pixels(data: Any, rows: np.ndarray) -> np.ndarray:
    """The 0–16 pixel intensities of test rows, recovered by undoing the per-feature standardisation.

    Standardising is x ↦ (x − μ)/σ per pixel, increasing, so each pixel's smallest and
    largest standardised values over all 1797 images map to its smallest and largest raw
    values; that fixes σ and μ. Pixels that are constant keep their constant raw value.
    """
    from sklearn.datasets import load_digits

    raw = np.asarray(load_digits().data, dtype=np.float64)
    scaled = np.vstack([data.X_train, data.X_test])
    lo, hi = raw.min(axis=0), raw.max(axis=0)
    slo, shi = scaled.min(axis=0), scaled.max(axis=0)
    spread = np.where(shi - slo > 1e-12, shi - slo, 1.0)
    sigma = np.where(shi - slo > 1e-12, (hi - lo) / spread, 0.0)
    mu = lo - slo * sigma
    pixels: np.ndarray = np.clip(np.round(data.X_test[rows] * sigma + mu), 0, 16)
    return pixels


def confusion(true: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """counts[i, j] = number of test digits of class i predicted as j."""
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (true, predicted), 1)
    return counts


def seed_spread(ctx: Context) -> str:
    """The tutorial recipe over SPREAD_SEEDS splits and initialisations: test accuracy of each, and the mean."""
    from nets.datasets import load
    from nets.engines import make_engine
    from nets.optim import get_optimizer
    from nets.recipes import get_recipe
    from nets.train import accuracy, train

    recipe = get_recipe("tutorial")
    from threadpoolctl import threadpool_limits

    accuracies = [trained(ctx, "tutorial").final_accuracy]  # the first seed is the run trained above
    for seed in range(ctx.options.seed + 1, ctx.options.seed + SPREAD_SEEDS):
        data = load("digits", seed=seed)
        net = make_engine("vector", recipe.sizes(data.n_features, data.n_classes), recipe.activations,
                          init=recipe.init, rng=seed)
        with threadpool_limits(limits=1):
            train(net, data.X_train, data.Y_train, loss=recipe.loss,
                  optimizer=get_optimizer(recipe.optimizer, **recipe.optimizer_options), epochs=recipe.epochs,
                  batch_size=recipe.batch_size, rng=seed, track_accuracy=False, progress=False)
        accuracies.append(accuracy(net.predict_output(data.X_test), data.Y_test))
    mean = float(np.mean(accuracies))
    ctx.facts["tutorial mean accuracy"] = f"{100 * mean:.1f}% over {SPREAD_SEEDS} seeds"
    listed = ", ".join(f"{100 * a:.1f}%" for a in accuracies)
    return (f'<p id="tutorial-seeds">The tutorial recipe over {SPREAD_SEEDS} seeds (each a different split and '
            f"initialisation): {escape(listed)}; mean <b>{100 * mean:.1f}%</b> "
            f"(the tutorial reports about {SEED_ACCURACY}).</p>")


def build(ctx: Context) -> str:
    """Loss curves, test accuracy, confusion matrix and misclassified digits for both recipes."""
    data = digits_data(ctx)
    runs = [trained(ctx, name) for name in RECIPES]
    parts = [
        "<p class=\"intro\">scikit-learn's bundled handwritten digits (1797 images of 8×8 pixels, no download), "
        f"split 60/40 into {data.X_train.shape[0]} training and {data.X_test.shape[0]} test images and standardised, "
        "as in the tutorial. Two recipes, both on the vectorised engine: the tutorial's own and a modern one.</p>",
    ]
    rows = []
    for run in runs:
        accuracy = f'<b data-accuracy="{run.final_accuracy!r}">{100 * run.final_accuracy:.2f}%</b>'
        rows.append([escape(run.recipe.name), escape(run.recipe.describe()), str(run.epochs),
                     f"{run.loss[-1]:.4g}", accuracy, f"{run.seconds:.2f}"])
        ctx.facts[f"{run.recipe.name} accuracy"] = f"{100 * run.final_accuracy:.1f}%"
    parts.append(table(["recipe", "settings", "epochs run", "final training loss", "test accuracy", "seconds"], rows,
                       numeric=[False, False, True, True, True, True], element_id="digits-results"))
    note = f"The tutorial reports about {SEED_ACCURACY} test accuracy for its recipe."
    if ctx.options.quick:
        note += " This is a --quick run with far fewer epochs, so accuracies are lower than a full run's."
    parts.append(f'<p class="note">{escape(note)}</p>')
    charts = []
    for run in runs:
        charts.append(ctx.save_svg(f"loss-{run.recipe.name}.svg", line_chart(
            [Series(f"{run.recipe.loss}", run.loss)], f"{run.recipe.name} recipe: training loss", "epoch",
            run.recipe.loss, log_y=True)))
    accuracy_chart = _accuracy_chart(runs)
    charts.append(ctx.save_svg("test-accuracy.svg", accuracy_chart))
    parts.append('<div class="row" id="loss-curves">' + "".join(figure(c) for c in charts) + "</div>")
    for run in runs:
        parts.append(_errors(ctx, data, run))
    if not ctx.options.quick:
        parts.insert(3, seed_spread(ctx))
    if ctx.options.full:
        from viz.report.scalar_training import scalar_training

        parts.append(scalar_training(ctx, data))
    return "\n".join(parts)


def _accuracy_chart(runs: list[Trained]) -> str:
    """Test accuracy against the fraction of training done (recipes run different numbers of epochs)."""
    series = [
        Series(f"{run.recipe.name} ({run.epochs} epochs)", [100 * a for a in run.test_accuracy],
               [100 * e / run.epochs for e in run.accuracy_epochs])
        for run in runs
    ]
    return line_chart(series, "test accuracy while training", "% of the recipe's epochs done", "test accuracy %",
                      legend_at_bottom=True)


def _errors(ctx: Context, data: Any, run: Trained) -> str:
    name = run.recipe.name
    counts = confusion(data.y_test, run.predictions, data.n_classes)
    matrix = ctx.save_svg(f"confusion-{name}.svg", confusion_matrix_svg(counts, f"{name}: true vs predicted"))
    wrong = np.flatnonzero(run.predictions != data.y_test)
    shown = wrong[:MISCLASSIFIED_SHOWN]
    pixels = raw_pixels(data, shown) if shown.size else np.zeros((0, 64))
    images = "".join(
        f'<div class="misclassified" data-true="{int(data.y_test[i])}" data-pred="{int(run.predictions[i])}">'
        + digit_svg(p, f"true {int(data.y_test[i])} → {int(run.predictions[i])}") + "</div>"
        for i, p in zip(shown, pixels)
    )
    return (f'<h3 id="errors-{name}">{escape(name)} recipe: where it goes wrong</h3>'
            f"<p>{len(wrong)} of {len(data.y_test)} test digits misclassified. Rows are the true digit, columns the "
            f"prediction; the diagonal counts the correct ones. The first {len(shown)} mistakes:</p>"
            f'<div class="row"><div class="figure" id="confusion-{name}">{matrix}</div>'
            f'<div class="digits">{images}</div></div>')
