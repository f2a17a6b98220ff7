"""Grouping the nodes of a large graph into neurons or layers, so one box stands for many nodes.

A *grouper* looks at one node and returns its group as ``(stage, name)`` — e.g.
``(1, "L1.N3")`` — or None. ``stage`` orders groups along the network (the layer
number), so a node can be placed in the right group when its inputs come from
several: parameters are labelled, the nodes computed from them are not.

Assignment (:func:`assign_groups`), in creation order (parents first):

1. a node the grouper names goes to that group;
2. an unnamed node joins the group of its grouped inputs at the highest stage, if
   that is a single group (``w·x`` with ``w`` in L2.N5 and ``x`` from L1.N3 → L2.N5);
   inputs from two groups at the same stage (the loss summing all outputs) leave it
   on its own;
3. an unlabelled leaf (a constant) whose users are all in one group joins it.

:func:`label_grouper` reads two label schemes: ``"L1.N3.w5"`` / ``"L1.N3.b"`` (layer 1,
neuron 3) and the weights-format names the per-node MLP uses, ``"W[0][3,5]"`` / ``"b[0][3]"``
(row 3 of W[0]: neuron 3 of the first computed layer, group ``"layer 0 neuron 3"``).
Any other scheme can pass its own callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from autonode import Value

GroupKey = tuple[int, str]
Grouper = Callable[[Value], GroupKey | None]
Collapse = Literal["neuron", "layer"] | Grouper | None

_LABEL = re.compile(r"^L(\d+)(?:\.N(\d+))?(?:[.\[_:]|$)")
_WEIGHTS_LABEL = re.compile(r"^[Wb]\[(\d+)\]\[(\d+)")


def label_grouper(level: Literal["neuron", "layer"]) -> Grouper:
    """A grouper reading ``L<layer>.N<neuron>...`` labels; ``level`` picks neurons or whole layers."""
    if level not in ("neuron", "layer"):
        raise ValueError(f"collapse level must be 'neuron' or 'layer', got {level!r}")

    def grouper(node: Value) -> GroupKey | None:
        weights_match = _WEIGHTS_LABEL.match(node.label)
        if weights_match is not None:
            layer, row = int(weights_match.group(1)), int(weights_match.group(2))
            if level == "layer":
                return layer + 1, f"layer {layer}"
            return layer + 1, f"layer {layer} neuron {row}"
        match = _LABEL.match(node.label)
        if match is None:
            return None
        layer = int(match.group(1))
        if level == "layer":
            return layer, f"L{layer}"
        if match.group(2) is None:
            return None
        return layer, f"L{layer}.N{match.group(2)}"

    return grouper


def resolve(collapse: Collapse) -> Grouper | None:
    """``"neuron"``/``"layer"`` → a :func:`label_grouper`; a callable as is; None → None."""
    if collapse is None:
        return None
    if collapse in ("neuron", "layer"):
        return label_grouper(collapse)
    if callable(collapse):
        return collapse
    raise ValueError(f"collapse must be None, 'neuron', 'layer' or a callable node -> (stage, name), got {collapse!r}")


def assign_groups(order: list[Value], grouper: Grouper) -> dict[Value, GroupKey]:
    """Each grouped node's ``(stage, name)``; ``order`` is parents-first (topological)."""
    groups: dict[Value, GroupKey] = {}
    for node in order:
        key = grouper(node)
        if key is None and node.parents:
            keys = {groups[p] for p in node.parents if p in groups}
            if keys:
                top = max(stage for stage, _ in keys)
                best = {k for k in keys if k[0] == top}
                if len(best) == 1:
                    key = best.pop()
        if key is not None:
            groups[node] = key
    users: dict[Value, set[GroupKey | None]] = {}
    for node in order:
        for parent in node.parents:
            if not parent.parents and not parent.label and parent not in groups:
                users.setdefault(parent, set()).add(groups.get(node))
    for leaf, user_groups in users.items():
        if len(user_groups) == 1:
            (only,) = user_groups
            if only is not None:
                groups[leaf] = only
    return groups
