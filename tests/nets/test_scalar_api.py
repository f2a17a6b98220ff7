"""The per-node MLP: W[l]/b[l] read and write, optimizers stepping Values, bad-input messages.

References: the neurons' own Values, numpy arithmetic by hand, the vectorised
engine and PyTorch's optimizers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autonode import Value
from nets.optim import get_optimizer
from nets.scalar import MLP, step_values
from nets.train import train
from nets.vector import VectorMLP


def _weights(sizes: list[int], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)) for n_in, n_out in zip(sizes, sizes[1:])]


# ------------------------------------------------------------------ W[l], b[l] --
def test_W_and_b_read_the_neurons_values_in_the_seed_orientation() -> None:
    model = MLP(3, [4, 2], init="xavier", seed=5)
    assert len(model.W) == len(model.b) == 2
    for k, layer in enumerate(model.layers):
        W, b = model.W[k], model.b[k]
        assert W.shape == (model.sizes[k + 1], model.sizes[k]) and b.shape == (model.sizes[k + 1],)
        for i, neuron in enumerate(layer.neurons):
            assert list(W[i]) == [w.data for w in neuron.w]
            assert b[i] == neuron.b.data
    assert model.W[-1].shape == (2, 4)
    assert [W.shape for W in model.W] == [(4, 3), (2, 4)]


def test_W_and_b_agree_with_the_vectorised_engine() -> None:
    weights = _weights([3, 5, 2], seed=1)
    ours, theirs = MLP(3, [5, 2], weights=weights), VectorMLP([3, 5, 2], weights=weights)
    for k in range(2):
        np.testing.assert_array_equal(ours.W[k], theirs.W[k])
        np.testing.assert_array_equal(ours.b[k], theirs.b[k])


def test_writing_W_and_b_changes_the_forward_pass() -> None:
    model = MLP(2, [2, 1], activations=["sigmoid", "identity"], seed=0)
    params = model.parameters()
    model.W[0] = [[1.0, -2.0], [0.5, 0.25]]
    model.b[0] = np.array([0.1, -0.1])
    model.W[1] = np.array([[2.0, -1.0]])
    model.b[1] = [0.3]
    assert model.parameters() == params  # the same Value objects, new data
    x = np.array([0.4, -0.6])
    hidden = 1 / (1 + np.exp(-(np.array([[1.0, -2.0], [0.5, 0.25]]) @ x + [0.1, -0.1])))
    expected = 2.0 * hidden[0] - 1.0 * hidden[1] + 0.3
    assert model(list(x)).data == pytest.approx(expected, rel=1e-14)
    assert model.layers[0].neurons[0].w[1].data == -2.0 and model.layers[1].neurons[0].b.data == 0.3


def test_W_arrays_are_read_only_copies() -> None:
    model = MLP(2, [3, 1], seed=0)
    W = model.W[0]
    with pytest.raises(ValueError, match="read-only"):
        W[0, 0] = 5.0
    assert W[0, 0] == model.layers[0].neurons[0].w[0].data != 5.0


@pytest.mark.parametrize("layer,value,error,pattern", [
    (0, np.zeros((2, 3)), ValueError, r"W\[0\]: expected shape \(3, 2\), got \(2, 3\)"),
    (1, np.array([[np.nan, 0.0, 0.0]]), ValueError, r"W\[1\]: contains NaN or infinity"),
    (0, "weights", ValueError, r"W\[0\]: expected an array of numbers"),
    (2, np.zeros((1, 3)), IndexError, r"W\[2\]: the network has 2 weight layers"),
    ("0", np.zeros((3, 2)), TypeError, r"layer index l must be an integer"),
])
def test_bad_W_writes_name_the_layer_and_the_expected_shape(layer: object, value: object, error: type,
                                                            pattern: str) -> None:
    model = MLP(2, [3, 1], seed=0)
    before = model.get_weights()
    with pytest.raises(error, match=pattern):
        model.W[layer] = value  # type: ignore[index]
    for (W, b), (V, c) in zip(before, model.get_weights()):
        np.testing.assert_array_equal(W, V)
        np.testing.assert_array_equal(b, c)


def test_bad_b_write_names_b() -> None:
    with pytest.raises(ValueError, match=r"b\[0\]: expected shape \(3,\), got \(2,\)"):
        MLP(2, [3, 1], seed=0).b[0] = [1.0, 2.0]


# --------------------------------------------------------- optimizers on Values --
def test_step_values_sgd_and_momentum_by_hand() -> None:
    w = Value(1.0, label="w")
    sgd = get_optimizer("sgd", lr=0.25)
    w.grad = 0.5
    step_values(sgd, [w])
    assert w.data == 1.0 - 0.125

    w = Value(1.0)
    momentum = get_optimizer("momentum", lr=0.1, mu=0.9)
    w.grad = 2.0
    step_values(momentum, [w])  # V = -0.1·2 = -0.2; W = 0.8
    assert w.data == pytest.approx(0.8, rel=1e-15)
    step_values(momentum, [w])  # V = 0.9·(-0.2) - 0.2 = -0.38; W = 0.42
    assert w.data == pytest.approx(0.42, rel=1e-15)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_step_values_trains_a_per_node_mlp_like_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    sizes = [2, 3, 1]
    weights = _weights(sizes, seed=4)
    X = np.array([[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8]])
    Y = np.array([[1.0], [0.0], [1.0]])
    model = MLP(2, sizes[1:], activations=["tanh", "sigmoid"], weights=weights)
    options = {"sgd": {"lr": 0.3}, "momentum": {"lr": 0.3, "mu": 0.9}, "adam": {"lr": 0.05}}[name]
    optimizer = get_optimizer(name, **options)
    params = model.parameters()

    tensors = [torch.tensor(a, requires_grad=True) for pair in weights for a in pair]
    torch_opt = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.3),
        "momentum": lambda p: torch.optim.SGD(p, lr=0.3, momentum=0.9),
        "adam": lambda p: torch.optim.Adam(p, lr=0.05),
    }[name](tensors)
    for _ in range(4):
        J = model.loss_graph(X, Y, "half_sse")
        model.zero_grad()
        J.backward()
        step_values(optimizer, params)

        torch_opt.zero_grad()
        W0, b0, W1, b1 = tensors
        h = torch.tanh(torch.tensor(X) @ W0.T + b0)
        p = torch.sigmoid(h @ W1.T + b1)
        (0.5 * ((torch.tensor(Y) - p) ** 2).sum(dim=1).mean()).backward()
        torch_opt.step()
    for k in range(2):
        np.testing.assert_allclose(model.W[k], tensors[2 * k].detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(model.b[k], tensors[2 * k + 1].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_step_values_errors_name_the_parameter() -> None:
    sgd = get_optimizer("sgd", lr=0.1)
    with pytest.raises(ValueError, match="params is empty"):
        step_values(sgd, [])
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value, got float"):
        step_values(sgd, [Value(1.0), 2.0])  # type: ignore[list-item]
    bad = Value(1.0, label="W[0][0,0]")
    bad.grad = math.inf
    with pytest.raises(ValueError, match=r"params\[0\] \(W\[0\]\[0,0\]\) has gradient inf"):
        step_values(sgd, [bad])
    assert bad.data == 1.0


# ------------------------------------------------------------------ bad input --
def test_training_errors_name_the_argument() -> None:
    model = MLP(2, [3, 2], seed=0)
    X = np.zeros((4, 2))
    Y = np.eye(2)[[0, 1, 1, 0]]
    with pytest.raises(ValueError, match=r"Y must have shape \(4, 2\) to match X and the output layer, got \(4, 3\)"):
        train(model, X, np.zeros((4, 3)), loss="mse", lr=0.1, progress=False)
    with pytest.raises(ValueError, match=r"train: Y has 3 rows, X has 4"):
        train(model, X, Y[:3], loss="mse", lr=0.1, progress=False)
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2\), got \(4, 3\)"):
        train(model, np.zeros((4, 3)), Y, loss="mse", lr=0.1, progress=False)
    with pytest.raises(ValueError, match=r"unknown loss 'l1'; known: half_sse"):
        train(model, X, Y, loss="l1", lr=0.1, progress=False)
    with pytest.raises(ValueError, match=r"unknown optimizer 'rmsprop'; known: sgd"):
        train(model, X, Y, loss="mse", optimizer="rmsprop", lr=0.1, progress=False)
    for lr in (math.nan, math.inf, -0.5):
        with pytest.raises(ValueError, match=r"lr \(learning rate\) must be a positive finite number"):
            train(model, X, Y, loss="mse", lr=lr, progress=False)


def test_value_side_errors_name_the_argument() -> None:
    from nets.losses import get_loss
    from nets.scalar import Layer, Neuron

    with pytest.raises(ValueError, match=r"MLP\[2, 3, 1\]: expected an input of length 2, got 1"):
        MLP(2, [3, 1], seed=0)([1.0])
    with pytest.raises(ValueError, match=r"Layer: expected an input of length 3, got 4"):
        Layer(3, 2).forward([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=r"unknown activation 'gelu'; known: .*tanh"):
        Neuron(2, activation="gelu")
    with pytest.raises(ValueError, match=r"loss hinge: .*got 1 targets, 2 outputs"):
        get_loss("hinge").on_values([Value(0.5), Value(-0.5)], [1.0])


def test_per_node_mlp_pickles_with_its_weights_and_activations() -> None:
    import pickle

    model = MLP(3, [4, 2], activations=["tanh", "softmax"], weights=_weights([3, 4, 2], seed=8), fused=False)
    copy = pickle.loads(pickle.dumps(model))
    X = np.array([[0.2, -1.0, 0.7], [1.1, 0.4, -0.3]])
    np.testing.assert_array_equal(copy.predict_output(X), model.predict_output(X))
    copy.W[0] = np.zeros((4, 3))
    assert model.W[0].any() and not copy.W[0].any()  # the copy's accessors point at the copy's Values
