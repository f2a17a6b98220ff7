"""Measurements behind ``autonode compare``: engines side by side from the same weights.

:func:`engine_rows` runs every available engine (scalar node by node, scalar
fused, looped, vectorised, micrograd, PyTorch, JAX) on one batch and reports max |Δ|
of outputs and gradients against the vectorised engine plus timings, on one
thread (:func:`one_thread`; JAX: :func:`jax_row`). The seed's experiments and whole training runs are
in :mod:`nets.experiments.speed_runs`. Figures only: nothing here asserts a speed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from nets.engines import make_engine
from nets.experiments import jax_engine
from nets.torch_bridge import to_torch, torch_loss
from nets.types import Array, Weights
from nets.vector import VectorMLP


@dataclass
class EngineRow:
    """One engine's figures; ``note`` says why a figure is missing or estimated."""

    engine: str
    max_output_diff: float | None = None
    max_gradient_diff: float | None = None
    seconds_per_sample: float | None = None
    seconds_per_epoch: float | None = None
    epoch_estimated: bool = False
    speedup: float | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def timed(fn: Callable[[], Any], repeat: int = 3, min_seconds: float = 0.05) -> float:
    """Best-of-``repeat`` seconds per call of ``fn`` (each repeat loops until ``min_seconds``)."""
    best = float("inf")
    for _ in range(repeat):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        best = min(best, elapsed / calls)
    return best


def blas_kernel() -> str:
    """numpy's BLAS as the timings saw it: library, version, CPU kernel, and an OPENBLAS_CORETYPE override if set."""
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not pools:
        return "no BLAS found"
    pool = next((p for p in pools if "numpy" in str(p.get("filepath", ""))), pools[0])  # not scipy's copy
    text = f"{pool.get('internal_api', '')} {pool.get('version') or ''}".strip()
    if pool.get("architecture"):
        text += f", {pool['architecture']} kernel"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    return text + (f" (chosen by OPENBLAS_CORETYPE={forced} in the environment)" if forced else "")


@contextmanager
def one_thread() -> Iterator[None]:
    """Every timing on one thread: numpy's BLAS and, when it is loaded, PyTorch's intra-op pool.

    Same thread count for every engine, and steady figures on a small, busy machine
    (these matrices are too small for a second thread to pay off).
    """
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=1):
        if torch is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None and threads is not None:
                torch.set_num_threads(threads)


def max_abs_diff(a: Any, b: Any) -> float:
    """max |a - b| over every entry (compared in float64)."""
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def _grad_diff(g: Weights, ref: Weights) -> float:
    return max(max(max_abs_diff(dW, rW), max_abs_diff(db, rb)) for (dW, db), (rW, rb) in zip(g, ref, strict=True))


# ------------------------------------------------------------ micrograd --
def _call(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: fn(*args)


def micrograd_supports(activations: list[str], loss: str) -> str:
    """'' when micrograd can run this net and loss, else the reason it cannot."""
    if any(a != "relu" for a in activations[:-1]) or activations[-1] != "identity":
        return "micrograd's MLP has relu hidden layers and a linear output only"
    if loss not in ("half_sse", "sse", "mse", "hinge"):
        return f"micrograd's Value has no exp/log for {loss}"
    return ""


def micrograd_loss_and_gradients(weights: Weights, X: Array, Y: Array, loss: str) -> tuple[Array, float, Weights]:
    """Outputs, mean loss and gradients from ``micrograd.nn.MLP`` with ``weights`` copied in."""
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MicroMLP

    sizes = [weights[0][0].shape[1]] + [W.shape[0] for W, _ in weights]
    model = MicroMLP(sizes[0], sizes[1:])
    for layer, (W, b) in zip(model.layers, weights, strict=True):
        for i, neuron in enumerate(layer.neurons):
            for j, w in enumerate(neuron.w):
                w.data = float(W[i, j])
            neuron.b.data = float(b[i])
    total = MValue(0.0)
    outputs = []
    for x, y in zip(X, Y, strict=True):
        out = model([MValue(float(v)) for v in x])
        h = out if isinstance(out, list) else [out]
        outputs.append([v.data for v in h])
        if loss == "hinge":
            terms = [(1 + -float(t) * hk).relu() for hk, t in zip(h, y, strict=True)]
        else:
            terms = [(hk - float(t)) ** 2 for hk, t in zip(h, y, strict=True)]
        sample = sum(terms[1:], terms[0])
        scale = {"half_sse": 0.5, "mse": 1.0 / len(h)}.get(loss, 1.0)
        total = total + sample * scale
    J = total * (1.0 / len(X))
    model.zero_grad()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))  # micrograd's topological sort is recursive
    try:
        J.backward()
    finally:
        sys.setrecursionlimit(limit)
    grads = [
        (np.array([[w.grad for w in n.w] for n in layer.neurons]), np.array([n.b.grad for n in layer.neurons]))
        for layer in model.layers
    ]
    return np.array(outputs), J.data, grads


