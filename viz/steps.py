"""The backward pass drawn step by step: one SVG frame per chain-rule step, plus an HTML page.

Each step of :func:`autonode.backward_steps` is ``parent.grad += upstream × local``. Frame 0
shows the forward values with ∂root/∂root = 1; frame k shows the gradients after step k,
the node being processed outlined in blue, the parent receiving the contribution in red,
and the edge between them labelled with its local derivative. ``index.html`` (self-contained,
frames embedded) steps through the frames with prev/next buttons or the arrow keys and
prints the chain-rule product of each step.

The frames show one fresh backward pass (every gradient starts at 0, whatever the leaves
had accumulated); afterwards every node's ``grad`` is put back as it was, so drawing
changes nothing in the graph.
"""

from __future__ import annotations

import base64
import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from autonode import Step, Value, backward_steps, topological_order
from viz.graph import DEFAULT_MAX_NODES, DrawOptions, GraphTooLargeError, Highlight, build_value_graph
from viz.outdir import check_folder, write_owned_files
from viz.render import Digraph, Renderer, dot_to_svg, find_renderer
from viz.style import fmt

DEFAULT_MAX_STEPS = 300
MAX_FRAME_NODES = 30_000  # frames × drawn nodes; graphviz-pure lays out about 1,000 a second


@dataclass(frozen=True)
class Frame:
    """One picture of the backward pass: the drawing, its caption, the step shown (None: the start)."""

    graph: Digraph
    caption: str
    step: Step | None


def _is_name(label: str) -> bool:
    return bool(label) and all(ch.isalnum() or ch in "_.[],'" for ch in label)


def _names(order: list[Value], root: Value) -> dict[Value, str]:
    """Caption names: a plain label as is, an expression label in parentheses (``∂(a*b)``), else ``#3``;
    the root is ``out`` when its label is an expression."""
    names = {}
    for i, node in enumerate(order):
        names[node] = node.label if _is_name(node.label) else f"({node.label})" if node.label else f"#{i}"
    if not _is_name(root.label):
        names[root] = "out"
    return names


def _caption(step: Step, root: str, names: dict[Value, str], total: float, digits: int) -> str:
    at, parent = names[step.node], names[step.parent]
    return (
        f"∂{root}/∂{parent} += ∂{root}/∂{at} × ∂{at}/∂{parent} = {fmt(step.upstream, digits)} × "
        f"{fmt(step.local, digits)} = {fmt(step.contribution, digits)}   (via {step.node.op!r}; "
        f"∂{root}/∂{parent} is now {fmt(total, digits)})"
    )


