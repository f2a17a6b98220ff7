"""micrograd compatibility: code written for micrograd's `Value` runs unchanged on autonode.

The expressions are those micrograd's own test file exercises (its "sanity check"
and "more ops" cases, written out here), run through autonode and compared with
PyTorch float64, and — when micrograd is installed — with micrograd's forward values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from autonode import Value, backward_steps


def sanity_check(value: Callable[[float], Any]) -> tuple[list[Any], Any]:
    x = value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return [x], y


def more_ops(value: Callable[[float], Any]) -> tuple[list[Any], Any]:
    a = value(-4.0)
    b = value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return [a, b], g


def division_and_reflected(value: Callable[[float], Any]) -> tuple[list[Any], Any]:
    a = value(1.5)
    b = value(-0.5)
    y = (a / b - 3 / a + (1 - b) * 2) ** 2 + (a - b).relu() * b
    return [a, b], y


EXPRESSIONS = [sanity_check, more_ops, division_and_reflected]


def _torch_leaf(x: float) -> Any:
    torch = pytest.importorskip("torch")
    return torch.tensor([x], dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("expression", EXPRESSIONS, ids=lambda f: f.__name__)
def test_matches_pytorch_float64(expression: Callable[..., tuple[list[Any], Any]]) -> None:
    pytest.importorskip("torch")
    leaves, out = expression(Value)
    out.backward()
    t_leaves, t_out = expression(_torch_leaf)
    t_out.backward()
    assert out.data == pytest.approx(t_out.data.item(), rel=1e-12, abs=1e-12)
    for leaf, t_leaf in zip(leaves, t_leaves):
        assert leaf.grad == pytest.approx(t_leaf.grad.item(), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("expression", EXPRESSIONS, ids=lambda f: f.__name__)
def test_forward_values_match_micrograd(expression: Callable[..., tuple[list[Any], Any]]) -> None:
    engine = pytest.importorskip("micrograd.engine")
    _, out = expression(Value)
    _, reference = expression(engine.Value)
    assert out.data == pytest.approx(reference.data, rel=1e-15)


@pytest.mark.parametrize("expression", EXPRESSIONS, ids=lambda f: f.__name__)
def test_first_backward_matches_micrograd(expression: Callable[..., tuple[list[Any], Any]]) -> None:
    engine = pytest.importorskip("micrograd.engine")
    leaves, out = expression(Value)
    out.backward()
    reference_leaves, reference = expression(engine.Value)
    reference.backward()
    assert [v.grad for v in leaves] == pytest.approx([v.grad for v in reference_leaves], rel=1e-12)


def test_sanity_check_hand_values() -> None:
    """x = -4: z = 3x + 2 = -10, q = relu(z) + zx = 40, h = z² = 100, y = h + q + qx = -20."""
    (x,), y = sanity_check(Value)
    y.backward()
    assert y.data == -20.0
    # dy/dx = dh/dx + (1 + x) dq/dx + q with dz/dx = 3, dq/dx = 3x + z (relu(z) = 0), dh/dx = 2z·3
    assert x.grad == 2 * -10.0 * 3 + (1 - 4.0) * (3 * -4.0 - 10.0) + 40.0


def test_micrograd_style_neuron_and_zero_grad() -> None:
    """micrograd's nn idiom: sum((wi*xi ...), b), relu, and `p.grad = 0` between steps."""
    ws = [Value(0.5), Value(-0.25), Value(1.0)]
    b = Value(0)
    xs = [1.0, 2.0, 3.0]
    for _ in range(2):
        for p in ws + [b]:
            p.grad = 0
        act = sum((wi * xi for wi, xi in zip(ws, xs)), b).relu()
        loss = (act - 1.0) ** 2
        loss.backward()
    assert act.data == 3.0
    assert [w.grad for w in ws] == [4.0 * x for x in xs]  # 2(act - 1) · xᵢ
    assert b.grad == 4.0


def test_drawing_notebook_trace_works() -> None:
    """The trace used by micrograd's drawing notebook: walk `_prev`, read `_op`, `data`, `grad`."""

    def trace(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
        nodes: set[Any] = set()
        edges: set[tuple[Any, Any]] = set()

        def build(v: Any) -> None:
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)

        build(root)
        return nodes, edges

    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    nodes, edges = trace(d)
    assert nodes == {a, b, c, d}
    assert edges == {(a, c), (b, c), (c, d), (a, d)}
    assert sorted(n._op for n in nodes) == ["", "", "*", "+"]


def test_sanity_check_is_bit_identical_to_pytorch() -> None:
    """micrograd's own test compares this case with ``==``, not a tolerance."""
    torch = pytest.importorskip("torch")
    (x,), y = sanity_check(Value)
    y.backward()
    t = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    (t_x,), t_y = sanity_check(lambda _: t)
    t_y.backward()
    assert y.data == t_y.data.item()
    assert x.grad == t_x.grad.item()


