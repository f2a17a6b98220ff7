"""Numbers met in arithmetic (the 2.0 of ``x * 2.0``) are kept inside the node, never changed by a look.

Recording then costs one object per op, while every view of the graph (``parents``,
``_prev``, drawings, chain-rule steps) shows each number as a :class:`Constant` leaf of its
op, as micrograd draws it. Expected values are worked by hand.
"""

from __future__ import annotations

import gc
import math

import pytest

from autonode import Value, backward_steps, topological_order
from autonode.value import Constant
from viz.steps import backward_frames


def test_a_number_operand_appears_as_a_constant_leaf_and_looking_changes_nothing() -> None:
    x = Value(2.0, label="x")
    y = x * 3.0
    first = y.parents
    assert first[0] is x and isinstance(first[1], Constant)
    assert first[1].data == 3.0 and first[1].parents == () and first[1].is_leaf
    again = y.parents
    assert again[1] == first[1] and hash(again[1]) == hash(first[1])  # equal views of one operand
    assert (x * 3.0).parents[1] != first[1]  # another node's 3.0 is another constant
    assert y._prev[1] == first[1]  # micrograd's name sees it too
    assert y.local_grads == (3.0, 2.0)  # ∂(x·c)/∂x = c, ∂(x·c)/∂c = x


def test_a_constant_shows_its_share_of_the_latest_backward_pass() -> None:
    x = Value(2.0, label="x")
    y = (x * 3.0).tanh()
    y.backward()
    product = y.parents[0]
    constant = product.parents[1]
    # ∂y/∂c = (1 - tanh²(6))·x
    assert constant.grad == pytest.approx((1 - math.tanh(6.0) ** 2) * 2.0, rel=1e-15)
    assert x.grad == pytest.approx((1 - math.tanh(6.0) ** 2) * 3.0, rel=1e-15)
    y.backward()  # a second pass: the leaf x accumulates, the constant shows this pass's share
    assert product.parents[1].grad == pytest.approx((1 - math.tanh(6.0) ** 2) * 2.0, rel=1e-15)
    assert x.grad == pytest.approx(2 * (1 - math.tanh(6.0) ** 2) * 3.0, rel=1e-15)


def test_chain_rule_steps_include_the_numbers() -> None:
    x = Value(-1.5, label="x")
    y = x * 4.0 + 1.0  # ∂y/∂4 = x = -1.5, ∂y/∂1 = 1
    steps = backward_steps(y)
    assert [(s.parent.data, s.contribution) for s in steps] == [(-6.0, 1.0), (1.0, 1.0), (-1.5, 4.0), (4.0, -1.5)]
    four = y.parents[0].parents[1]
    one = y.parents[1]
    assert (four.grad, one.grad, x.grad) == (-1.5, 1.0, 4.0)
    backward_steps(y)  # a second pass adds to the leaf x; the numbers show this pass's share
    assert (y.parents[0].parents[1].grad, y.parents[1].grad, x.grad) == (-1.5, 1.0, 8.0)


def test_a_number_on_the_left_of_plus_or_times_is_recorded_as_micrograd_does() -> None:
    x = Value(5.0, label="x")
    for y in (2.0 * x, 2.0 + x, sum([x])):  # sum starts from 0 + x
        assert y.parents[0] is x and y.parents[1].parents == ()
    assert (2.0 * x).data == 10.0 and (2.0 + x).data == 7.0
    z = 1.0 - x  # not commutative: the number stays first
    assert z.parents[0].data == 1.0 and z.parents[1] is x


def test_topological_order_lists_the_numbers_once_each() -> None:
    x = Value(1.0, label="x")
    y = x * 2.0 + x * 2.0  # two separate 2.0 leaves, as two separate constants
    order = topological_order(y)
    assert [n.data for n in order if n.parents == () and n is not x] == [2.0, 2.0]
    assert len(order) == 6 and len(set(map(id, order))) == 6


def test_recording_with_a_number_makes_one_object_per_op() -> None:
    x = Value(1.0)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        nodes = [x * 2.0 for _ in range(1000)]
        made = len(gc.get_objects()) - before
    finally:
        if was_enabled:
            gc.enable()
    assert 1000 <= made < 1100  # the nodes (and the list), not a second object per number
    assert len(nodes) == 1000


def test_a_value_subclass_operand_is_a_parent_not_a_number() -> None:
    class Weight(Value):
        __slots__ = ()

    w = Weight(3.0, label="w")
    x = Value(2.0, label="x")
    y = x * w
    y.backward()
    assert y.parents == (x, w) and w.grad == 2.0 and x.grad == 3.0


def test_every_step_frame_highlights_its_edge_numbers_included() -> None:
    x = Value(-1.5, label="x")
    frames = backward_frames(x * 4.0 + 1.0)
    steps = [f for f in frames if f.step is not None]
    assert [isinstance(f.step.parent, Constant) for f in steps] == [False, True, False, True]
    for frame in steps:
        assert frame.graph.source.count("dir=back") == 1  # the step's own edge, drawn highlighted
