"""Write the report folder atomically: build everything in a temporary sibling folder, then swap it in.

A run either leaves the complete new report at ``out`` or (on error) the previous
one untouched. An existing ``out`` is only replaced when it looks like a report
(it holds ``index.html``) or is empty, so a mistyped ``--out`` cannot wipe a folder.
"""

from __future__ import annotations

import datetime
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from viz.report.context import Context, ReportOptions
from viz.report.page import SectionOutput, render_page
from viz.report.sections import run_sections

INDEX = "index.html"


class ReportPathError(ValueError):
    """``out`` cannot be used for the report (a file, or a folder that is not a report)."""


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
    """Refuse an ``out`` that is a file, or a non-empty folder without an index.html."""
    if out.exists() and not out.is_dir():
        raise ReportPathError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / INDEX).is_file():
        raise ReportPathError(
            f"--out {out} is a non-empty directory without {INDEX}; it does not look like an earlier report, "
            "so it is left alone: choose another path or remove it"
        )
    if not out.parent.is_dir():
        raise ReportPathError(f"--out {out}: the parent directory {out.parent} does not exist")


def _swap_in(built: Path, out: Path) -> None:
    """Replace ``out`` by ``built`` with renames (the old folder is removed only after the swap)."""
    if not out.exists():
        os.replace(built, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.replace(out, old)
    try:
        os.replace(built, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


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
                 progress: Callable[[str], None] = lambda message: None) -> ReportResult:
    """Build the report into ``out`` (``out/index.html`` plus its SVG files); returns a :class:`ReportResult`."""
    options = options or ReportOptions()
    target = Path(out).absolute()
    check_out(target)
    start = time.perf_counter()
    built = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        ctx = Context(options, built)
        sections = run_sections(ctx, progress)
        generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        generated += f", {options.mode} run"
        html = render_page(sections, summary_line(sections, ctx.facts), generated)
        (built / INDEX).write_text(html, encoding="utf-8")
        os.chmod(built, 0o755)
        _swap_in(built, target)
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    return ReportResult(target / INDEX, sections, [INDEX, *ctx.files], ctx.facts, time.perf_counter() - start)
