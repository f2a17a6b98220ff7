"""Losses, optimizers and initialisers against independent references: hand maths, central differences, PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from autonode import Value
from nets.init import INITIALISERS, initialise
from nets.losses import LOSSES, get_loss
from nets.optim import flatten, get_optimizer

RNG = np.random.default_rng(7)


def _data(name: str, m: int = 5, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(sum(map(ord, name)))
    if name == "binary_cross_entropy":
        return rng.uniform(0.05, 0.95, (m, k)), rng.integers(0, 2, (m, k)).astype(float)
    if name == "hinge":
        return rng.normal(size=(m, k)), rng.choice([-1.0, 1.0], (m, k))
    if name == "softmax_cross_entropy":
        return rng.normal(size=(m, k)) * 3, np.eye(k)[rng.integers(0, k, m)]
    return rng.normal(size=(m, k)), rng.normal(size=(m, k))


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_matches_central_differences(name: str) -> None:
    H, Y = _data(name)
    loss = get_loss(name)
    G = loss.gradient(H, Y)
    eps = 1e-6
    for idx in np.ndindex(*H.shape):
        up, down = H.copy(), H.copy()
        up[idx] += eps
        down[idx] -= eps
        assert G[idx] == pytest.approx((loss.value(up, Y) - loss.value(down, Y)) / (2 * eps), abs=1e-7)


@pytest.mark.parametrize("name", list(LOSSES))
def test_value_form_is_one_node_with_pytorchs_gradient(name: str) -> None:
    torch = pytest.importorskip("torch")
    from nets.torch_bridge import torch_loss

    H, Y = _data(name)
    loss = get_loss(name)
    for i in range(H.shape[0]):
        h = [Value(float(v)) for v in H[i]]
        out = loss.on_values(h, list(Y[i]))
        assert out.parents == tuple(h) and out.op == name  # one node over the K outputs
        out.backward()
        Ht = torch.tensor(H[i:i + 1], requires_grad=True)
        reference = torch_loss(name, Ht, torch.tensor(Y[i:i + 1]))
        reference.backward()
        assert out.data == pytest.approx(reference.item(), rel=1e-12)
        np.testing.assert_allclose([v.grad for v in h], Ht.grad.numpy()[0], rtol=1e-12, atol=1e-15)


def test_per_sample_values_by_hand() -> None:
    H, Y = np.array([[0.6, 0.2], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(get_loss("sse").per_sample(H, Y), [0.16 + 0.04, 0.0])
    lse = np.log(np.exp(0.6) + np.exp(0.2))
    np.testing.assert_allclose(get_loss("softmax_cross_entropy").per_sample(H, Y),
                               [lse - 0.6, np.log(1 + np.e) - 1.0])


@pytest.mark.parametrize("name", list(LOSSES))
def test_matches_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    from nets.torch_bridge import torch_loss

    H, Y = _data(name)
    Ht = torch.tensor(H, requires_grad=True)
    value = torch_loss(name, Ht, torch.tensor(Y))
    value.backward()
    loss = get_loss(name)
    assert loss.value(H, Y) == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(loss.gradient(H, Y), Ht.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_half_sse_and_sse_by_hand() -> None:
    H, Y = np.array([[0.6, 0.2]]), np.array([[1.0, 0.0]])
    assert get_loss("half_sse").value(H, Y) == pytest.approx(0.5 * (0.16 + 0.04))
    assert get_loss("sse").value(H, Y) == pytest.approx(0.16 + 0.04)
    assert get_loss("mse").value(H, Y) == pytest.approx((0.16 + 0.04) / 2)


def test_softmax_cross_entropy_is_stable_for_huge_logits() -> None:
    H, Y = np.array([[1000.0, 0.0]]), np.array([[0.0, 1.0]])
    loss = get_loss("softmax_cross_entropy")
    assert loss.value(H, Y) == pytest.approx(1000.0)
    np.testing.assert_allclose(loss.gradient(H, Y), [[1.0, -1.0]])


def test_binary_cross_entropy_clips_probabilities() -> None:
    loss = get_loss("binary_cross_entropy")
    H, Y = np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])
    assert np.isfinite(loss.value(H, Y)) and loss.value(H, Y) == pytest.approx(-2 * np.log(1e-12))
    np.testing.assert_array_equal(loss.gradient(H, Y), [[0.0, 0.0]])


def test_loss_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown loss 'l3'.*half_sse"):
        get_loss("l3")
    with pytest.raises(ValueError, match=r"targets Y have shape \(2, 3\)"):
        get_loss("mse").value(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2 targets, 3 outputs"):
        get_loss("sse").on_values([Value(0.0)] * 3, [1.0, 2.0])


# ----------------------------------------------------------------- optim --
def test_sgd_step_by_hand() -> None:
    W, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    get_optimizer("sgd", lr=0.25).step([W], [g])
    np.testing.assert_allclose(W, [1.0 - 0.125, 2.0 + 0.25])


def test_momentum_in_the_explainers_form() -> None:
    W, g = np.array([1.0]), np.array([2.0])
    opt = get_optimizer("momentum", lr=0.1, mu=0.9)
    opt.step([W], [g])  # V = -0.2, W = 0.8
    assert W[0] == pytest.approx(0.8)
    opt.step([W], [g])  # V = 0.9 * -0.2 - 0.2 = -0.38, W = 0.42
    assert W[0] == pytest.approx(0.42)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_optimizers_match_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    W0 = rng.normal(size=(3, 2))
    target = rng.normal(size=(3, 2))
    ours = W0.copy()
    theirs = torch.tensor(W0, requires_grad=True)
    make = {
        "sgd": (lambda: get_optimizer("sgd", lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        # torch: v = μv + g, W -= α v; ours: V = μV - αg, W += V — the same iterates for constant α
        "momentum": (
            lambda: get_optimizer("momentum", lr=0.1, mu=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)
        ),
        "adam": (lambda: get_optimizer("adam", lr=0.05), lambda p: torch.optim.Adam(p, lr=0.05)),
    }[name]
    opt, topt = make[0](), make[1]([theirs])
    for _ in range(5):
        opt.step([ours], [ours - target])
        topt.zero_grad()
        (0.5 * ((theirs - torch.tensor(target)) ** 2).sum()).backward()
        topt.step()
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan"), float("inf"), "fast"])
def test_bad_learning_rate_is_named(lr: object) -> None:
    with pytest.raises(ValueError, match="lr"):
        get_optimizer("sgd", lr=lr)


def test_adam_on_a_large_flat_array_matches_pytorch_block_by_block() -> None:
    """Arrays longer than 4 blocks are updated block by block; the result is still PyTorch's Adam."""
    torch = pytest.importorskip("torch")
    from nets.optim import ADAM_BLOCK

    rng = np.random.default_rng(4)
    n = 4 * ADAM_BLOCK + 1234
    ours, target = rng.normal(size=n), rng.normal(size=n)
    theirs = torch.tensor(ours.copy(), requires_grad=True)
    opt, topt = get_optimizer("adam", lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6), None
    topt = torch.optim.Adam([theirs], lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    for _ in range(4):
        opt.step([ours], [ours - target])
        topt.zero_grad()
        (0.5 * ((theirs - torch.tensor(target)) ** 2).sum()).backward()
        topt.step()
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_adam_keeps_float32_in_float32() -> None:
    W = np.ones(5, dtype=np.float32)
    get_optimizer("adam", lr=0.1).step([W], [np.full(5, 2.0, dtype=np.float32)])
    assert W.dtype == np.float32
    np.testing.assert_allclose(W, 0.9, rtol=1e-6)  # Adam's first step moves every weight by lr


def test_unknown_optimizer_and_shape_mismatch() -> None:
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'.*adam"):
        get_optimizer("rmsprop", lr=0.1)
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(2,\), gradient \(3,\)"):
        get_optimizer("sgd", lr=0.1).step([np.zeros(2)], [np.zeros(3)])


# ------------------------------------------------------------------ init --
@pytest.mark.parametrize("name", list(INITIALISERS))
def test_initialisers_shapes_and_determinism(name: str) -> None:
    a = initialise(name, [4, 3, 2], np.random.default_rng(1))
    b = initialise(name, [4, 3, 2], np.random.default_rng(1))
    assert [(W.shape, bb.shape) for W, bb in a] == [((3, 4), (3,)), ((2, 3), (2,))]
    for (W1, b1), (W2, b2) in zip(a, b, strict=True):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)


