"""The numba kernels (nets.compiled) against independent references: PyTorch, the numpy kernels, plain loops."""

from __future__ import annotations

import math
import pickle
import re
import sys
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pytest

pytest.importorskip("numba")

from nets import MLPClassifier, compiled  # noqa: E402
from nets.activations import delta_step  # noqa: E402
from nets.engines import make_engine  # noqa: E402
from nets.losses import COMPILED_MEANS, LOSSES, get_loss  # noqa: E402
from nets.optim import ADAM_BLOCK, Adam, adam_kernel  # noqa: E402
from nets.train import History, train  # noqa: E402
from nets.types import Weights  # noqa: E402
from nets.vector import VectorMLP  # noqa: E402

HINT = re.escape("pip install -e '.[numba]'")
BAD_KERNELS = re.escape("kernels must be one of 'numpy', 'numba', 'numba+mkl'")
BAD_KERNEL = re.escape("adam: kernel must be one of 'numpy', 'numba', 'numba+mkl'")


def _adam_run(kernel: str, params: list[np.ndarray], grads: list[list[np.ndarray]], **kw: float) -> Adam:
    """Adam(kernel=...) over the steps ``grads`` (one list of gradients per step), params updated in place."""
    opt = Adam(kernel=kernel, **kw)
    for step in grads:
        opt.step(params, step)
    return opt


def _textbook_adam(p: np.ndarray, grads: list[np.ndarray], lr: float, beta1: float = 0.9, beta2: float = 0.999,
                   eps: float = 1e-8) -> np.ndarray:
    """Kingma & Ba written out entry by entry in float64 (m, v, their bias corrections)."""
    p = p.astype(np.float64).ravel().copy()
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        g = g.astype(np.float64).ravel()
        for i in range(p.size):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            p[i] -= lr * (m[i] / (1 - beta1**t)) / (math.sqrt(v[i] / (1 - beta2**t)) + eps)
    return p


# ------------------------------------------------------------------------------------------------ Adam --
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_numba_adam_matches_pytorchs_adam(dtype: type, rtol: float) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    W0: np.ndarray = rng.normal(size=(6, 5)).astype(dtype)
    target: np.ndarray = rng.normal(size=(6, 5)).astype(dtype)
    ours = W0.copy()
    theirs = torch.tensor(W0, requires_grad=True)  # same float type as ours
    opt = Adam(lr=0.05, kernel="numba")
    topt = torch.optim.Adam([theirs], lr=0.05)
    for _ in range(6):
        opt.step([ours], [ours - target])  # ∂/∂W of ½‖W - target‖²
        topt.zero_grad()
        (0.5 * ((theirs - torch.tensor(target)) ** 2).sum()).backward()
        topt.step()
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", [[(5, 3), (5,)], [(4 * ADAM_BLOCK + 12345,)]], ids=["small", "blocked"])
def test_numba_adam_is_numpy_adam_to_the_bit(dtype: type, shapes: list[tuple[int, ...]]) -> None:
    rng = np.random.default_rng(11)
    start: list[np.ndarray] = [rng.normal(size=s).astype(dtype) for s in shapes]
    grads: list[list[np.ndarray]] = [[(rng.normal(size=s) * 10.0 ** rng.integers(-6, 3)).astype(dtype) for s in shapes]
                                     for _ in range(4)]  # gradients of sizes 1e-6 to 1e2
    fast, reference = [a.copy() for a in start], [a.copy() for a in start]
    opt_fast = _adam_run("numba", fast, grads, lr=0.01)
    opt_ref = _adam_run("numpy", reference, grads, lr=0.01)
    for i, (a, b) in enumerate(zip(fast, reference, strict=True)):
        assert a.dtype == dtype and all(g[i].dtype == dtype for g in grads)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(opt_fast.state[i][0], opt_ref.state[i][0])  # M = m/(1-β₁)
        np.testing.assert_array_equal(opt_fast.state[i][1], opt_ref.state[i][1])  # V = v/(1-β₂)


