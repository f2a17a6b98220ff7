"""Draw a Value graph: one record per value (label | data | grad), a small node per op.

Node names come from each value's position in :func:`autonode.topological_order`
(creation order), never from memory addresses or global ids, so building the same
expression twice gives byte-identical DOT.

Edges run parent → op → value. With ``show_local_grads`` each parent → op edge
carries the local derivative ∂value/∂parent (the chain-rule factor); with
``color_by_grad`` each value is filled white → orange by √(|grad| / max |grad|).
Large graphs can be collapsed into neurons or layers (:mod:`viz.collapse`); graphs whose
values are reused far apart get a faster ``dot`` layout (:mod:`viz.layout`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from autonode import Value, topological_order
from viz.collapse import Collapse, GroupKey, assign_groups, resolve
from viz.layout import FAST_LAYOUT, LONG_EDGE_SLOTS, stretched_edge_slots
from viz.render import Digraph
from viz.style import escape_record, fmt, grad_fill

DEFAULT_MAX_NODES = 2000
HIGHLIGHT_NODE = "#1f4e9c"
HIGHLIGHT_PARENT = "#c0392b"


class GraphTooLargeError(ValueError):
    """The drawing would exceed ``max_nodes``; the message suggests collapsing."""


@dataclass(frozen=True)
class Highlight:
    """One chain-rule step to emphasise: the node processed, the parent receiving, which input."""

    node: Value
    parent: Value
    parent_index: int


@dataclass
class DrawOptions:
    """How to draw value nodes; ``grads``/``highlight`` let the step frames show a pass in progress."""

    rankdir: str = "LR"
    show_local_grads: bool = False
    color_by_grad: bool = True
    digits: int = 4
    title: str = ""
    grads: Mapping[Value, float] | None = None
    highlight: Highlight | None = None
    names: dict[Value, str] = field(default_factory=dict)

    def grad(self, node: Value) -> float:
        """The gradient shown for ``node``, as a number (a Value grad, after ``create_graph``, by its data)."""
        return number(self.grads.get(node, 0.0) if self.grads is not None else node.grad)


def number(x: float | Value) -> float:
    """``x`` as a float: a gradient recorded by ``backward(create_graph=True)`` is a Value."""
    return x.data if isinstance(x, Value) else x


def _record(fields: list[str], rankdir: str) -> str:
    """A one-row record label in either layout (records flip orientation with rankdir)."""
    body = " | ".join(escape_record(f) for f in fields)
    return "{ " + body + " }" if rankdir in ("LR", "RL") else body


def _new_digraph(options: DrawOptions, name: str) -> Digraph:
    graph = Digraph(name=name)
    graph.attr(rankdir=options.rankdir, fontname="Helvetica")
    if options.title:
        graph.attr(label=options.title, labelloc="t")
    graph.attr("node", fontname="Helvetica", fontsize="11")
    graph.attr("edge", fontname="Helvetica", fontsize="9")
    return graph


def _check_size(count: int, max_nodes: int | None, what: str) -> None:
    if max_nodes is not None and count > max_nodes:
        raise GraphTooLargeError(
            f"{what} has {count} nodes to draw, more than max_nodes={max_nodes}: "
            "pass collapse='neuron' or collapse='layer' (needs labels like 'L1.N3.w5', or a grouping callable), "
            "or raise max_nodes"
        )


def _value_node(graph: Digraph, node: Value, name: str, options: DrawOptions, largest: float) -> None:
    grad = options.grad(node)
    fields = [node.label or f"#{options.names[node][1:]}", f"data {fmt(node.data, options.digits)}",
              f"grad {fmt(grad, options.digits)}"]
    attrs = {"shape": "record", "label": _record(fields, options.rankdir),
             "tooltip": f"data={node.data!r} grad={grad!r}"}
    if options.color_by_grad and largest > 0:
        attrs.update(style="filled", fillcolor=grad_fill(grad, largest))
    hl = options.highlight
    if hl is not None and node is hl.node:
        attrs.update(color=HIGHLIGHT_NODE, penwidth="3")
    elif hl is not None and node == hl.parent:  # (== : a number operand is a fresh Constant view each look)
        attrs.update(color=HIGHLIGHT_PARENT, penwidth="3")
    graph.node(name, **attrs)


def _largest_grad(nodes: list[Value], options: DrawOptions) -> float:
    """The largest finite |grad| (the colour scale's top); NaN and inf are left off the scale."""
    return max((abs(g) for g in map(options.grad, nodes) if math.isfinite(g)), default=0.0)


def build_value_graph(root: Value, options: DrawOptions, max_nodes: int | None) -> Digraph:
    """Every node drawn individually (no collapsing)."""
    order = topological_order(root)
    _check_size(len(order) + sum(1 for n in order if n.parents), max_nodes, "the graph")
    options.names = {node: f"v{i}" for i, node in enumerate(order)}
    names = options.names
    largest = _largest_grad(order, options)
    graph = _new_digraph(options, "autonode")
    fast = stretched_edge_slots(order) > LONG_EDGE_SLOTS
    if fast:  # values reused far apart: keep dot's layout fast
        graph.attr(**FAST_LAYOUT)
    # an edge label makes dot double every rank (minutes on such graphs); an xlabel is placed after layout
    edge_label = "xlabel" if fast else "label"
    hl = options.highlight
    for node in order:
        name = names[node]
        _value_node(graph, node, name, options, largest)
        if not node.parents:
            continue
        op_attrs = {"shape": "ellipse", "label": node.op, "margin": "0.02", "height": "0.3"}
        if hl is not None and node is hl.node:
            op_attrs.update(color=HIGHLIGHT_NODE, penwidth="2")
        graph.node(name + "_op", **op_attrs)
        graph.edge(name + "_op", name)
        for index, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            attrs: dict[str, str] = {}
            if options.show_local_grads:
                attrs[edge_label] = f"local {fmt(number(local), options.digits)}"
            if hl is not None and node is hl.node and parent == hl.parent and index == hl.parent_index:
                attrs.update(color=HIGHLIGHT_PARENT, penwidth="3", dir="back", fontcolor=HIGHLIGHT_PARENT)
                attrs[edge_label] = f"local {fmt(number(local), options.digits)}"
            graph.edge(names[parent], name + "_op", **attrs)
    return graph


def _group_outputs(order: list[Value], groups: dict[Value, GroupKey], root: Value) -> dict[GroupKey, list[Value]]:
    """Members of each group used outside it (or the root): what the group computes."""
    used_outside: set[Value] = {root}
    for node in order:
        for parent in node.parents:
            if groups.get(parent) != groups.get(node):
                used_outside.add(parent)
    outputs: dict[GroupKey, list[Value]] = {}
    for node in order:
        key = groups.get(node)
        if key is not None and node in used_outside:
            outputs.setdefault(key, []).append(node)
    return outputs


def build_collapsed_graph(root: Value, collapse: Collapse, options: DrawOptions, max_nodes: int | None) -> Digraph:
    """One box per group (neuron or layer) plus the ungrouped nodes; edges merged between boxes."""
    grouper = resolve(collapse)
    assert grouper is not None
    order = topological_order(root)
    groups = assign_groups(order, grouper)
    group_names: dict[GroupKey, str] = {}
    members: dict[GroupKey, int] = {}
    for node in order:
        key = groups.get(node)
        if key is not None:
            group_names.setdefault(key, f"g{len(group_names)}")
            members[key] = members.get(key, 0) + 1
    loose = [n for n in order if n not in groups]
    _check_size(len(group_names) + len(loose) + sum(1 for n in loose if n.parents), max_nodes, "the collapsed graph")
    options.names = {node: f"v{i}" for i, node in enumerate(order)}
    outputs = _group_outputs(order, groups, root)
    largest = _largest_grad([n for vs in outputs.values() for n in vs] + loose, options)
    graph = _new_digraph(options, "autonode")
    for key, name in group_names.items():
        outs = outputs.get(key, [])
        fields = [key[1], f"{members[key]} nodes"]
        top = max((abs(options.grad(n)) for n in outs), default=0.0)
        if len(outs) == 1:
            out = outs[0]
            fields += [f"data {fmt(out.data, options.digits)}", f"grad {fmt(options.grad(out), options.digits)}"]
        else:
            fields += [f"{len(outs)} outputs", f"max |grad| {fmt(top, options.digits)}"]
        attrs = {"shape": "record", "label": _record(fields, options.rankdir), "style": "rounded"}
        if options.color_by_grad and largest > 0:
            attrs.update(style="rounded,filled", fillcolor=grad_fill(top, largest))
        graph.node(name, **attrs)
    for node in loose:
        _value_node(graph, node, options.names[node], options, largest)
        if node.parents:
            graph.node(options.names[node] + "_op", shape="ellipse", label=node.op, margin="0.02", height="0.3")
            graph.edge(options.names[node] + "_op", options.names[node])
    counts: dict[tuple[str, str], int] = {}
    for node in order:
        for parent in node.parents:
            child_key, parent_key = groups.get(node), groups.get(parent)
            if child_key is not None and child_key == parent_key:
                continue
            src = group_names[parent_key] if parent_key is not None else options.names[parent]
            dst = group_names[child_key] if child_key is not None else options.names[node] + "_op"
            counts[(src, dst)] = counts.get((src, dst), 0) + 1
    for (src, dst), count in counts.items():
        graph.edge(src, dst, **({"label": f"x{count}"} if count > 1 else {}))
    return graph


def draw_graph(
    root: Value,
    rankdir: Literal["LR", "TB", "RL", "BT"] = "LR",
    show_local_grads: bool = False,
    color_by_grad: bool = True,
    collapse: Collapse = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    digits: int = 4,
    title: str = "",
) -> Digraph:
    """The graph ``root`` depends on as a ``graphviz.Digraph`` (render with :func:`viz.render_svg`).

    ``collapse``: None (every node), ``"neuron"``/``"layer"`` (group by labels ``L<l>.N<n>...``)
    or a callable ``node -> (stage, name) | None``. More than ``max_nodes`` nodes to draw raises
    :class:`GraphTooLargeError` (None: no limit). ``show_local_grads`` labels the edges of
    individually drawn nodes; collapsed edges carry their multiplicity (``x30``) instead.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be an autonode.Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    options = DrawOptions(rankdir=rankdir, show_local_grads=show_local_grads, color_by_grad=color_by_grad,
                       digits=digits, title=title)
    if collapse is None:
        return build_value_graph(root, options, max_nodes)
    return build_collapsed_graph(root, collapse, options, max_nodes)
