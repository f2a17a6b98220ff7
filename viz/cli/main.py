"""Entry point: ``autonode <command> ...``; each subcommand lives in its own module.

A subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a callable taking the parsed arguments and returning an exit code.

Exit status: 0 done; 1 the run failed (the message says what failed); 2 bad usage (the
message names the option, under the subcommand's own usage); 130 Ctrl-C; 143 SIGTERM;
129 SIGHUP (the terminal closed). Those signals are turned into exceptions, so temporary
files and a running renderer are cleaned up as on any other failure; a signal the caller
set to be ignored (``nohup``) stays ignored.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

from viz import render
from viz.cli import bench, compare, demo, draw, grad, train, walkthrough
from viz.cli.checks import HungUp, Terminated, UsageError

SUBCOMMANDS = (demo, grad, walkthrough, train, compare, draw, bench)
HANGUP = getattr(signal, "SIGHUP", None)  # the terminal closed (absent on Windows)
SINGLE_DASH_EXPRESSIONS = {"grad": ("--at", "--svg", "--steps", "--time-limit"), "draw": ()}


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and each subcommand's parser by name."""
    parser = argparse.ArgumentParser(
        prog="autonode",
        description="See backpropagation node by node, and prove the vectorised path computes the same.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser, dict(sub.choices)


def shield_expressions(argv: list[str]) -> list[str]:
    """Keep an expression starting with ``-`` (``autonode grad "-a"``) from being read as an option.

    argparse takes any ``-x`` word for an option; a leading space makes it a plain argument,
    and the expression parser skips spaces. Applies to ``grad``'s expression and ``draw --expr``.
    """
    if not argv or argv[0] not in SINGLE_DASH_EXPRESSIONS:
        return argv
    takes_value = SINGLE_DASH_EXPRESSIONS[argv[0]]
    out = argv[:1]
    for previous, word in zip(argv, argv[1:]):
        is_expression = (
            len(word) > 1 and word[0] == "-" and word[1] != "-" and word != "-h"
            and (previous == "--expr" if argv[0] == "draw" else previous not in takes_value and previous != "--")
        )
        out.append(" " + word if is_expression else word)
    return out


def _hint(extras: list[str]) -> str:
    """A hint for a common slip: several --at values written with spaces instead of commas."""
    if extras and all("=" in word and not word.startswith("-") for word in extras):
        return "; give several values as one word separated by commas, e.g. --at a=2,b=3"
    return ""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """SIGTERM, SIGHUP and Ctrl-C as exceptions, so every cleanup runs (a starting renderer is killed once known)."""
    render.interrupt(Terminated if signum == signal.SIGTERM else HungUp if signum == HANGUP else KeyboardInterrupt)


def main(argv: Sequence[str] | None = None) -> int:
    words = shield_expressions(list(sys.argv[1:] if argv is None else argv))
    parser, subparsers = build_parser()
    args, extras = parser.parse_known_args(words)
    command = getattr(args, "command", None)
    if extras:
        target = subparsers.get(command) if command else parser
        (target or parser).error(f"unrecognized arguments: {' '.join(extras)}{_hint(extras)}")
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    previous: dict[signal.Signals, Any] = {}
    try:
        for signum in (signal.SIGTERM, signal.SIGINT, *([HANGUP] if HANGUP else [])):
            if signal.getsignal(signum) != signal.SIG_IGN:  # nohup: the caller asked to survive it
                previous[signum] = signal.signal(signum, _on_signal)
    except ValueError:  # not the main thread: leave the signals alone
        pass
    try:
        return int(args.func(args) or 0)
    except UsageError as error:
        subparsers[str(command)].print_usage(sys.stderr)
        print(f"autonode {command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"autonode {command}: interrupted; temporary files removed", file=sys.stderr)
        return 130
    except Terminated as stop:
        hung_up = isinstance(stop, HungUp)
        print(f"autonode {command}: terminated ({'SIGHUP' if hung_up else 'SIGTERM'}); temporary files removed",
              file=sys.stderr)
        return 129 if hung_up else 143
    except (OSError, ValueError, RuntimeError, TypeError, ImportError) as error:
        print(f"autonode {command}: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # still a message, never a traceback; the type says where to look
        print(f"autonode {command}: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


if __name__ == "__main__":
    sys.exit(main())