def test_compiled_adam_update_is_adam_kernel_to_the_bit() -> None:
    # the two kernels called directly, at a late step t and with non-default constants
    rng = np.random.default_rng(5)
    p, g = rng.normal(size=1000), rng.normal(size=1000)
    M, V = rng.normal(size=1000), rng.uniform(0, 2, size=1000)
    p2, M2, V2 = p.copy(), M.copy(), V.copy()
    compiled.adam_update(p, g, M, V, 0.003, 0.8, 0.99, 1e-6, 37)
    adam_kernel(p2, g, M2, V2, np.empty_like(p2), 0.003, 0.8, 0.99, 1e-6, 37)
    np.testing.assert_array_equal(p, p2)
    np.testing.assert_array_equal(M, M2)
    np.testing.assert_array_equal(V, V2)


@pytest.mark.parametrize("view", ["transposed", "strided"])
def test_numba_adam_updates_non_contiguous_parameters_in_place(view: str) -> None:
    rng = np.random.default_rng(2)
    base = rng.normal(size=(6, 4))
    start, base_ref = base.copy(), base.copy()
    def pick(a: np.ndarray) -> np.ndarray:
        return a.T if view == "transposed" else a[::2, 1:]

    p, p_ref = pick(base), pick(base_ref)
    assert not p.flags.c_contiguous
    grads = [[rng.normal(size=p.shape)] for _ in range(3)]
    _adam_run("numba", [p], grads, lr=0.02)
    _adam_run("numpy", [p_ref], grads, lr=0.02)
    np.testing.assert_array_equal(base, base_ref)  # the update reached the array the view belongs to
    assert not np.array_equal(base, start)
    loop = _textbook_adam(pick(start), [g[0] for g in grads], 0.02)  # Adam's update written out
    np.testing.assert_allclose(p.ravel(), loop, rtol=1e-12, atol=1e-14)


def test_numba_adam_with_a_non_contiguous_gradient() -> None:
    rng = np.random.default_rng(8)
    p = rng.normal(size=(3, 5))
    p_ref = p.copy()
    grads = [[rng.normal(size=(5, 3)).T] for _ in range(3)]  # transposed views
    _adam_run("numba", [p], grads, lr=0.05)
    loop = _textbook_adam(p_ref, [g[0] for g in grads], 0.05)
    np.testing.assert_allclose(p.ravel(), loop, rtol=1e-12, atol=1e-14)


def test_numba_adam_with_float64_gradients_of_float32_parameters_is_numpys() -> None:
    rng = np.random.default_rng(0)
    start = rng.normal(size=1000).astype(np.float32)
    grads = [[rng.normal(size=1000)] for _ in range(5)]  # float64, as Adam.step accepts
    fast, reference = [start.copy()], [start.copy()]
    _adam_run("numba", fast, grads, lr=0.01)
    _adam_run("numpy", reference, grads, lr=0.01)
    np.testing.assert_array_equal(fast[0], reference[0])


def test_numba_adam_on_float16_parameters_is_numpys() -> None:
    rng = np.random.default_rng(0)
    start = rng.normal(size=50).astype(np.float16)
    grads = [[rng.normal(size=50).astype(np.float16)] for _ in range(3)]
    fast, reference = [start.copy()], [start.copy()]
    _adam_run("numpy", reference, grads, lr=0.01)
    _adam_run("numba", fast, grads, lr=0.01)
    np.testing.assert_array_equal(fast[0], reference[0])


def test_adam_refuses_an_unknown_kernel() -> None:
    for bad in ("bogus", "NUMBA", 1, None):
        with pytest.raises(ValueError, match=BAD_KERNEL):
            Adam(kernel=bad)  # type: ignore[arg-type]
    opt = Adam(kernel="numba")
    with pytest.raises(ValueError, match=BAD_KERNEL):
        opt.kernel = "cuda"
    assert opt.kernel == "numba"  # unchanged by the refused value


