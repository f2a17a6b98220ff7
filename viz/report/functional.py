"""Section: forward mode against reverse mode, Newton's method, and a backward pass differentiated again.

Figures from :mod:`nets.experiments.forward_reverse` (a full Jacobian by ``jacfwd`` and by
``jacrev``/``grad`` as the inputs or the outputs grow) and :mod:`nets.walkthrough.newton`
(the tutorial's f(x) = x⁴ − 3x³ + 2 minimised with f′ = grad(f) and f″ = grad(grad(f))); the
drawing is f′'s graph as ``backward(create_graph=True)`` records it, after its own backward pass.
"""

from __future__ import annotations

from html import escape
from typing import Any

from autonode import Value, topological_order
from nets.experiments.forward_reverse import MANY_INPUTS, timing_rows
from nets.walkthrough.newton import gradient_descent, newton
from nets.walkthrough.tutorial import f
from viz.graph import draw_graph
from viz.report.context import Context
from viz.report.engines import load_text
from viz.report.numbers import ratio, seconds, sig
from viz.report.page import DegradedSection, figure, missing_figure, table

SIZES = (2, 8, 32)
QUICK_SIZES = (2, 8)
X0 = 6.0  # the tutorial's start


def _mode_table(ctx: Context) -> str:
    rows = timing_rows(sizes=QUICK_SIZES if ctx.options.quick else SIZES, rounds=3, min_seconds=0.005,
                       seed=ctx.options.seed)
    cells = []
    for r in rows:
        cells.append([escape(r["shape"].replace("ᵏ", f"^{r['k']}")), str(r["k"]), str(r["forward_passes"]),
                      str(r["reverse_passes"]), seconds(r["forward_seconds"]), seconds(r["reverse_seconds"]),
                      f'<span title="{r["forward_over_reverse"]!r}">{ratio(r["forward_over_reverse"])}</span>',
                      f'<span data-value="{r["max_abs_diff"]!r}">{r["max_abs_diff"]:.1e}</span>'])
    ctx.progress.update(1, 3, "forward and reverse mode timed")
    widest = max((r for r in rows if r["shape"] == MANY_INPUTS), key=lambda r: r["k"])
    ctx.facts["forward vs reverse"] = (f"gradient of ℝ^{widest['k']} → ℝ: forward mode "
                                       f"{ratio(widest['forward_over_reverse'])} the time of reverse")
    return table(["function", "k", "forward passes", "reverse passes", "forward mode", "reverse mode",
                  "forward ÷ reverse", "max |Δ|"], cells, numeric=[False, True, True, True, True, True, True, True],
                 element_id="forward-reverse")


def _newton_table() -> tuple[str, dict[str, Any]]:
    steps, descent = newton(), gradient_descent()
    cells = [[str(it.step), sig(it.x), sig(it.first_derivative), sig(it.second_derivative or 0.0), sig(it.x_next)]
             for it in steps]
    summary = {"newton": len(steps), "newton_x": steps[-1].x_next, "descent": len(descent),
               "descent_x": descent[-1].x_next}
    return table(["step", "x", "f′(x) = grad(f)", "f″(x) = grad(grad(f))", "x − f′/f″"], cells,
                 numeric=[True] * 5, element_id="newton-steps"), summary


def double_backward() -> tuple[Value, float, float]:
    """f′ as a recorded graph at x = 6, then its own backward pass: returns (f′ node, f′(6), f″(6))."""
    x = Value(X0, label="x")
    y = f(x)
    y.backward(create_graph=True)
    first = x.grad
    if not isinstance(first, Value):
        raise TypeError("backward(create_graph=True) left a number in x.grad, not a recorded Value")
    first.label = "f′(x)"
    for node in topological_order(first):
        if node.label == "seed":  # backward()'s starting gradient: named by what it is, not a third "seed"
            node.label = "∂f/∂f"
    x.grad = 0.0
    first.backward()
    return first, float(first.data), float(x.grad)


def build(ctx: Context) -> str:
    """The forward/reverse table, Newton's iterates and the double-backward drawing."""
    ctx.progress.update(0, 3, "timing forward and reverse mode")
    modes = _mode_table(ctx)
    newton_html, summary = _newton_table()
    ctx.progress.update(2, 3, "Newton's method")
    first, d1, d2 = double_backward()
    ctx.facts["Newton"] = f"{summary['newton']} steps against gradient descent's {summary['descent']}"
    drawing = ctx.draw(draw_graph(first, rankdir="TB", show_local_grads=True,
                                  title="f′(x) for f(x) = x⁴ − 3x³ + 2, recorded; grad = ∂f′/∂node"),
                       "double-backward.svg")
    if drawing.svg:
        shown = figure(drawing.svg, "double-backward.svg: the backward pass of f, recorded as a graph and "
                       "differentiated once more", element_id="double-backward")
    else:
        shown = missing_figure([drawing.name], drawing.problem, element_id="double-backward-missing")
    body = "\n".join([
        "<p class=\"intro\">autonode differentiates in two directions. Reverse mode (<code>grad</code>, "
        "<code>jacrev</code>: record the graph, then one <code>backward()</code> per output) costs one pass per "
        "output; forward mode (<code>jacfwd</code>: dual numbers carried through the computation) costs one pass "
        "per input. So for k inputs and one output reverse mode wins by about k, and for one input and k outputs "
        "forward mode does. Each function below is a chain whose length grows with k; both modes compute the same "
        f"Jacobian (last column). Timings are this machine's, the two modes alternated in one run.{load_text()}</p>",
        modes,
        "<h3>Newton's method: a derivative of a derivative</h3>",
        f"<p>The tutorial minimises f(x) = x⁴ − 3x³ + 2 by gradient descent from x = {X0:g}: "
        f"<b>{summary['descent']}</b> steps to {sig(summary['descent_x'])}. Newton's method steps to the minimum of "
        "the local parabola, x ← x − f′(x)/f″(x), with f′ = grad(f) and f″ = grad(grad(f)) (the backward pass of f "
        f"is itself recorded and differentiated, no derivative written by hand): <b>{summary['newton']}</b> steps "
        f"to {sig(summary['newton_x'])} (the exact minimum is 9/4).</p>",
        newton_html,
        "<h3>The backward pass as a graph</h3>",
        f"<p>With <code>backward(create_graph=True)</code> the chain-rule products are Values too, so f′(x) is a "
        f"graph like any other. Drawn at x = {X0:g}: f′(6) = <b>{sig(d1)}</b> (by hand 4·6³ − 9·6² = 540). Its own "
        f"backward pass gives x the grad f″(6) = <b id=\"second-derivative\">{sig(d2)}</b> (by hand 12·6² − 18·6 = "
        "324). The box ∂f/∂f = 1 is where every backward pass starts; boxes numbered #1, #2, … are the pass's "
        "unnamed values, its constants and intermediate products, numbered in the order they were made.</p>",
        shown,
    ])
    ctx.progress.update(3, 3, "double backward drawn")
    if not drawing.svg:
        raise DegradedSection(body, drawing.problem)
    return body
