"""Network diagrams after a real backward pass, per-node and vectorised; stale frames removed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import viz
from autonode import Value
from tests.svg_helpers import parse_svg

WEIGHTS = [
    (np.array([[0.3, -0.8], [0.5, 0.1], [-0.6, 0.9]]), np.array([0.2, -0.1, 0.05])),
    (np.array([[0.7, -0.4, 0.25]]), np.array([-0.3])),
]
X = np.array([[0.5, -1.5]])
Y = np.array([[1.0]])


def sse(weights: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """J = Σ (h − y)² of a sigmoid network, written out with numpy (no autodiff)."""
    h = X[0]
    for W, b in weights:
        h = 1 / (1 + np.exp(-(W @ h + b)))
    return float(np.sum((h - Y[0]) ** 2))


def central_differences(eps: float = 1e-6) -> list[tuple[np.ndarray, np.ndarray]]:
    grads = []
    for layer in range(len(WEIGHTS)):
        pair = []
        for part in range(2):
            g = np.zeros_like(WEIGHTS[layer][part])
            for index in np.ndindex(g.shape):
                plus = [(W.copy(), b.copy()) for W, b in WEIGHTS]
                minus = [(W.copy(), b.copy()) for W, b in WEIGHTS]
                plus[layer][part][index] += eps
                minus[layer][part][index] -= eps
                g[index] = (sse(plus) - sse(minus)) / (2 * eps)
            pair.append(g)
        grads.append((pair[0], pair[1]))
    return grads


def test_gradient_edges_after_backward_on_both_engines(tmp_path: Path) -> None:
    scalar = pytest.importorskip("nets.scalar")
    vector = pytest.importorskip("nets.vector")
    per_node = scalar.MLP(2, [3, 1], activations="sigmoid", weights=WEIGHTS)
    vectorised = vector.VectorMLP([2, 3, 1], ["sigmoid", "sigmoid"], weights=WEIGHTS)
    _, node_grads = per_node.loss_and_gradients(X, Y, "sse")
    _, vector_grads = vectorised.loss_and_gradients(X, Y, "sse")
    drawings = [viz.draw_network(per_node, grads=node_grads, digits=6),
                viz.draw_network(vectorised, grads=vector_grads, digits=6)]
    for k, graph in enumerate(drawings):
        viz.render_svg(graph, tmp_path / f"net{k}.svg")
    expected = central_differences()
    for k in range(2):
        nodes, edges, _ = parse_svg(tmp_path / f"net{k}.svg")
        assert len(nodes) == 2 + 3 + 1 + 2 and len(edges) == (6 + 3) + (3 + 1)
        for edge in edges:
            layer = int(edge.head[1]) - 1
            i = int(edge.head.split("_N")[1])
            j = None if edge.tail.endswith("_B") else int(edge.tail.split("_N")[1])
            shown = float(edge.texts[0].split(" g ")[1])
            truth = expected[layer][1][i] if j is None else expected[layer][0][i, j]
            assert shown == pytest.approx(truth, rel=1e-4, abs=1e-8)
        # the largest |gradient| gets the thickest edge
        widest = max(edges, key=lambda e: e.width)
        shown_sizes = [abs(float(e.texts[0].split(" g ")[1])) for e in edges]
        assert abs(float(widest.texts[0].split(" g ")[1])) == max(shown_sizes)
    # same picture from both engines; only the tooltips' full-precision reprs may differ in the last bits
    untipped = [re.sub(r' tooltip="[^"]*"', "", graph.source) for graph in drawings]
    assert untipped[0] == untipped[1]


def test_a_shorter_pass_replaces_the_frames(tmp_path: Path) -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    long = viz.write_backward_steps((a * b + a) * b, tmp_path)
    assert len(long) == 7 + 1
    (tmp_path / "notes.txt").write_text("mine")
    short = viz.write_backward_steps(a + b, tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".autonode-files.json", "index.html", "notes.txt", "step_000.svg", "step_001.svg", "step_002.svg"]
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'"image": "data:image/svg\+xml;base64,', page)) == len(short) - 1 == 3