# ------------------------------------------------------------------------------- softmax cross-entropy --
def _torch_cross_entropy(H: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """PyTorch's cross_entropy (probability targets, mean over the rows) in float64 and its gradient."""
    torch = pytest.importorskip("torch")
    Ht = torch.tensor(H.astype(np.float64), requires_grad=True)
    value = torch.nn.functional.cross_entropy(Ht, torch.tensor(Y.astype(np.float64)))
    value.backward()
    return value.item(), Ht.grad.numpy()


Batch = Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]
SOFTMAX_CASES: dict[str, Batch] = {
    "one-hot": lambda rng: (rng.normal(size=(9, 5)) * 3, np.eye(5)[rng.integers(0, 5, 9)]),
    "soft targets": lambda rng: (rng.normal(size=(4, 3)) * 2,
                                 np.array([[0.3, 0.5, 0.0], [0.0, 0.3, 0.5], [0.7, 0.6, 0.4], [0.2, 0.2, 0.6]])),
    "large logits": lambda rng: (np.array([[1e4, 0.0, -1e4], [1e4, 1e4 - 1.0, 0.0], [-1e4, -1e4, -1e4 + 2.0]]),
                                 np.array([[0.0, 1.0, 0.0], [0.3, 0.5, 0.0], [0.0, 0.0, 1.0]])),
}


@pytest.mark.parametrize("case", list(SOFTMAX_CASES))
def test_numba_softmax_cross_entropy_matches_pytorch_float64(case: str) -> None:
    H, Y = SOFTMAX_CASES[case](np.random.default_rng(4))
    expected, expected_grad = _torch_cross_entropy(H, Y)
    value, G = get_loss("softmax_cross_entropy").with_kernels("numba").batch_mean(H, Y)
    assert np.isfinite(value) and np.all(np.isfinite(G))
    assert value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(G, expected_grad, rtol=1e-12, atol=1e-15)
    assert G.dtype == np.float64


@pytest.mark.parametrize("case", list(SOFTMAX_CASES))
def test_numba_softmax_cross_entropy_matches_pytorch_float32(case: str) -> None:
    H, Y = (a.astype(np.float32) for a in SOFTMAX_CASES[case](np.random.default_rng(4)))
    expected, expected_grad = _torch_cross_entropy(H, Y)  # float64 on the float32 numbers
    value, G = get_loss("softmax_cross_entropy").with_kernels("numba").batch_mean(H, Y)
    assert G.dtype == np.float32
    # float32 rounding of the inputs' products Σyₖhₖ (|h| up to 1e4) and of each gradient entry
    scale = float(np.abs(Y * H).sum(axis=1).max()) / H.shape[0]
    assert value == pytest.approx(expected, rel=1e-6, abs=1e-6 * scale)
    np.testing.assert_allclose(G, expected_grad, rtol=1e-6, atol=1e-7)


def test_numba_softmax_cross_entropy_by_hand() -> None:
    H, Y = np.array([[0.6, 0.2], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 0.5]])
    value, G = get_loss("softmax_cross_entropy").with_kernels("numba").batch_mean(H, Y)
    lse0, lse1 = math.log(math.exp(0.6) + math.exp(0.2)), math.log(1.0 + math.e)
    assert value == pytest.approx(((lse0 - 0.6) + 0.5 * (lse1 - 1.0)) / 2, rel=1e-15)
    s0, s1 = math.exp(0.6) + math.exp(0.2), 1.0 + math.e
    hand = np.array([[math.exp(0.6) / s0 - 1.0, math.exp(0.2) / s0], [0.5 / s1, 0.5 * math.e / s1 - 0.5]]) / 2
    np.testing.assert_allclose(G, hand, rtol=1e-14, atol=1e-16)


def test_numba_softmax_cross_entropy_matches_the_numpy_kernel_on_many_batches() -> None:
    rng = np.random.default_rng(9)
    numpy_loss, numba_loss = get_loss("softmax_cross_entropy"), get_loss("softmax_cross_entropy").with_kernels("numba")
    for _ in range(20):
        m, k = rng.integers(1, 40), rng.integers(1, 12)
        H = rng.normal(size=(m, k)) * 10.0 ** rng.integers(-3, 4)
        Y = rng.uniform(0, 1, size=(m, k)) * (rng.uniform(size=(m, k)) < 0.5)
        v1, G1 = numba_loss.batch_mean(H, Y)
        v2, G2 = numpy_loss.batch_mean(H.copy(), Y)
        assert v1 == pytest.approx(v2, rel=1e-12, abs=1e-12 * float(np.abs(Y * H).sum() / m))
        np.testing.assert_allclose(G1, G2, rtol=1e-12, atol=1e-15)


