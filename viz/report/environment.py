"""Section 6: where the numbers came from — versions, BLAS threads, the SVG renderer, run settings."""

from __future__ import annotations

import os
import platform
import sys
from html import escape
from importlib import metadata

import numpy  # noqa: F401 - loads its BLAS, so threadpoolctl can see it
from threadpoolctl import threadpool_info

from viz.render import RendererNotFoundError, find_renderer
from viz.report.context import Context
from viz.report.page import table

PACKAGES = ("autonode", "numpy", "scikit-learn", "graphviz", "graphviz-pure", "matplotlib", "torch", "micrograd", "jax",
            "threadpoolctl")


def package_version(name: str) -> str:
    """The installed version of distribution ``name`` (read from its metadata, nothing imported)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def blas_rows() -> list[list[str]]:
    """One row per BLAS/OpenMP library numpy and scikit-learn loaded: API, implementation, threads."""
    rows = []
    for pool in threadpool_info():
        rows.append([escape(str(pool.get("user_api", ""))),
                     escape(f"{pool.get('internal_api', '')} {pool.get('version') or ''} "
                            f"{pool.get('architecture') or ''}".strip()),
                     str(pool.get("num_threads", ""))])
    return rows or [["no BLAS thread pool found", "", ""]]


def renderer_text(ctx: Context) -> str:
    """The renderer(s) this run used, or the one that would be used, or why none is available."""
    if ctx.renderers:
        return ", ".join(ctx.renderers) + " (used for this page's drawings)"
    try:
        found = find_renderer()
    except RendererNotFoundError as error:
        return f"none available: {error}"
    return f"{found.name} at {found.executable} (found, but no drawing succeeded in this run)"


def build(ctx: Context) -> str:
    """Versions, BLAS thread pools, the renderer and the run's settings."""
    versions = [["python", escape(platform.python_version()), escape(sys.executable)],
                ["platform", escape(platform.platform()), f"{os.cpu_count()} CPUs"]]
    versions += [[escape(name), escape(package_version(name)), ""] for name in PACKAGES]
    renderer = renderer_text(ctx)
    ctx.facts["renderer"] = renderer.split(" ")[0]
    mode = ctx.options.mode
    return "\n".join([
        "<p class=\"intro\">What produced this page: timings and the last digits of trained weights depend on "
        "these.</p>",
        table(["component", "version", "detail"], versions, element_id="env-versions"),
        "<h3>BLAS threads</h3>",
        table(["API", "library", "threads"], blas_rows(), numeric=[False, False, True], element_id="env-blas"),
        "<p>The digits training and the engine timings limit these pools to one thread while they run: on "
        "matrices this small, extra threads only add synchronisation.</p>",
        f'<p>SVG renderer: <b id="env-renderer">{escape(renderer)}</b>.</p>',
        f'<p>Run settings: <b id="env-mode">{escape(mode)}</b> (seed {ctx.options.seed}); '
        f"files written: {escape(', '.join(['index.html', *ctx.files]))}.</p>",
    ])
