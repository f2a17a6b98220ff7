"""Draw a network as in the seed figures: layers as columns of neurons, +1 bias nodes, weighted edges.

Takes the shared weights format (``[(W[0], b[0]), ...]``, ``W[l].shape == (sizes[l+1], sizes[l])``)
or any object with ``get_weights()`` (per-node and vectorised MLPs alike). Edge colour
shows the sign of the weight (blue +, red −) and width its size; given gradients in the
same format, colour and width show the gradient instead (green +, purple −). A legend
under the title says so. Names follow the tutorial: inputs x_j, neurons h_i^(l) drawn as
``h2(2)``, layers numbered from 1.

Large networks stay readable: a layer of more than ``ROWS`` neurons is laid out in several
narrow sub-columns, and by default (``strongest="auto"``) a network with more than
``AUTO_ABOVE`` connections shows only its ``AUTO_STRONGEST`` strongest (largest |value|),
the legend saying how many of how many. Edges carry no arrowheads: inputs are on the left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

import numpy as np

from viz.graph import GraphTooLargeError
from viz.render import Digraph
from viz.style import (
    GRAD_NEGATIVE,
    GRAD_POSITIVE,
    NEGATIVE,
    POSITIVE,
    fmt,
    grad_fill,
    pen_width,
    signed_color,
)

DEFAULT_MAX_EDGES = 5000
COLUMN_GAP = 3.0  # inches between layer columns
ROW_GAP = 0.8  # inches between neurons in a column
ROWS = 16  # most neurons in one column; a larger layer wraps into sub-columns
COMPACT_ROW_GAP = 0.45  # inches between neurons of a wrapped layer
SUB_COLUMN_GAP = 0.55  # inches between the sub-columns of a wrapped layer
AUTO_ABOVE = 400
AUTO_STRONGEST = 300
Layers = list[tuple[np.ndarray, np.ndarray]]


def _as_layers(weights: Any, what: str) -> Layers:
    """Validate the weights format; errors name the layer and the shapes."""
    try:
        pairs = list(weights)
    except TypeError:
        raise TypeError(
            f"{what} must be a list of (W, b) pairs or have get_weights(), got {type(weights).__name__}"
        ) from None
    if not pairs:
        raise ValueError(f"{what} is empty: expected one (W, b) pair per layer")
    layers: Layers = []
    for layer, pair in enumerate(pairs):
        try:
            W, b = pair
        except (TypeError, ValueError):
            raise ValueError(f"{what}[{layer}] must be a (W, b) pair, got {type(pair).__name__}") from None
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise ValueError(
                f"{what}[{layer}]: W must be 2-D and b of shape (W.shape[0],), got W {W.shape}, b {b.shape}"
            )
        if layers and W.shape[1] != layers[-1][0].shape[0]:
            raise ValueError(
                f"{what}[{layer}]: W has {W.shape[1]} columns but layer {layer} has {layers[-1][0].shape[0]} neurons"
            )
        layers.append((W, b))
    return layers


def _check_like(grads: Layers, layers: Layers) -> None:
    if len(grads) != len(layers):
        raise ValueError(f"grads has {len(grads)} layers, weights has {len(layers)}")
    for layer, ((gW, gb), (W, b)) in enumerate(zip(grads, layers)):
        if gW.shape != W.shape or gb.shape != b.shape:
            raise ValueError(f"grads[{layer}] has shapes W {gW.shape}, b {gb.shape}; expected {W.shape}, {b.shape}")


def _as_values(activations: Sequence[Any], sizes: list[int]) -> list[np.ndarray]:
    if len(activations) != len(sizes):
        raise ValueError(f"activations needs one vector per layer (h[0] = x ... output): {len(sizes)}, "
                         f"got {len(activations)}")
    values = [np.asarray(h, dtype=np.float64).reshape(-1) for h in activations]
    for layer, (h, n) in enumerate(zip(values, sizes)):
        if h.shape != (n,):
            raise ValueError(f"activations[{layer}] has {h.size} values, layer {layer + 1} has {n} neurons")
    return values


@dataclass(frozen=True)
class Placement:
    """Where the neurons go: per layer its x (inches) and how many neurons per sub-column."""

    x: list[float]
    rows: list[int]
    row_gap: float
    compact: bool

    def position(self, layer: int, index: int, count: int) -> str:
        """Pinned position (inches) of neuron ``index`` of ``count`` in ``layer``; index == count: the bias."""
        rows = self.rows[layer]
        used = min(rows, count)  # rows this layer fills
        if index == count:  # the +1 node sits under the layer's last sub-column
            column, row = (count - 1) // rows, used + 0.3
        else:
            column, row = divmod(index, rows)
        x = self.x[layer] + column * SUB_COLUMN_GAP
        y = ((used - 1) / 2 - row) * self.row_gap
        return f"{x:.3f},{y:.3f}!"


def placement(sizes: list[int]) -> Placement:
    """Columns as in the seed figures; layers over ``ROWS`` neurons wrapped into sub-columns."""
    compact = max(sizes) > ROWS
    rows = [min(n, ROWS) if compact else n for n in sizes]
    rows = [-(-n // -(-n // r)) for n, r in zip(sizes, rows)]  # balance the sub-columns
    row_gap = COMPACT_ROW_GAP if compact else ROW_GAP
    gap = COLUMN_GAP if compact else max(COLUMN_GAP, 0.3 * ROW_GAP * max(sizes))
    x, left = [], 0.0
    for n, r in zip(sizes, rows):
        x.append(left)
        left += (-(-n // r) - 1) * SUB_COLUMN_GAP + gap
    return Placement(x, rows, row_gap, compact)


def _legend(grads: bool, shown: int, total: int) -> str:
    """The legend line under the title: what colour and width mean, how many edges are drawn."""
    if grads:
        colours = '<FONT COLOR="#1b7837">green: ∂J/∂w &gt; 0</FONT>, <FONT COLOR="#762a83">purple: &lt; 0</FONT>'
    else:
        colours = '<FONT COLOR="#2166ac">blue: weight &gt; 0</FONT>, <FONT COLOR="#b2182b">red: &lt; 0</FONT>'
    count = f"all {total:,} connections" if shown == total else f"the {shown:,} strongest of {total:,} connections"
    return f"{colours}; width grows with the size; {count}; inputs on the left"


def neuron_name(layer: int, index: int) -> str:
    """DOT name of neuron ``index`` in layer ``layer`` (0 = inputs)."""
    return f"L{layer}_N{index}"


def bias_name(layer: int) -> str:
    """DOT name of the +1 bias node feeding layer ``layer + 1``."""
    return f"L{layer}_B"


def draw_network(
    weights: Any,
    activations: Sequence[Any] | None = None,
    grads: Any = None,
    *,
    activation_names: Sequence[str] | None = None,
    show_values: bool | None = None,
    edge_threshold: float = 0.0,
    max_edges: int | None = DEFAULT_MAX_EDGES,
    strongest: int | Literal["auto"] | None = "auto",
    digits: int = 3,
    title: str | None = None,
) -> Digraph:
    """A network diagram as a ``graphviz.Digraph``.

    ``weights``: ``[(W, b), ...]`` or an object with ``get_weights()`` (its ``activations``
    names are used when ``activation_names`` is None). ``activations``: the values
    h[0] = x, h[1], ..., output, shown in the neurons. ``grads``: ∂J/∂W, ∂J/∂b in the
    weights format. Edges with |weight| (or |grad|) ≤ ``edge_threshold`` are left out;
    ``strongest``: draw only that many edges, the largest |value| ("auto": the
    ``AUTO_STRONGEST`` strongest when there are more than ``AUTO_ABOVE``; None: all).
    ``show_values`` (default: when ≤ 60 edges) writes each number on its edge.
    """
    if hasattr(weights, "get_weights"):
        if activation_names is None:
            activation_names = getattr(weights, "activations", None)
        weights = weights.get_weights()
    layers = _as_layers(weights, "weights")
    sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _ in layers]
    grad_layers = _as_layers(grads, "grads") if grads is not None else None
    if grad_layers is not None:
        _check_like(grad_layers, layers)
    values = _as_values(activations, sizes) if activations is not None else None
    shown = grad_layers if grad_layers is not None else layers
    positive, negative = (GRAD_POSITIVE, GRAD_NEGATIVE) if grad_layers is not None else (POSITIVE, NEGATIVE)
    largest = max(max(float(np.max(np.abs(W), initial=0.0)), float(np.max(np.abs(b), initial=0.0))) for W, b in shown)
    if edge_threshold < 0 or not np.isfinite(edge_threshold):
        raise ValueError(f"edge_threshold must be a finite number >= 0, got {edge_threshold!r}")
    total = sum(W.size + b.size for W, b in shown)
    magnitudes = np.sort(np.concatenate([np.abs(np.concatenate([W.ravel(), b.ravel()])) for W, b in shown]))[::-1]
    kept = int(np.sum(magnitudes > edge_threshold)) if edge_threshold > 0 else total
    limit = (AUTO_STRONGEST if kept > AUTO_ABOVE else None) if strongest == "auto" else strongest
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"strongest must be a positive number of edges, 'auto' or None, got {strongest!r}")
        if kept > limit:  # keep the ``limit`` largest: raise the threshold to the next one down
            edge_threshold = max(edge_threshold, float(magnitudes[limit]))
            kept = int(np.sum(magnitudes > edge_threshold))
    if max_edges is not None and kept > max_edges:
        raise GraphTooLargeError(
            f"the network has {kept} edges to draw, more than max_edges={max_edges}: "
            "raise edge_threshold to drop small weights, or raise max_edges"
        )
    if show_values is None:
        show_values = kept <= 60

    graph = Digraph(name="network")
    graph.attr(layout="neato", splines="line", outputorder="edgesfirst")
    names = list(activation_names) if activation_names is not None else []
    heading = "-".join(str(n) for n in sizes) + (f"  ({', '.join(names)})" if names else "")
    if grad_layers is not None:
        heading += "  edges: gradients"
    heading = heading if title is None else title
    legend = _legend(grad_layers is not None, kept, total)
    graph.attr(label=f'<<B>{escape(heading)}</B><BR/><FONT POINT-SIZE="10">{legend}</FONT>>', labelloc="t",
               fontname="Helvetica")
    where = placement(sizes)
    size = ("0.38", "7") if where.compact else ("0.6", "10")
    graph.attr("node", fontname="Helvetica", fontsize=size[1], shape="circle", fixedsize="true", width=size[0],
               style="filled", fillcolor="white")  # filled, so edges passing behind a neuron do not cross its label
    thickest = 4.0 if kept <= 60 else 2.0  # many edges: thinner lines, so the strongest still stand apart
    # widths span the edges drawn: from the threshold (thinnest) to the largest (thickest)
    graph.attr("edge", arrowhead="none", fontname="Helvetica", fontsize="8")

    for layer, n in enumerate(sizes):
        top = float(np.max(np.abs(values[layer]), initial=0.0)) if values is not None else 0.0
        for i in range(n):
            label = f"x{i + 1}" if layer == 0 else f"h{i + 1}({layer + 1})"
            attrs = {"pos": where.position(layer, i, n)}
            if values is not None:
                label += "\n" + fmt(float(values[layer][i]), digits)
                attrs.update(style="filled", fillcolor=grad_fill(float(values[layer][i]), top))
            graph.node(neuron_name(layer, i), label=label, **attrs)
        if layer < len(layers):
            graph.node(bias_name(layer), label="+1", style="dashed", width=str(float(size[0]) * 0.75),
                       pos=where.position(layer, n, n))

    for layer, (W, b) in enumerate(layers):
        gW, gb = (grad_layers[layer] if grad_layers is not None else (None, None))
        sW, sb = shown[layer]
        for i in range(W.shape[0]):
            for j in range(W.shape[1] + 1):
                source = neuron_name(layer, j) if j < W.shape[1] else bias_name(layer)
                weight = float(W[i, j]) if j < W.shape[1] else float(b[i])
                value = float(sW[i, j]) if j < W.shape[1] else float(sb[i])
                if edge_threshold > 0 and abs(value) <= edge_threshold:
                    continue
                symbol = f"W[{layer}][{i},{j}]" if j < W.shape[1] else f"b[{layer}][{i}]"
                tooltip = f"{symbol} = {weight!r}"
                text = fmt(weight, digits)
                if gW is not None and gb is not None:
                    grad = float(gW[i, j]) if j < W.shape[1] else float(gb[i])
                    tooltip += f", grad = {grad!r}"
                    text = f"w {text} g {fmt(grad, digits)}"
                attrs = {"color": signed_color(value, largest, positive, negative),
                         "penwidth": pen_width(abs(value) - edge_threshold, largest - edge_threshold, 0.3, thickest),
                         "tooltip": tooltip}
                if show_values:
                    attrs["label"] = text
                graph.edge(source, neuron_name(layer + 1, i), **attrs)
    return graph
