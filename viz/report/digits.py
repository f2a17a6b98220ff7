"""Section 5: digits trained with the tutorial's and a modern recipe — results, curves, mistakes, spread over seeds.

The training itself is :mod:`nets.experiments.digits`; this module only shows it. The
tutorial run is shared with the network section (which draws it). The spread of the
tutorial recipe over random seeds starts in worker processes when the report starts
(:func:`start`) and is collected here. ``--quick`` cuts the epochs and leaves the spread
out; ``--full`` adds the per-node engine's training (:mod:`viz.report.scalar_training`).
"""

from __future__ import annotations

from html import escape

import numpy as np
from sklearn.datasets import load_digits

from nets.datasets import Dataset, load
from nets.experiments.digits import TUTORIAL_ACCURACY, RecipeRun, SeedSpread, confusion, raw_pixels, train_recipe
from nets.losses import LOSSES
from viz.report.context import Context
from viz.report.numbers import percent
from viz.report.page import chart, table
from viz.report.scalar_training import scalar_training
from viz.report.svgplot import Series, confusion_matrix_svg, digit_svg, line_chart
from viz.report.words import recipe_html

RECIPES = ("tutorial", "modern")
QUICK_EPOCHS = {"tutorial": 500, "modern": 3}
MISCLASSIFIED_SHOWN = 8
SPREAD_SEEDS = 5
SPREAD_DTYPE = np.float32  # the other seeds' runs in float32: half the CPU time (see nets.experiments.digits)


def epochs_for(name: str, ctx: Context) -> int | None:
    """The recipe's own epochs, or --quick's fewer."""
    return QUICK_EPOCHS[name] if ctx.options.quick and name in QUICK_EPOCHS else None


def digits_data(ctx: Context) -> Dataset:
    return ctx.cached("digits-data", lambda: load("digits", seed=ctx.options.seed))


def trained(ctx: Context, name: str) -> RecipeRun:
    """The recipe's run, trained once per report (progress shown per chunk)."""
    data = digits_data(ctx)

    def run() -> RecipeRun:
        def tick(done: int, total: int) -> None:
            ctx.progress.update(done, total, f"{name} recipe, epoch {done}/{total}")

        return train_recipe(name, data, seed=ctx.options.seed, epochs=epochs_for(name, ctx), on_chunk=tick)

    return ctx.cached(f"digits-{name}", run)


def spread_seeds(ctx: Context) -> list[int]:
    """The random seeds of the spread besides the report's own (whose run is the one trained in full)."""
    return list(range(ctx.options.seed + 1, ctx.options.seed + SPREAD_SEEDS))


def start(ctx: Context) -> None:
    """Begin the seed spread in worker processes (not with --quick)."""
    if not ctx.options.quick:
        ctx.background["digits-spread"] = SeedSpread(spread_seeds(ctx), dtype=SPREAD_DTYPE).start()


