"""``autonode draw``: network diagrams, expression graphs, backward frames and the tutorial's figures as SVG.

    autonode draw --sizes 64,30,10 [--seed 0] -o net.svg      a freshly initialised network
    autonode draw --model model.json -o net.svg               a saved model (nets.io format)
    autonode draw --expr "tanh(a*b + b**2)" --at a=2,b=-3 -o g.svg [--steps DIR]
    autonode draw --figures DIR                                sigmoid figures (w and b), needs matplotlib
    autonode draw --history losses.json -o loss.svg           loss curve(s), needs matplotlib

-o FILE.svg is needed by every source except --figures (which writes into DIR), and
--expr may write only --steps DIR instead. A folder (--steps, --figures) must be new,
empty, or one autonode wrote before: files autonode did not write are never touched.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from nets.init import initialise
from nets.io import ModelFileError, load, read_bounded
from viz.cli.checks import MAX_DRAWN_EDGES, SVG_FILE, UsageError, check_parameters, int_list, writable_file
from viz.cli.grad import add_time_limit, check_steps_folder, check_time_limit, draw_graph_and_steps, evaluate
from viz.graph import GraphTooLargeError
from viz.network import DEFAULT_MAX_EDGES, draw_network
from viz.outdir import OutputFolderError, staged_output
from viz.render import INSTALL_HINT, RenderDeadline, render_svg

MAX_HISTORY_BYTES = 64 * 2**20  # a loss history of a few million epochs; past that, not a history


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "draw",
        help="draw a network, an expression graph or the tutorial's figures to SVG",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Renders with the system Graphviz `dot` if present, else graphviz-pure "
        f"({INSTALL_HINT}). Prints which renderer was used.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", type=Path, help="a model file written by autonode train / nets.io.save")
    source.add_argument("--sizes", help="layer sizes of a freshly initialised network, e.g. 64,30,10")
    source.add_argument("--expr", help='an expression to differentiate and draw, e.g. "tanh(a*b + b**2)"')
    source.add_argument("--figures", type=Path, metavar="DIR", help="write the tutorial's sigmoid figures here")
    source.add_argument("--history", type=Path, help="a JSON loss history (list, or dict of lists) to plot")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE.svg",
                        help="the SVG file to write (needed except with --figures, and with --expr when --steps "
                        "is given)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --sizes (default 0)")
    parser.add_argument("--init", default="uniform", help="initialiser for --sizes (default: the tutorial's uniform)")
    parser.add_argument("--activations", default="sigmoid", help="activation(s) for --sizes, comma separated")
    parser.add_argument("--threshold", type=float, default=0.0, help="leave out edges with |weight| at most this")
    parser.add_argument("--at", default="", help="variable values for --expr, e.g. a=2,b=-3")
    parser.add_argument("--steps", type=Path, metavar="DIR", help="with --expr: also write backward-pass frames here")
    parser.add_argument("--collapse", choices=["neuron", "layer"], help="with --expr: group labelled nodes")
    parser.add_argument("--rankdir", choices=["LR", "TB"], default="LR", help="graph direction (default LR)")
    add_time_limit(parser)
    parser.set_defaults(func=run)


def _sizes(args: argparse.Namespace) -> list[int]:
    """--sizes checked as usage (exit 2), and the network's size bounded before any weight exists."""
    sizes = int_list(args.sizes, "--sizes", "64,30,10")
    if len(sizes) < 2:
        raise UsageError(f"--sizes needs at least two layer sizes (inputs, ..., outputs), got {args.sizes!r}")
    check_parameters(sizes, "--sizes", MAX_DRAWN_EDGES)
    edges = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    if args.threshold <= 0 and edges > DEFAULT_MAX_EDGES:  # the diagram's own limit, checked before allocating
        raise GraphTooLargeError(
            f"the network has {edges} edges to draw, more than max_edges={DEFAULT_MAX_EDGES}: "
            "raise edge_threshold to drop small weights, or raise max_edges"
        )
    return sizes


def _weights_from_args(args: argparse.Namespace) -> tuple[Any, list[str]]:
    if args.model is not None:
        model = load(args.model)
        return model.weights, model.activations
    sizes = _sizes(args)
    names = [a.strip() for a in args.activations.split(",") if a.strip()]
    if len(names) == 1:
        names = names * (len(sizes) - 1)
    return initialise(args.init, sizes, np.random.default_rng(args.seed)), names


