"""What the report's sections share during one run: options, the output folder, renderers used, cached results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from viz.progress import ReportProgress, Silent
from viz.render import RendererNotFoundError, RenderError, dot_to_svg
from viz.report.page import inline_svg

T = TypeVar("T")


@dataclass(frozen=True)
class ReportOptions:
    """``quick``: small settings (seconds, for tests); ``full``: also train with the per-node engine."""

    quick: bool = False
    full: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.quick and self.full:
            raise ValueError("choose at most one of quick and full")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

    @property
    def mode(self) -> str:
        return "quick" if self.quick else "full" if self.full else "default"


@dataclass(frozen=True)
class Drawing:
    """A laid-out graph as inline SVG markup, or (``svg`` empty) ``problem``: why it could not be drawn."""

    name: str
    svg: str = ""
    problem: str = ""


@dataclass
class Context:
    """Run state: SVG files land in ``directory``; ``renderers`` lists each Graphviz renderer used.

    ``background`` holds work a section started before its turn (worker processes); the
    section runner closes each when the run ends, whatever happened.
    """

    options: ReportOptions
    directory: Path
    renderers: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    progress: ReportProgress = field(default_factory=Silent)
    background: dict[str, Any] = field(default_factory=dict)  # work started early (each has close())
    idle: list[Callable[[], None]] = field(default_factory=list)  # work to do while waiting on the background
    _cache: dict[str, Any] = field(default_factory=dict)
    _failures: dict[str, BaseException] = field(default_factory=dict)

    def save_svg(self, name: str, svg: str | bytes) -> str:
        """Write ``name`` (an .svg file) into the report folder and return it as inline markup."""
        if not name.endswith(".svg") or "/" in name:
            raise ValueError(f"SVG file name must be a plain '*.svg' name, got {name!r}")
        data = svg.encode("utf-8") if isinstance(svg, str) else svg
        (self.directory / name).write_bytes(data)
        if name not in self.files:
            self.files.append(name)
        return inline_svg(data, name[:-4])

    def render(self, graph: Any, name: str) -> str:
        """Lay out a graphviz graph with the available renderer, save it as ``name``, return inline SVG."""
        svg, renderer = dot_to_svg(graph)
        if renderer not in self.renderers:
            self.renderers.append(renderer)
        return self.save_svg(name, svg)

    def draw(self, graph: Any, name: str) -> Drawing:
        """:meth:`render`, except that no renderer (or a failing one) gives a Drawing saying why instead of raising.

        For sections whose tables and numbers stand without the picture.
        """
        try:
            return Drawing(name, svg=self.render(graph, name))
        except (RendererNotFoundError, RenderError) as error:
            return Drawing(name, problem=str(error))

    def run_idle(self) -> None:
        """Do the queued idle work now (a section is about to wait for its background work)."""
        while self.idle:
            try:
                self.idle.pop(0)()
            except Exception:  # noqa: S110 - the section that queued it meets the error again (ctx.cached) and shows it
                pass

    def close_background(self) -> None:
        """Stop whatever background work is left (idempotent)."""
        for job in self.background.values():
            job.close()
        self.background.clear()

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per run; a failure is remembered and raised again for later sections."""
        if key in self._failures:
            raise RuntimeError(f"{key} failed earlier in this run: {self._failures[key]}") from self._failures[key]
        if key not in self._cache:
            try:
                self._cache[key] = compute()
            except Exception as error:
                self._failures[key] = error
                raise
        result: T = self._cache[key]
        return result
