"""The report's sections in page order, and the runner that keeps one failure from spoiling the rest.

Each section is a function ``build(ctx) -> HTML fragment`` that raises on failure;
:func:`run_sections` catches per section and turns the exception into a message
shown in that section (a :class:`~viz.report.page.PartialSection` keeps what it drew; a
:class:`~viz.report.page.DegradedSection` is everything but its drawings, and says so itself).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from viz.progress import ReportProgress
from viz.report import digits, engines, environment, expression, functional, netdiagram, training, walkthrough
from viz.report.context import Context
from viz.report.page import DegradedSection, PartialSection, SectionOutput


def _nothing(ctx: Context) -> None:
    return None


@dataclass(frozen=True)
class SectionSpec:
    """A section: its anchor, heading, builder, and ``start``: work begun in the background before any build."""

    key: str
    title: str
    build: Callable[[Context], str]
    start: Callable[[Context], None] = _nothing


SECTIONS: list[SectionSpec] = [
    SectionSpec("walkthrough", "The seed walkthroughs, recomputed", walkthrough.build),
    SectionSpec("expression", "An expression graph and its backward pass, step by step", expression.build),
    SectionSpec("functional", "Forward and reverse mode, and derivatives of derivatives", functional.build),
    SectionSpec("network", "The trained digits network", netdiagram.build),
    SectionSpec("engines", "Engines compared: same numbers, different costs", engines.build, engines.start),
    SectionSpec("digits", "Digits: the tutorial's recipe and a modern one", digits.build, digits.start),
    SectionSpec("training", "Gradient flow: deep sigmoid and ReLU networks, layer by layer", training.build,
                training.start),
    SectionSpec("environment", "Environment", environment.build),
]

# The network section trains (and draws) the tutorial model the digits section shows; the digits section then
# waits for its seed spread, trained in worker processes meanwhile, and runs the idle work queued by the others
# (the gradient-flow training); the engines' figures are measured from the start in a worker process of their own
# (viz.report.engines.EngineWorker: PyTorch and JAX are loaded there, never here), and collected last.
BUILD_ORDER = ["walkthrough", "expression", "functional", "network", "digits", "training", "engines", "environment"]


def describe_error(error: BaseException) -> str:
    """``Type: message`` plus where it was raised (file:line in function)."""
    if isinstance(error, ModuleNotFoundError):
        text = f"a module this section needs is missing: {error.name} ({error})"
    else:
        text = f"{type(error).__name__}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        text += f"\n  raised at {last.filename}:{last.lineno} in {last.name}"
    return text


class _Titles(ReportProgress):
    """Progress for a caller that only wants each section's title (``progress(title)``)."""

    def __init__(self, tell: Callable[[str], None]) -> None:
        super().__init__(tty=False)
        self.tell = tell

    def section(self, title: str, index: int, count: int, total: int | None = None) -> None:
        self.tell(title)

    def update(self, done: int, total: int | None = None, what: str = "") -> None:
        pass


def run_sections(ctx: Context, progress: ReportProgress | Callable[[str], None] | None = None) -> list[SectionOutput]:
    """Build every section (errors caught per section), returned in page order.

    ``progress``: a :class:`~viz.progress.ReportProgress` (bars or lines per section), or a
    function called with each section's title.
    """
    if progress is not None:
        ctx.progress = progress if isinstance(progress, ReportProgress) else _Titles(progress)
    by_key = {spec.key: spec for spec in SECTIONS}
    done: dict[str, SectionOutput] = {}
    try:
        for spec in SECTIONS:
            try:
                spec.start(ctx)
            except Exception:  # noqa: S110 - the section's build runs the work again and shows its error
                pass
        for index, key in enumerate(BUILD_ORDER, 1):
            spec = by_key[key]
            ctx.progress.section(spec.title, index, len(BUILD_ORDER))
            start = time.perf_counter()
            try:
                output = SectionOutput(spec.key, spec.title, spec.build(ctx))
            except DegradedSection as degraded:
                output = SectionOutput(spec.key, spec.title, degraded.body, str(degraded), degraded=True)
            except PartialSection as partial:
                output = SectionOutput(spec.key, spec.title, partial.body, describe_error(partial))
            except Exception as error:  # one section's failure is shown in that section only
                output = SectionOutput(spec.key, spec.title, "", describe_error(error))
            output.seconds = time.perf_counter() - start
            done[key] = output
    finally:
        ctx.progress.close()
        ctx.close_background()
    return [done[spec.key] for spec in SECTIONS]
