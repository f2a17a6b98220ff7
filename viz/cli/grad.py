"""``autonode grad "EXPR" --at a=2,b=-3``: value, gradients and chain-rule steps of an expression."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autonode import Value


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "grad",
        help="differentiate an expression and print each chain-rule step",
        description="Parse EXPR (numbers, names, + - * / **, parentheses, exp log tanh sigmoid relu), "
        "run backward and print the value, each input's gradient and the chain-rule steps.",
    )
    parser.add_argument("expr", help='e.g. "tanh(a*b + b**2)"')
    parser.add_argument("--at", default="", help="variable values, e.g. a=2,b=-3")
    parser.add_argument("--svg", type=Path, help="also draw the graph (data and grad on every node) to this SVG file")
    parser.add_argument("--steps", type=Path, help="also write the backward pass as SVG frames + an HTML page here")
    parser.add_argument("--quiet-steps", action="store_true", help="do not print the chain-rule steps")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from autonode import AutonodeError, backward_steps
    from autonode.parse import parse_expression_at, variable_names

    try:
        root, leaves = parse_expression_at(args.expr, args.at)
        root.label = root.label or "out"
        steps = backward_steps(root)
    except AutonodeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    print(f"{args.expr} = {root.data:.10g}")
    for name in variable_names(args.expr):  # the inputs the expression uses, in order of appearance
        print(f"  ∂out/∂{name} = {leaves[name].grad:.10g}")
    if not args.quiet_steps:
        print(
            f"chain-rule steps ({len(steps)}), output to inputs — "
            "[op] node → input:  ∂out/∂node × ∂node/∂input = added to ∂out/∂input"
        )
        for number, step in enumerate(steps, 1):
            print(f"  {number:>3}. {step}")
    return _draw(root, args)


def _draw(root: Value, args: argparse.Namespace) -> int:
    if args.svg is None and args.steps is None:
        return 0
    try:
        import viz
    except ImportError as error:  # pragma: no cover - viz ships with the package
        print(f"error: drawing needs the viz package: {error}", file=sys.stderr)
        return 1
    try:
        renderer = viz.find_renderer()
        if args.svg is not None:
            viz.render_svg(viz.draw_graph(root, show_local_grads=True), args.svg, renderer)
            print(f"graph written to {args.svg} (renderer: {renderer.name})")
        if args.steps is not None:
            written = viz.write_backward_steps(root, args.steps, renderer=renderer)
            frames = [path for path in written if path.suffix == ".svg"]
            print(f"{len(frames)} backward-step frames and {written[-1].name} written to {args.steps} "
                  f"(renderer: {renderer.name})")
    except Exception as error:  # a renderer failure is reported, not a traceback
        print(f"error: could not draw: {error}", file=sys.stderr)
        return 1
    return 0
