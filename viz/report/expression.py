"""Section 2: one expression drawn with data and grad on every node, and its backward pass step by step.

The expression is the step-by-step seed's neuron with a squared-error loss::

    z = x1·w1 + x2·w2 + x3·w3,   h = sigmoid(z),   L = (y - h)²
    x = (1, 3, 5),  w = (0.5, 1.2, -0.3),  y = 1      (z = 2.6, h = 0.9308616)

The graph is drawn once (final data and grad on every node, local derivative on each
edge); the page's script then highlights, for each chain-rule step of
:func:`autonode.backward_steps`, the node processed and the parent receiving
``upstream × local``. Graphviz keeps each DOT node name as the ``<title>`` of its SVG
group, which is how the script finds them: value nodes are ``v<i>`` (i = position in
:func:`autonode.topological_order`), their op ellipses ``v<i>_op``.

Without a Graphviz renderer the section keeps the formula, the stepper (text and step
list only), the node table and the central-difference check, with the renderer's install
hint in place of the drawing, and is reported as degraded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape
from typing import Any

from viz.report.context import Context
from viz.report.page import DegradedSection, figure, missing_figure, table

INPUTS = (1.0, 3.0, 5.0)
WEIGHTS = (0.5, 1.2, -0.3)
TARGET = 1.0
FORMULA = "L = (y − sigmoid(x1·w1 + x2·w2 + x3·w3))²"
_TITLE = re.compile(r"<title>([^<]*)</title>")


@dataclass(frozen=True)
class Expression:
    """The root L, the named leaves and every node in topological order."""

    root: Any
    leaves: dict[str, Any]
    order: list[Any]


LEAF_NAMES = ("x1", "x2", "x3", "w1", "w2", "w3", "y")


def loss_of(x1: Any, x2: Any, x3: Any, w1: Any, w2: Any, w3: Any, y: Any) -> Any:
    """L = (y - sigmoid(x1·w1 + x2·w2 + x3·w3))² on Values, every inner node labelled."""
    x, w = (x1, x2, x3), (w1, w2, w3)
    products = []
    for i, (xi, wi) in enumerate(zip(x, w)):
        p = xi * wi
        p.label = f"x{i + 1}·w{i + 1}"
        products.append(p)
    partial = products[0] + products[1]
    partial.label = "x1·w1 + x2·w2"
    z = partial + products[2]
    z.label = "z"
    h = z.sigmoid()
    h.label = "h"
    error = y - h
    error.label = "y − h"
    loss = error**2
    loss.label = "L"
    return loss


def build_expression() -> Expression:
    """The seed neuron's loss as Values, labelled so each node reads like the formula."""
    from autonode import Value, topological_order

    leaves = {name: Value(v, label=name) for name, v in zip(LEAF_NAMES, (*INPUTS, *WEIGHTS, TARGET))}
    loss = loss_of(*leaves.values())
    return Expression(loss, leaves, topological_order(loss))


def _central_differences(expr: Expression) -> str:
    """Each input's grad from backward() beside (L(v + ε) - L(v - ε)) / 2ε."""
    from autonode import numerical_gradient

    numeric = numerical_gradient(loss_of, [expr.leaves[n].data for n in LEAF_NAMES])
    rows = []
    for name, estimate in zip(LEAF_NAMES, numeric):
        grad = expr.leaves[name].grad
        rows.append([escape(name), f"{grad:.10g}", f'<span data-value="{estimate!r}">{estimate:.10g}</span>',
                     f"{abs(grad - estimate):.1e}"])
    return table(["input", "grad by backward()", "central difference, ε = 1e-6", "|Δ|"], rows,
                 numeric=[False, True, True, True], element_id="expr-gradcheck")


def _name(node: Any) -> str:
    return str(node.label or f"#{node.id}")


def step_records(expr: Expression, steps: list[Any]) -> list[dict[str, Any]]:
    """The JSON the page's script reads: DOT names to highlight, the product, the parent's running grad."""
    names = {node: f"v{i}" for i, node in enumerate(expr.order)}
    running = {node: 0.0 for node in expr.order}
    running[expr.root] = 1.0
    records = []
    for step in steps:
        running[step.parent] += step.contribution
        node, parent = names[step.node], names[step.parent]
        records.append({
            "node": node, "op_node": node + "_op", "parent": parent, "edge": f"{parent}->{node}_op",
            "node_label": _name(step.node), "parent_label": _name(step.parent), "op": step.node.op,
            "upstream": step.upstream, "local": step.local, "contribution": step.contribution,
            "parent_grad": running[step.parent],
        })
    return records


def check_titles(svg_markup: str, records: list[dict[str, Any]]) -> None:
    """Every node and edge the script will highlight must exist in the drawing."""
    titles = {t.replace("&#45;", "-").replace("&gt;", ">") for t in _TITLE.findall(svg_markup)}
    wanted = {r[k] for r in records for k in ("node", "parent", "edge", "op_node")}
    missing = sorted(wanted - titles)
    if missing:
        raise RuntimeError(
            f"the drawing has no nodes/edges titled {', '.join(missing[:5])}: viz.draw_graph's DOT names changed, "
            "so the step-through cannot highlight nodes"
        )


