"""Training-loop benchmark: ``nets.train.train`` against a bare numpy loop and JAX, per epoch, one core.

Three nets (tanh hidden layers, softmax cross-entropy, Adam lr 1e-3, shuffled minibatches):

=========================  ======  ==========================================
net                        batch   data
=========================  ======  ==========================================
64-30-10                   32      digits, the 60 % training split (1,078 rows)
784-256-128-10             128     10,000 synthetic rows (MNIST's shape)
784-1024-1024-10           1024    10,000 synthetic rows
=========================  ======  ==========================================

Engines, each from the same initial weights, each timed over whole epochs:

* ``ours``: :class:`nets.vector.VectorMLP` trained by :func:`nets.train.train` with its default
  options (accuracy tracking on, shuffling each epoch); the call is timed whole (its one-off input
  checks included), the data already in the net's float type as the other engines get it.
* ``bare``: :func:`bare_numpy_epochs`, the same maths written plainly in numpy in this file:
  the floor a training loop can hope for without a compiler.
* ``jax``: the same step jit-compiled by JAX (forward, gradients and Adam in one program), with
  the batches sliced on the device beforehand and no shuffle: JAX's best case.

Engines run alternately, ``repeats`` times, in one process pinned to one core with BLAS on one
thread and XLA told to use one thread; each figure is the median with the range (min, max), in
wall time and in the process's CPU time (on one pinned thread, the time the core actually spent on
it: the steadier figure on a shared machine, where wall time counts the other processes' turns).
Figures only: nothing here asserts a speed.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nets import compiled, mkl_products
from nets.datasets import load
from nets.experiments.comparison import blas_kernel, one_thread
from nets.experiments.jax_engine import cpu_per_wall, load_jax, one_core, training_epoch, xla_one_thread
from nets.init import initialise
from nets.optim import Adam
from nets.train import train
from nets.types import Array, Weights
from nets.vector import VectorMLP

LR = 1e-3


@dataclass(frozen=True)
class Case:
    """One benchmarked net: layer sizes, batch size, and the rows of its data (None: digits)."""

    sizes: tuple[int, ...]
    batch_size: int
    rows: int | None

    @property
    def name(self) -> str:
        return f"{'-'.join(map(str, self.sizes))} b{self.batch_size}"


CASES = (
    Case((64, 30, 10), 32, None), Case((784, 256, 128, 10), 128, 10_000), Case((784, 1024, 1024, 10), 1024, 10_000),
)
QUICK_CASES = (Case((64, 30, 10), 32, None), Case((784, 256, 128, 10), 128, 2_000))


def case_data(case: Case, seed: int = 0) -> tuple[Array, Array]:
    """(X, one-hot Y): digits' training split, or synthetic rows labelled by a random linear teacher."""
    if case.rows is None:
        data = load("digits", seed=seed)
        return data.X_train, data.Y_train
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(case.rows, case.sizes[0]))
    labels = np.argmax(X @ rng.normal(size=(case.sizes[0], case.sizes[-1])), axis=1)
    return X, np.eye(case.sizes[-1])[labels]


