"""nets.scalar: the per-node MLP — micrograd's API, the shared weights format, gradients checked independently.

References: PyTorch float64 (same weights), micrograd's own MLP (same weights),
central differences, and hand arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autonode import Value
from nets.scalar import MLP, Layer, Neuron
from nets.types import Network


def weights_for(sizes: list[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)) for n_in, n_out in zip(sizes, sizes[1:])]


# ------------------------------------------------------------ micrograd API --
def test_micrograd_construction_and_attributes() -> None:
    model = MLP(2, [16, 16, 1], seed=1)
    assert len(model.layers) == 3
    assert [len(layer.neurons) for layer in model.layers] == [16, 16, 1]
    assert len(model.layers[0].neurons[0].w) == 2
    assert isinstance(model.layers[0].neurons[0].b, Value)
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1  # 337, as micrograd's demo says
    out = model([2.0, -1.0])
    assert isinstance(out, Value)
    two = MLP(3, [4, 2], seed=1)([1.0, 2.0, 3.0])
    assert isinstance(two, list) and len(two) == 2


def test_zero_grad_clears_accumulated_gradients() -> None:
    model = MLP(2, [3, 1], seed=2)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_one_neuron_layer_inside_a_network_works() -> None:
    """micrograd's bug: its Layer returns a bare Value for one neuron and MLP(2, [16, 1, 1]) then fails."""
    model = MLP(2, [16, 1, 1], seed=3)
    out = model([0.5, -1.5])
    assert isinstance(out, Value)
    out.backward()
    assert len(model.layers[1].neurons) == 1
    assert any(p.grad != 0.0 for p in model.layers[0].parameters())
    W, b = model.get_weights()[1]
    assert W.shape == (1, 16) and b.shape == (1,)


def test_layer_and_neuron_follow_micrograd() -> None:
    layer = Layer(2, 1, nonlin=False)
    assert isinstance(layer([1.0, 2.0]), Value)  # micrograd: one neuron → one Value
    neuron = Neuron(2, w=[0.5, -2.0], b=0.25)
    assert neuron([2.0, 1.0]).data == 0.0  # relu(0.5·2 - 2·1 + 0.25) = relu(-0.75)
    assert Neuron(2, nonlin=False, w=[0.5, -2.0], b=0.25)([2.0, 1.0]).data == -0.75


def test_same_numbers_as_micrograd_mlp_with_the_same_weights() -> None:
    mg_nn = pytest.importorskip("micrograd.nn")
    mg_engine = pytest.importorskip("micrograd.engine")
    ours = MLP(3, [4, 4, 1], seed=5)
    theirs = mg_nn.MLP(3, [4, 4, 1])
    for (W, b), layer in zip(ours.get_weights(), theirs.layers):
        for i, neuron in enumerate(layer.neurons):
            for j, w in enumerate(neuron.w):
                w.data = float(W[i, j])
            neuron.b.data = float(b[i])
    x = [0.3, -1.2, 2.0]
    out, ref = ours(x), theirs([mg_engine.Value(v) for v in x])
    (out * out).backward()
    (ref * ref).backward()
    assert out.data == pytest.approx(ref.data, rel=1e-12, abs=1e-14)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p.grad == pytest.approx(q.grad, rel=1e-10, abs=1e-12)


