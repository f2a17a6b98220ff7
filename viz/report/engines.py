"""Section 4: the engines side by side — same weights, same numbers, different costs.

Figures come from :mod:`nets.experiments.comparison` (what ``autonode compare`` prints): the engine
table (max |Δ| of outputs and gradients against the vectorised engine, time per sample
and per epoch), the tutorial's looped-vs-matrix forward experiment, and timings of the
tutorial's training run. ``--quick`` uses fewer rows and leaves out PyTorch and the
training benchmarks.
"""

from __future__ import annotations

import inspect
import os
import platform
from collections.abc import Callable
from html import escape
from typing import Any

import numpy as np

from nets.experiments import jax_engine
from nets.experiments.comparison import engine_rows
from nets.experiments.speed_runs import forward_experiment, tutorial_run
from nets.init import initialise
from viz.extras import ALL, install_command
from viz.report.context import Context
from viz.report.digits import digits_data
from viz.report.numbers import ratio, seconds
from viz.report.page import PartialSection, table
from viz.report.words import init_html, loss_html

HIDDEN = 30
ACTIVATIONS = ["relu", "identity"]  # micrograd's MLP shape, so it can join the table
LOSS = "half_sse"
AGREE = 1e-9
QUICK_ENGINES = ["scalar", "scalar-fused", "looped", "vector", "micrograd"]
ENGINES = [*QUICK_ENGINES, "pytorch", "jax"]
TIMING_ITERATIONS = 200
BATCH = 8  # rows each engine computes: enough for the differences; per-node engines take ~0.1 s per row
TUTORIAL_FORWARD = 500  # the tutorial's looped vs matrix forward pass: 41 ms against 84 µs


def call_with(function: Callable[..., Any], **available: Any) -> Any:
    """Call ``function`` with the keyword arguments it accepts among ``available`` (its signature has changed
    while the comparison code evolved; missing required ones still raise TypeError naming them)."""
    accepted = inspect.signature(function).parameters
    return function(**{k: v for k, v in available.items() if k in accepted})


def _diff(x: float | None) -> str:
    return "–" if x is None else f'<span data-value="{x!r}">{x:.2e}</span>'


def load_text() -> str:
    """A sentence giving the 1-minute load average, when the system reports one (a busy machine times slower)."""
    if not hasattr(os, "getloadavg"):
        return ""
    one, _, _ = os.getloadavg()
    return (f" The load average when these were timed: {one:.1f} on {os.cpu_count()} CPUs"
            + (" (a busy machine: every time here is longer than on an idle one)." if one > 1 else "."))


def load_torch() -> None:
    """Import PyTorch if installed (seconds: done while the digits section waits for its worker processes)."""
    try:
        import torch  # noqa: F401 - heavy optional import, for the PyTorch row only
    except ImportError:
        pass


def load_jax() -> None:
    """Import JAX if installed, XLA pinned to one thread first (:func:`nets.experiments.jax_engine.load_jax`)."""
    try:
        jax_engine.load_jax()
    except ImportError:
        pass


def start(ctx: Context) -> None:
    """Queue the PyTorch and JAX imports as idle work (not with --quick, which leaves both out)."""
    if not ctx.options.quick:
        ctx.idle += [load_torch, load_jax]


def engine_table(ctx: Context) -> tuple[str, list[Any]]:
    """The comparison rows on a batch of digits, and their HTML table."""
    data = digits_data(ctx)
    sizes = [data.n_features, HIDDEN, data.n_classes]
    weights = initialise("he", sizes, np.random.default_rng(ctx.options.seed))
    batch = BATCH
    X, Y = data.X_train[:batch], data.Y_train[:batch]
    engines = QUICK_ENGINES if ctx.options.quick else ENGINES
    timed: list[str] = []
    if "pytorch" in engines:
        ctx.progress.update(0, len(engines) + 2, "loading PyTorch")
        load_torch()
    if "jax" in engines:
        ctx.progress.update(0, len(engines) + 2, "loading JAX")
        load_jax()

    def tick(name: str) -> None:
        ctx.progress.update(len(timed), len(engines) + 2, f"timing {name}")
        timed.append(name)

    rows = call_with(engine_rows, sizes=sizes, activations=list(ACTIVATIONS), weights=weights, X=X, Y=Y, loss=LOSS,
                     engines=list(engines), epoch_rows=len(data.X_train), X_epoch=data.X_train, Y_epoch=data.Y_train,
                     tick=tick)
    cells, classes = [], []
    for r in rows:
        measured = r.max_output_diff is not None and r.max_gradient_diff is not None
        ok = measured and r.max_output_diff <= AGREE and r.max_gradient_diff <= AGREE
        mark = ('<span class="ok">✓</span>' if ok else '<span class="no">✗</span>') if measured else ""
        epoch = seconds(r.seconds_per_epoch) + ("*" if r.epoch_estimated and r.seconds_per_epoch else "")
        speed = "–" if r.speedup is None else f'<span title="{r.speedup!r}">{ratio(r.speedup)}</span>'
        cells.append([mark, escape(r.engine), _diff(r.max_output_diff), _diff(r.max_gradient_diff),
                      seconds(r.seconds_per_sample), epoch, speed, escape(r.note)])
        classes.append("" if ok or not measured else "bad")
    html = table(["", "engine", "max |Δ| outputs", "max |Δ| gradients", "per sample", "per epoch", "speed-up",
                  "note"], cells, numeric=[False, False, True, True, True, True, True, False], row_classes=classes,
                 element_id="engine-table")
    caption = (f"<p>Digits {'-'.join(map(str, sizes))} ({', '.join(ACTIVATIONS)}), loss {loss_html(LOSS)}, "
               f"{init_html('he')} initialisation; "
               f"differences against the vectorised engine on {batch} training rows (✓: within {AGREE:g}); "
               f"one epoch = {len(data.X_train)} rows. * per epoch = rows × time per sample (forward + backward, "
               "no optimizer step). Speed-up is over the slowest engine."
               f"{load_text()}</p>")
    if ctx.options.quick:
        caption += "<p><small>--quick: PyTorch and JAX left out (their imports alone take seconds).</small></p>"
    missing = [r.engine for r in rows if r.max_output_diff is None and "not installed" in r.note]
    if missing:
        html += '<div class="note" id="engines-missing">' + "".join(
            f"<p>{escape(name)}: not installed here, so its row has no figures; "
            f"<code>{escape(install_command(name))}</code> adds it.</p>" for name in missing) + (
            f"<p><code>{escape(ALL)}</code> (the README's second install command) adds every extra.</p></div>")
    return caption + html, rows


