"""MKL's matrix products (nets.mkl_products) against plain loops, the per-node engine and numpy's training runs."""

from __future__ import annotations

import ctypes
import os
import pickle
import platform
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from nets import MLPClassifier, compiled, mkl_products
from nets.engines import make_engine
from nets.optim import Adam
from nets.train import History, train
from nets.types import Weights
from nets.vector import VectorMLP
from tests.mkl_helpers import hide_mkl

HINT = re.escape("pip install -e '.[mkl]'")
needs_mkl = pytest.mark.skipif(not mkl_products.available(), reason="MKL is not installed (the mkl extra)")
needs_numba_and_mkl = pytest.mark.skipif(not (mkl_products.available() and compiled.available()),
                                         reason="numba+mkl needs the numba and mkl extras")


def _loop_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σₖ a[i, k]·b[k, j] written out over k, in float64 (an independent reference)."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    out = np.zeros((a.shape[0], b.shape[1]))
    for k in range(a.shape[1]):
        out += np.outer(a64[:, k], b64[k, :])
    return out


class _CountedGemm:
    """Wraps the gemm callers and counts the calls that reach MKL."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = mkl_products._caller

        def caller(dtype: Any) -> Callable[..., None]:
            call = real(dtype)

            def gemm(*args: Any) -> None:
                self.calls += 1
                call(*args)
            return gemm

        monkeypatch.setattr(mkl_products, "_caller", caller)


@pytest.fixture
def counted_gemm(monkeypatch: pytest.MonkeyPatch) -> _CountedGemm:
    return _CountedGemm(monkeypatch)


# ----------------------------------------------------------------------------------------- the product --
SHAPES = [(128, 784, 256), (256, 128, 784), (130, 97, 111), (1, 1 << 20, 1), (1024, 1, 1024)]


@needs_mkl
@pytest.mark.parametrize(("m", "k", "n"), SHAPES)
@pytest.mark.parametrize("layout", ["A B", "Aᵀ B", "A Bᵀ", "Aᵀ Bᵀ"])
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_mkl_product_is_the_sum_over_k(m: int, k: int, n: int, layout: str, dtype: type, rtol: float,
                                       counted_gemm: _CountedGemm) -> None:
    rng = np.random.default_rng(m + k + n)
    a_t, b_t = layout.startswith("Aᵀ"), layout.endswith("Bᵀ")
    a = rng.normal(size=(k, m) if a_t else (m, k)).astype(dtype)
    b = rng.normal(size=(n, k) if b_t else (k, n)).astype(dtype)
    A, B = (a.T if a_t else a), (b.T if b_t else b)  # transposed views: F-contiguous, read in place
    expected = _loop_product(A, B)
    scale = np.abs(A).astype(np.float64) @ np.abs(B).astype(np.float64)  # the size of the rounding error allowed
    got = mkl_products.matmul(A, B)
    assert got.dtype == dtype and got.shape == (m, n) and got.flags.c_contiguous
    assert np.all(np.abs(got - expected) <= rtol * scale + 1e-300)
    out = np.full((m, n), np.nan, dtype=dtype)
    assert mkl_products.matmul(A, B, out=out) is out
    np.testing.assert_array_equal(out, got)
    assert counted_gemm.calls == 2  # both went to MKL


@needs_mkl
@pytest.mark.parametrize(("m", "k", "n"), [(128, 784, 256), (32, 64, 30), (64, 64, 16)])
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_affine_is_the_product_plus_the_row_on_every_row(m: int, k: int, n: int, dtype: type, rtol: float,
                                                          counted_gemm: _CountedGemm) -> None:
    rng = np.random.default_rng(m * n)
    h, W, b = (rng.normal(size=shape).astype(dtype) for shape in ((m, k), (n, k), (n,)))
    expected = _loop_product(h, W.T) + b.astype(np.float64)  # the row b added to each row of h Wᵀ
    scale = np.abs(h).astype(np.float64) @ np.abs(W.T).astype(np.float64) + np.abs(b)
    got = mkl_products.affine(h, W.T, b)  # Wᵀ: a transposed view, read in place
    assert got.dtype == dtype and got.shape == (m, n)
    assert np.all(np.abs(got - expected) <= rtol * scale)
    assert counted_gemm.calls == (1 if m * n * k >= mkl_products.MIN_WORK else 0)  # 64·64·16 is numpy's


@needs_mkl
def test_affine_by_hand() -> None:
    # [[1, 2], [3, 4]]·[[1, 0], [0, 1]] + [10, 20], repeated into a product large enough for gemm
    h = np.tile(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), (256, 64))  # (512, 128)
    W = np.tile(np.eye(2, dtype=np.float32), (64, 64)) / 64  # (128, 128): column j of h·W averages h's columns of
    # j's parity, all equal: (h·W)[r, j] = h[r, j mod 2]
    b = np.tile(np.array([10.0, 20.0], dtype=np.float32), 64)
    got = mkl_products.affine(h, W, b)
    np.testing.assert_array_equal(got[:2, :2], [[11.0, 22.0], [13.0, 24.0]])


@needs_mkl
def test_affine_with_a_row_of_the_wrong_length_is_numpys_error() -> None:
    with pytest.raises(ValueError, match="broadcast"):
        mkl_products.affine(np.ones((128, 784)), np.ones((784, 256)), np.ones(255))


@needs_mkl
def test_without_numba_the_products_go_through_ctypes_and_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    a, b, row = rng.normal(size=(200, 300)), rng.normal(size=(250, 300)).T, rng.normal(size=250)
    mkl_products._load.cache_clear()
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba now raises ImportError
    try:
        call = mkl_products._caller(np.dtype(np.float64))
        assert not hasattr(call, "py_func")  # the plain ctypes call, not a compiled one
        got, got_affine = mkl_products.matmul(a, b), mkl_products.affine(a, b, row)
    finally:
        monkeypatch.undo()
        mkl_products._load.cache_clear()
    expected = _loop_product(a, b)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(got_affine, expected + row, rtol=1e-12, atol=1e-11)


@needs_mkl
def test_mkl_describes_itself_for_the_benchmark_report() -> None:
    text = mkl_products.version()
    assert text.startswith("Intel(R) oneAPI Math Kernel Library Version 20") and "sequential" in text


@needs_mkl
def test_mkl_product_by_hand() -> None:
    # 2×3 by 3×2, spread into a large enough product: a 1024-row batch of the same two rows
    a = np.tile(np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]]), (512, 1))
    b = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -3.0]])
    b_wide = np.tile(b, (1, 512))  # (3, 1024): m·n·k = 1024·1024·3 ≥ MIN_WORK
    got = mkl_products.matmul(a, b_wide)
    assert got.shape == (1024, 1024)
    np.testing.assert_array_equal(got[:2, :2], [[7.0, -7.0], [-1.0, 0.5]])
    np.testing.assert_array_equal(got[1022:, 1022:], [[7.0, -7.0], [-1.0, 0.5]])


@needs_mkl
@pytest.mark.parametrize("case", ["small", "mixed types", "float16", "integers", "strided", "1-D", "3-D",
                                  "output overlaps", "output transposed", "output read-only"])
def test_products_gemm_cannot_take_are_numpys(case: str, counted_gemm: _CountedGemm) -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(256, 300)), rng.normal(size=(300, 256))
    out: np.ndarray | None = None
    if case == "small":
        a, b = a[:8, :8].copy(), b[:8, :8].copy()
    elif case == "mixed types":
        b = b.astype(np.float32)
    elif case == "float16":
        a, b = a.astype(np.float16), b.astype(np.float16)
    elif case == "integers":
        a, b = (a * 10).astype(np.int64), (b * 10).astype(np.int64)
    elif case == "strided":
        a = rng.normal(size=(256, 600))[:, ::2]
    elif case == "1-D":
        a, b = a[0].copy(), b
    elif case == "3-D":
        a = np.stack([a, a])
    elif case == "output overlaps":
        a, b = rng.normal(size=(300, 300)), rng.normal(size=(300, 300))
        out = a  # numpy copies the input first; gemm would read what it has already written
    elif case == "output transposed":
        out = np.empty((256, 256)).T
    elif case == "output read-only":
        out = np.empty((256, 256))
        out.flags.writeable = False
    expected = np.matmul(a.copy(), b.copy()) if case != "output read-only" else None
    if expected is None:
        with pytest.raises(ValueError, match="read-only"):
            mkl_products.matmul(a, b, out=out)
    else:
        got = mkl_products.matmul(a, b, out=out)
        np.testing.assert_array_equal(got, expected)  # numpy's own result, to the bit
        assert got.dtype == expected.dtype
    assert counted_gemm.calls == 0


@needs_mkl
def test_mkl_product_of_wrong_shapes_is_numpys_error() -> None:
    a, b = np.ones((256, 300)), np.ones((301, 256))
    with pytest.raises(ValueError, match="matmul: Input operand 1 has a mismatch"):
        mkl_products.matmul(a, b)
    with pytest.raises(ValueError, match="matmul"):
        mkl_products.matmul(np.ones((256, 300)), np.ones((300, 256)), out=np.empty((256, 255)))


@needs_mkl
def test_mkl_products_from_four_threads_at_once_are_each_right() -> None:
    rng = np.random.default_rng(4)
    pairs = [(rng.normal(size=(200, 300)), rng.normal(size=(300, 250))) for _ in range(4)]
    expected = [_loop_product(a, b) for a, b in pairs]
    results: dict[int, list[np.ndarray]] = {}
    start = threading.Barrier(4)

    def work(i: int) -> None:
        start.wait()
        results[i] = [mkl_products.matmul(*pairs[i]) for _ in range(30)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        for got in results[i]:
            np.testing.assert_allclose(got, expected[i], rtol=1e-12, atol=1e-11)


# --------------------------------------------------------------------------------------- the network --
@needs_numba_and_mkl
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_vector_mlp_with_mkl_products_has_the_per_node_engines_gradients(activation: str) -> None:
    # wide enough that every hidden product goes to MKL: 64·200·150 and 64·150·200 ≥ MIN_WORK
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(64, 150)), np.eye(3)[rng.integers(0, 3, 64)]
    sizes, activations = [150, 200, 3], [activation, "softmax"]
    per_node = make_engine("looped", sizes, activations, rng=0)
    fast = VectorMLP(sizes, activations, weights=per_node.get_weights(), kernels="numba+mkl")
    value_ref, grads_ref = per_node.loss_and_gradients(X, Y, "softmax_cross_entropy")
    value, grads = fast.loss_and_gradients(X, Y, "softmax_cross_entropy")
    assert value == pytest.approx(value_ref, rel=1e-12)
    for (dW, db), (dW_ref, db_ref) in zip(grads, grads_ref, strict=True):
        np.testing.assert_allclose(dW, dW_ref, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(db, db_ref, rtol=1e-10, atol=1e-13)


def _trained(kernels: str, dtype: type = np.float64, epochs: int = 4) -> tuple[History, Weights]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(256, 120))
    Y = np.eye(4)[np.argmax(X @ rng.normal(size=(120, 4)), axis=1)]
    net = VectorMLP([120, 160, 64, 4], ["tanh", "tanh", "softmax"], rng=0, dtype=dtype)
    history = train(net, X, Y, loss="softmax_cross_entropy", optimizer=Adam(lr=0.003), epochs=epochs,
                    batch_size=128, kernels=kernels, progress=False)
    return history, net.get_weights()


@needs_numba_and_mkl
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-9), (np.float32, 2e-3)])
def test_train_with_mkl_products_is_train_with_numpys_to_rounding(dtype: type, rtol: float,
                                                                  counted_gemm: _CountedGemm) -> None:
    fast, reference = _trained("numba+mkl", dtype), _trained("numpy", dtype)
    assert counted_gemm.calls == 4 * 2 * 5  # 4 epochs of 2 steps; 5 products a step reach MIN_WORK, 3 are numpy's
    assert fast[0].loss[-1] < fast[0].loss[0]
    np.testing.assert_allclose(fast[0].loss, reference[0].loss, rtol=rtol)
    for (W, b), (W_ref, b_ref) in zip(fast[1], reference[1], strict=True):
        np.testing.assert_allclose(W, W_ref, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(b, b_ref, rtol=rtol, atol=rtol)


@needs_numba_and_mkl
def test_the_mkl_kernel_set_switches_the_products_on_and_off(counted_gemm: _CountedGemm) -> None:
    net = VectorMLP([300, 256, 2], ["tanh", "identity"], rng=0)
    X = np.random.default_rng(0).normal(size=(64, 300))
    net.forward(X)
    assert counted_gemm.calls == 0
    net.kernels = "numba+mkl"
    net.forward(X)
    assert counted_gemm.calls == 1  # 64·300·256 ≥ MIN_WORK; 64·256·2 is not
    net.kernels = "numba"
    net.forward(X)
    assert counted_gemm.calls == 1


@needs_numba_and_mkl
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_with_mkl_products_predicts_as_numpys(counted_gemm: _CountedGemm) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 200))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    fitted = MLPClassifier((256,), max_iter=3, random_state=0, kernels="numba+mkl").fit(X, y)
    assert counted_gemm.calls > 0  # batches of 64: 64·200·256 ≥ MIN_WORK
    reference = MLPClassifier((256,), max_iter=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(fitted.predict_proba(X), reference.predict_proba(X), rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------------------------ MKL missing --
@pytest.fixture
def without_mkl(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The ``mkl`` distribution is not found (as when it is not installed); the loaded library is forgotten."""
    hide_mkl(monkeypatch)
    yield
    monkeypatch.undo()
    mkl_products._load.cache_clear()


