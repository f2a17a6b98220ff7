"""Compiled kernels (optional, numba): Adam's update, the softmax cross-entropy and the backward δ step.

The numpy code stays the default and the reference: :func:`nets.optim.adam_kernel`,
:func:`nets.losses.softmax_cross_entropy_rows` and :func:`nets.activations.delta_step`. These
are the same formulas written as one pass each, compiled by numba (``pip install -e '.[numba]'``),
for ``train(..., kernels="numba")``, ``Adam(kernel="numba")``, ``VectorMLP(kernels="numba")`` (and the
``numba+mkl`` set, which adds MKL's matrix products, :mod:`nets.mkl_products`):

* Adam, with M = m/(1-β₁), V = v/(1-β₂) as in :func:`nets.optim.adam_kernel`, per entry::

      M ← β₁M + g;  V ← β₂V + g²;  p ← p - (M / (√V + ε/r))·c

  in the same order of operations as numpy's ten passes, so the result is the same to the bit
  (no fast-math: IEEE operations, vectorised by LLVM all the same).
* softmax cross-entropy, per row (t = maxₖ hₖ, S = Σₖ e^(hₖ-t), w = Σₖ yₖ)::

      ℓ = w·(t + ln S) - Σₖ yₖhₖ;   ∂ℓ/∂hₖ = w·e^(hₖ-t)/S - yₖ

  the exponentials by numpy's vectorised exp between two compiled passes (h - t, then the rest, sums in
  float64); equal to numpy's to rounding. A batch with a non-finite output goes to the numpy reference
  (which handles ±inf rows), so both report the same loss there.
* the δ step of the backward pass: δ ← δ ⊙ f'(z) from h = f(z) (tanh 1 - h², sigmoid (1 - h)h,
  relu 0 where h ≤ 0), and ∂J/∂b = Σ_rows δ, in one pass (δ to the bit, the row sums to rounding).

Only arrays of one float type, float32 or float64, C-contiguous, go to the compiled loops; any
other goes to numpy's. Speed, CPU time on one core (``autonode bench training`` has the per-epoch
figures): one Adam step over 235,146 parameters 0.34 → 0.13 ms in float32, 0.78 → 0.30 ms in
float64; over 1,863,690, 2.7 → 1.0 ms and 7.3 → 2.4 ms (numpy in 64k blocks → one compiled loop);
the loss of a 128×10 float32 batch 25–28 → 7.3–8.1 µs (12–13 µs as one compiled loop calling the
C library's scalar exp); the two δ steps of 784-256-128-10 at batch 128, 43 → 22 µs. Why compiled:
numpy cannot fuse passes, and each pass of Adam goes over all the parameters again. The first call
for each float type compiles (about a second).
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nets import activations, mkl_products
from nets.types import Array

INSTALL_HINT = "pip install -e '.[numba]'"
KERNELS = ("numpy", "numba", "numba+mkl")
"""The kernel sets: numpy (the default and the reference); numba (this module's compiled passes, optional);
numba+mkl (those, and the large matrix products by MKL, :mod:`nets.mkl_products`, optional)."""


FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
"""The float types the kernels are compiled for (others, e.g. float16, take the numpy path)."""


def check_kernels(kernels: Any, where: str, name: str = "kernels") -> str:
    """``kernels`` if it names a kernel set; ValueError naming the option and the allowed values otherwise."""
    if not isinstance(kernels, str) or kernels not in KERNELS:
        raise ValueError(f"{where}: {name} must be one of {', '.join(map(repr, KERNELS))}, got {kernels!r}")
    return kernels


def require_kernels(kernels: str) -> None:
    """ImportError with the install command when a library of the kernel set ``kernels`` is not installed."""
    if kernels != "numpy":
        require()
    if kernels == "numba+mkl":
        mkl_products.require()


def kernels_here(kernels: str) -> str:
    """``kernels`` if its libraries are installed here, else the nearest set that is (numba+mkl → numba → numpy)."""
    for name in KERNELS[KERNELS.index(kernels)::-1]:
        try:
            require_kernels(name)
        except ImportError:
            continue
        return name
    return "numpy"


def compiles(*arrays: Array, writes: int = 1) -> bool:
    """Whether the compiled kernels take these arrays: one float type, float32 or float64, all C-contiguous, and
    the first ``writes`` of them writeable (a read-only one goes to numpy, which refuses it)."""
    kind = arrays[0].dtype
    if kind not in FLOATS:
        return False
    for i, a in enumerate(arrays):  # a plain loop: called a few times per training step
        flags = a.flags
        if a.dtype != kind or not flags.c_contiguous or (i < writes and not flags.writeable):
            return False
    return True


_BUILDING = threading.Lock()  # one set of kernels per process, even when threads ask for it at once


def _compiled() -> dict[str, Callable[..., Any]]:
    """The jitted kernels (numba imported on first use: it takes about half a second)."""
    with _BUILDING:
        return _build()


@functools.cache
def _build() -> dict[str, Callable[..., Any]]:
    try:
        import numba
    except ImportError as error:
        raise ImportError(f"the numba kernels need numba: {INSTALL_HINT}", name="numba") from error

    jit = numba.njit(error_model="numpy", nogil=True)  # numpy's error model: x/0 is inf, no check in the loop

    @jit
    def adam(p: Array, g: Array, M: Array, V: Array, beta1: Any, beta2: Any, c: Any, eps_hat: Any) -> None:
        for i in range(p.shape[0]):
            gi = g[i]
            m = beta1 * M[i] + gi
            v = beta2 * V[i] + gi * gi
            M[i] = m
            V[i] = v
            p[i] -= (m / (np.sqrt(v) + eps_hat)) * c

    @jit
    def shift_by_row_max(H: Array, E: Array) -> bool:
        """E = H - maxₖ H per row; False (E unfinished) if H holds a non-finite value."""
        for i in range(H.shape[0]):
            top = -np.inf
            for k in range(H.shape[1]):
                h = H[i, k]
                if not np.isfinite(h):
                    return False  # the caller uses the numpy reference for this batch
                top = max(top, h)
            for k in range(H.shape[1]):
                E[i, k] = H[i, k] - top
        return True

    @jit
    def softmax_cross_entropy(H: Array, Y: Array, E: Array, scale: float) -> float:
        """From E = e^(h - t) per row: the batch's summed loss × scale, and E ← (w·E/S - y)·scale."""
        total = 0.0
        for i in range(H.shape[0]):
            top = -np.inf
            for k in range(H.shape[1]):
                top = max(top, H[i, k])
            s, w, yh = 0.0, 0.0, 0.0
            for k in range(H.shape[1]):
                s += E[i, k]
                w += Y[i, k]
                yh += Y[i, k] * H[i, k]
            total += w * (top + np.log(s)) - yh
            ratio = w / s
            for k in range(H.shape[1]):
                E[i, k] = (E[i, k] * ratio - Y[i, k]) * scale
        return total * scale

    # δ ← δ ⊙ f'(z) from h = f(z), and ∂J/∂b = Σ_rows δ, in one pass (same operations as nets.activations')
    def delta_rows(scaled: Callable[..., Any]) -> Callable[..., None]:
        """The δ step's loop with ``scaled(δ, h, 1) = δ·f'(z)`` built in (a constant of the compiled loop: one
        kernel per activation, so a call pays no dispatch on a function argument)."""

        @jit
        def step(delta: Array, h: Array, db: Array, one: Any) -> None:
            db[:] = 0
            for i in range(delta.shape[0]):
                for j in range(delta.shape[1]):
                    x = scaled(delta[i, j], h[i, j], one)
                    delta[i, j] = x
                    db[j] += x

        return step

    steps = {
        "tanh": delta_rows(jit(lambda d, h, one: d * (one - h * h))),
        "sigmoid": delta_rows(jit(lambda d, h, one: d * ((one - h) * h))),
        "relu": delta_rows(jit(lambda d, h, one: d * ((one - one) if h <= 0 else one))),  # relu' = 0 where h ≤ 0
        "identity": delta_rows(jit(lambda d, h, one: d)),
    }

    return {"adam": adam, "shift_by_row_max": shift_by_row_max, "softmax_cross_entropy": softmax_cross_entropy,
            **steps}


def available() -> bool:
    """Whether numba is installed (the kernels can be used)."""
    try:
        _compiled()
    except ImportError:
        return False
    return True


def require() -> None:
    """ImportError with the install command when numba is not installed."""
    _compiled()


def adam_update(p: Array, g: Array, M: Array, V: Array, lr: float, beta1: float, beta2: float, eps: float,
                t: int) -> None:
    """:func:`nets.optim.adam_kernel`'s step (p, M, V in place) as one compiled loop; p, g, M, V contiguous."""
    r = math.sqrt((1.0 - beta2) / (1.0 - beta2**t))
    c = lr * (1.0 - beta1) / ((1.0 - beta1**t) * r)
    real = p.dtype.type  # the constants in the arrays' type, as numpy's passes use them
    _compiled()["adam"](p.reshape(-1), g.reshape(-1), M.reshape(-1), V.reshape(-1), real(beta1), real(beta2),
                        real(c), real(eps / r))


def softmax_cross_entropy_mean(H: Array, Y: Array) -> tuple[float, Array] | None:
    """(mean loss, its gradient (1/m)·∂ℓ/∂H) in two compiled passes around numpy's exp (vectorised, in H's float
    type, as the numpy reference takes it); None (use numpy's) when H holds a non-finite value or the arrays are
    not of one float type, float32 or float64."""
    if not compiles(H, Y, writes=0):
        return None
    kernels = _compiled()
    E = np.empty_like(H)
    if not kernels["shift_by_row_max"](H, E):
        return None
    np.exp(E, out=E)
    return float(kernels["softmax_cross_entropy"](H, Y, E, 1.0 / H.shape[0])), E


def delta_step(name: str) -> Callable[[Array, Array, Array], None]:
    """``step(delta, h, db)`` for activation ``name`` as one compiled pass: δ ← δ ⊙ f'(z) (from h = f(z)), then
    db = Σ_rows δ — :func:`nets.activations.delta_step`'s two numpy calls (arrays of one float type)."""
    kernel = _compiled()["identity" if name == "softmax" else name]

    def step(delta: Array, h: Array, db: Array) -> None:
        if compiles(delta, db, h, writes=2):
            kernel(delta, h, db, delta.dtype.type(1))
        else:
            activations.delta_step(name)(delta, h, db)

    return step


def prepare(dtype: Any, activations: Sequence[str] = ()) -> None:
    """Compile Adam's update, the softmax cross-entropy and the δ steps of ``activations`` for ``dtype`` now (each
    kernel compiles at its first call, a few tenths of a second), so that no timed step pays for it."""
    real = np.dtype(dtype)
    if real not in FLOATS:
        return
    a = np.zeros((2, 2), dtype=real)
    adam_update(a.ravel(), a.ravel(), a.ravel(), a.ravel(), 1e-3, 0.9, 0.999, 1e-8, 1)
    softmax_cross_entropy_mean(a, a)
    for name in set(activations):
        delta_step(name)(a, a, a[0])
