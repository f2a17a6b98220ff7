"""``autonode bench engine|render|training [--quick]``: the engine against micrograd; drawing large graphs.

``engine``: the measuring lives in :mod:`nets.experiments.engine_bench` (functions
returning dicts); this module only parses arguments and prints.
``render``: :func:`bench_render` draws graphs of about 1,000 to 11,000 nodes (an MLP
sample node by node and collapsed, a deep chain, a value reused at every step, the
331-factor product ``a*a*…*a`` with its edge labels as ``autonode grad --svg`` draws it,
and the backward frames of a 150-term sum as ``--steps`` would write them) and times
building the DOT and laying it out with every renderer found (system ``dot``,
graphviz-pure). Figures are printed, never asserted.
``training``: :mod:`nets.experiments.training_loop_bench` times training epochs of the vectorised
engine against a bare numpy loop and JAX on one core.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from autonode import Value, topological_order, vsum
from autonode.parse import parse_expression
from nets.scalar import MLP
from viz.graph import GraphTooLargeError, draw_graph
from viz.render import dot_to_svg, find_graphviz_pure, find_renderer, find_system_dot
from viz.steps import write_backward_steps


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "bench",
        help="benchmark the engine against micrograd, or drawing large graphs to SVG",
        description="engine: measure autonode and micrograd side by side in one run, Python's default GC on. "
        "render: time drawing graphs of ~1,000-11,000 nodes to SVG with each renderer found.",
    )
    parser.add_argument("target", choices=["engine", "render", "training", "sklearn"],
                        help="what to benchmark (training: the training loop per epoch against bare numpy and JAX; "
                        "sklearn: nets' estimators against scikit-learn's MLP, defaults against defaults)")
    parser.add_argument("--quick", action="store_true", help="few repeats and a short chain: a smoke run, not figures")
    parser.add_argument("--json", action="store_true", help="print the raw measurements as JSON")
    parser.set_defaults(func=run)


def _measure_and_print(args: argparse.Namespace, duration: str, measure: Callable[..., Any],
                       describe: Callable[[Any], str]) -> int:
    """Run a one-core benchmark and print its table (or its raw figures with --json)."""
    if not args.json:
        print("measuring on one core (a smoke run)..." if args.quick else f"measuring on one core ({duration})...",
              flush=True)
    figures = measure(quick=args.quick)
    print(json.dumps(figures, indent=2) if args.json else describe(figures))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.target == "render":
        return run_render(args)
    if args.target == "sklearn":
        # imports scikit-learn (and with it scipy): seconds, so only for this benchmark, never for --help
        from nets.experiments.sklearn_bench import bench_sklearn, format_sklearn

        return _measure_and_print(args, "a minute", bench_sklearn, format_sklearn)
    if args.target == "training":
        # the training-loop benchmark imports JAX when present and the training code (seconds): only for it
        from nets.experiments.training_loop_bench import bench_training, format_training

        return _measure_and_print(args, "minutes", bench_training, format_training)
    if not args.json:
        print("measuring (quick smoke run)..." if args.quick else "measuring (about a minute)...", flush=True)
    # the engine benchmark imports micrograd and the training code (seconds): only for it, never for --help
    from nets.experiments.engine_bench import bench_engine

    results = bench_engine(quick=args.quick)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(format_results(results))
    return 0


def _bytes(n: float) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


def format_mlp(mlp: dict[str, Any]) -> str:
    sizes = ", ".join(str(s) for s in mlp["sizes"][1:])
    lines = [
        f"MLP({mlp['sizes'][0]}, [{sizes}]) on one digits sample: forward + SSE loss + backward "
        f"({mlp['parameters']} parameters)",
        f"  {'':<30} {'':>7} {'median of ' + str(mlp['repeats']) + ' × ' + str(mlp['batch']):>20} "
        f"{'steady state':>20}",
        f"  {'engine':<30} {'nodes':>7} {'ms/sample':>10} {'speed-up':>9} {'ms/sample':>10} {'speed-up':>9} "
        f"{'graph memory':>13} {'memory':>7} {'|Δloss|':>9} {'max |Δgrad|':>11}",
    ]
    for i, row in enumerate(mlp["engines"]):
        deltas = (
            f"{'—':>9} {'—':>11}" if i == 0
            else f"{row['max_abs_loss_diff']:>9.1e} {row['max_abs_grad_diff']:>11.1e}"
        )
        lines.append(
            f"  {row['engine']:<30} {row['nodes']:>7} {row['seconds_per_sample'] * 1e3:>10.3f} "
            f"{row['speedup']:>8.1f}× {row['steady_seconds_per_sample'] * 1e3:>10.3f} {row['steady_speedup']:>8.1f}× "
            f"{_bytes(row['memory_bytes']):>13} {row['memory_ratio']:>7.3f} {deltas}"
        )
    lines.append(f"  speed-up, memory and Δ are relative to {mlp['reference']} (same weights, same sample)")
    lines.append(f"  median: batches of samples with a collection between them; steady state: the mean over "
                 f"{mlp['steady_samples']} samples in a row, as in a training loop (the GC's full collections in)")
    gc_off = mlp["micrograd_gc_off_seconds_per_sample"]
    if gc_off is not None:
        with_gc = mlp["engines"][0]["seconds_per_sample"]
        lines.append(
            f"  micrograd with the cyclic GC switched off: {gc_off * 1e3:.3f} ms/sample "
            f"(the GC takes {1 - gc_off / with_gc:.0%} of its time)"
        )
    if mlp["note"]:
        lines.append(f"  note: {mlp['note']}")
    return "\n".join(lines)


def format_chain(chain: dict[str, Any], micrograd: dict[str, Any]) -> str:
    check = "✓" if chain["gradient_correct"] else "✗ WRONG"
    lines = [
        f"Deep chain y = y + x ({chain['steps']:,} steps, one node each), autonode: "
        f"forward {chain['forward_seconds']:.2f} s, backward {chain['backward_seconds']:.2f} s, "
        f"∂y/∂x = {chain['steps']:,} {check}",
    ]
    if micrograd["fails_at"] is not None:
        lines.append(
            f"  micrograd's backward fails with RecursionError on the same chain at depth {micrograd['fails_at']:,} "
            f"(passes at {micrograd['passes_at']:,})"
        )
    else:
        lines.append(f"  micrograd: {micrograd['note']}")
    return "\n".join(lines)


def format_results(results: dict[str, Any]) -> str:
    gc_state = "on" if results["gc_enabled"] else "OFF"
    return "\n\n".join([
        format_mlp(results["mlp"]),
        format_chain(results["chain"], results["micrograd_chain"]),
        f"Python's cyclic GC: {gc_state} (default thresholds)",
    ])


# --- autonode bench render -------------------------------------------------------------------------------------


def _mlp_loss(n_inputs: int, sizes: list[int]) -> Value:
    """One sample through a per-node sigmoid MLP (parameters labelled for collapsing), SSE loss, backward."""
    net = MLP(n_inputs, sizes, activations="sigmoid", seed=0, fused=False)
    outputs = net.forward(np.linspace(0.0, 1.0, n_inputs))
    loss = vsum([(o - (1.0 if k == 0 else 0.0)) ** 2 for k, o in enumerate(outputs)])
    loss.backward()
    return loss


def _chain(steps: int, reuse: bool) -> Value:
    """``y = y * 1.0001`` (a deep chain) or ``y = y + x`` (``x`` reused at every depth), then backward."""
    x = Value(1.0, label="x")
    y = x
    for _ in range(steps):
        y = y + x if reuse else y * 1.0001
    y.backward()
    return y


def _repeated(op: str, terms: int) -> Value:
    """``a*a*…*a`` or ``a+a+…+a`` through the expression parser at a = 1, as ``autonode grad`` builds it."""
    root, _ = parse_expression(op.join(["a"] * terms), {"a": 1.0})
    root.label = "out"
    root.backward()
    return root


@dataclass(frozen=True)
class RenderCase:
    """One measured drawing: a graph builder, how it is drawn (collapsed, edge labels, or as backward frames)."""

    description: str
    build: Callable[[], Value]
    collapse: Literal["neuron", "layer"] | None = None
    edge_labels: bool = False
    frames: bool = False


def render_cases(quick: bool) -> list[RenderCase]:
    """The drawings measured; ``quick`` keeps them small (a smoke run)."""
    if quick:
        return [
            RenderCase("MLP(4, [6, 2]), one sample, node by node", lambda: _mlp_loss(4, [6, 2])),
            RenderCase("MLP(4, [6, 2]), collapse='neuron'", lambda: _mlp_loss(4, [6, 2]), "neuron"),
            RenderCase("chain y = y * c, 100 steps", lambda: _chain(100, reuse=False)),
            RenderCase("y = y + x, 50 steps (x reused at every depth)", lambda: _chain(50, reuse=True)),
            RenderCase("a*a*…*a, 60 factors, edge labels (grad --svg)", lambda: _repeated("*", 60), edge_labels=True),
            RenderCase("a+a+…+a, 150 terms, backward frames (--steps)", lambda: _repeated("+", 150), frames=True),
        ]
    return [
        RenderCase("MLP(2, [30, 10]), one sample, node by node", lambda: _mlp_loss(2, [30, 10])),
        RenderCase("MLP(22, [30, 10]), one sample, node by node", lambda: _mlp_loss(22, [30, 10])),
        RenderCase("MLP(64, [30, 10]), one sample, node by node", lambda: _mlp_loss(64, [30, 10])),
        RenderCase("MLP(64, [30, 10]), collapse='neuron'", lambda: _mlp_loss(64, [30, 10]), "neuron"),
        RenderCase("MLP(64, [30, 10]), collapse='layer'", lambda: _mlp_loss(64, [30, 10]), "layer"),
        RenderCase("chain y = y * c, 1,666 steps", lambda: _chain(1666, reuse=False)),
        RenderCase("y = y + x, 200 steps (x reused at every depth)", lambda: _chain(200, reuse=True)),
        RenderCase("a*a*…*a, 331 factors, edge labels (grad --svg)", lambda: _repeated("*", 331), edge_labels=True),
        RenderCase("a+a+…+a, 150 terms, backward frames (--steps)", lambda: _repeated("+", 150), frames=True),
        RenderCase("a+a+…+a, 20 terms, backward frames (--steps)", lambda: _repeated("+", 20), frames=True),
    ]


def _renderer_version(executable: str) -> str:
    try:
        done = subprocess.run([executable, "-V"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "version unknown"
    text = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "version unknown"


def _time_frames(root: Value, renderer: Any) -> dict[str, Any]:
    """Write the backward frames into a scratch folder: seconds, frames, or refused up front (and how fast)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="autonode-bench-") as scratch:
        try:
            written = write_backward_steps(root, scratch, renderer=renderer)
        except GraphTooLargeError:
            return {"renderer": renderer.name, "seconds": time.perf_counter() - start, "refused": True,
                    "svg_bytes": 0}
        size = sum(path.stat().st_size for path in written)
    return {"renderer": renderer.name, "seconds": time.perf_counter() - start, "refused": False,
            "frames": len(written) - 1, "svg_bytes": size}


