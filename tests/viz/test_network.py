"""draw_network: the seed's 3-3-1 figure, edge colour/width by weight or gradient, both engines."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import viz
from tests.svg_helpers import ellipse_centres, parse_svg

# the seed tutorial's example network (000_…, section 3): 3 inputs, 3 hidden, 1 output, sigmoid
SEED_W = [
    (np.array([[0.2, 0.2, 0.2], [0.4, 0.4, 0.4], [0.6, 0.6, 0.6]]), np.array([0.8, 0.8, 0.8])),
    (np.array([[0.5, 0.5, 0.5]]), np.array([0.2])),
]
SEED_X = np.array([1.5, 2.0, 3.0])
SEED_H2 = [0.8909, 0.9677, 0.9909]  # printed in the seed
SEED_OUT = 0.8354


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_seed_network_figure(tmp_path: Path) -> None:
    h2 = 1 / (1 + np.exp(-(SEED_W[0][0] @ SEED_X + SEED_W[0][1])))
    out = 1 / (1 + np.exp(-(SEED_W[1][0] @ h2 + SEED_W[1][1])))
    assert np.allclose(h2, SEED_H2, atol=1e-4) and out[0] == pytest.approx(SEED_OUT, abs=1e-4)
    graph = viz.draw_network(SEED_W, activations=[SEED_X, h2, out], activation_names=["sigmoid", "sigmoid"],
                              digits=4)
    viz.render_svg(graph, tmp_path / "net.svg")
    nodes, edges, root = parse_svg(tmp_path / "net.svg")
    assert len(nodes) == 3 + 3 + 1 + 2  # neurons + one +1 bias node per weight layer
    assert len(edges) == (9 + 3) + (3 + 1)  # W entries + b entries
    labels = {name: n.texts for name, n in nodes.items()}
    assert labels["L0_N0"] == ["x1", "1.5"] and labels["L1_B"] == ["+1"]
    assert [float(labels[f"L1_N{i}"][1]) for i in range(3)] == pytest.approx(SEED_H2, abs=1e-4)
    assert labels["L2_N0"][0] == "h1(3)" and float(labels["L2_N0"][1]) == pytest.approx(SEED_OUT, abs=1e-4)
    weight_of = {(e.tail, e.head): float(e.texts[0]) for e in edges}
    assert weight_of[("L0_N2", "L1_N1")] == 0.4  # W[0][1, 2]
    assert weight_of[("L0_B", "L1_N2")] == 0.8 and weight_of[("L1_B", "L2_N0")] == 0.2
    assert "3-3-1  (sigmoid, sigmoid)" in graph.source
    # layers are columns left to right, neurons top to bottom in order, the bias at the bottom
    at = ellipse_centres(root)
    assert at["L0_N0"][0] == at["L0_N2"][0] == at["L0_B"][0] < at["L1_N0"][0] < at["L2_N0"][0]
    assert at["L1_N0"][1] < at["L1_N1"][1] < at["L1_N2"][1] < at["L1_B"][1]


def test_edge_colour_and_width_follow_the_weight(tmp_path: Path) -> None:
    weights = [(np.array([[1.0, -1.0], [0.25, -0.04]]), np.array([0.0, 0.5]))]
    viz.render_svg(viz.draw_network(weights), tmp_path / "w.svg")
    _, edges, _ = parse_svg(tmp_path / "w.svg")
    by_pair = {(e.tail, e.head): e for e in edges}
    positive, negative = by_pair[("L0_N0", "L1_N0")], by_pair[("L0_N1", "L1_N0")]
    assert rgb(positive.stroke)[2] > rgb(positive.stroke)[0]  # blue for +
    assert rgb(negative.stroke)[0] > rgb(negative.stroke)[2]  # red for −
    widths = [by_pair[p].width for p in [("L0_N0", "L1_N0"), ("L0_N0", "L1_N1"), ("L0_N1", "L1_N1")]]
    assert widths[0] > widths[1] > widths[2]  # |1| > |0.25| > |−0.04|
    assert by_pair[("L0_N0", "L1_N0")].width == by_pair[("L0_N1", "L1_N0")].width  # |+1| = |−1|


def test_gradients_colour_the_edges(tmp_path: Path) -> None:
    grads = [(np.array([[0.0, 0.1, -0.3], [0.2, 0.0, 0.0], [0.0, 0.0, 0.0]]), np.zeros(3)),
             (np.array([[-0.05, 0.0, 0.0]]), np.array([0.01]))]
    graph = viz.draw_network(SEED_W, grads=grads, edge_threshold=1e-12)
    viz.render_svg(graph, tmp_path / "g.svg")
    _, edges, _ = parse_svg(tmp_path / "g.svg")
    assert len(edges) == 5  # the zero gradients are left out
    by_pair = {(e.tail, e.head): e for e in edges}
    up, down = by_pair[("L0_N1", "L1_N0")], by_pair[("L0_N2", "L1_N0")]
    assert rgb(up.stroke)[1] > rgb(up.stroke)[0]  # green for a positive gradient
    assert rgb(down.stroke)[0] > rgb(down.stroke)[1]  # purple for a negative one
    assert down.width > up.width  # |−0.3| > |0.1|
    assert by_pair[("L0_N0", "L1_N1")].texts == ["w 0.4 g 0.2"]


def test_engines_draw_the_same_network() -> None:
    vector = pytest.importorskip("nets.vector")
    scalar = pytest.importorskip("nets.scalar")
    v = vector.VectorMLP([3, 3, 1], ["sigmoid", "sigmoid"], weights=SEED_W)
    s = scalar.MLP(3, [3, 1], activations="sigmoid", weights=SEED_W)
    assert viz.draw_network(v).source == viz.draw_network(s).source
    assert "3-3-1  (sigmoid, sigmoid)" in viz.draw_network(v).source


def test_large_network_limits(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    sizes = [64, 30, 10]
    weights = [(rng.uniform(-1, 1, (sizes[k + 1], sizes[k])), rng.uniform(-1, 1, sizes[k + 1])) for k in range(2)]
    with pytest.raises(viz.GraphTooLargeError, match="2260 edges.*edge_threshold"):
        viz.draw_network(weights, max_edges=1000, strongest=None)
    kept = sum(int((np.abs(W) > 0.9).sum() + (np.abs(b) > 0.9).sum()) for W, b in weights)
    viz.render_svg(viz.draw_network(weights, edge_threshold=0.9), tmp_path / "big.svg")
    nodes, edges, _ = parse_svg(tmp_path / "big.svg")
    assert len(nodes) == 64 + 30 + 10 + 2 and len(edges) == kept


def test_bad_weights_are_named() -> None:
    with pytest.raises(ValueError, match=r"weights\[1\]: W has 2 columns but layer 1 has 3 neurons"):
        viz.draw_network([(np.ones((3, 2)), np.ones(3)), (np.ones((1, 2)), np.ones(1))])
    with pytest.raises(ValueError, match=r"weights\[0\]: W must be 2-D"):
        viz.draw_network([(np.ones((3, 2)), np.ones(2))])
    with pytest.raises(ValueError, match=r"grads\[0\] has shapes"):
        viz.draw_network(SEED_W, grads=[(np.ones((3, 2)), np.ones(3)), (np.ones((1, 3)), np.ones(1))])
    with pytest.raises(ValueError, match=r"activations\[1\] has 2 values"):
        viz.draw_network(SEED_W, activations=[SEED_X, [0.1, 0.2], [0.3]])
    with pytest.raises(ValueError, match="empty"):
        viz.draw_network([])


def test_a_large_network_shows_its_strongest_edges_with_a_legend() -> None:
    rng = np.random.default_rng(1)
    sizes = [64, 30, 10]
    weights = [(rng.normal(size=(sizes[k + 1], sizes[k])), rng.normal(size=sizes[k + 1])) for k in range(2)]
    source = viz.draw_network(weights).source
    drawn = [float(v) for v in re.findall(r'tooltip="[Wb]\[\d\][^=]*= ([-0-9.e+]+)"', source)]
    everything = np.sort(np.abs(np.concatenate([np.concatenate([W.ravel(), b.ravel()]) for W, b in weights])))[::-1]
    assert len(drawn) == 300
    assert sorted(np.abs(drawn), reverse=True) == pytest.approx(everything[:300])  # the 300 largest |w|, no other
    assert "the 300 strongest of 2,260 connections" in source and "blue: weight &gt; 0" in source
    assert "arrowhead=none" in source
    # no column taller than 16 neurons: the 64 inputs stand in 4 columns, the 30 hidden neurons in 2
    xs = {}
    for name, x in re.findall(r'(L\d_N\d+) \[[^\]]*pos="([-0-9.]+),', source):
        xs.setdefault(name.split("_")[0], []).append(float(x))
    assert [len(set(xs[layer])) for layer in ("L0", "L1", "L2")] == [4, 2, 1]
    assert max(list(xs["L0"]).count(x) for x in xs["L0"]) == 16
    small = viz.draw_network([(np.ones((3, 3)), np.ones(3)), (np.ones((1, 3)), np.ones(1))]).source
    assert "all 16 connections" in small
