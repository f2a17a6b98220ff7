"""Jupyter displays: a ``Value`` shows as its drawn graph, an ``MLP`` or ``VectorMLP`` as its network diagram,
a figure of :mod:`viz.plots` as its chart.

autonode and nets know nothing of drawing (dependencies run autonode ← nets ← viz), so
viz teaches IPython how to show them: ``import viz`` inside a running IPython kernel
registers an ``image/svg+xml`` formatter for each type (:func:`register`). A graph of more
than ``MAX_NODES`` nodes, or no SVG renderer, gives None, and IPython shows the text repr
instead. The figures of :mod:`viz.plots` are plain ``matplotlib.figure.Figure`` objects (no
pyplot, so no backend shows them by itself): they are registered by name, so matplotlib is
not imported until a figure exists. Outside IPython nothing happens (IPython is never
imported by this module).
"""

from __future__ import annotations

import io
import sys
from typing import Any

from autonode import Value
from nets.scalar import MLP
from nets.vector import VectorMLP
from viz.graph import GraphTooLargeError, draw_graph
from viz.network import draw_network
from viz.render import RendererNotFoundError, RenderError, dot_to_svg

MAX_NODES = 400  # drawn nodes; beyond this the text repr is quicker to read than the picture


def value_svg(value: Value) -> str | None:
    """``value``'s graph (data and grad on every node, local derivatives on the edges) as SVG text, or None."""
    try:
        svg, _ = dot_to_svg(draw_graph(value, show_local_grads=True, max_nodes=MAX_NODES))
    except (GraphTooLargeError, RendererNotFoundError, RenderError):
        return None
    return svg.decode("utf-8")


def network_svg(net: Any) -> str | None:
    """``net``'s network diagram (weights as coloured edges) as SVG text, or None."""
    try:
        svg, _ = dot_to_svg(draw_network(net))
    except (GraphTooLargeError, RendererNotFoundError, RenderError):
        return None
    return svg.decode("utf-8")


def figure_svg(figure: Any) -> str:
    """A matplotlib ``figure`` (e.g. :func:`viz.plots.loss_figure`'s) as SVG text."""
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight")
    return out.getvalue()


def register(shell: Any = None) -> bool:
    """Register the SVG displays with ``shell`` (default: the running IPython, if any); True if registered."""
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    formatter = shell.display_formatter.formatters["image/svg+xml"]
    formatter.for_type(Value, value_svg)
    formatter.for_type(MLP, network_svg)
    formatter.for_type(VectorMLP, network_svg)
    formatter.for_type_by_name("matplotlib.figure", "Figure", figure_svg)
    return True
