"""Section 4: the engines side by side — same weights, same numbers, different costs.

Figures come from :mod:`nets.experiments.comparison` (what ``autonode compare`` prints): the engine
table (max |Δ| of outputs and gradients against the vectorised engine, time per sample
and per epoch), the tutorial's looped-vs-matrix forward experiment, and timings of the
tutorial's training run. ``--quick`` uses fewer rows and leaves out PyTorch and the
training benchmarks.

Speed: outside ``--quick`` the PyTorch and JAX rows come from a worker process started with the
report (:class:`EngineWorker`). It loads both at once (about 2.5 s of CPU), overlapping the
digits training, then waits; when this section is built (the training done) it times their rows
on one core while this process times the others on the other. The report's own process never
loads PyTorch or JAX (about 1.5 s less at exit). The page says so.
"""

from __future__ import annotations

import inspect
import multiprocessing
import os
import platform
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from nets.datasets import load
from nets.experiments import jax_engine
from nets.experiments.comparison import EngineRow, engine_rows
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
HEAVY_ENGINES = ["pytorch", "jax"]  # timed in the worker process (their imports alone take seconds)
ENGINES = [*QUICK_ENGINES, *HEAVY_ENGINES]
TIMING_ITERATIONS = 100
# The report's timings loop less than `autonode compare`'s (best of 3 runs of >= 0.02 s each, the nested-loop
# forward pass 0.1 s): about 1.5 s less at the end of the run, and the figures agree within this machine's noise.
TIMING_SECONDS = 0.02
FORWARD_SECONDS = {"loop_seconds": 0.1, "matrix_seconds": 0.02}
ROW_NAMES = {"pytorch": "PyTorch", "jax": "JAX"}
BATCH = 8  # rows each engine computes: enough for the differences; per-node engines take ~0.1 s per row
TUTORIAL_FORWARD = 500  # the tutorial's looped vs matrix forward pass: 41 ms against 84 µs


def call_with(function: Callable[..., Any], **available: Any) -> Any:
    """Call ``function`` with the keyword arguments it accepts among ``available`` (its signature has changed
    while the comparison code evolved; missing required ones still raise TypeError naming them)."""
    accepted = inspect.signature(function).parameters
    return function(**{k: v for k, v in available.items() if k in accepted})


def _diff(x: float | None) -> str:
    return "–" if x is None else f'<span data-value="{x!r}">{x:.2e}</span>'


def load_text(load: tuple[float, int] | None = None) -> str:
    """A sentence giving the 1-minute load average when timed (``load``, default now), if the system reports one
    (a busy machine times slower)."""
    load = load if load is not None else current_load()
    if load is None:
        return ""
    one, cpus = load
    return (f" The load average when these were timed: {one:.1f} on {cpus} CPUs"
            + (" (a busy machine: every time here is longer than on an idle one)." if one > 1 else "."))


def current_load() -> tuple[float, int] | None:
    """(1-minute load average, CPU count), or None where the system does not report a load."""
    return (os.getloadavg()[0], os.cpu_count() or 1) if hasattr(os, "getloadavg") else None


def load_torch() -> None:
    """Import PyTorch if installed (seconds)."""
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


@dataclass
class EngineFigures:
    """Everything the section shows: the table's rows and what they ran on, the forward experiment (None
    if not measured), the training timings (None with --quick), the load when timed, and the engines a worker
    process measured."""

    rows: list[EngineRow]
    sizes: list[int]
    batch: int
    epoch_rows: int
    forward: dict[str, Any] | None
    training: dict[str, Any] | None
    load: tuple[float, int] | None
    in_worker: list[str] = field(default_factory=list)
    worker_load: tuple[float, int] | None = None

    def merge(self, other: EngineFigures) -> EngineFigures:
        """These figures with ``other``'s rows added (in :data:`ENGINES` order), the speed-ups recomputed over all."""
        order = {name: i for i, name in enumerate(ENGINES)}
        rows = sorted([*self.rows, *other.rows], key=lambda r: order.get(r.engine, len(order)))
        slowest = max((r.seconds_per_epoch for r in rows if r.seconds_per_epoch), default=None)
        for r in rows:
            r.speedup = slowest / r.seconds_per_epoch if slowest and r.seconds_per_epoch else None
        return EngineFigures(rows, self.sizes, self.batch, self.epoch_rows, self.forward, self.training, self.load,
                             [*self.in_worker, *other.in_worker], other.load if other.in_worker else self.worker_load)