NON_FINITE = {
    "+inf": np.array([[1.0, np.inf, 0.0], [0.5, 0.2, 0.1]]),
    "-inf beside finite logits": np.array([[1.0, -np.inf, 0.0], [0.5, 0.2, 0.1]]),
    "a row of -inf": np.array([[-np.inf, -np.inf, -np.inf], [0.5, 0.2, 0.1]]),
    "nan": np.array([[1.0, 2.0, 0.0], [np.nan, 0.2, 0.1]]),
}


@pytest.mark.parametrize("case", list(NON_FINITE))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numba_softmax_cross_entropy_of_non_finite_outputs_is_numpys(case: str, dtype: type) -> None:
    H: np.ndarray = NON_FINITE[case].astype(dtype)
    Y: np.ndarray = np.array([[1.0, 0.0, 0.0], [0.0, 0.3, 0.5]], dtype=dtype)
    assert compiled.softmax_cross_entropy_mean(H, Y) is None  # the batch goes to the numpy reference
    with np.errstate(all="ignore"):
        v1, G1 = get_loss("softmax_cross_entropy").with_kernels("numba").batch_mean(H, Y)
        v2, G2 = get_loss("softmax_cross_entropy").batch_mean(H.copy(), Y)
    np.testing.assert_array_equal(v1, v2)  # nan equals nan here
    np.testing.assert_array_equal(G1, G2)


def test_numba_softmax_cross_entropy_of_float16_outputs_is_numpys() -> None:
    H = np.array([[1.0, 2.0], [0.5, -1.0]], dtype=np.float16)
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    expected = get_loss("softmax_cross_entropy").value(H, Y)
    assert get_loss("softmax_cross_entropy").with_kernels("numba").value(H, Y) == expected


@pytest.mark.parametrize("name", [n for n in LOSSES if n not in COMPILED_MEANS])
def test_numba_kernels_on_a_loss_without_a_compiled_form_compute_numpys(name: str) -> None:
    rng = np.random.default_rng(6)
    H = rng.uniform(0.05, 0.95, (7, 4))
    Y = rng.choice([-1.0, 1.0], (7, 4)) if name == "hinge" else rng.integers(0, 2, (7, 4)).astype(float)
    loss = get_loss(name).with_kernels("numba")
    assert loss.mean_kernel is None
    v1, G1 = loss.batch_mean(H, Y)
    v2, G2 = get_loss(name).batch_mean(H, Y)
    assert v1 == v2
    np.testing.assert_array_equal(G1, G2)


def test_loss_with_kernels_refuses_an_unknown_set() -> None:
    for bad in ("cuda", 1):
        with pytest.raises(ValueError, match=BAD_KERNELS):
            get_loss("mse").with_kernels(bad)  # type: ignore[arg-type]
    assert get_loss("softmax_cross_entropy").with_kernels("numba").with_kernels("numpy").mean_kernel is None


