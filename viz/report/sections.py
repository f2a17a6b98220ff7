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

from viz.report import digits, engines, environment, expression, netdiagram, walkthrough
from viz.report.context import Context
from viz.report.page import DegradedSection, PartialSection, SectionOutput


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    build: Callable[[Context], str]


SECTIONS: list[SectionSpec] = [
    SectionSpec("walkthrough", "The seed walkthroughs, recomputed", walkthrough.build),
    SectionSpec("expression", "An expression graph and its backward pass, step by step", expression.build),
    SectionSpec("network", "The trained digits network", netdiagram.build),
    SectionSpec("engines", "Engines compared: same numbers, different costs", engines.build),
    SectionSpec("digits", "Digits: the tutorial's recipe and a modern one", digits.build),
    SectionSpec("environment", "Environment", environment.build),
]

# Sections whose heavy work feeds others run first (the network section draws the model the digits section trains).
BUILD_ORDER = ["walkthrough", "expression", "digits", "network", "engines", "environment"]


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


def run_sections(ctx: Context, progress: Callable[[str], None] = lambda message: None) -> list[SectionOutput]:
    """Build every section (errors caught per section), returned in page order."""
    by_key = {spec.key: spec for spec in SECTIONS}
    done: dict[str, SectionOutput] = {}
    for key in BUILD_ORDER:
        spec = by_key[key]
        progress(spec.title)
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
    return [done[spec.key] for spec in SECTIONS]