def test_without_mkl_the_mkl_kernels_say_how_to_install_it(without_mkl: None) -> None:
    assert not mkl_products.available()
    with pytest.raises(ImportError, match=HINT):
        mkl_products.require()
    # the kernel set asks for numba first: without it too, that is what the message names
    kernel_set_hint = HINT if compiled.available() else re.escape("pip install -e '.[numba]'")
    with pytest.raises(ImportError, match=kernel_set_hint):
        VectorMLP([3, 2], ["tanh"], kernels="numba+mkl")
    with pytest.raises(ImportError, match=kernel_set_hint):
        Adam(kernel="numba+mkl")
    net = VectorMLP([3, 4, 2], ["tanh", "softmax"], rng=0)
    before = net.flat_parameters().copy()
    X, Y = np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]]
    with pytest.raises(ImportError, match=kernel_set_hint):
        train(net, X, Y, loss="softmax_cross_entropy", optimizer="adam", kernels="numba+mkl", progress=False)
    np.testing.assert_array_equal(net.flat_parameters(), before)
    assert net.kernels == "numpy"
    with pytest.raises(ImportError, match=HINT):
        mkl_products.matmul(np.ones((256, 256)), np.ones((256, 256)))


@pytest.mark.parametrize(("system", "machine"), [("darwin", "arm64"), ("linux", "aarch64"), ("darwin", "x86_64")])
def test_where_mkl_has_no_wheel_the_message_says_so_not_to_install_it(
        system: str, machine: str, without_mkl: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", system)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    with pytest.raises(ImportError, match=re.escape("wheels are for x86-64 Linux and Windows only") + ".*"
                       + re.escape(f"this is {system} on {machine}")) as caught:
        mkl_products.require()
    assert "pip install" not in str(caught.value)