# ------------------------------------------------------------------ torch --
def torch_loss_and_gradients(
    weights: Weights, activations: list[str], X: Array, Y: Array, loss: str
) -> tuple[Array, float, Weights, Callable[[], Any]]:
    """Outputs, loss, gradients from the exported ``torch.nn.Sequential`` (float64) and a step closure."""
    import torch


    model = to_torch(VectorMLP([weights[0][0].shape[1]] + [W.shape[0] for W, _ in weights], activations,
                               weights=weights))
    trunk = model[:-1] if activations[-1] == "softmax" else model
    Xt, Yt = torch.as_tensor(X), torch.as_tensor(Y)

    def run() -> Any:
        model.zero_grad()
        value = torch_loss(loss, trunk(Xt), Yt)
        value.backward()
        return value

    value = run()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    grads = [(_numpy(lin.weight.grad), _numpy(lin.bias.grad)) for lin in linears]
    with torch.no_grad():
        outputs = model(Xt).numpy()
    return outputs, float(value.item()), grads, run


def _numpy(tensor: Any) -> Array:
    if tensor is None:
        raise RuntimeError("torch produced no gradient for a parameter")
    out: Array = tensor.detach().numpy().copy()
    return out


# -------------------------------------------------------------------- jax --
def jax_row(sizes: list[int], activations: list[str], weights: Weights, X: Array, Y: Array, loss: str,
            X_epoch: Array, Y_epoch: Array, ref_out: Array, ref_grads: Weights, min_seconds: float = 0.05) -> EngineRow:
    """JAX, jit-compiled, from the same weights: float64 (64-bit mode) for the differences and the timings,
    float32 checked too (max relative |Δ| of the gradients in the note); XLA on one thread, the process on one core.
    """
    row = EngineRow("jax")
    out, _, grads, run = jax_engine.loss_and_gradients(weights, activations, X, Y, loss, np.float64)
    _, _, grads32, _ = jax_engine.loss_and_gradients(weights, activations, X, Y, loss, np.float32)
    row.max_output_diff = max_abs_diff(out, ref_out)
    row.max_gradient_diff = _grad_diff(grads, ref_grads)
    scale = max(max(float(np.max(np.abs(a))) for a in pair) for pair in ref_grads) or 1.0
    relative32 = _grad_diff(grads32, ref_grads) / scale
    epoch_run = jax_engine.loss_and_gradients(weights, activations, X_epoch, Y_epoch, loss, np.float64)[3]
    with jax_engine.one_core() as core:
        row.seconds_per_sample = timed(run, min_seconds=min_seconds) / X.shape[0]
        row.seconds_per_epoch = timed(epoch_run, repeat=2, min_seconds=min_seconds)
        busy = jax_engine.cpu_per_wall(lambda: timed(epoch_run, repeat=1, min_seconds=min_seconds))
    flags = "XLA one-thread flags" if jax_engine.xla_one_thread() else "XLA flags NOT set (jax imported first)"
    row.note = (f"jit, float64; float32 max rel |Δ grad| {relative32:.1e}; {flags}, core {core}, "
                f"CPU/wall {busy:.2f}")
    return row


