"""Collapsing big graphs: neurons or layers as one box, grouping from labels or a callable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import viz
from autonode import Value, topological_order, vsum
from tests.svg_helpers import parse_svg, record_values
from viz.collapse import assign_groups, label_grouper

W1 = np.array([[0.2, -0.4, 0.6], [0.1, 0.3, -0.5], [-0.7, 0.2, 0.4], [0.5, 0.5, -0.1]])
B1 = np.array([0.1, -0.2, 0.3, 0.0])
W2 = np.array([[0.3, -0.6, 0.9, 0.2], [-0.4, 0.1, 0.5, -0.3]])
B2 = np.array([0.05, -0.05])
X = np.array([1.0, 2.0, -1.0])
Y = np.array([1.0, 0.0])


def labelled_mlp() -> Value:
    """3-4-2 sigmoid MLP built node by node, parameters labelled L<layer>.N<neuron>.w<j> / .b; loss Σ(o − y)²."""
    h = [Value(float(v), label=f"x{j}") for j, v in enumerate(X)]
    for layer, (W, b) in enumerate([(W1, B1), (W2, B2)], 1):
        out = []
        for i in range(W.shape[0]):
            z = Value(float(W[i, 0]), label=f"L{layer}.N{i}.w0") * h[0]
            for j in range(1, W.shape[1]):
                z = z + Value(float(W[i, j]), label=f"L{layer}.N{i}.w{j}") * h[j]
            out.append((z + Value(float(b[i]), label=f"L{layer}.N{i}.b")).sigmoid())
        h = out
    loss = vsum([(o - Value(float(y), label=f"y{k}")) ** 2 for k, (o, y) in enumerate(zip(h, Y))])
    loss.label = "J"
    loss.backward()
    return loss


def numpy_reference() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """h1, ∂J/∂h1 and the squared errors by hand: σ(z) = 1/(1+e^−z), σ' = σ(1−σ), J = Σ(h2 − y)²."""
    h1 = 1 / (1 + np.exp(-(W1 @ X + B1)))
    h2 = 1 / (1 + np.exp(-(W2 @ h1 + B2)))
    delta2 = 2 * (h2 - Y) * h2 * (1 - h2)
    return h1, W2.T @ delta2, (h2 - Y) ** 2


def test_neuron_collapse_counts_and_values(tmp_path: Path) -> None:
    loss = labelled_mlp()
    viz.render_svg(viz.draw_graph(loss, collapse="neuron"), tmp_path / "n.svg")
    nodes, edges, _ = parse_svg(tmp_path / "n.svg")
    groups = {n.texts[0]: n for n in nodes.values() if n.name.startswith("g")}
    assert sorted(groups) == [f"L1.N{i}" for i in range(4)] + ["L2.N0", "L2.N1"]
    # a layer-1 neuron: 3 w + b + 3 products + 2 adds + (+b) + sigmoid = 11 nodes
    assert all(groups[f"L1.N{i}"].texts[1] == "11 nodes" for i in range(4))
    # a layer-2 neuron: 4 w + b + 4 products + 3 adds + (+b) + sigmoid + (o − y) + square = 16 nodes
    assert groups["L2.N0"].texts[1] == "16 nodes"
    h1, dh1, sq = numpy_reference()
    for i in range(4):
        data, grad = (float(t.split()[1]) for t in groups[f"L1.N{i}"].texts[2:4])
        assert data == pytest.approx(h1[i], rel=1e-3) and grad == pytest.approx(dh1[i], rel=1e-3)
    for k in range(2):
        data, grad = (float(t.split()[1]) for t in groups[f"L2.N{k}"].texts[2:4])
        assert data == pytest.approx(sq[k], rel=1e-3) and grad == 1.0
    loose = sorted(record_values(n)[0] for n in nodes.values() if n.name.startswith("v") and len(n.texts) == 3)
    assert loose == ["J", "x0", "x1", "x2", "y0", "y1"]
    assert len(nodes) == 6 + 6 + 1  # groups, loose values, the sum's op node
    # x → every layer-1 neuron (12), layer 1 → layer 2 (8), y_k → L2.N_k (2), L2 → sum op (2), op → J (1)
    assert len(edges) == 12 + 8 + 2 + 2 + 1


