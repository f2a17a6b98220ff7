"""Entry point: ``autonode <command> ...``; each subcommand lives in its own module.

A subcommand module defines ``register(subparsers)`` which adds its parser and
sets ``func`` to a callable taking the parsed arguments and returning an exit code.
Heavy imports happen inside those callables, so ``autonode --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

SUBCOMMANDS = ["demo", "grad", "walkthrough", "train", "compare", "draw", "bench"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autonode",
        description="See backpropagation node by node, and prove the vectorised path computes the same.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"viz.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"viz.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