# ------------------------------------------------------------ the table --
def engine_rows(
    sizes: list[int],
    activations: list[str],
    weights: Weights,
    X: Array,
    Y: Array,
    loss: str,
    engines: list[str],
    X_epoch: Array,
    Y_epoch: Array,
    tick: Callable[[str], None] = lambda name: None,
    min_seconds: float = 0.05,
) -> list[EngineRow]:
    """Every engine on batch (X, Y) from ``weights``: differences vs vectorised, times per sample and epoch.

    ``min_seconds``: how long each repeat of a timing loops (:func:`timed`); the report uses less than
    ``autonode compare``.

    Time per sample: forward + backward over (X, Y), divided by its rows. Time per
    epoch: one full-batch forward + backward over (X_epoch, Y_epoch), measured for
    the array engines, estimated as rows × time per sample for the per-node ones.
    """
    epoch_rows = X_epoch.shape[0]
    reference = make_engine("vector", sizes, activations, weights)
    ref_out = reference.predict_output(X)
    _, ref_grads = reference.loss_and_gradients(X, Y, loss)
    m = X.shape[0]
    rows: list[EngineRow] = []
    if "pytorch" in engines:
        try:
            import torch  # noqa: F401 - loaded first, so one_thread() pins its pool too
        except ImportError:
            pass
    with one_thread():
        for name in engines:
            tick(name)
            row = EngineRow(name)
            try:
                if name == "jax":
                    rows.append(jax_row(sizes, activations, weights, X, Y, loss, X_epoch, Y_epoch, ref_out, ref_grads,
                                       min_seconds))
                    continue
                if name == "micrograd":
                    reason = micrograd_supports(activations, loss)
                    if reason:
                        row.note = reason
                        rows.append(row)
                        continue
                    start = time.perf_counter()
                    out, _, grads = micrograd_loss_and_gradients(weights, X, Y, loss)
                    row.seconds_per_sample = (time.perf_counter() - start) / m
                    row.seconds_per_epoch, row.epoch_estimated = row.seconds_per_sample * epoch_rows, True
                elif name == "pytorch":
                    import torch

                    out, _, grads, step = torch_loss_and_gradients(weights, activations, X, Y, loss)
                    row.seconds_per_sample = timed(step, min_seconds=min_seconds) / m
                    epoch_step = torch_loss_and_gradients(weights, activations, X_epoch, Y_epoch, loss)[3]
                    row.seconds_per_epoch = timed(epoch_step, min_seconds=min_seconds)
                    row.note = f"float64, {torch.get_num_threads()} thread(s)"
                else:
                    net = make_engine(name, sizes, activations, weights)
                    out = net.predict_output(X)
                    per_node = name.startswith("scalar")
                    if per_node:
                        start = time.perf_counter()
                        _, grads = net.loss_and_gradients(X, Y, loss)
                        row.seconds_per_sample = (time.perf_counter() - start) / m
                        row.seconds_per_epoch, row.epoch_estimated = row.seconds_per_sample * epoch_rows, True
                    else:
                        _, grads = net.loss_and_gradients(X, Y, loss)
                        row.seconds_per_sample = timed(_call(net.loss_and_gradients, X, Y, loss),
                                                          min_seconds=min_seconds) / m
                        row.seconds_per_epoch = timed(_call(net.loss_and_gradients, X_epoch, Y_epoch, loss),
                                                     repeat=2, min_seconds=min_seconds)
                row.max_output_diff = max_abs_diff(out, ref_out)
                row.max_gradient_diff = _grad_diff(grads, ref_grads)
            except ImportError as error:
                row.note = f"not installed ({error.name})"
            rows.append(row)
    slowest = max((r.seconds_per_epoch for r in rows if r.seconds_per_epoch), default=None)
    for r in rows:
        if slowest and r.seconds_per_epoch:
            r.speedup = slowest / r.seconds_per_epoch
    return rows
