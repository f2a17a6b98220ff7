"""``autonode demo``: one command, one self-contained HTML report of what this project does.

    autonode demo                       # about 10 s on an idle 2-core machine: writes autonode-report/index.html
    autonode demo --quick               # seconds: small settings
    autonode demo --full --out report   # also trains with the per-node engine

The page shows the seed walkthroughs recomputed, an expression graph with a step-through
of its backward pass, the trained digits network, the engines compared, digits training
with two recipes, and the environment. Exit code 1 when any section failed or had to
leave out its drawings (no Graphviz renderer; the page still shows the rest), 2 when the
output path is unusable.

The output folder must be new, empty, or a report autonode wrote before (it holds autonode's
manifest, ``.autonode-files.json``): only the files autonode wrote there are replaced, and
any other file in it is left alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from viz.cli.grad import add_time_limit, check_time_limit
from viz.outdir import OutputFolderError, check_folder
from viz.progress import ReportProgress
from viz.render import RenderDeadline

DEFAULT_OUT = "autonode-report"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="write a self-contained HTML report: walkthroughs, backprop graph, engines, digits",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-o", "--out", type=Path, default=Path(DEFAULT_OUT),
                        help=f"output folder (default {DEFAULT_OUT}); index.html and its SVG files go there")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small settings: a few seconds (used by the tests)")
    size.add_argument("--full", action="store_true", help="also train with the per-node (scalar) engine")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed for the data split and initial weights (default 0)")
    add_time_limit(parser, 300.0)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_time_limit(args.time_limit)
    try:  # refused before a second is spent importing and training (write_report checks again)
        if not args.out.exists() and not args.out.absolute().parent.is_dir():
            raise OutputFolderError(f"--out {args.out}: the parent folder {args.out.absolute().parent} does not exist; "
                                    "create it first or choose another path")
        check_folder(args.out, "--out", ["index.html"])
    except OutputFolderError as error:
        print(f"autonode demo: {error}", file=sys.stderr)
        return 2
    progress = ReportProgress(sys.stderr)  # per section: a bar with ETA on a terminal, timed lines otherwise
    # viz.report imports the training code and with it scikit-learn: a second or more, only for the report
    with progress.loading("loading numpy, scikit-learn and the engines"):
        from viz.report import ReportOptions, ReportPathError, write_report

    try:
        options = ReportOptions(quick=args.quick, full=args.full, seed=args.seed)
    except ValueError as error:
        print(f"autonode demo: {error}", file=sys.stderr)
        return 2
    print(f"autonode demo ({options.mode} run): building the report", file=sys.stderr)
    try:
        with RenderDeadline(args.time_limit):
            result = write_report(args.out, options, progress)
    except ReportPathError as error:
        print(f"autonode demo: {error}", file=sys.stderr)
        return 2
    for section in result.sections:
        status = {"ok": "ok", "degraded": "NO DRAWINGS: ", "failed": "FAILED: "}[section.status]
        if section.error:
            status += section.error.splitlines()[0]
        print(f"  {section.title:<58} {section.seconds:6.1f}s  {status}")
    for key, fact in result.facts.items():
        print(f"  {key}: {fact}")
    print(f"report written to {result.index} ({len(result.files)} files, {result.seconds:.1f}s)")
    problems = []
    if result.failed:
        problems.append(f"{len(result.failed)} section(s) failed")
    if result.degraded:
        problems.append(f"{len(result.degraded)} section(s) shown without their drawings")
    if problems:
        print(f"autonode demo: {', '.join(problems)}; the page shows why", file=sys.stderr)
        return 1
    return 0