def _values_table(expr: Expression) -> str:
    rows = []
    for node in expr.order:
        kind = "input" if not node.parents else node.op
        rows.append([escape(_name(node)), escape(kind), f'<span data-value="{node.data!r}">{node.data:.10g}</span>',
                     f'<span data-value="{node.grad!r}">{node.grad:.10g}</span>'])
    return table(["node", "op", "data", "grad = ∂L/∂node"], rows, numeric=[False, False, True, True],
                 element_id="expr-values")


def _steps_table(records: list[dict[str, Any]]) -> str:
    rows = []
    for n, r in enumerate(records, 1):
        numbers = [f"{r[key]:.6g}" for key in ("upstream", "local", "contribution", "parent_grad")]
        rows.append([str(n), escape(f"[{r['op']}] {r['node_label']} → {r['parent_label']}"), *numbers])
    return table(["step", "node → input", "upstream ∂L/∂node", "local ∂node/∂input", "contribution",
                  "input's grad so far"], rows, numeric=[True, False, True, True, True, True], element_id="step-list")


def _controls(count: int, drawn: bool) -> str:
    legend = ("""<span class="legend-box" style="border-color:#1f4e9c"></span> node being processed
&nbsp; <span class="legend-box" style="border-color:#c0392b"></span> input receiving the gradient
(arrow keys also step when this box has focus)""" if drawn else "arrow keys also step when this box has focus")
    return f"""<div id="stepper" tabindex="0" data-step="1">
<div class="stepper-controls">
<button type="button" id="step-prev">◀ previous</button>
<input type="range" id="step-slider" min="1" max="{count}" step="1" value="1" aria-label="backward step">
<button type="button" id="step-next">next ▶</button>
<span id="step-counter">step 1 of {count}</span>
</div>
<p>chain rule: <span id="step-product"></span></p>
<p id="step-explain"></p>
<p><small>{legend}.</small></p>
</div>"""


def build(ctx: Context) -> str:
    """The graph, the value table, the stepper and its step list.

    Without a renderer everything but the drawing is shown (the stepper then highlights the step
    list only) and :class:`~viz.report.page.DegradedSection` reports the missing drawing.
    """
    from autonode import backward_steps
    from viz import draw_graph

    expr = build_expression()
    steps = backward_steps(expr.root)
    records = step_records(expr, steps)
    drawing = ctx.draw(draw_graph(expr.root, show_local_grads=True, title=FORMULA), "expression.svg")
    if drawing.svg:
        check_titles(drawing.svg, records)
        shown = figure(drawing.svg, "expression.svg: every node's final data and grad", wide=True,
                       element_id="expr-graph")
        reading = ("Each box shows a value's label, its data from the forward pass and its grad ∂L/∂value from the "
                   "backward pass; each ellipse is the operation that made it, and each edge into an operation carries "
                   "the local derivative (the chain-rule factor). Boxes with larger |grad| are shaded darker.")
        follow = "the drawing scrolls to the node being processed"
    else:
        shown = missing_figure([drawing.name], drawing.problem, element_id="expr-graph-missing")
        reading = ("The table “Every node” below lists each value's data from the forward pass and its grad "
                   "∂L/∂value from the backward pass.")
        follow = "the step being processed is highlighted in the table of steps"
    payload = json.dumps({"graph": "expr-graph" if drawing.svg else None, "steps": records}).replace("</", "<\\/")
    ctx.facts["expression"] = f"L = {expr.root.data:.6g}, {len(records)} chain-rule steps"
    w_grads = ", ".join(f"∂L/∂{k} = {expr.leaves[k].grad:.6g}" for k in ("w1", "w2", "w3"))
    body = "\n".join([
        "<p class=\"intro\">The step-by-step seed's neuron (inputs 1, 3, 5; weights 0.5, 1.2, −0.3; sigmoid) with a "
        f"squared-error loss against the label y = 1: <code>{escape(FORMULA)}</code>. {reading}</p>",
        f"<p>L = {expr.root.data:.10g}; {escape(w_grads)}.</p>",
        "<h3>The backward pass, one chain-rule step at a time</h3>",
        "<p class=\"intro\">Backpropagation visits the nodes from L back to the inputs. At each step the node's own "
        "gradient (upstream, ∂L/∂node) is multiplied by the local derivative of the node with respect to one of its "
        f"inputs, and the product is added to that input's grad. Step through with the buttons or the slider; {follow}."
        "</p>",
        _controls(len(records), drawn=bool(drawing.svg)),
        shown,
        f'<script type="application/json" id="steps-data">{payload}</script>',
        _steps_table(records),
        "<h3>Every node</h3>",
        _values_table(expr),
        "<h3>Checked by central differences</h3>",
        "<p>Nudging each input by ±ε and re-running the forward pass estimates the same gradients without the chain "
        "rule; they agree with backward() to about 1e-10, the estimate's own rounding and truncation error.</p>",
        _central_differences(expr),
    ])
    if not drawing.svg:
        raise DegradedSection(body, drawing.problem)
    return body
