"""How hard a Value graph is for Graphviz ``dot`` to lay out, and the settings that keep it fast.

``dot`` puts nodes in ranks and replaces every edge that skips ranks by a chain of
hidden nodes, one per rank skipped. A value used by many ops at different depths
(``y = y + x`` repeated: ``x`` feeds every step) adds one such chain per use, so the
hidden nodes grow with the square of the depth, and ``dot``'s network-simplex passes
over them take minutes for a few hundred drawn nodes (C Graphviz and graphviz-pure alike).

:func:`stretched_edge_slots` estimates the hidden nodes from the drawing's ranks with
every node placed as close to the output as its users allow (an upper bound on what
``dot`` needs). Above :data:`LONG_EDGE_SLOTS`, :data:`FAST_LAYOUT` caps the network-simplex
iterations: the layout differs by a few points and takes a fraction of a second.
"""

from __future__ import annotations

from autonode import Value

LONG_EDGE_SLOTS = 2000
FAST_LAYOUT = {"nslimit": "1", "nslimit1": "1"}


def stretched_edge_slots(order: list[Value]) -> int:
    """Hidden nodes ``dot`` needs for the drawing of ``order`` (parents first), ranks as late as possible.

    In the drawing an op value ``v`` is ``parent -> v_op -> v``: ``v_op`` sits one rank
    before ``v``, and each parent at least one rank before ``v_op``.
    """
    if not order:
        return 0
    depth: dict[Value, int] = {order[-1]: 0}  # ranks counted back from the output
    for node in reversed(order):
        below = depth.setdefault(node, 0) + 2
        for parent in node.parents:
            if depth.get(parent, -1) < below:
                depth[parent] = below
    return sum(depth[parent] - depth[node] - 2 for node in order for parent in node.parents)
