"""Write the report folder: build every file in a staging folder, then move them in (:mod:`viz.outdir`).

A run either leaves the complete new report at ``out`` or (on error) the previous one
untouched. Only files autonode wrote there (its manifest lists them) are replaced or
removed; any other file in ``out`` is left alone, and a non-empty folder autonode did not
create is refused, so a mistyped ``--out`` cannot wipe a folder.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from viz.outdir import OutputFolderError, check_folder, staged_output
from viz.progress import ReportProgress
from viz.report.context import Context, ReportOptions
from viz.report.page import SectionOutput, render_page
from viz.report.sections import run_sections

INDEX = "index.html"


class ReportPathError(OutputFolderError):
    """``out`` cannot be used for the report (a file, or a folder holding files autonode did not write)."""


@dataclass
class ReportResult:
    """Where the report went and how each section fared."""

    index: Path
    sections: list[SectionOutput]
    files: list[str]
    facts: dict[str, str]
    seconds: float

    @property
    def failed(self) -> list[SectionOutput]:
        """Sections that could not be built (the page shows the error instead)."""
        return [s for s in self.sections if s.status == "failed"]

    @property
    def degraded(self) -> list[SectionOutput]:
        """Sections shown without their drawings (no renderer, or it failed)."""
        return [s for s in self.sections if s.status == "degraded"]


def check_out(out: Path) -> None:
    """Refuse an ``out`` that is a file, a folder autonode did not write, or whose parent is missing."""
    if not out.exists() and not out.parent.is_dir():
        raise ReportPathError(f"--out {out}: the parent folder {out.parent} does not exist; create it first "
                              "or choose another path")
    try:
        check_folder(out, "--out", [INDEX])
    except OutputFolderError as error:
        raise ReportPathError(str(error)) from None


def summary_line(sections: list[SectionOutput], facts: dict[str, str]) -> str:
    ok = sum(1 for s in sections if s.status == "ok")
    degraded = [f"{i}. {s.title}" for i, s in enumerate(sections, 1) if s.status == "degraded"]
    text = f"{ok} of {len(sections)} sections built" + (" in full" if degraded else "")
    failed = [f"{i}. {s.title}" for i, s in enumerate(sections, 1) if s.status == "failed"]
    if failed:
        text += " (failed, see the section for why: " + "; ".join(failed) + ")"
    if degraded:
        text += " (shown without their drawings, see the section for why: " + "; ".join(degraded) + ")"
    if facts:
        text += "; " + "; ".join(f"{k}: {v}" for k, v in facts.items())
    return text + "."


def write_report(out: str | os.PathLike[str], options: ReportOptions | None = None,
                 progress: ReportProgress | Callable[[str], None] | None = None) -> ReportResult:
    """Build the report into ``out`` (``out/index.html`` plus its SVG files); returns a :class:`ReportResult`."""
    options = options or ReportOptions()
    target = Path(out).absolute()
    check_out(target)
    start = time.perf_counter()
    try:
        with staged_output(target, "--out", [INDEX]) as built:
            ctx = Context(options, built)
            sections = run_sections(ctx, progress)
            generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            generated += f", {options.mode} run"
            html = render_page(sections, summary_line(sections, ctx.facts), generated)
            (built / INDEX).write_text(html, encoding="utf-8")
    except OutputFolderError as error:
        raise ReportPathError(str(error)) from None
    return ReportResult(target / INDEX, sections, [INDEX, *ctx.files], ctx.facts, time.perf_counter() - start)
