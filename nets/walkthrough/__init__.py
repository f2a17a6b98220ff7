"""The seeds' worked numbers, recomputed with the engine: one module per seed tutorial.

Each module's ``section(seed)`` returns a :class:`~nets.walkthrough.report.Section`
of rows (description, the seed's value, the engine's value, agreement) and notes.
"""

from __future__ import annotations

from collections.abc import Callable

from nets.walkthrough import explainer, step_by_step, tutorial
from nets.walkthrough.report import Row, Section

SECTIONS: dict[str, Callable[[int], Section]] = {
    "step-by-step": step_by_step.section,
    "tutorial": tutorial.section,
    "explainer": explainer.section,
}
"""Section name → builder (seed 001, 000, 002)."""


def run(names: list[str] | None = None, seed: int = 0) -> list[Section]:
    """The named sections (all by default), computed now with the engine."""
    chosen = list(SECTIONS) if not names else names
    unknown = [n for n in chosen if n not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown walkthrough section {unknown[0]!r}; known: {', '.join(SECTIONS)}")
    return [SECTIONS[name](seed) for name in chosen]


__all__ = ["SECTIONS", "Row", "Section", "run"]