# -------------------------------------------------------------- the floor --
def bare_numpy_epochs(weights: Weights, X: Array, Y: Array, epochs: int, batch_size: int, lr: float,
                      rng: np.random.Generator) -> list[float]:
    """The same training written plainly in numpy: tanh layers, softmax cross-entropy, Adam; mean loss per epoch.

    X, Y and the weights are used in their own dtype. Each epoch draws a permutation and
    takes its minibatches by fancy indexing, as a person would write it.
    """
    params = [p.copy() for pair in weights for p in pair]  # W0, b0, W1, b1, ...
    m_state = [np.zeros_like(p) for p in params]
    v_state = [np.zeros_like(p) for p in params]
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    L = len(weights)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(X.shape[0])
        total, batches = 0.0, 0
        for first in range(0, X.shape[0], batch_size):
            rows = order[first:first + batch_size]
            xb, yb = X[rows], Y[rows]
            hs = [xb]
            for k in range(L):
                z = hs[-1] @ params[2 * k].T + params[2 * k + 1]
                hs.append(np.tanh(z) if k < L - 1 else z)
            logits = hs[-1]
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            total += float(-(yb * log_softmax).sum() / len(xb))
            batches += 1
            delta = (np.exp(log_softmax) - yb) / len(xb)
            grads: list[Array] = [np.empty(0)] * (2 * L)
            for k in range(L - 1, -1, -1):
                grads[2 * k] = delta.T @ hs[k]
                grads[2 * k + 1] = delta.sum(axis=0)
                if k > 0:
                    delta = (delta @ params[2 * k]) * (1 - hs[k] ** 2)
            t += 1
            for p, g, m, v in zip(params, grads, m_state, v_state, strict=True):
                m[...] = b1 * m + (1 - b1) * g
                v[...] = b2 * v + (1 - b2) * g * g
                p -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        losses.append(total / batches)
    return losses


# --------------------------------------------------------------- engines --
def _ours(case: Case, weights: Weights, X: Array, Y: Array, dtype: Any, epochs: int, kernels: str = "numpy",
          shuffle: bool = True) -> Callable[[], Any]:
    Xd, Yd = X.astype(dtype), Y.astype(dtype)
    compiled.require_kernels(kernels)  # ImportError (reported as "not installed") before anything is timed

    def run() -> Any:
        net = VectorMLP(case.sizes, ["tanh"] * (len(case.sizes) - 2) + ["softmax"], weights=weights, dtype=dtype)
        return train(net, Xd, Yd, loss="softmax_cross_entropy", optimizer=Adam(lr=LR), epochs=epochs,
                     batch_size=case.batch_size, rng=1, progress=False, kernels=kernels, shuffle=shuffle)

    return run


def _ours_numba(case: Case, weights: Weights, X: Array, Y: Array, dtype: Any, epochs: int) -> Callable[[], Any]:
    return _ours(case, weights, X, Y, dtype, epochs, kernels="numba")


def _ours_numba_mkl(case: Case, weights: Weights, X: Array, Y: Array, dtype: Any, epochs: int) -> Callable[[], Any]:
    return _ours(case, weights, X, Y, dtype, epochs, kernels="numba+mkl")


def _ours_numba_mkl_in_order(case: Case, weights: Weights, X: Array, Y: Array, dtype: Any, epochs: int
                             ) -> Callable[[], Any]:
    """Minibatches in order, as JAX's best case takes them (slices of X, nothing gathered), no shuffle."""
    return _ours(case, weights, X, Y, dtype, epochs, kernels="numba+mkl", shuffle=False)


def _bare(case: Case, weights: Weights, X: Array, Y: Array, dtype: Any, epochs: int) -> Callable[[], Any]:
    typed = [(W.astype(dtype), b.astype(dtype)) for W, b in weights]
    Xd, Yd = X.astype(dtype), Y.astype(dtype)
    return lambda: bare_numpy_epochs(typed, Xd, Yd, epochs, case.batch_size, LR, np.random.default_rng(1))


def _jax(case: Case, weights: Weights, X: Array, Y: Array, dtype: Any, epochs: int) -> Callable[[], Any]:
    activations = ["tanh"] * (len(case.sizes) - 2) + ["softmax"]
    epoch = training_epoch(weights, activations, "softmax_cross_entropy", X, Y, case.batch_size, LR, dtype)
    epoch()  # compiles
    return lambda: [epoch() for _ in range(epochs)]


ENGINES: dict[str, Callable[[Case, Weights, Array, Array, Any, int], Callable[[], Any]]] = {
    "ours": _ours, "ours+numba": _ours_numba, "ours+mkl": _ours_numba_mkl,
    "ours+mkl in order": _ours_numba_mkl_in_order, "bare": _bare, "jax": _jax,
}


