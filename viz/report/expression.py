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
import math
import re
from dataclasses import dataclass
from html import escape
from typing import Any

from autonode import Value, numerical_gradient, topological_order
from viz.graph import draw_graph
from viz.report.context import Context
from viz.report.numbers import sig
from viz.report.page import DegradedSection, figure, missing_figure, table
from viz.steps import PassState, backward_states
from viz.style import grad_fill

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
    leaves = {name: Value(v, label=name) for name, v in zip(LEAF_NAMES, (*INPUTS, *WEIGHTS, TARGET))}
    loss = loss_of(*leaves.values())
    return Expression(loss, leaves, topological_order(loss))


def _central_differences(expr: Expression) -> str:
    """Each input's grad from backward() beside (L(v + ε) - L(v - ε)) / 2ε."""
    numeric = numerical_gradient(loss_of, [expr.leaves[n].data for n in LEAF_NAMES])
    rows = []
    for name, estimate in zip(LEAF_NAMES, numeric):
        grad = expr.leaves[name].grad
        rows.append([escape(name), sig(grad), sig(estimate), f"{abs(grad - estimate):.1e}"])
    return table(["input", "grad by backward()", "central difference, ε = 1e-6", "|Δ|"], rows,
                 numeric=[False, True, True, True], element_id="expr-gradcheck")


def _name(node: Any) -> str:
    return str(node.label or f"#{node.id}")


def step_records(expr: Expression, digits: int = 4) -> dict[str, Any]:
    """The JSON the page's script reads, from :func:`viz.steps.backward_states` (the pass ``--steps`` draws too).

    ``order``: the DOT names of the value nodes (``v<i>``, i = position in topological order);
    ``start`` and each of ``steps``: every node's gradient after that many chain-rule steps and
    its fill colour; each step also names the nodes and edge to highlight and its arithmetic.
    """
    order, names, states = backward_states(expr.root, digits=digits)
    dot = {node: f"v{i}" for i, node in enumerate(order)}
    final = states[-1].grads
    largest = max((abs(g) for g in final.values() if math.isfinite(g)), default=0.0)

    def picture(state: PassState) -> dict[str, Any]:
        grads = [state.grads[node] for node in order]
        return {"grads": grads, "fills": [grad_fill(g, largest) for g in grads], "text": state.text}

    steps = []
    for state in states[1:]:
        step = state.step
        assert step is not None
        node, parent = dot[step.node], dot[step.parent]
        steps.append(picture(state) | {
            "node": node, "op_node": node + "_op", "parent": parent, "edge": f"{parent}->{node}_op",
            "node_label": _name(step.node), "parent_label": _name(step.parent), "op": step.node.op,
            "node_name": names[step.node], "parent_name": names[step.parent],
            "upstream": step.upstream, "local": step.local, "contribution": step.contribution,
            "parent_grad": state.grads[step.parent],
        })
    return {"order": [dot[node] for node in order], "root": names[expr.root], "start": picture(states[0]),
            "steps": steps}


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
        rows.append([escape(_name(node)), escape(kind), sig(node.data), sig(node.grad)])
    return table(["node", "op", "data", "grad = ∂L/∂node"], rows, numeric=[False, False, True, True],
                 element_id="expr-values")


def _steps_table(records: list[dict[str, Any]]) -> str:
    rows = []
    for n, r in enumerate(records, 1):
        numbers = [sig(r[key], 6) for key in ("upstream", "local", "contribution", "parent_grad")]
        rows.append([str(n), escape(f"[{r['op']}] {r['node_label']} → {r['parent_label']}"), *numbers])
    return table(["step", "node → input", "∂L/∂node (upstream)", "∂node/∂input (local)", "product (contribution)",
                  "∂L/∂input so far"], rows, numeric=[True, False, True, True, True, True], element_id="step-list")


def _controls(count: int, drawn: bool) -> str:
    legend = ("""<span class="legend-box" style="border-color:#1f4e9c"></span> node being processed
&nbsp; <span class="legend-box" style="border-color:#c0392b"></span> input receiving the contribution
(arrow keys also step when this box has focus)""" if drawn else "arrow keys also step when this box has focus")
    return f"""<div id="stepper" tabindex="0" data-step="0">
<div class="stepper-controls">
<button type="button" id="step-prev">◀ previous</button>
<input type="range" id="step-slider" min="0" max="{count}" step="1" value="0" aria-label="backward step">
<button type="button" id="step-next">next ▶</button>
<span id="step-counter">start (step 0 of {count})</span>
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
    expr = build_expression()
    expr.root.backward()
    spec = step_records(expr)
    records = spec["steps"]
    drawing = ctx.draw(draw_graph(expr.root, rankdir="TB", show_local_grads=True, title=FORMULA), "expression.svg")
    if drawing.svg:
        check_titles(drawing.svg, records)
        shown = figure(drawing.svg, "expression.svg: each node's data and its grad as the stepper above has it "
                       "(the final grads once the last step is shown)", element_id="expr-graph")
        reading = ("Each box shows a value's label, its data from the forward pass and its grad ∂L/∂value from the "
                   "backward pass; each ellipse is the operation that made it, and each edge into an operation carries "
                   "the local derivative (the chain-rule factor). Boxes with larger |grad| are shaded darker.")
        follow = ("every box shows its grad as it stands after that many steps (0 until the pass reaches it); "
                  "zoomed in, the drawing follows the node being processed")
    else:
        shown = missing_figure([drawing.name], drawing.problem, element_id="expr-graph-missing")
        reading = ("The table “Every node” below lists each value's data from the forward pass and its grad "
                   "∂L/∂value from the backward pass.")
        follow = "the step being processed is highlighted in the table of steps"
    spec["graph"] = "expr-graph" if drawing.svg else None
    payload = json.dumps(spec).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    ctx.facts["expression"] = f"L = {expr.root.data:.6g}, {len(records)} chain-rule steps"
    w_grads = ", ".join(f"∂L/∂{k} = {expr.leaves[k].grad:.6g}" for k in ("w1", "w2", "w3"))
    body = "\n".join([
        "<p class=\"intro\">The neuron of “Neural Networks - step by step” (seed 001; inputs 1, 3, 5; weights 0.5, "
        "1.2, −0.3; sigmoid) with a "
        f"squared-error loss against the label y = 1: <code>{escape(FORMULA)}</code>. {reading}</p>",
        f"<p>L = {sig(expr.root.data)}; {escape(w_grads)}.</p>",
        "<h3>The backward pass, one chain-rule step at a time</h3>",
        "<p class=\"intro\">Backpropagation visits the nodes from L back to the inputs. It starts with ∂L/∂L = 1 "
        "and every other gradient 0. At each step the node's own gradient (upstream, ∂L/∂node) is multiplied by the "
        "local derivative of the node with respect to one of its inputs (∂node/∂input), and the product is added to "
        "that input's gradient: <code>∂L/∂node · ∂node/∂input = contribution</code>. Compound node names are written "
        f"in parentheses, e.g. ∂L/∂(y − h). Step through with the buttons or the slider; {follow}."
        "</p>",
        # controls and drawing in one block: the controls stay on screen (sticky) while the drawing is read
        '<div class="stepper-block">',
        _controls(len(records), drawn=bool(drawing.svg)),
        shown,
        "</div>",
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
