"""Drawing right after ``backward(create_graph=True)``: every grad is then a Value, shown by its number."""

from __future__ import annotations

import math
from pathlib import Path

import viz
from autonode import Value
from autonode.functional import gradient_graph
from tests.svg_helpers import parse_svg, record_values
from viz.notebook import value_svg

# by hand: y = tanh(a·b + b²) at a = 2, b = −3; u = −6 + 9 = 3, 1 − tanh²(3) = 0.00986603716544…
# ∂y/∂a = (1 − tanh²u)·b, ∂y/∂b = (1 − tanh²u)·(a + 2b)
SECH2 = 1 - math.tanh(3.0) ** 2
DY_DA = SECH2 * -3.0
DY_DB = SECH2 * (2.0 - 6.0)


def recorded() -> dict[str, Value]:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = (a * b + b**2).tanh()
    y.label = "y"
    y.backward(create_graph=True)
    assert isinstance(a.grad, Value)  # the situation under test
    return {"a": a, "b": b, "y": y}


def test_draw_graph_shows_value_grads_by_their_number(tmp_path: Path) -> None:
    g = recorded()
    graph = viz.draw_graph(g["y"], show_local_grads=True)
    viz.render_svg(graph, tmp_path / "y.svg")
    nodes, _, _ = parse_svg(tmp_path / "y.svg")
    records = {record_values(n)[0]: record_values(n)[1:] for n in nodes.values() if len(n.texts) == 3}
    assert math.isclose(records["a"][1], DY_DA, rel_tol=1e-3)
    assert math.isclose(records["b"][1], DY_DB, rel_tol=1e-3)
    assert records["y"][1] == 1.0
    # the tooltip keeps the full number, not a Value's repr
    assert f"grad={g['a'].grad.data!r}" in graph.source and math.isclose(g["a"].grad.data, DY_DA, rel_tol=1e-12)
    assert "Value(" not in graph.source


def test_notebook_display_of_a_value_after_create_graph() -> None:
    svg = value_svg(recorded()["y"])
    assert svg is not None and svg.lstrip().startswith("<?xml")
    assert f"grad {DY_DA:.4g}".replace("-", "&#45;") in svg  # (the renderer writes a minus sign as &#45;)


def test_the_recorded_backward_pass_of_gradient_graph_draws() -> None:
    _, out, grads = gradient_graph(lambda a, b: (a * b + b**2).tanh(), 2.0, -3.0, labels=("a", "b"))
    assert math.isclose(grads[0].data, DY_DA, rel_tol=1e-12)
    for root in (out, grads[0]):
        assert "digraph" in viz.draw_graph(root).source
    # after a second backward pass through the recorded graph the grads are numbers again and draw too
    grads[0].backward()
    assert f"{grads[0].data:.4g}" in viz.draw_graph(grads[0]).source