def _timed(run: Callable[[], Any], epochs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) per epoch of one call of ``run``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return (time.perf_counter() - wall) / epochs, (time.process_time() - cpu) / epochs


def _summary(times: list[float]) -> dict[str, float]:
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def bench_case(case: Case, dtype: Any, engines: list[str], repeats: int, epochs: int, seed: int = 0) -> dict[str, Any]:
    """Seconds per epoch of each engine on ``case`` (median and range over ``repeats`` alternated runs), and ratios."""
    X, Y = case_data(case, seed)
    weights = initialise("xavier", list(case.sizes), np.random.default_rng(seed))
    runners = {}
    for name in engines:
        try:
            runners[name] = ENGINES[name](case, weights, X, Y, dtype, epochs)
        except ImportError as error:
            print(f"  {name}: not installed ({error.name})")
    times: dict[str, list[float]] = {name: [] for name in runners}
    cpu_times: dict[str, list[float]] = {name: [] for name in runners}
    for run in runners.values():
        run()  # warm-up, untimed
    for _ in range(repeats):
        for name, run in runners.items():
            wall, cpu = _timed(run, epochs)
            times[name].append(wall)
            cpu_times[name].append(cpu)
    result: dict[str, Any] = {
        "case": case.name, "sizes": list(case.sizes), "batch_size": case.batch_size, "rows": X.shape[0],
        "dtype": np.dtype(dtype).name, "epochs_per_run": epochs, "repeats": repeats,
        "seconds_per_epoch": {name: _summary(t) for name, t in times.items()},
        "cpu_seconds_per_epoch": {name: _summary(t) for name, t in cpu_times.items()},
    }
    ratios, cpu_ratios = {}, {}
    for ours, other in (("ours", "bare"), ("ours", "jax"), ("ours+numba", "jax"), ("ours+mkl", "jax"),
                        ("ours+mkl in order", "jax")):
        if ours in times and other in times:  # each pair ran back to back: the ratio per pair, then its median
            ratios[f"{ours}/{other}"] = _summary([a / b for a, b in zip(times[ours], times[other], strict=True)])
            cpu_ratios[f"{ours}/{other}"] = _summary(
                [a / b for a, b in zip(cpu_times[ours], cpu_times[other], strict=True)])
    result["ratios"] = ratios
    result["cpu_ratios"] = cpu_ratios
    if "jax" in runners:
        result["jax_cpu_per_wall"] = cpu_per_wall(runners["jax"])
    return result


