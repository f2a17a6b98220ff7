"""Backward pass frames: one SVG per chain-rule step, the running gradients, the HTML stepper."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

import viz
from autonode import Value, topological_order
from tests.svg_helpers import lecture_expression, parse_svg, record_values


def expression() -> Value:
    """The lecture's L = (a·b + c)·f: 3 ops, 6 chain-rule steps."""
    return lecture_expression()["L"]


def grads_in(svg: Path) -> dict[str, float]:
    nodes, _, _ = parse_svg(svg)
    return {record_values(n)[0]: record_values(n)[2] for n in nodes.values() if len(n.texts) == 3}


def test_frames_show_the_running_gradients(tmp_path: Path) -> None:
    paths = viz.write_backward_steps(expression(), tmp_path / "steps")
    frames, page = paths[:-1], paths[-1]
    assert [p.name for p in frames] == [f"step_{k:03d}.svg" for k in range(7)]
    assert page.name == "index.html"
    assert grads_in(frames[0]) == {"a": 0, "b": 0, "c": 0, "f": 0, "e": 0, "d": 0, "L": 1}
    # by hand, in the order backward applies them: L = d·f (to d, then f), d = e + c (e, c), e = a·b (a, b)
    assert grads_in(frames[1])["d"] == -2.0  # ∂L/∂d = f
    assert grads_in(frames[2])["f"] == 4.0  # ∂L/∂f = d
    assert grads_in(frames[6]) == {"a": 6, "b": -4, "c": -2, "f": 4, "e": -2, "d": -2, "L": 1}


def test_each_frame_highlights_its_step(tmp_path: Path) -> None:
    paths = viz.write_backward_steps(expression(), tmp_path)
    nodes, edges, root = parse_svg(paths[1])
    title = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    # the notation of the page's text: ∂L/∂L · ∂L/∂d, with L = d·f and f = −2 by hand
    assert "step 1 of 6: ∂L/∂L · ∂L/∂d = 1 · (-2) = -2" in title
    by_label = {n.texts[0]: n for n in nodes.values()}
    assert viz.graph.HIGHLIGHT_NODE in by_label["L"].strokes  # processing L
    assert viz.graph.HIGHLIGHT_PARENT in by_label["d"].strokes  # d receives
    marked = [e for e in edges if e.stroke == viz.graph.HIGHLIGHT_PARENT]
    assert len(marked) == 1 and marked[0].texts == ["local -2"]


def test_html_page_embeds_every_frame_and_the_products(tmp_path: Path) -> None:
    paths = viz.write_backward_steps(expression(), tmp_path)
    html = paths[-1].read_text(encoding="utf-8")
    assert 'id="prev"' in html and 'id="next"' in html
    match = re.search(r"const frames = (\[.*?\]);\n", html, re.S)
    assert match is not None
    frames = json.loads(match.group(1).replace("<\\/", "</"))
    assert len(frames) == 7
    assert frames[1]["caption"].startswith("∂L/∂L · ∂L/∂d = 1 · (-2) = -2, added to ∂L/∂d (now -2)")
    assert frames[5]["caption"].startswith("∂L/∂e · ∂e/∂a = (-2) · (-3) = 6, added to ∂L/∂a (now 6)")
    assert frames[6]["caption"].startswith("∂L/∂e · ∂e/∂b = (-2) · 2 = -4, added to ∂L/∂b (now -4)")
    svg = base64.b64decode(frames[6]["image"].split(",", 1)[1])
    nodes, _, _ = parse_svg(svg)
    assert {record_values(n)[0]: record_values(n)[2] for n in nodes.values() if len(n.texts) == 3}["b"] == -4


def test_drawing_steps_leaves_gradients_untouched(tmp_path: Path) -> None:
    L = expression()
    L.backward()
    L.backward()  # leaves accumulate: ∂L/∂a shows 12 now
    a = next(n for n in topological_order(L) if n.label == "a")
    paths = viz.write_backward_steps(L, tmp_path)
    assert a.grad == 12.0  # unchanged by drawing
    assert grads_in(paths[-2])["a"] == 6.0  # the frames show one fresh pass


def test_step_limit_and_bad_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="6 chain-rule steps, more than max_steps=5"):
        viz.write_backward_steps(expression(), tmp_path / "x", max_steps=5)
    assert not (tmp_path / "x").exists()
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(NotADirectoryError, match="not a directory"):
        viz.write_backward_steps(expression(), blocker)


def test_a_single_leaf_has_one_frame(tmp_path: Path) -> None:
    paths = viz.write_backward_steps(Value(3.0, label="x"), tmp_path)
    assert [p.name for p in paths] == ["step_000.svg", "index.html"]
    assert grads_in(paths[0]) == {"x": 1.0}


def test_expression_labels_are_parenthesised_and_the_root_is_out() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    ab = a * b
    ab.label = "a*b"
    y = ab.tanh()
    y.label = "tanh(a*b)"
    frames = viz.backward_frames(y)
    assert frames[0].caption.startswith("out = tanh(a*b); start: ∂out/∂out = 1")
    # ∂tanh(u)/∂u at u = 2·(−3) = −6: 1 − tanh²(−6) = 2.45765e-05, shown to 4 digits
    assert frames[1].caption.startswith("∂out/∂out · ∂out/∂(a*b) = 1 · 2.458e-05 = 2.458e-05")
    assert frames[2].caption.startswith("∂out/∂(a*b) · ∂(a*b)/∂a = 2.458e-05 · (-3) = -7.373e-05")
