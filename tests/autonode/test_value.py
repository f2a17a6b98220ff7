"""Semantics of `autonode.Value`: forward values, backward, graph shape and lifetime.

Expected numbers come from hand maths (derivatives written out in each test) or
from micrograd's README, whose printed figures are quoted.
"""

from __future__ import annotations

import gc
import math
import weakref

import pytest

import autonode
from autonode import Value, backward_steps, dot, edges, leaves, logsumexp, no_grad, topological_order, vsum
from tests.autonode.test_micrograd_compat import more_ops


def test_leaf_attributes() -> None:
    a = Value(3, label="a")
    assert type(a.data) is float and a.data == 3.0
    assert a.grad == 0.0 and a.label == "a" and a.op == ""
    assert a.parents == () and a.local_grads == ()


def test_topological_order_puts_parents_first_and_is_repeatable() -> None:
    a, b = Value(1.0, label="a"), Value(1.5, label="b")
    c = a * b
    d = (c + a).tanh() * c
    order = autonode.topological_order(d)
    position = {node: i for i, node in enumerate(order)}
    assert all(position[p] < position[n] for n in order for p in n.parents)
    assert [n.label or n.op for n in order] == [n.label or n.op for n in autonode.topological_order(d)]


def test_inner_node_records_op_parents_and_local_derivatives() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    assert e.data == -6.0 and e.op == "*"
    assert e.parents == (a, b)
    assert e.local_grads == (-3.0, 2.0)  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    t = e.tanh()
    assert t.local_grads[0] == pytest.approx(1 - math.tanh(-6.0) ** 2, rel=1e-15)


def test_micrograd_readme_example() -> None:
    """micrograd's README prints g = 24.7041, dg/da = 138.8338, dg/db = 645.5773."""
    (a, b), g = more_ops(Value)
    assert f"{g.data:.4f}" == "24.7041"
    g.backward()
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_backward_twice_accumulates_in_leaves_only() -> None:
    a, b, d = Value(2.0, label="a"), Value(-3.0, label="b"), Value(4.0, label="d")
    c = a + b
    e = c * d
    e.backward()
    assert a.grad == d.data and c.grad == d.data
    e.backward()
    assert a.grad == 2 * d.data  # leaves accumulate, as in PyTorch
    assert b.grad == 2 * d.data
    assert d.grad == 2 * (a.data + b.data)
    assert c.grad == d.data  # an inner node shows the latest pass only
    assert e.grad == 1.0


def test_zeroing_leaf_grads_restarts_accumulation() -> None:
    a = Value(3.0)
    y = a * a
    y.backward()
    a.grad = 0.0
    y.backward()
    assert a.grad == 6.0


def test_backward_with_upstream_gradient() -> None:
    a = Value(3.0)
    y = a * a
    y.backward(0.5)
    assert a.grad == 3.0  # 0.5 · 2a


def test_shared_subexpression_square() -> None:
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_diamond() -> None:
    a = Value(1.5, label="a")
    b = a * 2.0
    c = a + 1.0
    d = b * c  # d = 2a(a + 1), dd/da = 4a + 2
    d.backward()
    assert a.grad == pytest.approx(4 * 1.5 + 2, rel=1e-15)
    assert b.grad == c.data and c.grad == b.data


def test_same_node_twice_as_operands_of_nary_ops() -> None:
    x = Value(2.0)
    s = vsum([x, x, x])
    s.backward()
    assert x.grad == 3.0
    y = Value(3.0)
    d = dot([y, y], [y, 1.0])  # y² + y, derivative 2y + 1
    d.backward()
    assert d.data == 12.0 and y.grad == 7.0