# ----------------------------------------------------------- fused vs nodes --
# Each form is checked against PyTorch and central differences below; here, that one dot node per neuron
# changes nothing but rounding: the same sums in the same order (bit for bit up to Python 3.11; from 3.12 the
# built-in sum() of floats is compensated, so the fused form can differ in the last place).
@pytest.mark.parametrize("activations", [None, "tanh", "sigmoid", ["tanh", "relu", "softmax"]])
def test_fused_and_node_by_node_give_identical_outputs_and_gradients(activations: object) -> None:
    sizes = [3, 5, 4, 2]
    weights = weights_for(sizes, seed=7)
    fused = MLP(3, sizes[1:], weights=weights, activations=activations, fused=True)  # type: ignore[arg-type]
    nodes = MLP(3, sizes[1:], weights=weights, activations=activations, fused=False)  # type: ignore[arg-type]
    X = np.array([[0.1, -0.4, 1.2], [2.0, 0.3, -0.7]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(fused.predict_output(X), nodes.predict_output(X), rtol=1e-15, atol=1e-16)
    loss_f, grads_f = fused.loss_and_gradients(X, Y, "mse")
    loss_n, grads_n = nodes.loss_and_gradients(X, Y, "mse")
    assert loss_f == pytest.approx(loss_n, rel=1e-15)
    for (gW, gb), (hW, hb) in zip(grads_f, grads_n):
        np.testing.assert_allclose(gW, hW, rtol=1e-14, atol=1e-16)
        np.testing.assert_allclose(gb, hb, rtol=1e-14, atol=1e-16)


def test_node_by_node_shows_every_product() -> None:
    model = MLP(3, [1], activations="identity", weights=[(np.array([[0.5, 1.2, -0.3]]), np.array([0.0]))],
                fused=False)
    out = model([1.0, 3.0, 5.0])
    ops_seen = []
    stack = [out]
    while stack:
        node = stack.pop()
        ops_seen.append(node.op)
        stack.extend(node.parents)
    assert ops_seen.count("*") == 3 and "dot" not in ops_seen
    assert out.data == pytest.approx(2.6, abs=1e-12)  # seed 001's net input
    fused_out = MLP(3, [1], activations="identity", weights=model.get_weights())([1.0, 3.0, 5.0])
    assert fused_out.parents[0].op == "dot"


# ---------------------------------------------------------- Network protocol --
def test_implements_network_protocol_and_weights_roundtrip() -> None:
    model = MLP(4, [3, 2], activations=["tanh", "softmax"], init="xavier", seed=11)
    assert isinstance(model, Network)
    assert model.sizes == [4, 3, 2] and model.activations == ["tanh", "softmax"]
    weights = model.get_weights()
    assert [W.shape for W, _ in weights] == [(3, 4), (2, 3)]
    params = model.parameters()
    new = weights_for([4, 3, 2], seed=12)
    model.set_weights(new)
    assert model.parameters() == params  # same Value objects, new data
    for (W, b), (V, c) in zip(model.get_weights(), new):
        np.testing.assert_array_equal(W, V)
        np.testing.assert_array_equal(b, c)
    weights[0][0][0, 0] = 99.0  # get_weights returns a copy
    assert model.get_weights()[0][0][0, 0] != 99.0


def test_seeded_initialisation_is_reproducible_and_uses_nets_init() -> None:
    from nets.init import initialise

    a = MLP(3, [4, 1], init="he", seed=42).get_weights()
    b = MLP(3, [4, 1], init="he", rng=np.random.default_rng(42)).get_weights()
    c = initialise("he", [3, 4, 1], np.random.default_rng(42))
    for (W, bb), (V, _), (U, dd) in zip(a, b, c):
        np.testing.assert_array_equal(W, V)
        np.testing.assert_array_equal(W, U)
        np.testing.assert_array_equal(bb, dd)
    uniform = MLP(3, [4, 1], init="uniform", seed=1).get_weights()
    assert all(((W >= 0) & (W < 1)).all() and ((b >= 0) & (b < 1)).all() for W, b in uniform)
    zeros = MLP(3, [4, 1], init="zeros").get_weights()
    assert all(not W.any() and not b.any() for W, b in zeros)


def test_predict_output_by_hand_and_softmax_rows() -> None:
    W0, b0 = np.array([[1.0, -1.0]]), np.array([0.5])
    model = MLP(2, [1], activations="sigmoid", weights=[(W0, b0)])
    out = model.predict_output(np.array([[2.0, 1.0], [0.0, 0.0]]))
    assert out.shape == (2, 1)
    assert out[0, 0] == pytest.approx(1 / (1 + math.exp(-1.5)), rel=1e-15)
    assert out[1, 0] == pytest.approx(1 / (1 + math.exp(-0.5)), rel=1e-15)
    soft = MLP(2, [3], activations="softmax", weights=[(np.array([[1.0, 0], [0, 1.0], [1000.0, 0]]), np.zeros(3))])
    probs = soft.predict_output(np.array([[1.0, 2.0], [-1.0, 0.0]]))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-15)
    e = np.exp(np.array([-1.0, 0.0, -1000.0]) - 0.0)
    np.testing.assert_allclose(probs[1], e / e.sum(), rtol=1e-14)
    assert probs[0, 2] == pytest.approx(1.0)  # logit 1000: stable, no overflow


# ----------------------------------------------------------------- gradients --
def _central_difference(model: MLP, X: np.ndarray, Y: np.ndarray, loss: str, eps: float = 1e-6) -> list:
    base = model.get_weights()
    grads = []
    for k, (W, b) in enumerate(base):
        gW, gb = np.zeros_like(W), np.zeros_like(b)
        for array, out in ((W, gW), (b, gb)):
            for idx in np.ndindex(array.shape):
                values = []
                for sign in (1, -1):
                    trial = [(V.copy(), c.copy()) for V, c in base]
                    target = trial[k][0] if array is W else trial[k][1]
                    target[idx] += sign * eps
                    model.set_weights(trial)
                    values.append(model.loss_graph(X, Y, loss).data)
                out[idx] = (values[0] - values[1]) / (2 * eps)
        grads.append((gW, gb))
    model.set_weights(base)
    return grads


@pytest.mark.parametrize("loss,activations", [
    ("half_sse", ["sigmoid", "sigmoid"]),
    ("mse", ["tanh", "identity"]),
    ("softmax_cross_entropy", ["relu", "softmax"]),
])
@pytest.mark.parametrize("fused", [False, True], ids=["node-by-node", "fused"])
def test_loss_and_gradients_match_central_differences(loss: str, activations: list[str], fused: bool) -> None:
    model = MLP(3, [4, 2], activations=activations, weights=weights_for([3, 4, 2], seed=3), fused=fused)
    X = np.array([[0.2, -0.5, 1.0], [1.5, 0.3, -0.2], [-0.7, 0.8, 0.1]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    _, grads = model.loss_and_gradients(X, Y, loss)
    numeric = _central_difference(model, X, Y, loss)
    for (gW, gb), (nW, nb) in zip(grads, numeric):
        np.testing.assert_allclose(gW, nW, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(gb, nb, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("loss,activations", [
    ("half_sse", ["sigmoid", "sigmoid", "sigmoid"]),
    ("mse", ["tanh", "relu", "identity"]),
    ("softmax_cross_entropy", ["relu", "tanh", "softmax"]),
    ("binary_cross_entropy", ["tanh", "tanh", "sigmoid"]),
])
@pytest.mark.parametrize("fused", [False, True], ids=["node-by-node", "fused"])
def test_loss_and_gradients_match_pytorch_float64(loss: str, activations: list[str], fused: bool) -> None:
    torch = pytest.importorskip("torch")
    sizes = [3, 5, 4, 2]
    weights = weights_for(sizes, seed=9)
    model = MLP(3, sizes[1:], activations=activations, weights=weights, fused=fused)
    X = np.random.default_rng(1).normal(size=(6, 3))
    Y = np.eye(2)[np.array([0, 1, 1, 0, 1, 0])]
    value, grads = model.loss_and_gradients(X, Y, loss)

    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in weights]
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
         "identity": lambda t: t, "softmax": lambda t: t}
    h = torch.tensor(X)
    for (W, b), name in zip(params, activations):
        h = f[name](h @ W.T + b)
    y = torch.tensor(Y)
    if loss == "half_sse":
        J = 0.5 * ((y - h) ** 2).sum(dim=1).mean()
    elif loss == "mse":
        J = ((y - h) ** 2).mean()
    elif loss == "softmax_cross_entropy":
        J = -(y * torch.log_softmax(h, dim=1)).sum(dim=1).mean()
    else:
        J = torch.nn.functional.binary_cross_entropy(h, y, reduction="sum") / len(X)
    J.backward()
    assert value == pytest.approx(J.item(), rel=1e-12)
    for (gW, gb), (W, b) in zip(grads, params):
        np.testing.assert_allclose(gW, W.grad.numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(gb, b.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(
        model.predict_output(X),
        (torch.softmax(h, dim=1) if activations[-1] == "softmax" else h).detach().numpy(), rtol=1e-12,
    )


def test_one_output_accepts_flat_labels() -> None:
    model = MLP(2, [3, 1], seed=4)
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    flat = model.loss_and_gradients(X, np.array([1.0, -1.0]), "hinge")
    column = model.loss_and_gradients(X, np.array([[1.0], [-1.0]]), "hinge")
    assert flat[0] == column[0]


# -------------------------------------------------------------------- errors --
def test_wrong_input_length_names_expected_and_got() -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"expected an input of length 2, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2\), got \(4, 3\)"):
        model.predict_output(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"expected an input of length 3, got 2"):
        Neuron(3)([1.0, 2.0])


@pytest.mark.parametrize("kwargs,pattern", [
    ({"activations": "swish"}, r"unknown activation 'swish'.*sigmoid"),
    ({"activations": ["softmax", "identity"]}, r"softmax is allowed on the output layer only"),
    ({"activations": ["relu"]}, r"need one per weight layer \(2\), got 1"),
    ({"init": "orthogonal"}, r"unknown initialiser 'orthogonal'; known: .*he"),
    ({"weights": [(np.zeros((3, 2)), np.zeros(3))]}, r"expected 2 \(W, b\) pairs"),
    ({"weights": [(np.zeros((2, 3)), np.zeros(3)), (np.zeros((1, 3)), np.zeros(1))]},
     r"W\[0\] must have shape \(3, 2\), got \(2, 3\)"),
])
def test_bad_construction_arguments_are_named(kwargs: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        MLP(2, [3, 1], **kwargs)


def test_bad_labels_and_loss_names_are_named() -> None:
    model = MLP(2, [3, 2], seed=0)
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"Y must have shape \(4, 2\).*got \(3, 2\)"):
        model.loss_and_gradients(X, np.zeros((3, 2)), "mse")
    with pytest.raises(ValueError, match=r"unknown loss 'l1'"):
        model.loss_and_gradients(X, np.zeros((4, 2)), "l1")
    with pytest.raises(ValueError, match=r"W\[1\] must have shape \(2, 3\)"):
        model.set_weights([(np.zeros((3, 2)), np.zeros(3)), (np.zeros((3, 3)), np.zeros(2))])


def test_without_seed_python_random_makes_it_repeatable() -> None:
    """micrograd scripts call random.seed(...); with no seed/rng the MLP draws from Python's random."""
    import random

    random.seed(1337)
    first = MLP(2, [3, 1]).get_weights()
    random.seed(1337)
    again = MLP(2, [3, 1]).get_weights()
    other = MLP(2, [3, 1]).get_weights()
    np.testing.assert_array_equal(first[0][0], again[0][0])
    assert not np.array_equal(first[0][0], other[0][0])


def test_nodes_carry_the_seed_notation_labels() -> None:
    model = MLP(2, [2, 1], activations=["sigmoid", "identity"], weights=weights_for([2, 2, 1]), fused=False)
    out = model([1.0, -1.0])
    assert out.label == "z[2][0]"  # identity output: h is z
    h = out.parents[0].parents[1].parents[1]  # (W₀·h₀ + W₁·h₁) + b → the sum → W₁·h₁ → h₁
    assert h.label == "h[1][1]" and h.parents[0].label == "z[1][1]"
    assert model.layers[0].neurons[1].w[0].label == "W[0][1,0]"
    assert model.layers[1].neurons[0].b.label == "b[1][0]"