def test_layer_collapse_merges_edges(tmp_path: Path) -> None:
    loss = labelled_mlp()
    graph = viz.draw_graph(loss, collapse="layer")
    viz.render_svg(graph, tmp_path / "l.svg")
    nodes, edges, _ = parse_svg(tmp_path / "l.svg")
    groups = {n.texts[0]: n for n in nodes.values() if n.name.startswith("g")}
    assert sorted(groups) == ["L1", "L2"]
    assert groups["L1"].texts[1:3] == ["44 nodes", "4 outputs"]
    # the loss sums outputs of one layer only, so it joins L2: 2·16 + sum = 33 nodes, output J
    assert groups["L2"].texts[1] == "33 nodes"
    assert float(groups["L2"].texts[2].split()[1]) == pytest.approx(numpy_reference()[2].sum(), rel=1e-3)
    counts = sorted(e.texts[0] if e.texts else "x1" for e in edges)
    assert counts == ["x1", "x1", "x4", "x4", "x4", "x8"]  # y0, y1 → L2; x_j → L1 (4 each); L1 → L2 (8)


def test_grouping_rules() -> None:
    loss = labelled_mlp()
    order = topological_order(loss)
    groups = assign_groups(order, label_grouper("neuron"))
    by_label = {n.label: groups.get(n) for n in order if n.label}
    assert by_label["L2.N1.w3"] == (2, "L2.N1")
    assert by_label["x0"] is None and by_label["J"] is None
    # w·h with w in L2.N0 and h from L1.N2: the later stage wins
    product = next(n for n in order if n.op == "*" and n.parents[0].label == "L2.N0.w2")
    assert groups[product] == (2, "L2.N0")


def test_constant_leaves_join_their_only_group() -> None:
    w = Value(0.5, label="L1.N0.w0")
    x = Value(2.0, label="x")
    h = (w * x).sigmoid()
    out = 1 - h  # the constant 1 is an unlabelled leaf used only inside L1.N0
    groups = assign_groups(topological_order(out), label_grouper("neuron"))
    one = next(n for n in topological_order(out) if not n.parents and not n.label)
    assert groups[one] == (1, "L1.N0") and groups[out] == (1, "L1.N0")


def test_custom_grouper(tmp_path: Path) -> None:
    a, b = Value(1.0, label="first:a"), Value(2.0, label="second:b")
    c = a * 3
    d = c + b
    d.backward()

    def by_prefix(node: Value) -> tuple[int, str] | None:
        if ":" not in node.label:
            return None
        name = node.label.split(":")[0]
        return {"first": 1, "second": 2}[name], name

    viz.render_svg(viz.draw_graph(d, collapse=by_prefix), tmp_path / "c.svg")
    nodes, edges, _ = parse_svg(tmp_path / "c.svg")
    names = sorted(n.texts[0] for n in nodes.values())
    assert names == ["first", "second"]  # c joins "first"; d joins the later stage "second"
    label_of = {name: n.texts[0] for name, n in nodes.items()}
    assert [(label_of[e.tail], label_of[e.head]) for e in edges] == [("first", "second")]


def test_per_node_mlp_too_big_uncollapsed_fits_collapsed(tmp_path: Path) -> None:
    scalar = pytest.importorskip("nets.scalar")
    net = scalar.MLP(64, [30, 10], activations="sigmoid", seed=0, fused=False)
    x = np.linspace(0.0, 16.0, 64)
    out = net.forward(x)
    loss = vsum([(o - (1.0 if k == 3 else 0.0)) ** 2 for k, o in enumerate(out)])
    loss.backward()
    with pytest.raises(viz.GraphTooLargeError, match="collapse='neuron'"):
        viz.draw_graph(loss)
    viz.render_svg(viz.draw_graph(loss, collapse="neuron"), tmp_path / "mlp.svg")
    nodes, _, _ = parse_svg(tmp_path / "mlp.svg")
    names = [n.texts[0] for n in nodes.values() if n.name.startswith("g")]
    expected = [f"layer 0 neuron {i}" for i in range(30)] + [f"layer 1 neuron {k}" for k in range(10)]
    assert sorted(names) == sorted(expected)
