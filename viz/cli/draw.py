"""``autonode draw``: network diagrams, expression graphs, backward frames and the tutorial's figures as SVG.

    autonode draw --sizes 64,30,10 [--seed 0] -o net.svg      a freshly initialised network
    autonode draw --model model.json -o net.svg               a saved model (nets.io format)
    autonode draw --expr "tanh(a*b + b**2)" --at a=2,b=-3 -o g.svg [--steps DIR]
    autonode draw --figures DIR                                sigmoid figures (w and b), needs matplotlib
    autonode draw --history losses.json -o loss.svg           loss curve(s), needs matplotlib
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "draw",
        help="draw a network, an expression graph or the tutorial's figures to SVG",
        description="Render to SVG with the system Graphviz `dot` if present, else graphviz-pure "
        "(pip install 'autonode[render]'). Prints which renderer was used.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", type=Path, help="a model file written by autonode train / nets.io.save")
    source.add_argument("--sizes", help="layer sizes of a freshly initialised network, e.g. 64,30,10")
    source.add_argument("--expr", help='an expression to differentiate and draw, e.g. "tanh(a*b + b**2)"')
    source.add_argument("--figures", type=Path, metavar="DIR", help="write the tutorial's sigmoid figures here")
    source.add_argument("--history", type=Path, help="a JSON loss history (list, or dict of lists) to plot")
    parser.add_argument("-o", "--output", type=Path, help="the SVG file to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --sizes (default 0)")
    parser.add_argument("--init", default="uniform", help="initialiser for --sizes (default: the tutorial's uniform)")
    parser.add_argument("--activations", default="sigmoid", help="activation(s) for --sizes, comma separated")
    parser.add_argument("--threshold", type=float, default=0.0, help="leave out edges with |weight| at most this")
    parser.add_argument("--at", default="", help="variable values for --expr, e.g. a=2,b=-3")
    parser.add_argument("--steps", type=Path, metavar="DIR", help="with --expr: also write backward-pass frames here")
    parser.add_argument("--collapse", choices=["neuron", "layer"], help="with --expr: group labelled nodes")
    parser.add_argument("--rankdir", choices=["LR", "TB"], default="LR", help="graph direction (default LR)")
    parser.set_defaults(func=run)


def _weights_from_args(args: argparse.Namespace) -> tuple[Any, list[str]]:
    if args.model is not None:
        from nets.io import load

        model = load(args.model)
        return model.weights, model.activations
    import numpy as np

    from nets.init import check_sizes, initialise

    try:
        sizes = check_sizes([int(s) for s in args.sizes.split(",") if s.strip()])
    except ValueError as error:
        raise ValueError(f"--sizes must be comma-separated positive integers like 64,30,10 ({error})") from None
    names = [a.strip() for a in args.activations.split(",") if a.strip()]
    if len(names) == 1:
        names = names * (len(sizes) - 1)
    return initialise(args.init, sizes, np.random.default_rng(args.seed)), names


def _draw_expression(args: argparse.Namespace) -> int:
    import viz
    from autonode import AutonodeError
    from autonode.parse import parse_expression_at

    try:
        root, _ = parse_expression_at(args.expr, args.at)
    except AutonodeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    root.label = root.label or "out"
    root.backward()
    renderer = viz.find_renderer()
    if args.output is not None:
        graph = viz.draw_graph(root, rankdir=args.rankdir, show_local_grads=True, collapse=args.collapse)
        viz.render_svg(graph, args.output, renderer)
        print(f"graph written to {args.output} (renderer: {renderer.name})")
    if args.steps is not None:
        paths = viz.write_backward_steps(root, args.steps, rankdir=args.rankdir, renderer=renderer)
        print(f"{len(paths) - 1} backward-pass frames and {paths[-1]} written to {args.steps} "
              f"(renderer: {renderer.name})")
    return 0


def _run(args: argparse.Namespace) -> int:
    import viz

    if args.figures is not None:
        from viz.plots import plot_activations

        for path in plot_activations(args.figures):
            print(f"wrote {path}")
        return 0
    if args.expr is not None:
        if args.output is None and args.steps is None:
            print("error: --expr needs -o FILE.svg and/or --steps DIR", file=sys.stderr)
            return 2
        return _draw_expression(args)
    if args.output is None:
        print("error: -o/--output FILE.svg is required", file=sys.stderr)
        return 2
    if args.history is not None:
        from viz.plots import plot_loss

        try:
            history = json.loads(args.history.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            print(f"error: cannot read loss history {args.history}: {error}", file=sys.stderr)
            return 2
        print(f"wrote {plot_loss(history, args.output)}")
        return 0
    weights, names = _weights_from_args(args)
    graph = viz.draw_network(weights, activation_names=names, edge_threshold=args.threshold)
    renderer = viz.render_svg(graph, args.output)
    print(f"network written to {args.output} (renderer: {renderer})")
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch on the source option; errors are printed as one line naming the problem."""
    from autonode import AutonodeError
    from viz import GraphTooLargeError

    try:
        return _run(args)
    except GraphTooLargeError as error:
        hint = "--collapse neuron or --collapse layer" if args.expr is not None else "--threshold T"
        print(f"error: {error} (on the command line: {hint})", file=sys.stderr)
        return 1
    except (AutonodeError, ValueError, TypeError, OSError, ImportError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