def _forward(ctx: Context) -> str:


    e = call_with(forward_experiment, seed=ctx.options.seed)
    ctx.facts["forward experiment"] = f"looped vs matrix {ratio(e['speedup'])}"
    differs = ""
    if not 0.5 < e["speedup"] / TUTORIAL_FORWARD < 2:
        differs = (f'<p class="note" id="forward-differs">Here the matrices win by {ratio(e["speedup"])}, not about '
                   f"{TUTORIAL_FORWARD}×: the ratio depends on the machine (CPU and its cache), the BLAS library "
                   f"numpy uses (see <a href=\"#environment\">Environment</a>), and the Python version (this is Python "
                   f"{escape(platform.python_version())}; newer versions run the loops faster, which shrinks the "
                   "gap). The two methods still compute the same numbers.</p>")
    return (
        "<h3>The tutorial's forward-pass experiment</h3>"
        "<p>The tutorial times one sample through a 100-100-50-10 sigmoid network, first with nested Python loops "
        "over every neuron and weight, then with one matrix product per layer: 41 ms against 84 µs, about 500×.</p>"
        + table(["method", "time per forward pass"],
                [["nested loops (the tutorial's simple_looped_nn_calc)", seconds(e["looped_seconds"])],
                 ["matrices (vectorised engine)", seconds(e["matrix_seconds"])],
                 ["speed-up", f'<b id="forward-speedup" title="{e["speedup"]!r}">{ratio(e["speedup"])}</b>'],
                 ["max |Δ| between the two outputs", _diff(e["max_diff"])]],
                numeric=[False, True], element_id="forward-experiment")
        + differs
    )


def _training(ctx: Context) -> str:

    t = call_with(tutorial_run, iterations=TIMING_ITERATIONS, seeds=[ctx.options.seed])
    return (
        "<h3>The tutorial's training run, per iteration</h3>"
        f"<p>64-30-10 sigmoid, ½‖y − h‖², α = 0.25, full batch; timed over {TIMING_ITERATIONS} iterations "
        "(<a href=\"#digits\">Digits</a> trains the whole recipe). Bare numpy is the same maths written directly, "
        "the cost floor.</p>"
        + table(["engine", "time per iteration"],
                [["looped (the tutorial's per-sample loops)", seconds(t["looped_seconds_per_iteration"])],
                 ["vectorised", seconds(t["vector_seconds_per_iteration"])],
                 ["bare numpy", seconds(t["bare_numpy_seconds_per_iteration"])],
                 ["vectorised vs looped", f"{ratio(t['speedup_vs_looped'])} faster"],
                 ["vectorised / bare numpy", f"{t['overhead_vs_bare_numpy']:.2f}"]],
                numeric=[False, True], element_id="training-timing")
    )


def build(ctx: Context) -> str:
    """Engine table, forward experiment and (not with --quick) training timings."""
    intro = ("<p class=\"intro\">The same network, with the same weights and inputs, computed by every engine: "
             "the per-node <code>Value</code> graph (each product a node, or one fused dot node per neuron), the "
             "tutorial's loops, the vectorised numpy engine, and micrograd, PyTorch (float64) and JAX when installed. "
             "They agree to rounding error; they differ in cost by orders of magnitude. Timings are this machine's, "
             "measured once.</p>")
    table_html, rows = engine_table(ctx)
    steps = len(rows) + 2
    ctx.progress.update(len(rows), steps, "the tutorial's forward-pass experiment")
    parts = [intro, table_html, _forward(ctx)]
    if not ctx.options.quick:
        ctx.progress.update(len(rows) + 1, steps, "the tutorial's training run")
        parts.append(_training(ctx))
    ctx.progress.update(steps, steps, "done")
    bad = [r.engine for r in rows if r.max_output_diff is not None and r.max_gradient_diff is not None
           and max(r.max_output_diff, r.max_gradient_diff) > AGREE]
    measured = sum(1 for r in rows if r.max_output_diff is not None)
    ctx.facts["engines"] = f"{measured - len(bad)}/{measured} engines agree"
    if bad:
        raise PartialSection("\n".join(parts), f"engines differ from the vectorised one by more than {AGREE:g}: "
                             + ", ".join(bad))
    return "\n".join(parts)