def seed_spread(ctx: Context) -> str:
    """The tutorial recipe over SPREAD_SEEDS random seeds: test accuracy of each, and the mean."""
    job = ctx.background.get("digits-spread") or SeedSpread(spread_seeds(ctx), dtype=SPREAD_DTYPE).start()
    ctx.background["digits-spread"] = job

    def tick(done: int, total: int) -> None:
        ctx.progress.update(done, total, f"tutorial recipe on other random seeds, {done}/{total} done")

    first = trained(ctx, "tutorial").final_accuracy
    tick(job.done(), len(job.seeds))
    ctx.run_idle()
    accuracies = [first, *job.accuracies(tick)]
    mean = float(np.mean(accuracies))
    ctx.facts["tutorial mean accuracy"] = f"{100 * mean:.1f}% over {SPREAD_SEEDS} random seeds"
    listed = ", ".join(percent(a) for a in accuracies)
    seeds = f"{ctx.options.seed}–{ctx.options.seed + SPREAD_SEEDS - 1}"
    epochs = trained(ctx, "tutorial").epochs
    return (f'<p id="tutorial-seeds">The tutorial recipe over {SPREAD_SEEDS} random seeds ({seeds}; each seed '
            f"fixes a different 60/40 split and different initial weights), the full {epochs:,} iterations "
            "each, the first the run above, the others trained in parallel worker processes in float32 (half the "
            f"time of float64, the same accuracy to a test digit on the seeds tried): {escape(listed)}; "
            f"mean <b>{100 * mean:.1f}%</b>, from "
            f"{percent(min(accuracies))} to {percent(max(accuracies))}. The tutorial reports about "
            f"{TUTORIAL_ACCURACY:.0%} for its one run.</p>")


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
        rows.append([escape(run.recipe.name), recipe_html(run.recipe.describe(), run.recipe.loss, run.recipe.init),
                     str(run.epochs),
                     f'<span title="{run.loss[-1]!r}">{run.loss[-1]:.4g}</span>', accuracy, f"{run.seconds:.2f}"])
        ctx.facts[f"{run.recipe.name} accuracy"] = f"{100 * run.final_accuracy:.1f}%"
    parts.append(table(["recipe", "settings", "epochs run", "final training loss", "test accuracy", "seconds"], rows,
                       numeric=[False, False, True, True, True, True], element_id="digits-results"))
    tutorial = runs[0]
    note = (f"The tutorial reports about {TUTORIAL_ACCURACY:.0%} test accuracy for its recipe; this run reaches "
            f"{tutorial.final_accuracy:.1%}. A single run's figure depends on its split and starting weights (its "
            "random seed), not only on the recipe: the spread over random seeds below shows by how much.")
    if ctx.options.quick:
        note = (f"The tutorial reports about {TUTORIAL_ACCURACY:.0%} test accuracy for its recipe. This is a --quick "
                "run with far fewer epochs, so accuracies are lower than a full run's.")
    parts.append(f'<p class="note">{escape(note)}</p>')
    charts = []
    for run in runs:
        charts.append(ctx.save_svg(f"loss-{run.recipe.name}.svg", line_chart(
            [Series("training loss", run.loss)], f"{run.recipe.name} recipe: training loss", "epoch",
            f"loss {LOSSES[run.recipe.loss].formula}" if run.recipe.loss in LOSSES else run.recipe.loss, log_y=True)))
    charts.append(ctx.save_svg("test-accuracy.svg", _accuracy_chart(runs)))
    parts.append('<div class="row" id="loss-curves">' + "".join(chart(c) for c in charts) + "</div>")
    for run in runs:
        parts.append(_errors(ctx, data, run))
    if not ctx.options.quick:
        parts.insert(3, seed_spread(ctx))
    if ctx.options.full:
        parts.append(scalar_training(ctx, data))
    return "\n".join(parts)


def _accuracy_chart(runs: list[RecipeRun]) -> str:
    """Test accuracy against the fraction of training done (recipes run different numbers of epochs)."""
    series = [
        Series(f"{run.recipe.name} ({run.epochs} epochs)", [100 * a for a in run.test_accuracy],
               [100 * e / run.epochs for e in run.accuracy_epochs])
        for run in runs
    ]
    return line_chart(series, "test accuracy while training", "% of the recipe's epochs done", "test accuracy %",
                      legend_at_bottom=True)


def _errors(ctx: Context, data: Dataset, run: RecipeRun) -> str:
    name = run.recipe.name
    counts = confusion(data.y_test, run.predictions, data.n_classes)
    matrix = ctx.save_svg(f"confusion-{name}.svg", confusion_matrix_svg(counts, f"{name}: true vs predicted"))
    wrong = np.flatnonzero(run.predictions != data.y_test)
    shown = wrong[:MISCLASSIFIED_SHOWN]
    raw = np.asarray(load_digits().data, dtype=np.float64)
    pixels = raw_pixels(data, shown, raw) if shown.size else np.zeros((0, 64))
    images = "".join(
        f'<div class="misclassified" data-true="{int(data.y_test[i])}" data-pred="{int(run.predictions[i])}">'
        + digit_svg(p, f"true {int(data.y_test[i])} → {int(run.predictions[i])}") + "</div>"
        for i, p in zip(shown, pixels)
    )
    return (f'<h3 id="errors-{name}">{escape(name)} recipe: where it goes wrong</h3>'
            f"<p>{len(wrong)} of {len(data.y_test)} test digits misclassified. Rows are the true digit, columns the "
            f"prediction; the diagonal counts the correct ones. The first {len(shown)} mistakes:</p>"
            f'<div class="row"><div class="plain-figure" id="confusion-{name}">{matrix}</div>'
            f'<div class="digits">{images}</div></div>')
