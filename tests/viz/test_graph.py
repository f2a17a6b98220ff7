"""draw_graph rendered through the real renderer: node/edge counts, labels, data, grads, local derivatives."""

from __future__ import annotations

import math
from pathlib import Path

import graphviz
import pytest

import viz
from autonode import Value, vsum
from tests.svg_helpers import lecture_expression, parse_svg, record_values
from viz.style import GRAD_HIGH, hex_color


def karpathy_graph() -> dict[str, Value]:
    """The lecture's L = (a·b + c)·f after its backward pass."""
    nodes = lecture_expression()
    nodes["L"].backward()
    return nodes


# by hand: L = d·f; ∂L/∂d = f = −2, ∂L/∂f = d = 4, ∂L/∂e = ∂L/∂c = −2, ∂L/∂a = −2·b = 6, ∂L/∂b = −2·a = −4
EXPECTED = {"a": (2, 6), "b": (-3, -4), "c": (10, -2), "f": (-2, 4), "e": (-6, -2), "d": (4, -2), "L": (-8, 1)}


def test_records_show_label_data_and_grad(tmp_path: Path) -> None:
    g = karpathy_graph()
    graph = viz.draw_graph(g["L"])
    assert isinstance(graph, graphviz.Digraph)
    name = viz.render_svg(graph, tmp_path / "L.svg")
    assert name in ("dot", "graphviz-pure")
    nodes, edges, _ = parse_svg(tmp_path / "L.svg")
    records = {record_values(n)[0]: record_values(n)[1:] for n in nodes.values() if len(n.texts) == 3}
    assert records == {k: (float(v[0]), float(v[1])) for k, v in EXPECTED.items()}
    ops = sorted(n.texts[0] for n in nodes.values() if len(n.texts) == 1)
    assert ops == ["*", "*", "+"]
    assert len(nodes) == 7 + 3
    # each op: one edge per input into the op node, one edge from the op node to its value
    assert len(edges) == 6 + 3


def test_edges_connect_inputs_through_ops(tmp_path: Path) -> None:
    g = karpathy_graph()
    viz.render_svg(viz.draw_graph(g["L"]), tmp_path / "L.svg")
    nodes, edges, _ = parse_svg(tmp_path / "L.svg")
    label_of = {name: n.texts[0] for name, n in nodes.items()}
    wiring = sorted((label_of[e.tail], label_of[e.head]) for e in edges)
    assert wiring == sorted([
        ("a", "*"), ("b", "*"), ("*", "e"), ("e", "+"), ("c", "+"), ("+", "d"), ("d", "*"), ("f", "*"), ("*", "L"),
    ])


def test_local_gradients_on_edges(tmp_path: Path) -> None:
    # o = tanh(x1·w1 + x2·w2 + b) with n = 0.8813735870195432 so that o = 1/√2 and ∂o/∂n = 1 − o² = 0.5
    x1, x2, w1, w2 = Value(2.0, label="x1"), Value(0.0, label="x2"), Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    viz.render_svg(viz.draw_graph(o, show_local_grads=True), tmp_path / "o.svg")
    nodes, edges, _ = parse_svg(tmp_path / "o.svg")
    label_of = {name: nd.texts[0] for name, nd in nodes.items()}
    records = {record_values(nd)[0]: record_values(nd)[1:] for nd in nodes.values() if len(nd.texts) == 3}
    assert records["o"][0] == pytest.approx(1 / math.sqrt(2), abs=1e-4)
    assert records["n"][1] == pytest.approx(0.5)
    assert records["x1"][1] == pytest.approx(-1.5)  # w1·0.5
    assert records["w1"][1] == pytest.approx(1.0)  # x1·0.5
    assert records["x2"][1] == pytest.approx(0.5)  # w2·0.5
    assert records["w2"][1] == pytest.approx(0.0)  # x2·0.5
    locals_by_input = {label_of[e.tail]: float(e.texts[0].split()[1]) for e in edges if e.texts}
    assert locals_by_input["n"] == pytest.approx(0.5)  # tanh' = 1 − o²
    assert locals_by_input["x1"] == -3.0 and locals_by_input["w1"] == 2.0  # ∂(x·w)/∂x = w, ∂/∂w = x
    assert locals_by_input["b"] == 1.0