@pytest.mark.parametrize(
    ("build", "value", "grad"),
    [
        (lambda a: 2 + a, 5.0, 1.0),
        (lambda a: a + 2, 5.0, 1.0),
        (lambda a: 2 - a, -1.0, -1.0),
        (lambda a: a - 2, 1.0, 1.0),
        (lambda a: 2 * a, 6.0, 2.0),
        (lambda a: a * 2, 6.0, 2.0),
        (lambda a: 6 / a, 2.0, -6 / 9),
        (lambda a: a / 2, 1.5, 0.5),
        (lambda a: 2**a, 8.0, 8.0 * math.log(2.0)),
        (lambda a: a**2, 9.0, 6.0),
        (lambda a: a**-1, 1 / 3, -1 / 9),
        (lambda a: a**0.5, math.sqrt(3.0), 0.5 / math.sqrt(3.0)),
        (lambda a: -a, -3.0, -1.0),
        (lambda a: +a, 3.0, 1.0),
        (lambda a: a.exp(), math.exp(3.0), math.exp(3.0)),
        (lambda a: a.log(), math.log(3.0), 1 / 3),
        (lambda a: a.tanh(), math.tanh(3.0), 1 - math.tanh(3.0) ** 2),
        (lambda a: a.sigmoid(), 1 / (1 + math.exp(-3.0)), math.exp(-3.0) / (1 + math.exp(-3.0)) ** 2),
        (lambda a: a.relu(), 3.0, 1.0),
        (lambda a: (-a).relu(), 0.0, 0.0),
    ],
)
def test_constants_reflected_ops_and_methods(build: object, value: float, grad: float) -> None:
    a = Value(3.0, label="a")
    out = build(a)  # type: ignore[operator]
    out.backward()
    assert out.data == pytest.approx(value, rel=1e-14)
    assert a.grad == pytest.approx(grad, rel=1e-14)


def test_value_exponent() -> None:
    a, b = Value(2.0), Value(3.0)
    y = a**b
    y.backward()
    assert y.data == 8.0
    assert a.grad == 12.0  # b·a^(b-1)
    assert b.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)  # a^b·ln a


def test_constants_are_leaves_of_the_graph() -> None:
    a = Value(3.0, label="a")
    y = a * 2.0
    assert [p.data for p in y.parents] == [3.0, 2.0]
    assert [n.data for n in leaves(y)] == [3.0, 2.0]


def test_no_grad_records_no_graph() -> None:
    a = Value(2.0)
    assert autonode.is_grad_enabled()
    with no_grad():
        assert not autonode.is_grad_enabled()
        y = (a * 3.0).tanh() + 1.0
    assert autonode.is_grad_enabled()
    assert y.data == pytest.approx(math.tanh(6.0) + 1.0)
    assert y.parents == () and y.op == ""
    y.backward()
    assert a.grad == 0.0


def test_no_grad_restores_recording_after_an_error() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert autonode.is_grad_enabled()
    assert (Value(1.0) + 1.0).parents != ()


def test_million_step_chain_forward_and_backward() -> None:
    """Iterative backward: no RecursionError on a 1,000,000-node chain (micrograd fails near 500)."""
    x = Value(1.5, label="x")
    y = x
    for _ in range(1_000_000):
        y = -y  # dy/dx = (-1)^n = 1 for even n
    y.backward()
    assert y.data == 1.5
    assert x.grad == 1.0


def _shape(root: Value) -> list[tuple[str, str, tuple[int, ...]]]:
    order = topological_order(root)
    position = {id(n): i for i, n in enumerate(order)}
    return [(n.label, n.op, tuple(position[id(p)] for p in n.parents)) for n in order]


def _expression() -> Value:
    a, b, c = Value(1.0, label="a"), Value(-2.0, label="b"), Value(0.5, label="c")
    u = a * b
    u.label = "u"
    v = (u + c).tanh()
    v.label = "v"
    w = v * a + u * c + dot([a, b], [c, v])
    w.label = "w"
    return w


def test_topological_order_is_deterministic_and_parents_come_first() -> None:
    first, second = _shape(_expression()), _shape(_expression())
    assert first == second
    for i, (_, _, parents) in enumerate(first):
        assert all(p < i for p in parents)
    assert first[-1][0] == "w"
    assert [label for label, op, _ in first if not op] == ["a", "b", "c"]  # leaves in creation order