def test_initialiser_statistics() -> None:
    (W, b), = initialise("uniform", [200, 300], np.random.default_rng(0))
    assert 0.0 <= W.min() and W.max() < 1.0 and abs(W.mean() - 0.5) < 0.01 and b.min() >= 0.0
    (W, b), = initialise("he", [200, 300], np.random.default_rng(0))
    assert W.std() == pytest.approx(np.sqrt(2 / 200), rel=0.02) and not b.any()
    (W, b), = initialise("xavier", [200, 300], np.random.default_rng(0))
    limit = np.sqrt(6 / 500)
    assert np.abs(W).max() <= limit and W.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)
    assert not any(W.any() or bb.any() for W, bb in initialise("zeros", [3, 2, 1], np.random.default_rng(0)))


def test_initialiser_errors() -> None:
    with pytest.raises(ValueError, match="unknown initialiser 'glorot'.*xavier"):
        initialise("glorot", [2, 1], np.random.default_rng(0))
    with pytest.raises(ValueError, match="sizes"):
        initialise("he", [2, 0], np.random.default_rng(0))


def test_flatten_gives_live_arrays() -> None:
    weights = initialise("zeros", [2, 1], np.random.default_rng(0))
    flatten(weights)[0] += 1.0
    assert weights[0][0].sum() == 2.0

