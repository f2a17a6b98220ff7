"""``autonode walkthrough``: the seeds' worked numbers beside the engine's, one line each."""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any, TextIO

from nets.walkthrough import run as run_sections
from viz.cli.checks import check_seed

SECTION_NAMES = ("step-by-step", "tutorial", "explainer")
DESCRIPTION_WIDTH = 58
NOTE_WIDTH = 110


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "walkthrough",
        help="reproduce every worked number of the seed tutorials with the engine",
        description="Recompute the seed tutorials' numbers node by node and show whether they agree "
        "at the seed's printed precision (exit code 1 if any row disagrees).",
    )
    parser.add_argument("--section", choices=SECTION_NAMES, action="append",
                        help="only this section (repeatable; default: all)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed for the random-initialisation rows (default 0)")
    parser.add_argument("--no-notes", action="store_true", help="rows only, without the explanations")
    parser.set_defaults(func=run)


SOURCE_LABELS = {"variant": " (recipe variant)", "formula": " (formula)", "numerical": " (differences)"}


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_section(section: Any, out: TextIO, notes: bool = True) -> None:
    """One header, then ``✓/✗ description  seed value  engine value`` per row, then the notes."""
    print(f"\n{section.title}", file=out)
    print(f"  {'':2}{'':{DESCRIPTION_WIDTH}}  {'seed/formula':>14}  {'engine':>14}", file=out)
    for row in section.rows:
        mark = "✓" if row.agrees else "✗"
        formula = row.source in ("formula", "numerical")
        expected = f"{row.expected_value:.8g}" if formula else row.expected_text()
        engine = f"{row.engine:.8g}" if formula else row.engine_text()
        label = SOURCE_LABELS.get(row.source, "")
        print(f"  {mark} {_shorten(row.description, DESCRIPTION_WIDTH):{DESCRIPTION_WIDTH}}"
              f"  {expected:>14}  {engine:>14}{label}", file=out)
    if notes:
        for note in section.notes:
            print(textwrap.fill(note, NOTE_WIDTH, initial_indent="    · ", subsequent_indent="      "), file=out)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    check_seed(args.seed)
    stream = out if out is not None else sys.stdout
    sections = run_sections(args.section, seed=args.seed)
    for section in sections:
        print_section(section, stream, notes=not args.no_notes)
    rows = [row for section in sections for row in section.rows]
    bad = [row for row in rows if not row.agrees]
    print(f"\n{len(rows) - len(bad)} of {len(rows)} rows agree", file=stream)
    return 1 if bad else 0