# ------------------------------------------------------------------------------ the backward δ step --
DERIVATIVE_FROM_OUTPUT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": lambda h: 1 - h * h, "sigmoid": lambda h: (1 - h) * h, "relu": lambda h: (h > 0).astype(h.dtype),
    "identity": np.ones_like, "softmax": np.ones_like,
}
"""f'(z) written from h = f(z) by hand, for the δ step's reference."""


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(DERIVATIVE_FROM_OUTPUT))
def test_compiled_delta_step_scales_by_the_derivative_and_sums_the_rows(name: str, dtype: type) -> None:
    rng = np.random.default_rng(5)
    h = rng.uniform(-1, 1, size=(37, 11)).astype(dtype)
    if name == "sigmoid":
        h = np.abs(h)
    h[0, :3] = 0.0  # relu's kink: derivative 0 at h = 0
    delta = rng.normal(size=(37, 11)).astype(dtype)
    expected = delta * DERIVATIVE_FROM_OUTPUT[name](h)
    db = np.full(11, np.nan, dtype=dtype)  # overwritten, not added to
    compiled.delta_step(name)(delta, h, db)
    tol = 1e-15 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(delta, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(db, expected.astype(np.float64).sum(axis=0), rtol=tol * 40, atol=tol * 40)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_delta_step_is_the_tables_product_at_the_kink_and_at_nan(dtype: type) -> None:
    h = np.array([[0.0, -1.0, 2.0, np.nan]], dtype=dtype)
    delta = np.array([[np.nan, -3.0, -4.0, 5.0]], dtype=dtype)
    expected = np.array([[np.nan, 0.0, -4.0, 5.0]], dtype=dtype)  # δ·relu'(z): 0·nan = nan; relu' = 1 at nan
    for step in (compiled.delta_step("relu"), delta_step("relu")):
        d, db = delta.copy(), np.empty(4, dtype=dtype)
        step(d, h, db)
        np.testing.assert_array_equal(d, expected)
        np.testing.assert_array_equal(db, expected[0])


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_vector_mlp_with_numba_kernels_has_the_per_node_engines_gradients(activation: str) -> None:
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(6, 4)), np.eye(3)[[0, 1, 2, 0, 1, 2]]
    sizes, activations = [4, 5, 4, 3], [activation, activation, "softmax"]
    per_node = make_engine("scalar", sizes, activations, rng=0)
    fast = VectorMLP(sizes, activations, weights=per_node.get_weights(), kernels="numba")
    value_ref, grads_ref = per_node.loss_and_gradients(X, Y, "softmax_cross_entropy")
    value, grads = fast.loss_and_gradients(X, Y, "softmax_cross_entropy")
    assert value == pytest.approx(value_ref, rel=1e-12)
    for (dW, db), (dW_ref, db_ref) in zip(grads, grads_ref, strict=True):
        np.testing.assert_allclose(dW, dW_ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(db, db_ref, rtol=1e-12, atol=1e-14)


def test_vector_mlp_kernels_survive_pickling_and_refuse_unknown_sets() -> None:
    net = VectorMLP([3, 4, 2], ["tanh", "sigmoid"], rng=0, kernels="numba")
    copy = pickle.loads(pickle.dumps(net))
    assert copy.kernels == "numba"
    X = np.random.default_rng(0).normal(size=(5, 3))
    Y = np.eye(2)[[0, 1, 0, 1, 1]]
    np.testing.assert_array_equal(copy.loss_and_flat_gradient(X, Y, "half_sse")[1],
                                  net.loss_and_flat_gradient(X, Y, "half_sse")[1])
    with pytest.raises(ValueError, match=re.escape("VectorMLP: kernels must be one of 'numpy', 'numba', 'numba+mkl'")):
        net.kernels = "cuda"
    assert net.kernels == "numba"


# ----------------------------------------------------------------------------------------------- train --
def _data(seed: int = 1, m: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 4))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)  # three classes from two features
    return X, np.eye(3)[labels]


def _trained(kernels: str, loss: str = "softmax_cross_entropy", optimizer: Adam | str = "adam", seed: int = 0,
             data_seed: int = 1, epochs: int = 6, dtype: type = np.float64) -> tuple[History, Weights]:
    X, Y = _data(data_seed)
    net = VectorMLP([4, 5, 3], ["tanh", "identity"], rng=seed, dtype=dtype)
    history = train(net, X, Y, loss=loss, optimizer=optimizer, lr=None if isinstance(optimizer, Adam) else 0.02,
                    epochs=epochs, batch_size=8, kernels=kernels, progress=False)
    return history, net.get_weights()


def _assert_same_run(a: tuple[History, Weights], b: tuple[History, Weights], rtol: float) -> None:
    np.testing.assert_allclose(a[0].loss, b[0].loss, rtol=rtol, atol=0)
    assert a[0].accuracy == b[0].accuracy
    for (Wa, ba), (Wb, bb) in zip(a[1], b[1], strict=True):
        np.testing.assert_allclose(Wa, Wb, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(ba, bb, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "mse"])
def test_train_with_numba_kernels_is_train_with_numpys(loss: str) -> None:
    fast, reference = _trained("numba", loss), _trained("numpy", loss)
    assert len(fast[0].loss) == 6 and fast[0].loss[-1] < fast[0].loss[0]
    _assert_same_run(fast, reference, rtol=1e-12)


def test_train_with_numba_kernels_in_float32_is_numpys_to_float32_rounding() -> None:
    fast, reference = _trained("numba", dtype=np.float32), _trained("numpy", dtype=np.float32)
    _assert_same_run(fast, reference, rtol=1e-4)


def test_train_with_numba_kernels_switches_a_given_adam() -> None:
    opt = Adam(lr=0.02)
    fast = _trained("numba", optimizer=opt)
    assert opt.kernel == "numba"
    _assert_same_run(fast, _trained("numpy", optimizer=Adam(lr=0.02)), rtol=1e-12)


