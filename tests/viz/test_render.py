"""Renderer discovery (system dot → graphviz-pure → clear error) and atomic SVG writing."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import viz
from autonode import Value
from tests.svg_helpers import parse_svg
from viz import render
from viz.cli.checks import Terminated

TINY = 'digraph { a [label="hello"]; a -> b }'


def test_graphviz_pure_is_found_without_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An unactivated venv: the scripts directory is not on PATH, graphviz-pure is still found."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert render.find_system_dot() is None
    renderer = render.find_renderer()
    assert renderer.name == "graphviz-pure"
    assert os.path.basename(renderer.executable).startswith("graphviz-pure")
    assert viz.render_svg(TINY, tmp_path / "t.svg") == "graphviz-pure"
    nodes, edges, _ = parse_svg(tmp_path / "t.svg")
    assert nodes["a"].texts == ["hello"] and len(edges) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in `dot` is a POSIX shell script")
def test_system_dot_is_preferred(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure = render.find_graphviz_pure()
    assert pure is not None, "graphviz-pure (the render extra) must be installed for the tests"
    fake_dot = tmp_path / "dot"
    fake_dot.write_text(f'#!/bin/sh\nexec "{pure.executable}" "$@"\n')
    fake_dot.chmod(fake_dot.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert render.find_renderer() == render.Renderer("dot", str(fake_dot))
    assert viz.render_svg(TINY, tmp_path / "t.svg") == "dot"
    assert parse_svg(tmp_path / "t.svg")[0]["a"].texts == ["hello"]


def test_missing_renderer_names_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(render.shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(viz.RendererNotFoundError, match=r"pip install -e '\.\[render\]'"):
        render.find_renderer()
    target = tmp_path / "g.svg"
    with pytest.raises(viz.RendererNotFoundError):
        viz.render_svg(viz.draw_graph(Value(1.0) * 2), target)
    assert list(tmp_path.iterdir()) == []


def test_render_failure_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "bad.svg"
    with pytest.raises(viz.RenderError, match="syntax error"):
        viz.render_svg("digraph { a -> }", target)
    assert list(tmp_path.iterdir()) == []


def test_render_failure_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "g.svg"
    viz.render_svg(TINY, target)
    before = target.read_bytes()
    with pytest.raises(viz.RenderError):
        viz.render_svg("digraph { a -> }", target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]


def test_interrupted_write_leaves_no_partial_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "out.svg"
    target.write_text("old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(render.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        render.write_atomic(target, b"<svg/>")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.svg"]


def test_write_atomic_needs_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        render.write_atomic(tmp_path / "missing" / "x.svg", "x")


def test_written_file_has_normal_permissions(tmp_path: Path) -> None:
    path = render.write_atomic(tmp_path / "x.svg", "<svg/>")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_render_rejects_non_graphs(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="graphviz.Digraph"):
        viz.render_svg(42, tmp_path / "x.svg")  # type: ignore[arg-type]


def test_digraph_displays_in_jupyter_without_system_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None
    graph = viz.draw_graph(Value(2.0, label="a") * 3)
    bundle = graph._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script renderer")
def test_a_signal_while_the_renderer_starts_still_kills_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM landing inside subprocess.Popen (the child runs, Popen has not returned): the renderer is killed."""
    script = tmp_path / "dot"
    script.write_text("#!/bin/sh\nexec sleep 60\n")
    script.chmod(0o755)
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen_hit_by_a_signal(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        process = real_popen(*args, **kwargs)
        started.append(process)
        render.interrupt(Terminated)  # what the CLI's handler does when the signal arrives at this moment
        return process

    monkeypatch.setattr(subprocess, "Popen", popen_hit_by_a_signal)
    with pytest.raises(Terminated):
        viz.dot_to_svg("digraph { a -> b }", viz.Renderer("dot", str(script)), timeout=30)
    assert started and started[0].poll() is not None, "the renderer outlived the interrupted call"
