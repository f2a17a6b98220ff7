"""Section: how the gradient flows back through a deep network — sigmoid against ReLU, layer by layer.

Figures from :func:`nets.experiments.gradient_flow.gradient_flow`: the same five-hidden-layer
net on digits trained twice (sigmoid units, ReLU units; same data, optimizer and random seed),
with the mean ‖∂J/∂W[l]‖ of every layer recorded each epoch. The training runs while the
digits section waits for its worker processes (idle work queued by :func:`start`).
"""

from __future__ import annotations

from html import escape
from typing import Any

from nets.experiments.gradient_flow import gradient_flow
from viz.report.context import Context
from viz.report.numbers import sig
from viz.report.page import chart, table
from viz.report.svgplot import Series, line_chart
from viz.report.words import init_html

EPOCHS = 4
QUICK = {"epochs": 1, "hidden": (16, 16, 16, 16, 16)}


def flow(ctx: Context) -> dict[str, Any]:
    """The two runs, trained once per report."""
    options: dict[str, Any] = dict(QUICK) if ctx.options.quick else {"epochs": EPOCHS}
    return ctx.cached("gradient-flow", lambda: gradient_flow(seed=ctx.options.seed, **options))


def start(ctx: Context) -> None:
    """Queue the training as idle work (it then runs while the digits section waits)."""
    def train_now() -> None:
        flow(ctx)

    ctx.idle.append(train_now)


def build(ctx: Context) -> str:
    """Per-layer gradient norms of both runs: a chart each and a table of the last epoch."""
    ctx.progress.update(0, 1, "deep sigmoid and ReLU nets")
    result = flow(ctx)
    ctx.progress.update(1, 1, "trained")
    sizes = "-".join(str(n) for n in result["sizes"])
    rows, series = [], []
    for name, run in result["runs"].items():
        last = run["gradient_norms"][-1]
        series.append(Series(f"{name} units", list(last), list(range(len(last)))))
        rows.append([escape(name), init_html(run["init"]), *(sig(v, 3) for v in last),
                     f'<b title="{run["first_to_last"]!r}">{run["first_to_last"]:.2g}</b>',
                     f"{100 * run['test_accuracy']:.1f}%"])
    drawn = ctx.save_svg("gradient-flow.svg", line_chart(
        series, "mean ‖∂J/∂W[l]‖ per layer, last epoch", "layer l (0: nearest the input)", "mean ‖∂J/∂W[l]‖",
        log_y=True, legend_at_bottom=True))
    first_to_last = {name: run["first_to_last"] for name, run in result["runs"].items()}
    ctx.facts["gradient flow"] = ", ".join(f"{k} ‖∂J/∂W[0]‖/‖∂J/∂W[last]‖ = {v:.2g}" for k, v in first_to_last.items())
    layers = len(next(iter(result["runs"].values()))["gradient_norms"][0])
    headers = ["units", "initial weights", *(f"W[{layer}]" for layer in range(layers)), "W[0] ÷ W[last]",
               "test accuracy"]
    note = ""
    chance = 1 / 10  # ten digit classes: guessing is right one time in ten
    guessing = [f"{escape(name)} {100 * run['test_accuracy']:.1f}%" for name, run in result["runs"].items()
                if run["test_accuracy"] < 2 * chance]
    if guessing:
        note += (f"<p>Test accuracy near 10% ({', '.join(guessing)}) is what guessing among the ten digits gives: "
                 "that net has not learned yet, its first layers' gradients being too small to move their weights "
                 "far in so few epochs.</p>")
    if ctx.options.quick:
        note += "<p><small>--quick: narrower layers and one epoch.</small></p>"
    return "\n".join([
        "<p class=\"intro\">The tutorial warns that sigmoid units make the gradient shrink on its way back through "
        "the layers: σ′(z) ≤ ¼, and backpropagation multiplies one such factor per layer. Here the same deep "
        f"network ({escape(sizes)}, softmax output, cross-entropy, plain SGD with lr {result['lr']:g}, minibatches "
        f"of {result['batch_size']}) is trained on digits for {result['epochs']} epoch"
        f"{'' if result['epochs'] == 1 else 's'} twice: with sigmoid units and with ReLU units (whose derivative is "
        "1 wherever they are active). The chart shows each layer's mean gradient norm over the last epoch, layer 0 "
        "nearest the input (log scale).</p>",
        '<div class="row" id="gradient-flow-chart">' + chart(drawn) + "</div>",
        "<p>The last epoch's mean ‖∂J/∂W[l]‖ per layer. In the sigmoid net the first layer's gradient is orders of "
        "magnitude below the last one's, so the first layers barely learn; in the ReLU net they stay within a small "
        "factor.</p>",
        table(headers, rows, numeric=[False, False, *([True] * layers), True, True], element_id="gradient-flow"),
        note,
    ])
