"""L2 penalty and learning-rate schedules: hand-worked numbers, PyTorch float64, and every engine in agreement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nets.engines import make_engine
from nets.optim import (
    Adaptive,
    Cosine,
    InverseScaling,
    L2Penalty,
    StepDecay,
    get_optimizer,
    get_schedule,
    weight_segments,
)
from nets.train import train

SIZES = [3, 4, 2]
ACTIVATIONS = ["tanh", "identity"]


def _data(m: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return rng.normal(size=(m, SIZES[0])), rng.normal(size=(m, SIZES[-1]))


# ------------------------------------------------------------------ schedules by hand --
def test_schedules_by_hand() -> None:
    assert InverseScaling(0.5).rate(0.1, epoch=2, seen=99, epochs=10) == pytest.approx(0.1 / 10)  # 0.1/√(99+1)
    step = StepDecay(every=3, factor=0.5)
    assert [step.rate(1.0, e, 0, 10) for e in range(7)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    cosine = Cosine(min_lr=0.1)
    assert cosine.rate(1.0, 0, 0, 4) == pytest.approx(1.0)
    assert cosine.rate(1.0, 2, 0, 4) == pytest.approx(0.55)  # halfway: (1 + 0.1)/2
    assert cosine.rate(1.0, 4, 0, 4) == pytest.approx(0.1)
    adaptive = Adaptive()
    assert adaptive.rate(0.3, 5, 100, 10) == 0.3
    assert adaptive.stalled(1e-3) == pytest.approx(2e-4)  # divided by 5
    assert adaptive.stalled(1e-6) is None  # at scikit-learn's floor: stop


def test_schedule_errors_name_the_option() -> None:
    with pytest.raises(ValueError, match="unknown learning-rate schedule 'linear'; known: constant, invscaling"):
        get_schedule("linear")
    with pytest.raises(ValueError, match="every .* positive integer"):
        StepDecay(every=0)
    with pytest.raises(ValueError, match="power_t must be a finite number >= 0"):
        InverseScaling(-1)
    with pytest.raises(ValueError, match="schedule 'step'.*unexpected keyword"):
        get_schedule("step", gamma=0.1)


# ---------------------------------------------------------------------- L2 by hand --
def test_weight_segments_skip_biases_in_either_layout() -> None:
    per_array = [(4, 3), (4,), (2, 4), (2,)]
    assert weight_segments(SIZES, per_array) == [(0, 0, 12), (2, 0, 8)]
    assert weight_segments(SIZES, [(26,)]) == [(0, 0, 12), (0, 16, 24)]  # W0 | b0 | W1 | b1 in one flat array
    with pytest.raises(ValueError, match="do not hold the parameters"):
        weight_segments(SIZES, [(25,)])


def test_l2_value_and_gradient_by_hand() -> None:
    W, b = np.array([[1.0, -2.0]]), np.array([5.0])
    penalty = L2Penalty(0.5, weight_segments([2, 1], [W.shape, b.shape]))
    gW, gb = np.zeros_like(W), np.zeros_like(b)
    assert penalty.apply([W, b], [gW, gb], m=4) == pytest.approx(0.5 / 8 * 5)  # α/(2m)·‖W‖², the bias left out
    np.testing.assert_allclose(gW, [[0.125, -0.25]])  # (α/m)·W
    np.testing.assert_array_equal(gb, [0.0])
    gW2 = np.ones_like(W)  # new gradient arrays: new views, the right ones
    assert penalty.apply([W, b], [gW2, gb], m=2) == pytest.approx(0.5 / 4 * 5)
    np.testing.assert_allclose(gW2, [[1.25, 0.5]])
    with pytest.raises(ValueError, match="alpha .* >= 0"):
        L2Penalty(-1, [])


def test_l2_and_nesterov_momentum_match_pytorch() -> None:
    """Full batch, constant rate: scikit-learn's Nesterov form equals PyTorch's; L2 is weight_decay α/m on W only."""
    torch = pytest.importorskip("torch")
    X, Y = _data()
    alpha, lr, mu, m = 0.3, 0.05, 0.9, X.shape[0]
    net = make_engine("vector", SIZES, ACTIVATIONS, rng=1)
    start = net.get_weights()
    layers = [torch.nn.Linear(3, 4).double(), torch.nn.Linear(4, 2).double()]
    with torch.no_grad():
        for layer, (W, b) in zip(layers, start):
            layer.weight.copy_(torch.from_numpy(W))
            layer.bias.copy_(torch.from_numpy(b))
    groups = [{"params": [layer.weight for layer in layers], "weight_decay": alpha / m},
              {"params": [layer.bias for layer in layers], "weight_decay": 0.0}]
    sgd = torch.optim.SGD(groups, lr=lr, momentum=mu, nesterov=True)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    losses = []
    for _ in range(4):
        sgd.zero_grad()
        H = layers[1](torch.tanh(layers[0](Xt)))
        data_loss = 0.5 * ((H - Yt) ** 2).sum() / m
        penalty = alpha / (2 * m) * sum((layer.weight**2).sum() for layer in layers)
        losses.append(float(data_loss + penalty))
        data_loss.backward()
        sgd.step()
    optimizer = get_optimizer("momentum", lr=lr, mu=mu, nesterov=True)
    history = train(net, X, Y, loss="half_sse", optimizer=optimizer, epochs=4, l2=alpha, progress=False,
                    track_accuracy=False)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)
    for (W, b), layer in zip(net.get_weights(), layers):
        np.testing.assert_allclose(W, layer.weight.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b, layer.bias.detach().numpy(), rtol=1e-12, atol=1e-14)


# ------------------------------------------------- every engine, the same numbers --
@pytest.mark.parametrize(("optimizer", "schedule"), [
    (("momentum", {"lr": 0.1, "mu": 0.9, "nesterov": True}), StepDecay(every=1, factor=0.5)),
    (("sgd", {"lr": 0.2}), InverseScaling(0.5)),
    (("adam", {"lr": 0.05}), Cosine(min_lr=0.001)),
    (("sgd", {"lr": 0.2}), "constant"),
])
def test_per_node_looped_and_vectorised_engines_agree_with_l2_and_schedules(
    optimizer: tuple[str, dict[str, float]], schedule: object
) -> None:
    X, Y = _data(7)
    results = {}
    for engine in ("scalar", "scalar-fused", "looped", "vector"):
        net = make_engine(engine, SIZES, ACTIVATIONS, rng=2)
        history = train(net, X, Y, loss="mse", optimizer=get_optimizer(optimizer[0], **optimizer[1]), epochs=3,
                        batch_size=3, rng=5, l2=0.2, schedule=schedule, progress=False, track_accuracy=False)
        results[engine] = (net.get_weights(), history.loss, history.learning_rate)
    weights, losses, rates = results["vector"]
    assert len(set(map(tuple, (r[2] for r in results.values())))) == 1
    for engine in ("scalar", "scalar-fused", "looped"):
        other_weights, other_losses, _ = results[engine]
        np.testing.assert_allclose(other_losses, losses, rtol=1e-12)
        for (W, b), (W2, b2) in zip(weights, other_weights):
            np.testing.assert_allclose(W2, W, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(b2, b, rtol=1e-12, atol=1e-14)


def test_trainer_sets_the_rate_from_the_schedule_each_epoch() -> None:
    X, Y = _data()
    net = make_engine("vector", SIZES, ACTIVATIONS, rng=0)
    history = train(net, X, Y, loss="mse", optimizer="sgd", lr=0.1, epochs=4, batch_size=4,
                    schedule=InverseScaling(0.5), progress=False)
    # rows seen before epochs 1..4: 0, 6, 12, 18; scikit-learn's rate α₀/(t+1)^0.5 with t those counts after epoch 1
    assert history.learning_rate == pytest.approx([0.1, 0.1 / math.sqrt(7), 0.1 / math.sqrt(13), 0.1 / math.sqrt(19)])
