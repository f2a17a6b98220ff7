"""viz: backprop graphs and networks rendered to SVG with graphviz; plots.

>>> from autonode import Value
>>> import viz
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> e = a * b
>>> e.backward()
>>> graph = viz.draw_graph(e, show_local_grads=True)   # a graphviz.Digraph
>>> viz.render_svg(graph, "e.svg")                      # doctest: +SKIP
'graphviz-pure'

Rendering uses the system ``dot`` when on PATH, else ``graphviz-pure``
(``pip install -e '.[render]'``). Plots (:mod:`viz.plots`) need matplotlib.
In Jupyter, after ``import viz`` a ``Value`` displays as its drawn graph and an ``MLP`` or
``VectorMLP`` as its network diagram (:mod:`viz.notebook`).
viz only reads graphs and weights; :func:`write_backward_steps` runs a backward pass.
"""

from viz import notebook
from viz.collapse import assign_groups, label_grouper
from viz.graph import DEFAULT_MAX_NODES, GraphTooLargeError, draw_graph
from viz.network import draw_network
from viz.render import (
    INSTALL_HINT,
    Digraph,
    Renderer,
    RendererNotFoundError,
    RenderError,
    dot_to_svg,
    find_renderer,
    render_svg,
    write_atomic,
)
from viz.steps import Frame, backward_frames, steps_page, write_backward_steps

notebook.register()  # in a Jupyter kernel: Values and networks display as drawings

__all__ = [
    "DEFAULT_MAX_NODES", "INSTALL_HINT", "Digraph", "Frame", "GraphTooLargeError", "RenderError", "Renderer",
    "RendererNotFoundError", "assign_groups", "backward_frames", "dot_to_svg", "draw_graph", "draw_network",
    "find_renderer", "label_grouper", "render_svg", "steps_page", "write_atomic", "write_backward_steps",
]