def measure(seed: int, quick: bool, tick: Callable[[int, int, str], None] = lambda done, total, what: None,
            data: Any = None, engines: list[str] | None = None, experiments: bool = True) -> EngineFigures:
    """The section's figures (``tick(done, total, what)`` before each step): the rows of ``engines`` (default
    every engine of the mode) and, with ``experiments``, the forward experiment and (not quick) training timings."""
    data = data if data is not None else load("digits", seed=seed)
    sizes = [data.n_features, HIDDEN, data.n_classes]
    weights = initialise("he", sizes, np.random.default_rng(seed))
    engines = list(engines if engines is not None else QUICK_ENGINES if quick else ENGINES)
    steps = len(engines) + (0 if not experiments else 1 if quick else 2)
    if "pytorch" in engines:
        tick(0, steps, "loading PyTorch")
        load_torch()
    if "jax" in engines:
        tick(0, steps, "loading JAX")
        load_jax()
    timed: list[str] = []

    def engine_tick(name: str) -> None:
        tick(len(timed), steps, f"timing {name}")
        timed.append(name)

    rows = call_with(engine_rows, sizes=sizes, activations=list(ACTIVATIONS), weights=weights,
                     X=data.X_train[:BATCH], Y=data.Y_train[:BATCH], loss=LOSS, engines=list(engines),
                     epoch_rows=len(data.X_train), X_epoch=data.X_train, Y_epoch=data.Y_train, tick=engine_tick,
                     min_seconds=TIMING_SECONDS)
    load_now = current_load()
    forward = training = None
    if experiments:
        tick(len(engines), steps, "the tutorial's forward-pass experiment")
        forward = call_with(forward_experiment, seed=seed, **FORWARD_SECONDS)
    if experiments and not quick:
        tick(len(engines) + 1, steps, "the tutorial's training run")
        training = call_with(tutorial_run, iterations=TIMING_ITERATIONS, seeds=[seed])
    return EngineFigures(rows, sizes, BATCH, len(data.X_train), forward, training, load_now)


def _work(conn: Connection, seed: int, quick: bool, engines: list[str], experiments: bool) -> None:
    """The worker process: load PyTorch and JAX if its engines need them, wait for "go" (nothing, or the pipe
    closed: stop), then send ("tick", (done, total, what)) messages and ("ok", figures) or ("error", text)."""
    try:
        if "pytorch" in engines:
            load_torch()
        if "jax" in engines:
            load_jax()
        try:
            conn.recv()
        except EOFError:
            return
        figures = measure(seed, quick, lambda done, total, what: conn.send(("tick", (done, total, what))),
                          engines=engines, experiments=experiments)
        figures.in_worker = list(engines) + (["experiments"] if experiments else [])
        conn.send(("ok", figures))
    except BaseException as error:  # noqa: BLE001 - reported to the report's process, which shows it
        where = traceback.extract_tb(error.__traceback__)
        at = f" (raised at {where[-1].filename}:{where[-1].lineno} in {where[-1].name})" if where else ""
        conn.send(("error", f"{type(error).__name__}: {error}{at}"))
    finally:
        conn.close()


class EngineWorker:
    """The rows of ``engines`` (default :data:`HEAVY_ENGINES`) and, with ``experiments``, the forward experiment
    and training timings, measured in a worker process started at once; :meth:`result` waits for them (fork
    where the platform has it and no other Python thread runs, else spawn, as
    :class:`nets.experiments.digits.SeedSpread`)."""

    def __init__(self, seed: int, quick: bool, engines: list[str] | None = None, experiments: bool = False) -> None:
        fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
        context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._started = False
        args = (child, seed, quick, list(engines or HEAVY_ENGINES), experiments)
        self._process = context.Process(target=_work, args=args, name="autonode-engine-timings", daemon=True)
        self._process.start()
        child.close()

    def go(self) -> None:
        """Start the timings (the worker has loaded what it needs, or finishes loading first)."""
        if not self._started:
            self._started = True
            try:
                self._conn.send("go")
            except OSError:  # the worker is gone; result() says so
                pass

    def result(self, tick: Callable[[int, int, str], None] = lambda done, total, what: None,
               poll: float = 0.5) -> EngineFigures:
        """The figures (starts the timings if :meth:`go` has not, and waits; ``tick`` as the worker reports each
        step). Raises RuntimeError if the worker failed."""
        self.go()
        try:
            while True:
                if self._conn.poll(poll):
                    try:
                        kind, value = self._conn.recv()
                    except EOFError:
                        code = self._process.exitcode
                        raise RuntimeError("the engine timings' worker process ended without its figures"
                                           + (f" (exit code {code})" if code is not None else "")) from None
                    if kind == "tick":
                        tick(*value)
                    elif kind == "ok":
                        figures: EngineFigures = value
                        return figures
                    else:
                        raise RuntimeError(f"in the engine timings' worker process: {value}")
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker if it still runs, and wait for it (idempotent)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()


