"""The seeds' worked numbers, recomputed with the engine: one module per seed tutorial.

Each module's ``section(seed)`` returns a :class:`~nets.walkthrough.report.Section`
of rows (description, the seed's value, the engine's value, agreement) and notes.
The tutorial's section also notes Newton's method beside its gradient descent
(:mod:`nets.walkthrough.newton`; those iterates are not seed numbers, so not rows).
"""

from __future__ import annotations

from collections.abc import Callable

from nets.walkthrough import explainer, newton, step_by_step, tutorial
from nets.walkthrough.report import Row, Section


def _tutorial(seed: int = 0) -> Section:
    """The tutorial's section with Newton's method noted beside its gradient descent."""
    out = tutorial.section(seed)
    out.notes.append(newton.note())
    return out


SECTIONS: dict[str, Callable[[int], Section]] = {
    "step-by-step": step_by_step.section,
    "tutorial": _tutorial,
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