def backward_frames(
    root: Value,
    rankdir: Literal["LR", "TB", "RL", "BT"] = "LR",
    max_steps: int | None = DEFAULT_MAX_STEPS,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    digits: int = 4,
) -> list[Frame]:
    """Run the backward pass from ``root`` and draw it: frame 0, then one frame per chain-rule step."""
    if not isinstance(root, Value):
        raise TypeError(f"backward frames: root must be an autonode.Value, got {type(root).__name__}")
    order = topological_order(root)
    n_steps = sum(len(node.parents) for node in order)
    if max_steps is not None and n_steps > max_steps:
        raise ValueError(
            f"the backward pass has {n_steps} chain-rule steps, more than max_steps={max_steps}: "
            "draw a smaller expression or raise max_steps"
        )
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        steps = backward_steps(root)
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad
    running = dict.fromkeys(order, 0.0)
    running[root] = 1.0
    names = _names(order, root)
    root_name = names[root]

    def draw(title: str, highlight: Highlight | None) -> Digraph:
        options = DrawOptions(rankdir=rankdir, show_local_grads=False, digits=digits, title=title,
                           grads=dict(running), highlight=highlight)
        return build_value_graph(root, options, max_nodes)

    start = f"start: ∂{root_name}/∂{root_name} = 1; every other gradient starts at 0"
    if root_name != root.label:
        start = f"{root_name} = {root.label or 'the output'}; " + start
    frames = [Frame(draw(f"step 0 of {len(steps)}: d{root_name}/d{root_name} = 1", None), start, None)]
    for k, step in enumerate(steps, 1):
        running[step.parent] += step.contribution
        at, parent = names[step.node], names[step.parent]
        title = (f"step {k} of {len(steps)}: grad {parent} += grad {at} * local = "
                 f"{fmt(step.upstream, digits)} * {fmt(step.local, digits)} = {fmt(step.contribution, digits)}")
        highlight = Highlight(step.node, step.parent, step.parent_index)
        caption = _caption(step, root_name, names, running[step.parent], digits)
        frames.append(Frame(draw(title, highlight), caption, step))
    return frames


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; }}
#controls button {{ font-size: 1.1em; padding: 0.2em 0.9em; }}
#caption {{ font-family: ui-monospace, monospace; background: #f6f6f6; padding: 0.6em; }}
#frame img {{ max-width: 100%; border: 1px solid #ddd; }}
</style></head>
<body>
<h1>{title}</h1>
<p>Each step applies the chain rule once: the parent's gradient grows by the node's gradient times the
local derivative. Blue: the node being processed; red: the parent receiving the contribution.</p>
<div id="controls"><button id="prev" type="button">&#9664; prev</button>
<span id="counter"></span>
<button id="next" type="button">next &#9654;</button></div>
<p id="caption"></p>
<div id="frame"><img id="image" alt="backward pass frame"></div>
<script>
const frames = {frames};
let current = 0;
function show(k) {{
  current = Math.max(0, Math.min(frames.length - 1, k));
  document.getElementById("image").src = frames[current].image;
  document.getElementById("caption").textContent = frames[current].caption;
  document.getElementById("counter").textContent = "frame " + current + " of " + (frames.length - 1);
  document.getElementById("prev").disabled = current === 0;
  document.getElementById("next").disabled = current === frames.length - 1;
}}
document.getElementById("prev").onclick = () => show(current - 1);
document.getElementById("next").onclick = () => show(current + 1);
document.addEventListener("keydown", (e) => {{
  if (e.key === "ArrowLeft") show(current - 1);
  if (e.key === "ArrowRight") show(current + 1);
}});
show(0);
</script>
</body></html>
"""


def steps_page(svgs: list[bytes], captions: list[str], title: str = "Backward pass, step by step") -> str:
    """A self-contained HTML page stepping through ``svgs`` (embedded as data URIs) with ``captions``."""
    if len(svgs) != len(captions):
        raise ValueError(f"steps page: {len(svgs)} frames but {len(captions)} captions")
    frames = [
        {"image": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"), "caption": caption}
        for svg, caption in zip(svgs, captions)
    ]
    # "<", ">" and "&" as JSON escapes: no label can end the script or open an HTML comment in it
    payload = json.dumps(frames, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    payload = payload.replace("&", "\\u0026")
    return _PAGE.format(title=html.escape(title), frames=payload)


def _check_frame_work(order: list[Value], n_frames: int, max_frame_nodes: int | None) -> None:
    """Refuse up front a pass whose frames would take minutes to lay out (frames × drawn nodes)."""
    drawn = len(order) + sum(1 for node in order if node.parents)  # a record per value, an ellipse per op
    if max_frame_nodes is not None and drawn * n_frames > max_frame_nodes:
        raise GraphTooLargeError(
            f"the backward pass has {n_frames} frames of {drawn} drawn nodes each: {drawn * n_frames:,} nodes to "
            f"lay out, more than max_frame_nodes={max_frame_nodes:,} (about a minute of layout); draw the graph "
            "once instead (one SVG, collapsed if large: collapse='neuron' or 'layer') or step through a smaller "
            "expression"
        )


def write_backward_steps(
    root: Value,
    directory: str | os.PathLike[str],
    rankdir: Literal["LR", "TB", "RL", "BT"] = "LR",
    max_steps: int | None = DEFAULT_MAX_STEPS,
    renderer: Renderer | None = None,
    max_frame_nodes: int | None = MAX_FRAME_NODES,
) -> list[Path]:
    """Run backward from ``root``; write ``step_000.svg`` ... and ``index.html`` into ``directory``.

    Returns the paths written: the SVG frames in order, then ``index.html`` last. The folder is
    handled by :mod:`viz.outdir`: created if missing (with its parents), refused if it holds files
    autonode did not write where the frames would go (checked before any frame is rendered), the
    files written as a whole after every frame is rendered, and frames of an earlier, longer pass
    removed (only those autonode's manifest lists). ``max_frame_nodes`` bounds frames × drawn
    nodes, checked before anything is laid out (None: no limit).
    """
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--steps: {out} exists and is not a directory; choose a new folder name")
    order = topological_order(root) if isinstance(root, Value) else []
    n_frames = 1 + sum(len(node.parents) for node in order)
    if max_steps is None or n_frames - 1 <= max_steps:
        _check_frame_work(order, n_frames, max_frame_nodes)
    frames = backward_frames(root, rankdir=rankdir, max_steps=max_steps)
    width = max(3, len(str(len(frames) - 1)))
    names = [f"step_{k:0{width}d}.svg" for k in range(len(frames))] + ["index.html"]
    check_folder(out, "steps folder", names)  # refused before minutes of rendering, not after
    renderer = renderer or find_renderer()
    svgs = [dot_to_svg(frame.graph, renderer)[0] for frame in frames]  # all rendered before anything is written
    page = steps_page(svgs, [frame.caption for frame in frames])
    return write_owned_files(out, dict(zip(names, [*svgs, page.encode("utf-8")])), "steps folder", parents=True)