def _figures(folder: Path) -> int:
    from viz.plots import plot_activations  # matplotlib and the training code: a second, only for the figures

    try:
        with staged_output(folder, "--figures", ["sigmoid_weights.svg", "sigmoid_biases.svg"], parents=True) as stage:
            names = [path.name for path in plot_activations(stage)]
    except OutputFolderError as error:
        raise UsageError(str(error)) from None
    for name in names:
        print(f"wrote {folder / name}")
    return 0


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique: a series named twice would silently lose one of its copies."""
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"the key {key!r} appears twice in one object; give each series once")
    return dict(pairs)


def _number(value: Any, where: str) -> float:
    """A finite JSON number (not true/false, not a string, not NaN/Infinity, not past the largest float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where} is {json.dumps(value)[:40]}, not a number")
    try:
        number = float(value)
    except OverflowError:  # an integer with hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{where} is {str(value)[:40]}, not a finite number")
    return number


def _checked_history(data: Any) -> Any:
    """A loss history as ``draw --history`` reads it: a list of numbers, an object of lists of numbers, or a list
    of objects of numbers (one per epoch); anything else is refused naming the series and the position."""
    if isinstance(data, dict):
        for name, values in data.items():
            if not isinstance(values, list):
                raise ValueError(f"series {name!r} is not a list of numbers")
            for position, value in enumerate(values):
                _number(value, f"series {name!r} item {position}")
        return data
    if isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        for position, row in enumerate(data):
            for name, value in row.items():
                _number(value, f"series {name!r} in row {position}")
        return data
    if isinstance(data, list):
        for position, value in enumerate(data):
            _number(value, f"item {position}")
        return data
    raise ValueError("a loss history is a list of numbers, an object of lists of numbers, "
                     "or a list of objects of numbers")


def _history(args: argparse.Namespace) -> int:
    from viz.plots import plot_loss  # matplotlib and the training code: a second, only for the loss plot

    try:  # a regular file of at most 64 MB: a FIFO or /dev/zero is refused, not waited on or read forever
        text = read_bounded(args.history, MAX_HISTORY_BYTES).decode("utf-8")
        history = _checked_history(json.loads(text, object_pairs_hook=_refuse_duplicate_keys))
    except ModelFileError as error:  # "model file PATH: problem": the problem
        raise UsageError(f"--history: cannot read a loss history from {args.history}: "
                         f"{str(error).split(': ', 1)[-1]}") from None
    except (UnicodeDecodeError, ValueError) as error:  # ValueError: bad JSON, or not a history (names the place)
        raise UsageError(f"--history: cannot read a loss history from {args.history}: {error}") from None
    except RecursionError:
        raise UsageError(f"--history: cannot read a loss history from {args.history}: it nests lists too "
                         "deeply (a history nests two levels)") from None
    print(f"wrote {plot_loss(history, args.output)}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch on the source option: usage errors first (exit 2), then the drawing (exit 1 if it fails)."""
    check_time_limit(args.time_limit)
    if args.figures is not None:
        return _figures(args.figures)
    if args.expr is not None:
        if args.output is None and args.steps is None:
            raise UsageError("--expr needs -o FILE.svg and/or --steps DIR")
    elif args.output is None:
        given = "--model" if args.model is not None else "--sizes" if args.sizes is not None else "--history"
        raise UsageError(f"{given} needs -o FILE.svg (only --figures DIR writes without it)")
    elif args.steps is not None or args.collapse is not None:
        raise UsageError("--steps and --collapse go with --expr")
    if args.output is not None:
        writable_file(args.output, "-o/--output", SVG_FILE)
    if args.expr is not None:
        if args.steps is not None:
            check_steps_folder(args.steps)
        root, _ = evaluate(args.expr, args.at, "draw")
        root.backward()
        return draw_graph_and_steps(root, args.output, args.steps, args.time_limit, "draw", args.rankdir,
                                    args.collapse)
    if args.history is not None:
        return _history(args)
    try:
        weights, names = _weights_from_args(args)
        graph = draw_network(weights, activation_names=names, edge_threshold=args.threshold)
        with RenderDeadline(args.time_limit):
            renderer = render_svg(graph, args.output)
    except GraphTooLargeError as error:
        print(f"autonode draw: {error} (on the command line: --threshold T)", file=sys.stderr)
        return 1
    print(f"network written to {args.output} (renderer: {renderer})")
    return 0