@needs_numba_and_mkl
def test_a_net_with_mkl_products_unpickles_where_mkl_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    net = VectorMLP([4, 5, 3], ["relu", "softmax"], rng=0, kernels="numba+mkl")
    X = np.random.default_rng(0).normal(size=(6, 4))
    blob, expected = pickle.dumps(net), net.forward(X).copy()
    assert pickle.loads(blob).kernels == "numba+mkl"
    hide_mkl(monkeypatch)
    try:
        loaded = pickle.loads(blob)  # the weights need no MKL: the nearest kernel set here is numba
        assert loaded.kernels == "numba"
        np.testing.assert_array_equal(loaded.forward(X), expected)
    finally:
        mkl_products._load.cache_clear()


def test_kernels_here_falls_back_to_the_nearest_installed_set(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = {"numba": True, "mkl": False}
    monkeypatch.setattr(compiled, "require", lambda: None if installed["numba"] else _missing("numba"))
    monkeypatch.setattr(mkl_products, "require", lambda: None if installed["mkl"] else _missing("mkl"))
    assert compiled.kernels_here("numba+mkl") == "numba"
    assert compiled.kernels_here("numba") == "numba"
    installed["numba"] = False
    assert compiled.kernels_here("numba+mkl") == "numpy"
    installed.update(numba=True, mkl=True)
    assert compiled.kernels_here("numba+mkl") == "numba+mkl"
    assert compiled.kernels_here("numpy") == "numpy"


def _missing(name: str) -> None:
    raise ImportError(f"no {name}", name=name)


# ------------------------------------------------------------------ what numpy's matmul takes besides arrays --
@needs_mkl
def test_mkl_product_of_nested_lists_is_the_sum_over_k(counted_gemm: _CountedGemm) -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(256, 300)), rng.normal(size=(300, 256))
    got = mkl_products.matmul(a.tolist(), b.tolist())  # numpy's matmul takes anything array-like
    np.testing.assert_allclose(got, _loop_product(a, b), rtol=1e-12, atol=1e-11)
    assert counted_gemm.calls == 0


