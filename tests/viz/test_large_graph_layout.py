"""Large graphs: values reused far apart get a fast dot layout; renderer failures name the cure."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

import viz
from autonode import Value, topological_order
from tests.svg_helpers import parse_svg, record_values
from viz import render
from viz.layout import LONG_EDGE_SLOTS, stretched_edge_slots


def reuse_chain(steps: int) -> tuple[Value, Value]:
    """y = y + x, ``steps`` times from y = x: x feeds every step, so y = (steps + 1)·x and ∂y/∂x = steps + 1."""
    x = Value(1.5, label="x")
    y = x
    for _ in range(steps):
        y = y + x
    y.label = "y"
    y.backward()
    return x, y


def test_reuse_at_every_depth_counts_quadratically() -> None:
    # by hand: y_k sits 2(n−k) ranks before the output, x just before y_1's op (rank 2n); the edge x → op(y_k)
    # skips 2n − 2(n−k) − 2 = 2k − 2 ranks, so Σ_{k=1..n} (2k − 2) = n(n − 1) hidden nodes
    for n in (1, 7, 30):
        _, y = reuse_chain(n)
        assert stretched_edge_slots(topological_order(y)) == n * (n - 1)


def test_a_deep_chain_skips_no_rank() -> None:
    y = Value(1.0, label="y0")
    for _ in range(500):
        y = y * 1.0001
    assert stretched_edge_slots(topological_order(y)) == 0
    assert "nslimit" not in viz.draw_graph(y, max_nodes=None).source


def test_reused_value_graph_renders_with_capped_layout(tmp_path: Path) -> None:
    """120 steps (241 drawn nodes): dot's default layout takes tens of seconds here; the capped one is instant."""
    n = 120
    x, y = reuse_chain(n)
    assert n * (n - 1) > LONG_EDGE_SLOTS
    graph = viz.draw_graph(y)
    assert "nslimit=1" in graph.source and "nslimit1=1" in graph.source
    viz.render_svg(graph, tmp_path / "reuse.svg")
    nodes, edges, _ = parse_svg(tmp_path / "reuse.svg")
    assert len(nodes) == (n + 1) + n  # x and the n sums, one op node each
    assert len(edges) == 2 * n + n  # two inputs into each op, op → value
    records = {record_values(node)[0]: record_values(node)[1:] for node in nodes.values() if len(node.texts) == 3}
    assert records["x"] == (1.5, n + 1) and records["y"] == (1.5 * (n + 1), 1.0)


def fake_renderer(tmp_path: Path, body: str) -> render.Renderer:
    script = tmp_path / "fake-dot"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return render.Renderer("dot", str(script))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and shell scripts")
def test_renderer_killed_says_memory_and_collapse(tmp_path: Path) -> None:
    renderer = fake_renderer(tmp_path, "cat > /dev/null; kill -9 $$")
    target = tmp_path / "out" / "g.svg"
    target.parent.mkdir()
    with pytest.raises(viz.RenderError, match=r"killed by signal 9.*out of memory.*collapse='neuron'"):
        viz.render_svg(viz.draw_graph(Value(1.0) + 2), target, renderer)
    assert list(target.parent.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell scripts")
def test_renderer_timeout_names_the_cure(tmp_path: Path) -> None:
    renderer = fake_renderer(tmp_path, "exec sleep 30")
    with pytest.raises(viz.RenderError, match=r"timed out after 0.2 s.*collapse"):
        viz.dot_to_svg(viz.draw_graph(Value(1.0) + 2), renderer, timeout=0.2)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell scripts")
def test_failed_frames_write_nothing(tmp_path: Path) -> None:
    renderer = fake_renderer(tmp_path, "cat > /dev/null; echo 'Error: layout failed' >&2; exit 3")
    a = Value(2.0, label="a")
    with pytest.raises(viz.RenderError, match="layout failed"):
        viz.write_backward_steps(a * a + a, tmp_path / "steps", renderer=renderer)
    assert not (tmp_path / "steps").exists()