def test_backward_steps_are_deterministic_and_apply_the_chain_rule() -> None:
    steps_a = [(s.node.op, s.parent_index, s.contribution) for s in backward_steps(_expression())]
    steps_b = [(s.node.op, s.parent_index, s.contribution) for s in backward_steps(_expression())]
    assert steps_a == steps_b
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    steps = backward_steps(e)
    assert [(s.parent.label, s.upstream, s.local, s.contribution, s.parent_index) for s in steps] == [
        ("a", 1.0, -3.0, -3.0, 0),
        ("b", 1.0, 2.0, 2.0, 1),
    ]
    assert a.grad == -3.0 and b.grad == 2.0


def test_edges_list_every_parent_child_pair() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    d = c + a
    found = {(p.label or p.op, n.op, i) for p, n, i in edges(topological_order(d))}
    assert found == {("a", "*", 0), ("b", "*", 1), ("*", "+", 0), ("a", "+", 1)}


def test_graph_is_freed_by_reference_counting() -> None:
    """No reference cycles: dropping the output frees the graph with the cyclic GC off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        a = Value(2.0)
        inner = (a * 3.0).tanh()
        ref = weakref.ref(inner)
        out = inner * a + 1.0
        del inner
        out.backward()
        assert ref() is not None  # still held by the graph
        del out
        assert ref() is None
        steps = backward_steps((a * a).exp())
        step_ref = weakref.ref(steps[0].node)
        del steps
        assert step_ref() is None
    finally:
        if was_enabled:
            gc.enable()


def test_micrograd_introspection_names() -> None:
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert set(c._prev) == {a, b} and c._op == "*"
    assert (a + b)._op == "+" and (a**2)._op == "**2"
    assert a._prev == () and a._op == ""


def test_vsum_is_one_node() -> None:
    xs = [Value(float(i)) for i in range(1, 5)]
    s = vsum(xs + [10.0])
    assert s.data == 20.0 and s.op == "sum" and len(s.parents) == 5
    s.backward()
    assert [x.grad for x in xs] == [1.0, 1.0, 1.0, 1.0]


def test_dot_is_one_node() -> None:
    ws = [Value(w) for w in (0.5, -1.0, 2.0)]
    xs = [Value(x) for x in (4.0, 3.0, -0.25)]
    d = dot(ws, xs)
    assert d.data == 0.5 * 4.0 - 3.0 - 0.5 and d.op == "dot" and len(d.parents) == 6
    assert d.parents == tuple(ws + xs)
    d.backward()
    assert [w.grad for w in ws] == [4.0, 3.0, -0.25]  # ∂/∂wᵢ = xᵢ
    assert [x.grad for x in xs] == [0.5, -1.0, 2.0]  # ∂/∂xᵢ = wᵢ


def test_logsumexp_is_one_node_with_softmax_gradient() -> None:
    xs = [Value(x) for x in (1.0, 2.0, -0.5)]
    y = logsumexp(xs)
    exps = [math.exp(1.0), math.exp(2.0), math.exp(-0.5)]
    assert y.data == pytest.approx(math.log(sum(exps)), rel=1e-15) and len(y.parents) == 3
    y.backward()
    assert [x.grad for x in xs] == pytest.approx([e / sum(exps) for e in exps], rel=1e-14)


def test_logsumexp_large_inputs_do_not_overflow() -> None:
    xs = [Value(1000.0), Value(1000.0)]
    y = logsumexp(xs)
    y.backward()
    assert y.data == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)
    assert [x.grad for x in xs] == pytest.approx([0.5, 0.5], rel=1e-15)


def test_nary_ops_refuse_bad_operand_counts() -> None:
    with pytest.raises(ValueError, match="sum"):
        vsum([])
    with pytest.raises(ValueError, match="equal length"):
        dot([1.0, 2.0], [1.0])


def test_repr_shows_data_and_grad() -> None:
    text = repr(Value(2.5, label="a"))
    assert "2.5" in text and "grad" in text and "a" in text