@needs_mkl
@pytest.mark.filterwarnings("ignore:the matrix subclass is not the recommended way:PendingDeprecationWarning")
def test_mkl_product_of_array_subclasses_keeps_their_type(counted_gemm: _CountedGemm) -> None:
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(256, 300)), rng.normal(size=(300, 256))
    got = mkl_products.matmul(np.asmatrix(a), np.asmatrix(b))
    assert type(got) is np.matrix  # as numpy's matmul returns for matrices
    np.testing.assert_allclose(np.asarray(got), _loop_product(a, b), rtol=1e-12, atol=1e-11)
    square = rng.normal(size=(256, 256))
    masked = np.ma.masked_array(square, mask=np.zeros(square.shape, dtype=bool))
    masked.mask[0, 0] = True
    got_masked = mkl_products.matmul(masked, square)
    assert isinstance(got_masked, np.ma.MaskedArray)  # a plain array would drop the mask without a word
    np.testing.assert_array_equal(np.ma.getmaskarray(got_masked), np.ma.getmaskarray(np.matmul(masked, square)))
    assert counted_gemm.calls == 0


@needs_mkl
def test_mkl_product_into_an_output_that_is_no_array_is_numpys_type_error() -> None:
    a = np.ones((256, 256))
    with pytest.raises(TypeError):
        mkl_products.matmul(a, a, out=[0.0] * 256)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------- the threading layer --