def bench_render(quick: bool = False) -> dict[str, Any]:
    """Build each case's drawing and lay it out once with each renderer found; seconds and sizes."""
    renderers = [r for r in (find_system_dot(), find_graphviz_pure()) if r is not None]
    if not renderers:
        find_renderer()  # raises RendererNotFoundError, naming what to install
    rows = []
    for case in render_cases(quick):
        root = case.build()
        order = topological_order(root)
        start = time.perf_counter()
        graph = draw_graph(root, collapse=case.collapse, max_nodes=None, show_local_grads=case.edge_labels)
        build_seconds = time.perf_counter() - start
        source = graph.source
        row: dict[str, Any] = {
            "graph": case.description,
            "values": len(order),
            "drawn_nodes": 0,
            "build_seconds": build_seconds,
            "fast_layout": "nslimit" in source,
            "frames": case.frames,
            "renders": [],
        }
        for renderer in renderers:
            if case.frames:
                row["renders"].append(_time_frames(root, renderer))
                row["drawn_nodes"] = len(order) + sum(1 for node in order if node.parents)
                continue
            start = time.perf_counter()
            svg, _ = dot_to_svg(source, renderer)
            row["renders"].append({"renderer": renderer.name, "seconds": time.perf_counter() - start,
                                   "svg_bytes": len(svg), "refused": False})
            row["drawn_nodes"] = svg.count(b'<g id="node')  # one SVG group per drawn node
        rows.append(row)
    return {
        "quick": quick,
        "renderers": [{"name": r.name, "executable": r.executable, "version": _renderer_version(r.executable)}
                      for r in renderers],
        "cases": rows,
    }