def test_train_with_numba_kernels_runs_the_compiled_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    # the comparisons above are not vacuous: each step goes through both compiled kernels
    calls = {"adam": 0, "loss": 0}
    adam_update, loss_mean = compiled.adam_update, compiled.softmax_cross_entropy_mean

    def counted_adam(*args: object) -> None:
        calls["adam"] += 1
        adam_update(*args)  # type: ignore[arg-type]

    def counted_loss(H: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray] | None:
        calls["loss"] += 1
        return loss_mean(H, Y)

    monkeypatch.setattr(compiled, "adam_update", counted_adam)
    monkeypatch.setitem(COMPILED_MEANS, "softmax_cross_entropy", counted_loss)
    monkeypatch.setattr(compiled, "prepare", lambda *args: None)  # count the training steps' calls only
    _trained("numba", epochs=2)
    assert calls == {"adam": 10, "loss": 10}  # 40 rows in batches of 8, two epochs, one flat parameter array
    _trained("numpy", epochs=2)
    assert calls == {"adam": 10, "loss": 10}


@pytest.mark.parametrize("bad", ["cuda", 1, "", "Numba"])
def test_train_refuses_an_unknown_kernel_set_before_training(bad: object) -> None:
    X, Y = _data()
    net = VectorMLP([4, 5, 3], ["tanh", "identity"], rng=0)
    before = net.flat_parameters().copy()
    opt = Adam(lr=0.02)
    with pytest.raises(ValueError, match=r"train: " + BAD_KERNELS):
        train(net, X, Y, loss="softmax_cross_entropy", optimizer=opt, kernels=bad, progress=False)  # type: ignore[arg-type]
    np.testing.assert_array_equal(net.flat_parameters(), before)
    assert opt.t == 0 and opt.kernel == "numpy"