def start(ctx: Context) -> None:
    """Start the worker process that loads PyTorch and JAX and later times them (not with --quick, which leaves
    both out)."""
    if not ctx.options.quick:
        ctx.background["engines"] = EngineWorker(ctx.options.seed, ctx.options.quick)


def figures_for(ctx: Context) -> EngineFigures:
    """The section's figures: measured here, plus the PyTorch and JAX rows from the worker started with the report
    (measured here too if it was not started)."""
    def tick(done: int, total: int, what: str) -> None:
        ctx.progress.update(done, total, what)

    worker: EngineWorker | None = ctx.background.get("engines")  # closed when the run ends, whatever happens
    engines = QUICK_ENGINES if ctx.options.quick else ENGINES
    here = [e for e in engines if worker is None or e not in HEAVY_ENGINES]
    if worker is not None:
        worker.go()  # its rows are timed on the other core while this process times the rest
    figures = measure(ctx.options.seed, ctx.options.quick, tick, data=digits_data(ctx), engines=here)
    if worker is None:
        return figures
    steps = len(figures.rows) + 2
    return figures.merge(worker.result(lambda done, total, what: tick(steps, steps + 1, f"{what} (worker process)")))


def engine_table(ctx: Context) -> tuple[str, list[Any]]:
    """The comparison rows on a batch of digits, and their HTML table (measured in this process)."""
    figures = measure(ctx.options.seed, ctx.options.quick, data=digits_data(ctx))
    return table_html(figures, ctx.options.quick), figures.rows


def table_html(figures: EngineFigures, quick: bool) -> str:
    """The engine table with its caption and, for rows without figures, the command that adds them."""
    rows, sizes, batch = figures.rows, figures.sizes, figures.batch
    cells, classes = [], []
    for r in rows:
        measured = r.max_output_diff is not None and r.max_gradient_diff is not None
        ok = r.max_output_diff is not None and r.max_gradient_diff is not None and \
            r.max_output_diff <= AGREE and r.max_gradient_diff <= AGREE
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
               f"one epoch = {figures.epoch_rows} rows. * per epoch = rows × time per sample (forward + backward, "
               "no optimizer step). Speed-up is over the slowest engine."
               f"{load_text(figures.load)}</p>")
    if figures.in_worker:
        names = " and ".join(escape(ROW_NAMES.get(name, name)) for name in figures.in_worker if name in ENGINES)
        caption += (f"<p id=\"engines-timed-alongside\"><small>{names}: loaded in a worker process started with "
                    "the report (loading them takes seconds, done while the digits networks trained), and timed "
                    "there after the training, at the same time as the other rows were timed here on the other "
                    "core.</small></p>")
    if quick:
        caption += "<p><small>--quick: PyTorch and JAX left out (their imports alone take seconds).</small></p>"
    missing = [r.engine for r in rows if r.max_output_diff is None and "not installed" in r.note]
    if missing:
        html += '<div class="note" id="engines-missing">' + "".join(
            f"<p>{escape(name)}: not installed here, so its row has no figures; "
            f"<code>{escape(install_command(name))}</code> adds it.</p>" for name in missing) + (
            f"<p><code>{escape(ALL)}</code> (the README's second install command) adds every extra.</p></div>")
    return caption + html


def _forward(ctx: Context, e: dict[str, Any]) -> str:
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


def _training(t: dict[str, Any]) -> str:
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
    figures = figures_for(ctx)
    rows = figures.rows
    parts = [intro, table_html(figures, ctx.options.quick)]
    if figures.forward is not None:
        parts.append(_forward(ctx, figures.forward))
    if figures.training is not None:
        parts.append(_training(figures.training))
    bad = [r.engine for r in rows if r.max_output_diff is not None and r.max_gradient_diff is not None
           and max(r.max_output_diff, r.max_gradient_diff) > AGREE]
    measured = sum(1 for r in rows if r.max_output_diff is not None)
    ctx.facts["engines"] = f"{measured - len(bad)}/{measured} engines agree"
    if bad:
        raise PartialSection("\n".join(parts), f"engines differ from the vectorised one by more than {AGREE:g}: "
                             + ", ".join(bad))
    return "\n".join(parts)