def format_render(results: dict[str, Any]) -> str:
    names = [r["name"] for r in results["renderers"]]
    lines = ["Drawing Value graphs to SVG: build the DOT (draw_graph), then lay it out as SVG (one run each)"]
    lines += [f"  {r['name']}: {r['executable']} ({r['version']})" for r in results["renderers"]]
    header = f"  {'graph':<50} {'values':>7} {'drawn':>7} {'DOT':>7}" + "".join(f" {n:>15}" for n in names)
    lines.append(header)
    for row in results["cases"]:
        renders = "".join(f" {r['seconds']:>13.2f} s" + ("R" if r.get("refused") else " ") for r in row["renders"])
        mark = " *" if row["fast_layout"] else ""
        lines.append(
            f"  {row['graph']:<50} {row['values']:>7,} {row['drawn_nodes']:>7,} "
            f"{row['build_seconds']:>5.2f} s{renders}{mark}"
        )
    lines.append("  drawn: nodes in the drawing (value records, op nodes, group boxes); DOT: building it in Python")
    if any(row["frames"] for row in results["cases"]):
        lines.append("  backward frames: every frame rendered and written (drawn: nodes per frame); "
                     "R: refused up front, frames × drawn nodes over viz.steps.MAX_FRAME_NODES")
    if any(row["fast_layout"] for row in results["cases"]):
        lines.append("  *: values reused far apart, drawn with dot's network-simplex iterations capped (viz.layout)")
    return "\n".join(lines)


def run_render(args: argparse.Namespace) -> int:
    if not args.json:
        print("measuring (quick smoke run)..." if args.quick else "measuring (about half a minute)...", flush=True)
    results = bench_render(quick=args.quick)
    print(json.dumps(results, indent=2) if args.json else format_render(results))
    return 0
