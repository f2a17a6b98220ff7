"""``autonode grad "EXPR" --at a=2,b=-3``: value, gradients and chain-rule steps of an expression.

Exit status 2 for a bad expression, value or output path (checked before anything is
computed or drawn), 1 when drawing fails (no renderer, the time limit, too large a graph).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Literal

from autonode import AutonodeError, Value, backward_steps, topological_order
from autonode.parse import parse_assignments, parse_expression, variable_names
from autonode.value import FUNCTIONS
from viz.cli.checks import SVG_FILE, UsageError, writable_file
from viz.graph import GraphTooLargeError, draw_graph
from viz.outdir import OutputFolderError, check_folder
from viz.render import RenderDeadline, RendererNotFoundError, RenderError, find_renderer, render_svg
from viz.steps import step_names, step_text, write_backward_steps

DEFAULT_TIME_LIMIT = 120.0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "grad",
        help="differentiate an expression and print each chain-rule step",
        description=f"Parse EXPR (numbers, names, + - * / **, parentheses, {' '.join(FUNCTIONS)}), "
        "run backward and print the value, each input's gradient and the chain-rule steps.",
    )
    parser.add_argument("expr", help='e.g. "tanh(a*b + b**2)"; one starting with "-" works too: "-a*b"')
    parser.add_argument("--at", default="", help="variable values, one word separated by commas: a=2,b=-3")
    parser.add_argument("--svg", type=Path, help="also draw the graph (data and grad on every node) to this SVG file")
    parser.add_argument("--steps", type=Path, help="also write the backward pass as SVG frames + an HTML page here "
                        "(a new or empty folder, or one autonode wrote before)")
    parser.add_argument("--quiet-steps", action="store_true", help="do not print the chain-rule steps")
    add_time_limit(parser)
    parser.set_defaults(func=run)


def add_time_limit(parser: argparse.ArgumentParser, default: float = DEFAULT_TIME_LIMIT) -> None:
    parser.add_argument("--time-limit", type=float, default=default, metavar="SECONDS",
                        help=f"most seconds spent laying out drawings, all of them together (default {default:g})")


def check_time_limit(seconds: float) -> None:
    if not 0 < seconds < float("inf"):
        raise UsageError(f"--time-limit must be a positive number of seconds, got {seconds:g}")


def evaluate(expr: str, at: str, command: str) -> tuple[Value, dict[str, Value]]:
    """Parse and build ``expr`` with the values of ``at`` (root, leaves by name); say which values go unused."""
    try:
        values = parse_assignments(at)
        root, leaves = parse_expression(expr.strip(), values)
    except AutonodeError as error:
        raise UsageError(domain_wording(str(error))) from None
    unused = [name for name in values if name not in variable_names(expr.strip())]
    if unused:
        shown = ", ".join(unused[:10]) + (f" and {len(unused) - 10} more" if len(unused) > 10 else "")
        print(f"autonode {command}: note: --at gives {shown}, which the expression does not use", file=sys.stderr)
    root.label = root.label or "out"
    return root, leaves


def domain_wording(message: str) -> str:
    """``"log: log needs a positive operand"`` → ``"log needs a positive operand"`` (the op named once)."""
    op, sep, rest = message.partition(": ")
    return rest if sep and rest.startswith(op + " ") else message


def run(args: argparse.Namespace) -> int:
    check_time_limit(args.time_limit)
    if args.svg is not None:
        writable_file(args.svg, "--svg", SVG_FILE)
    if args.steps is not None:
        check_steps_folder(args.steps)
    root, leaves = evaluate(args.expr, args.at, "grad")
    steps = backward_steps(root)
    print(f"{args.expr.strip()} = {root.data:.10g}")
    names_used = variable_names(args.expr.strip())  # the inputs the expression uses, in order of appearance
    for name in names_used:
        print(f"  ∂out/∂{name} = {leaves[name].grad:.10g}")
    note_not_finite(root.data, {name: leaves[name].grad for name in names_used}, "grad")
    if not args.quiet_steps:
        # the notation of the --steps page and the report: ∂out/∂node · ∂node/∂input, compound names in parentheses
        names = step_names(topological_order(root), root)
        print(f"chain-rule steps ({len(steps)}), output to inputs: ∂out/∂node · ∂node/∂input = contribution, "
              "added to ∂out/∂input [op]")
        totals: dict[Value, float] = {}
        for number, step in enumerate(steps, 1):
            totals[step.parent] = totals.get(step.parent, 0.0) + step.contribution
            print(f"  {number:>3}. {step_text(step, names, names[root], totals[step.parent], digits=6)}")
    if args.svg is None and args.steps is None:
        return 0
    return draw_graph_and_steps(root, args.svg, args.steps, args.time_limit, "grad")


def note_not_finite(value: float, gradients: dict[str, float], command: str) -> None:
    """A note on stderr when the value or a gradient is inf or nan: IEEE arithmetic, not an error (exit 0)."""
    parts = [f"the value is {value}"] if not math.isfinite(value) else []
    parts += [f"∂out/∂{name} is {grad}" for name, grad in gradients.items() if not math.isfinite(grad)]
    if parts:
        shown = "; ".join(parts[:10]) + (f"; and {len(parts) - 10} more" if len(parts) > 10 else "")
        print(f"autonode {command}: note: {shown} (IEEE 754 float arithmetic: a result past "
              "the largest float, about 1.8e308, is inf; an undefined one such as inf - inf is nan)", file=sys.stderr)


def check_steps_folder(folder: Path) -> None:
    """Refuse up front a --steps folder autonode may not write into."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--steps {folder} exists and is not a directory; choose a new folder name")
    try:
        check_folder(folder, "--steps")
    except OutputFolderError as error:
        raise UsageError(str(error)) from None


def draw_graph_and_steps(
    root: Value, svg: Path | None, steps: Path | None, time_limit: float, command: str,
    rankdir: Literal["LR", "TB"] = "LR", collapse: Literal["neuron", "layer"] | None = None,
) -> int:
    """Write the graph (edge labels on) and/or the backward-pass frames, all within one time limit."""
    try:
        renderer = find_renderer()
        with RenderDeadline(time_limit):
            if svg is not None:
                graph = draw_graph(root, rankdir=rankdir, show_local_grads=True, collapse=collapse)
                render_svg(graph, svg, renderer)
                print(f"graph written to {svg} (renderer: {renderer.name})")
            if steps is not None:
                written = write_backward_steps(root, steps, rankdir=rankdir, renderer=renderer)
                print(f"{len(written) - 1} backward-step frames and {written[-1].name} written to {steps} "
                      f"(renderer: {renderer.name})")
    except GraphTooLargeError as error:
        hint = ("one drawing with --svg FILE.svg, or collapsed with autonode draw --expr ... --collapse neuron"
                if command == "grad" else "--collapse neuron or --collapse layer")
        print(f"autonode {command}: {error} (on the command line: {hint})", file=sys.stderr)
        return 1
    except (OutputFolderError, NotADirectoryError) as error:
        raise UsageError(str(error)) from None
    except (RenderError, RendererNotFoundError, ValueError, OSError) as error:
        print(f"autonode {command}: could not draw: {error}", file=sys.stderr)
        return 1
    return 0