_LAYER_CHOSEN_FIRST = """
import ctypes, sys
from nets import mkl_products
library = ctypes.CDLL(mkl_products._library_path())
library.MKL_Set_Threading_Layer.argtypes = [ctypes.c_int]
library.MKL_Set_Threading_Layer(0)  # another user of MKL in the process chose the Intel OpenMP layer first
library.MKL_Get_Max_Threads.restype = ctypes.c_int
print(library.MKL_Get_Max_Threads())
print(mkl_products.version())
"""


@needs_mkl
def test_mkl_version_names_the_threading_layer_in_force_when_another_user_chose_it() -> None:
    # the layer is chosen once per process: MKL's answer to the request for the sequential one says which it is
    child = subprocess.run([sys.executable, "-c", _LAYER_CHOSEN_FIRST], capture_output=True, text=True, check=True,
                           env={**os.environ, "OMP_NUM_THREADS": "2"})
    threads, text = child.stdout.splitlines()
    assert int(threads) == 2  # the products would run on two threads
    assert "sequential" not in text and "Intel OpenMP threading layer" in text


# ----------------------------------------------------------------------------------- a broken library --
@needs_mkl
def test_an_mkl_library_that_does_not_open_says_how_to_reinstall(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: str, *args: Any, **kwargs: Any) -> ctypes.CDLL:
        raise OSError(f"{path}: invalid ELF header")

    mkl_products._load.cache_clear()
    monkeypatch.setattr(ctypes, "CDLL", broken)
    try:
        assert not mkl_products.available()
        with pytest.raises(ImportError, match="invalid ELF header.*" + HINT):
            mkl_products.require()
    finally:
        monkeypatch.undo()
        mkl_products._load.cache_clear()


@needs_mkl
def test_an_mkl_library_without_gemm_is_not_available(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ctypes.CDLL

    class WithoutSgemm:
        def __init__(self, path: str) -> None:
            self._library = real(path)

        def __getattr__(self, name: str) -> Any:
            if name == "cblas_sgemm":
                raise AttributeError(f"undefined symbol: {name}")
            return getattr(self._library, name)

    mkl_products._load.cache_clear()
    monkeypatch.setattr(ctypes, "CDLL", WithoutSgemm)
    try:
        assert not mkl_products.available()
        assert compiled.kernels_here("numba+mkl") == ("numba" if compiled.available() else "numpy")
        with pytest.raises(ImportError, match="cblas_sgemm.*" + HINT):
            mkl_products.require()
    finally:
        monkeypatch.undo()
        mkl_products._load.cache_clear()