def test_same_expression_gives_identical_dot() -> None:
    first = viz.draw_graph(karpathy_graph()["L"], show_local_grads=True).source
    second = viz.draw_graph(karpathy_graph()["L"], show_local_grads=True).source
    assert first == second
    assert "0x" not in first  # no memory addresses


def test_repeated_input_draws_two_edges(tmp_path: Path) -> None:
    a = Value(3.0, label="a")
    y = a * a
    y.backward()
    viz.render_svg(viz.draw_graph(y, show_local_grads=True), tmp_path / "sq.svg")
    nodes, edges, _ = parse_svg(tmp_path / "sq.svg")
    assert record_values(nodes["v0"]) == ("a", 3.0, 6.0)  # ∂(a·a)/∂a = 2a
    into_op = [e for e in edges if e.head == "v1_op"]
    assert len(into_op) == 2 and all(float(e.texts[0].split()[1]) == 3.0 for e in into_op)


def test_colour_by_grad_and_unlabelled_nodes(tmp_path: Path) -> None:
    g = karpathy_graph()
    viz.render_svg(viz.draw_graph(g["L"]), tmp_path / "L.svg")
    nodes, _, _ = parse_svg(tmp_path / "L.svg")
    by_label = {n.texts[0]: n for n in nodes.values()}
    assert hex_color(GRAD_HIGH) in by_label["a"].fills  # |∂L/∂a| = 6 is the largest
    assert hex_color(GRAD_HIGH) not in by_label["c"].fills
    plain = viz.draw_graph(g["L"], color_by_grad=False).source
    assert "fillcolor" not in plain
    unnamed = Value(1.0) + Value(2.0)
    assert "#0" in viz.draw_graph(unnamed).source  # unlabelled values are named by position


def test_top_to_bottom_layout(tmp_path: Path) -> None:
    g = karpathy_graph()
    graph = viz.draw_graph(g["L"], rankdir="TB")
    assert "rankdir=TB" in graph.source
    viz.render_svg(graph, tmp_path / "tb.svg")
    nodes, _, _ = parse_svg(tmp_path / "tb.svg")
    assert record_values(nodes["v6"]) == ("L", -8.0, 1.0)


def test_node_limit_refuses_and_suggests_collapse() -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(600)]
    total = vsum([x * x for x in xs])  # 600 leaves + 600 products + sum: 1201 values, 601 ops
    with pytest.raises(viz.GraphTooLargeError, match=r"1802 nodes.*max_nodes=1000.*collapse='neuron'"):
        viz.draw_graph(total, max_nodes=1000)
    # x·x: two edges in per product, 600 edges into the sum, one op → value edge per op
    assert viz.draw_graph(total, max_nodes=None).source.count("->") == 2 * 600 + 600 + 601


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="autonode.Value"):
        viz.draw_graph(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(Value(1.0), rankdir="XY")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="collapse"):
        viz.draw_graph(Value(1.0) + 1, collapse="row")  # type: ignore[arg-type]


def test_record_special_characters_are_escaped(tmp_path: Path) -> None:
    a = Value(1.0, label="a|b{c}<d>")
    y = a * 2
    y.backward()
    viz.render_svg(viz.draw_graph(y), tmp_path / "esc.svg")
    nodes, _, _ = parse_svg(tmp_path / "esc.svg")
    assert record_values(nodes["v0"]) == ("a|b{c}<d>", 1.0, 2.0)


def test_non_finite_gradients_still_draw(tmp_path: Path) -> None:
    a = Value(1.0, label="a")
    b = a * 2
    b.label = "b"
    b.grad, a.grad = float("nan"), float("inf")
    viz.render_svg(viz.draw_graph(b), tmp_path / "nan.svg")
    nodes, _, _ = parse_svg(tmp_path / "nan.svg")
    grads = {n.texts[0]: n.texts[2] for n in nodes.values() if len(n.texts) == 3}
    assert grads["a"] == "grad inf" and grads["b"] == "grad nan"