# ------------------------------------------------------------------------------------- numba missing --
@pytest.fixture
def without_numba(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``import numba`` fails (as when it is not installed); the compiled kernels are forgotten before and after."""
    compiled._build.cache_clear()
    monkeypatch.setitem(sys.modules, "numba", None)
    yield
    compiled._build.cache_clear()


def test_without_numba_the_numba_kernels_say_how_to_install_it(without_numba: None) -> None:
    assert not compiled.available()
    with pytest.raises(ImportError, match=HINT):
        Adam(kernel="numba")
    with pytest.raises(ImportError, match=HINT):
        get_loss("softmax_cross_entropy").with_kernels("numba")
    with pytest.raises(ImportError, match=HINT):
        compiled.require()
    X, Y = _data()
    net = VectorMLP([4, 5, 3], ["tanh", "identity"], rng=0)
    before = net.flat_parameters().copy()
    with pytest.raises(ImportError, match=HINT):
        train(net, X, Y, loss="softmax_cross_entropy", optimizer="adam", kernels="numba", progress=False)
    np.testing.assert_array_equal(net.flat_parameters(), before)


def test_without_numba_the_numpy_kernels_still_train(monkeypatch: pytest.MonkeyPatch) -> None:
    reference = _trained("numpy")
    compiled._build.cache_clear()
    monkeypatch.setitem(sys.modules, "numba", None)
    try:
        assert not compiled.available()
        _assert_same_run(_trained("numpy"), reference, rtol=0)
        _assert_same_run(_trained("numpy", optimizer=Adam(lr=0.02, kernel="numpy")), reference, rtol=0)
    finally:
        compiled._build.cache_clear()


def test_numba_is_found_again_once_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled._build.cache_clear()
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "numba", None)
        assert not compiled.available()
    assert compiled.available()  # a failed import is not remembered


# --------------------------------------------------------------------------------------------- threads --
def test_two_threads_training_with_numba_kernels_get_their_own_results() -> None:
    runs = {"a": {"seed": 0, "data_seed": 1}, "b": {"seed": 5, "data_seed": 2}}
    alone = {name: _trained("numba", epochs=15, **kw) for name, kw in runs.items()}  # type: ignore[arg-type]
    compiled._build.cache_clear()  # both threads also race to compile the kernels first
    together: dict[str, tuple[History, Weights]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(runs))

    def work(name: str) -> None:
        try:
            barrier.wait()
            together[name] = _trained("numba", epochs=15, **runs[name])  # type: ignore[arg-type]
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    for name in runs:
        _assert_same_run(together[name], alone[name], rtol=0)
    assert not np.allclose(alone["a"][1][0][0], alone["b"][1][0][0])  # two different runs


def test_train_compiles_the_kernels_before_the_first_step(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled._build.cache_clear()  # a fresh set of kernels: nothing compiled yet
    events: list[str] = []
    prepare, gradients = compiled.prepare, VectorMLP.train_gradients

    def recorded_prepare(dtype: object, activations: list[str]) -> None:
        events.append(f"prepare {np.dtype(dtype)} {sorted(activations)}")
        prepare(dtype, activations)  # type: ignore[arg-type]
        kernels = compiled._build()
        compiled_now = {name: bool(kernels[name].signatures) for name in ("adam", "softmax_cross_entropy", "tanh")}
        events.append(f"compiled {compiled_now}")

    def recorded_gradients(self: VectorMLP, *args: object) -> object:
        events.append("step")
        return gradients(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(compiled, "prepare", recorded_prepare)
    monkeypatch.setattr(VectorMLP, "train_gradients", recorded_gradients)
    _trained("numba", epochs=1)
    assert events[:2] == ["prepare float64 ['identity', 'tanh']",
                          "compiled {'adam': True, 'softmax_cross_entropy': True, 'tanh': True}"]
    assert events[2:] == ["step"] * 5  # 40 rows in batches of 8: every step after the compiling


def test_train_with_numpy_kernels_switches_a_numba_net_and_adam_back() -> None:
    X, Y = _data()
    net = VectorMLP([4, 5, 3], ["tanh", "identity"], rng=0, kernels="numba")
    opt = Adam(lr=0.02, kernel="numba")
    train(net, X, Y, loss="softmax_cross_entropy", optimizer=opt, epochs=1, batch_size=8, kernels="numpy",
          progress=False)
    assert (net.kernels, opt.kernel) == ("numpy", "numpy")
    train(net, X, Y, loss="softmax_cross_entropy", optimizer=opt, epochs=1, batch_size=8, progress=False)
    assert (net.kernels, opt.kernel) == ("numpy", "numpy")  # None: left as they are


@pytest.mark.parametrize("kernels", ["numpy", "numba"])
def test_estimators_take_the_kernels_option_with_the_same_predictions(kernels: str) -> None:
    X, Y = _data(m=60)
    y = Y.argmax(axis=1)
    fitted = MLPClassifier((8,), max_iter=5, random_state=0, kernels=kernels).fit(X, y)
    reference = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    np.testing.assert_allclose(fitted.predict_proba(X), reference.predict_proba(X), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="The 'kernels' parameter of MLPClassifier must be a str among"):
        MLPClassifier(kernels="cuda").fit(X, y)


# --------------------------------------------------------------------------- read-only arrays, pickles --
def test_numba_adam_on_a_read_only_parameter_refuses_it_as_numpys_does() -> None:
    # numpy's kernel: ValueError "output array is read-only"; the compiled path should take numpy's (or say the same)
    errors = {}
    for kernel in ("numpy", "numba"):
        p = np.ones(4)
        p.flags.writeable = False
        with pytest.raises(ValueError, match="read-only") as caught:
            Adam(kernel=kernel).step([p], [np.ones(4)])
        errors[kernel] = caught.type
    assert errors["numba"] is errors["numpy"]


def test_a_net_trained_with_numba_kernels_unpickles_where_numba_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(12, 4)), np.eye(3)[rng.integers(0, 3, 12)]
    net = VectorMLP([4, 5, 3], ["relu", "softmax"], rng=0)
    train(net, X, Y, loss="softmax_cross_entropy", optimizer="adam", epochs=2, kernels="numba", progress=False)
    blob, expected = pickle.dumps(net), net.forward(X).copy()
    compiled._build.cache_clear()
    monkeypatch.setitem(sys.modules, "numba", None)  # as on a machine without numba
    try:
        assert not compiled.available()
        loaded = pickle.loads(blob)  # the weights do not depend on numba: loading them should not need it
        np.testing.assert_array_equal(loaded.forward(X), expected)
    finally:
        compiled._build.cache_clear()