def step_products(sizes: tuple[int, ...], batch: int, dtype: Any, seed: int = 0) -> tuple[list[Array], list[Array]]:
    """The operands of one training step's matrix products: forward h[l] W[l]ᵀ, backward δᵀh[l] and δ W[l] (l > 0)."""
    rng = np.random.default_rng(seed)
    hs = [rng.normal(size=(batch, n)).astype(dtype) for n in sizes[:-1]]
    Ws = [rng.normal(size=(n_out, n_in)).astype(dtype) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
    deltas = [rng.normal(size=(batch, n_out)).astype(dtype) for n_out in sizes[1:]]
    return hs + deltas, Ws


def _products(np_like: Any, operands: list[Array], Ws: list[Array]) -> list[Any]:
    L = len(Ws)
    hs, deltas = operands[:L], operands[L:]
    out = [np_like.matmul(h, W.T) for h, W in zip(hs, Ws, strict=True)]
    out += [np_like.matmul(d.T, h) for d, h in zip(deltas, hs, strict=True)]
    out += [np_like.matmul(d, W) for d, W in zip(deltas[1:], Ws[1:], strict=True)]
    return out


def matmul_floor(case: Case, dtype: Any, repeats: int, calls: int = 20) -> dict[str, Any]:
    """CPU seconds of one step's matrix products alone, numpy (its BLAS) against JAX (XLA, one jitted program).

    The floor each engine's training step cannot go under: the same products, same shapes and
    float type, alternated, median over ``repeats`` of ``calls`` calls each.
    """
    operands, Ws = step_products(case.sizes, case.batch_size, dtype)
    runs: dict[str, Callable[[], Any]] = {"numpy": lambda: _products(np, operands, Ws)}
    if mkl_products.available():
        runs["mkl"] = lambda: _products(mkl_products, operands, Ws)  # its matmul: MKL where the product is large
    try:
        jax = load_jax()
        jnp = jax.numpy
        products = jax.jit(lambda o, w: _products(jnp, o, w))
        on_device = ([jnp.asarray(a) for a in operands], [jnp.asarray(W) for W in Ws])
        runs["jax"] = lambda: jax.block_until_ready(products(*on_device))
    except ImportError:
        pass
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()
    for _ in range(repeats):
        for name, run in runs.items():
            cpu = time.process_time()
            for _ in range(calls):
                run()
            times[name].append((time.process_time() - cpu) / calls)
    result: dict[str, Any] = {name: _summary(t) for name, t in times.items()}
    for name in ("numpy", "mkl"):
        if name in times and "jax" in times:
            result[f"{name}/jax"] = _summary([a / b for a, b in zip(times[name], times["jax"], strict=True)])
    return result


SETTLING_BLOCK = 16 << 20
"""Bytes of the block :func:`settle_allocator` allocates and frees (under glibc's 32 MB ceiling for the threshold)."""


def settle_allocator() -> None:
    """Allocate and free one 16 MB block before timing, so that every engine meets malloc in the same state.

    glibc's malloc maps each block above its mmap threshold (128 kB at start) afresh from the system, and gives
    the top of its heap back whenever more than twice that threshold lies free there; both thresholds rise to
    the size of the largest mapped block freed so far. Until one large block has been freed, a step's
    temporaries are faulted in anew at every step (four 1 MB ones: about 1,000 page faults a step). Left
    alone, an engine's speed depends on what the engines before it freed: the bare loop at 784-256-128-10
    float32 took 490 ms an epoch run first, 306 ms after ours had freed an 8 MB temporary and 391 ms after
    ours had not; after this block, 302–316 ms in every order. Elsewhere than glibc it changes nothing.
    """
    np.empty(SETTLING_BLOCK, dtype=np.uint8)


def bench_training(quick: bool = False, engines: list[str] | None = None, repeats: int | None = None,
                   dtypes: tuple[Any, ...] = (np.float32, np.float64)) -> dict[str, Any]:
    """Every case × dtype, on one core; with the machine's load, BLAS kernel and thread settings."""
    engines = list(ENGINES) if engines is None else engines
    reps = repeats if repeats is not None else (2 if quick else 5)
    results = []
    with one_core() as core, one_thread():
        settle_allocator()
        for case in QUICK_CASES if quick else CASES:
            epochs = 1 if (quick or case.sizes[1] >= 1024) else max(1, 20_000 // case_data(case)[0].shape[0])
            for dtype in dtypes:
                results.append(bench_case(case, dtype, engines, reps, epochs))
                results[-1]["matmuls_per_step"] = matmul_floor(case, dtype, reps)
    return {
        "core": core, "allocator_settled_bytes": SETTLING_BLOCK, "blas": blas_kernel(), "mkl": mkl_products.version(),
        "xla_one_thread_flags": xla_one_thread(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None, "cases": results,
    }


def format_training(results: dict[str, Any]) -> str:
    """The table ``autonode bench training`` prints."""
    columns = [("ours", "ours"), ("ours+numba", "ours + numba"), ("ours+mkl", "ours + numba + mkl"),
               ("bare", "bare numpy"), ("jax", "JAX jit (best)")]
    ratios_shown = [("ours/bare", "ours/bare"), ("ours/jax", "ours/JAX"), ("ours+numba/jax", "+numba/JAX"),
                    ("ours+mkl/jax", "+numba+mkl/JAX")]
    lines = [
        "Training loop, seconds per epoch (median of alternated runs, range in brackets); tanh hidden layers, "
        "softmax cross-entropy, Adam",
        f"{'net':<22} {'dtype':<8}" + "".join(f" {title:>24}" for _, title in columns)
        + "".join(f" {title:>16}" for _, title in ratios_shown),
    ]

    def cell(s: dict[str, float] | None, unit: float = 1e3) -> str:
        if s is None:
            return "-"
        return f"{s['median'] * unit:.1f} [{s['min'] * unit:.1f}-{s['max'] * unit:.1f}] ms"

    def ratio(s: dict[str, float] | None) -> str:
        return "-" if s is None else f"{s['median']:.2f} [{s['min']:.2f}-{s['max']:.2f}]"

    for clock, times, ratios in (("wall", "seconds_per_epoch", "ratios"), ("CPU", "cpu_seconds_per_epoch",
                                                                         "cpu_ratios")):
        lines.append(f"-- {clock} time")
        for r in results["cases"]:
            t, q = r[times], r[ratios]
            lines.append(f"{r['case']:<22} {r['dtype']:<8}" + "".join(f" {cell(t.get(key)):>24}" for key, _ in columns)
                         + "".join(f" {ratio(q.get(key)):>16}" for key, _ in ratios_shown))
    lines.append("ours: nets.VectorMLP + nets.train.train, default options (shuffles, tracks accuracy, numpy kernels); "
                 "ours + numba: the same with kernels='numba' (Adam, the loss and the δ steps compiled, "
                 "nets.compiled); ours + numba + mkl: kernels='numba+mkl' (and the large matrix products by MKL, "
                 "nets.mkl_products); bare: the same maths written plainly in numpy; JAX: one jitted step, batches "
                 "pre-sliced on the device, no shuffle")
    lines.append("-- minibatches in order, no shuffle, as JAX's best case takes them (ours still tracks accuracy), "
                 "CPU time: ours + numba + mkl ÷ JAX")
    for r in results["cases"]:
        same = r["cpu_ratios"].get("ours+mkl in order/jax")
        if same:
            lines.append(f"{r['case']:<22} {r['dtype']:<8} {ratio(same)}")
    lines.append("-- the matrix products of one step alone (CPU time, same shapes): numpy's BLAS and MKL against XLA")
    for r in results["cases"]:
        floor = r.get("matmuls_per_step")
        if floor:
            engines = (("numpy", "numpy"), ("mkl", "MKL"), ("jax", "XLA"))
            lines.append(f"{r['case']:<22} {r['dtype']:<8}"
                         + "".join(f" {name} {cell(floor.get(key), 1e6).replace(' ms', ' µs')}  "
                                   for key, name in engines if key in floor)
                         + "".join(f" {name}/XLA {ratio(floor.get(f'{key}/jax'))}"
                                   for key, name in (("numpy", "numpy"), ("mkl", "MKL")) if f"{key}/jax" in floor))
    cpu = [f"{r['case']} {r['dtype']}: {r.get('jax_cpu_per_wall', float('nan')):.2f}" for r in results["cases"]
           if r.get("jax_cpu_per_wall") is not None]
    if results.get("mkl"):
        lines.append(f"MKL: {results['mkl']}")
    lines.append(f"pinned to core {results['core']}; BLAS: {results['blas']}; XLA one-thread flags: "
                 f"{'set before import' if results['xla_one_thread_flags'] else 'NOT set (jax was imported first)'}")
    if results.get("allocator_settled_bytes"):
        lines.append(f"malloc settled before timing: a {results['allocator_settled_bytes'] >> 20} MB block allocated "
                     "and freed, so no engine's temporaries are mapped afresh because of what ran before it")
    if cpu:
        lines.append("JAX CPU time ÷ wall time (1.00 = one thread busy): " + ", ".join(cpu))
    if results.get("load_average"):
        lines.append("load average at the end: " + ", ".join(f"{x:.2f}" for x in results["load_average"]))
    return "\n".join(lines)
