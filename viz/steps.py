"""The backward pass drawn step by step: one SVG frame per chain-rule step, plus an HTML page.

Each step of :func:`autonode.backward_steps` is ``parent.grad += upstream × local``.
:func:`backward_states` records one pass (every node's gradient after each step, and the
step's arithmetic in one notation, ``∂L/∂node · ∂node/∂input = contribution``); the frames
here and the report's stepper (:mod:`viz.report.expression`) both show it. Frame 0
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


@dataclass(frozen=True)
class PassState:
    """The backward pass after ``number`` chain-rule steps (0: the start, only ∂root/∂root = 1 set).

    ``grads``: every node's gradient as it stands then (0 where the pass has not reached it);
    ``step``: the step just applied (None at the start); ``text``: its arithmetic in one notation,
    ``∂L/∂node · ∂node/∂input = upstream · local = contribution``.
    """

    number: int
    total: int
    step: Step | None
    grads: dict[Value, float]
    text: str


def is_short_name(label: str) -> bool:
    """A label that reads as one symbol in a formula (``x1``, ``W[0]``), no parentheses needed."""
    return bool(label) and all(ch.isalnum() or ch in "_.[],'" for ch in label)


def step_names(order: list[Value], root: Value, names: dict[Value, str] | None = None) -> dict[Value, str]:
    """The names the step texts use: ``names`` where given, else a plain label as is, a compound label in
    parentheses (``∂(a*b)``), else ``#3`` (position in ``order``); the root is ``out`` when its label is compound."""
    chosen = {}
    for i, node in enumerate(order):
        if names and node in names:
            chosen[node] = names[node]
        elif is_short_name(node.label):
            chosen[node] = node.label
        else:
            chosen[node] = f"({node.label})" if node.label else f"#{i}"
    if not (names and root in names) and not is_short_name(root.label):
        chosen[root] = "out"
    return chosen


def _number(x: float, digits: int) -> str:
    """A factor in a product: negative numbers in parentheses, so ``2 · (-3)`` cannot be misread."""
    text = fmt(x, digits)
    return f"({text})" if text.startswith("-") else text


def step_text(step: Step, names: dict[Value, str], root: str, total: float, digits: int = 4) -> str:
    """``∂L/∂h · ∂h/∂z = (-0.1383) · 0.0644 = -0.008906, added to ∂L/∂z (now -0.008906)``."""
    at, parent = names[step.node], names[step.parent]
    return (
        f"∂{root}/∂{at} · ∂{at}/∂{parent} = {_number(step.upstream, digits)} · {_number(step.local, digits)} = "
        f"{fmt(step.contribution, digits)}, added to ∂{root}/∂{parent} (now {fmt(total, digits)}) "
        f"[{step.node.op}]"
    )


def start_text(root: str) -> str:
    return f"start: ∂{root}/∂{root} = 1; every other gradient is 0 until the pass reaches it"


def backward_states(root: Value, names: dict[Value, str] | None = None,
                    digits: int = 4) -> tuple[list[Value], dict[Value, str], list[PassState]]:
    """Run one fresh backward pass from ``root`` and record it: the nodes in topological order, the names the
    texts use (see :func:`step_names`), and the state at the start and after each chain-rule step.

    Every gradient starts at 0 (whatever the leaves had accumulated); afterwards every node's
    ``grad`` is put back as it was, so recording changes nothing in the graph.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward frames: root must be an autonode.Value, got {type(root).__name__}")
    order = topological_order(root)
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        steps = backward_steps(root)
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad
    chosen = step_names(order, root, names)
    root_name = chosen[root]
    running = dict.fromkeys(order, 0.0)
    running[root] = 1.0
    states = [PassState(0, len(steps), None, dict(running), start_text(root_name))]
    for k, step in enumerate(steps, 1):
        running[step.parent] += step.contribution
        text = step_text(step, chosen, root_name, running[step.parent], digits)
        states.append(PassState(k, len(steps), step, dict(running), text))
    return order, chosen, states


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
    order, names, states = backward_states(root, digits=digits)
    root_name = names[root]
    caption_start = states[0].text
    if root_name != root.label:
        caption_start = f"{root_name} = {root.label or 'the output'}; " + caption_start
    frames = []
    for state in states:
        options = DrawOptions(rankdir=rankdir, show_local_grads=False, digits=digits, grads=state.grads)
        step = state.step
        if step is None:
            options.title = f"step 0 of {state.total}: ∂{root_name}/∂{root_name} = 1"
            frames.append(Frame(build_value_graph(root, options, max_nodes), caption_start, None))
            continue
        at, parent = names[step.node], names[step.parent]
        options.title = (f"step {state.number} of {state.total}: ∂{root_name}/∂{at} · ∂{at}/∂{parent} = "  # as the text
                         f"{_number(step.upstream, digits)} · {_number(step.local, digits)} = "
                         f"{fmt(step.contribution, digits)}")
        options.highlight = Highlight(step.node, step.parent, step.parent_index)
        frames.append(Frame(build_value_graph(root, options, max_nodes), state.text, step))
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
<p>Each step applies the chain rule once: ∂out/∂node · ∂node/∂input = contribution, added to the input's
gradient ∂out/∂input (compound node names in parentheses). Step 0 is the start: only ∂out/∂out = 1 is set, and
every other gradient is 0 until the pass reaches it. Blue: the node being processed; red: the input receiving
the contribution.</p>
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
  document.getElementById("counter").textContent = (current === 0 ? "start (step 0" : "step " + current) + " of " +
    (frames.length - 1) + (current === 0 ? ")" : "");
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