def test_drawing_notebook_builds_a_graphviz_graph() -> None:
    """The notebook's draw_dot: one record per value (data | grad), one op node per `_op`, edges from `_prev`."""
    graphviz = pytest.importorskip("graphviz")

    def draw_dot(root: Any) -> Any:
        nodes: list[Any] = []
        edges: list[tuple[Any, Any]] = []
        stack = [root]
        while stack:  # the notebook's trace, written iteratively
            v = stack.pop()
            if any(v is n for n in nodes):
                continue
            nodes.append(v)
            for child in v._prev:
                edges.append((child, v))
                stack.append(child)
        dot = graphviz.Digraph(graph_attr={"rankdir": "LR"})
        for n in nodes:
            dot.node(name=str(id(n)), label=f"{{ data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
            if n._op:
                dot.node(name=str(id(n)) + n._op, label=n._op)
                dot.edge(str(id(n)) + n._op, str(id(n)))
        for n1, n2 in edges:
            dot.edge(str(id(n1)), str(id(n2)) + n2._op)
        return dot

    def example(value: Callable[[float], Any]) -> tuple[Any, Any]:
        x = value(1.0)
        y = (x * 2 + 1).relu()
        y.backward()
        return x, y

    x, y = example(Value)
    source = draw_dot(y).source
    assert source.count("shape=record") == 6  # x, the constants 2 and 1, x*2, x*2 + 1, relu
    for label in ("data 1.0000 | grad 2.0000", "data 3.0000 | grad 1.0000", "data 2.0000 | grad 1.0000"):
        assert label in source
    assert f'"{id(y)}{y._op}" -> {id(y)}' in source
    assert f'{id(x)} -> "{id(y._prev[0]._prev[0])}*"' in source

    engine = pytest.importorskip("micrograd.engine")
    _, reference = example(engine.Value)
    def records(text: str) -> list[str]:
        return sorted(line.split("label=")[1] for line in text.splitlines() if "shape=record" in line)

    assert records(source) == records(draw_dot(reference).source)


# ------------------------------------------------ micrograd's way of adding an op --
# Written the way micrograd's lecture has learners add ops: make the output with
# Value(data, _children, _op), write its chain rule as a closure, assign it to _backward.


def lecture_tanh(self: Value) -> Value:
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward() -> None:
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def lecture_exp(self: Value) -> Value:
    x = self.data
    out = Value(math.exp(x), (self,), "exp")

    def _backward() -> None:
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def lecture_pow(self: Value, other: float) -> Value:
    assert isinstance(other, (int, float)), "only supporting int/float powers for now"
    out = Value(self.data**other, (self,), f"**{other}")

    def _backward() -> None:
        self.grad += other * (self.data ** (other - 1)) * out.grad

    out._backward = _backward
    return out


def _lecture_neuron() -> tuple[list[Value], Value]:
    """The lecture's neuron: x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8813735870195432; n = x1·w1 + x2·w2 + b."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    return [x1, x2, w1, w2], n


# o = tanh(n) = 0.7071..., do/dn = 1 - o² = 0.5: x1.grad = w1·0.5, w1.grad = x1·0.5, x2.grad = w2·0.5, w2.grad = 0
LECTURE_GRADS = [-1.5, 0.5, 1.0, 0.0]


def test_the_lecture_tanh_added_by_hand_gives_the_lecture_gradients() -> None:
    leaves, n = _lecture_neuron()
    o = lecture_tanh(n)
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-12)
    assert [v.grad for v in leaves] == pytest.approx(LECTURE_GRADS, rel=1e-12, abs=1e-15)
    assert o._op == "tanh" and o._prev == (n,) and not o.is_leaf


def test_the_lecture_tanh_from_exp_and_pow_added_by_hand() -> None:
    """tanh(n) = (e - 1)/(e + 1) with e = exp(2n), division written as a·b**-1 with the hand-added pow."""
    leaves, n = _lecture_neuron()
    e = lecture_exp(2 * n)
    o = (e - 1) * lecture_pow(e + 1, -1)
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-12)
    assert [v.grad for v in leaves] == pytest.approx(LECTURE_GRADS, rel=1e-12, abs=1e-12)


def test_the_lecture_manual_backward_one_node_at_a_time() -> None:
    """The lecture first calls each node's _backward by hand, output first; built-in nodes have one too."""
    x1, w1 = Value(2.0), Value(-3.0)
    x1w1 = x1 * w1
    b = Value(6.8813735870195432)
    n = x1w1 + b
    o = n.tanh()
    o.grad = 1.0
    for node in (o, n, x1w1):
        node._backward()
    assert n.grad == pytest.approx(0.5, rel=1e-12) and b.grad == pytest.approx(0.5, rel=1e-12)
    assert (x1.grad, w1.grad) == pytest.approx((-1.5, 1.0), rel=1e-12)


def test_hand_written_nodes_match_pytorch_inside_a_larger_expression() -> None:
    torch = pytest.importorskip("torch")
    a, b = Value(0.3), Value(-1.2)
    y = lecture_pow(lecture_tanh(a * b) + lecture_exp(b), 3) * a
    y.backward()
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.3, -1.2))
    ty = (torch.tanh(ta * tb) + torch.exp(tb)) ** 3 * ta
    ty.backward()
    assert y.data == pytest.approx(ty.item(), rel=1e-12)
    assert (a.grad, b.grad) == pytest.approx((ta.grad.item(), tb.grad.item()), rel=1e-12)


def test_create_graph_refuses_a_hand_written_node_with_a_clear_message() -> None:
    x = Value(0.5)
    y = lecture_tanh(x)
    with pytest.raises(TypeError, match="hand-written node .*closure, not an op-table rule"):
        y.backward(create_graph=True)


def test_backward_steps_run_a_hand_written_chain_rule() -> None:
    """x = 0.5, y = tanh(x)·3 with the lecture's tanh: the steps add 3 to tanh's grad, then (1 - t²)·3 to x's."""
    x = Value(0.5, label="x")
    t = lecture_tanh(x)
    y = t * 3.0
    steps = backward_steps(y)
    assert [s.parent for s in steps[:1]] == [t] and steps[0].contribution == 3.0
    last = steps[-1]
    assert last.parent is x and last.contribution == pytest.approx((1 - math.tanh(0.5) ** 2) * 3.0, rel=1e-12)
    assert last.local == pytest.approx(1 - math.tanh(0.5) ** 2, rel=1e-12)
    assert x.grad == pytest.approx((1 - math.tanh(0.5) ** 2) * 3.0, rel=1e-12)
