"""The same network in JAX, jit-compiled: a compiler's engine beside ours, from the same weights.

JAX is an optional extra (``pip install -e '.[jax]'``); every function here imports it
through :func:`load_jax`, which first pins XLA to one thread:

* ``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`` is put in the
  environment *before* jax is imported (XLA reads it once, when its CPU client starts);
* the timings themselves run with the process pinned to one core (:func:`one_core`, as
  ``taskset -c 0`` would), so no helper thread XLA still starts can run beside the main one;
* :func:`cpu_per_wall` checks it: process CPU time ÷ wall time over a timed run stays ≤ 1.

The network is the tutorial's: ``z = h Wᵀ + b``, ``h = f(z)`` per layer, in the weights format
``[(W[0], b[0]), ...]``; the losses are the same formulas as :mod:`nets.losses` written in
``jax.numpy`` (an independent implementation: ``jax.grad`` differentiates them, no derivative
rule is shared with ours). float64 needs JAX's 64-bit mode, which :func:`load_jax` switches on;
arrays made float32 stay float32.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from nets.losses import BCE_EPS
from nets.types import Array, Weights

ONE_THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def load_jax() -> Any:
    """The ``jax`` module with 64-bit mode on, XLA told to use one thread if jax was not loaded yet.

    Raises ImportError when JAX is not installed (``pip install -e '.[jax]'``).
    """
    if "jax" not in sys.modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} {ONE_THREAD_FLAGS}".strip()
    import jax  # optional extra: a 350 MB compiler, loaded only for the comparison

    jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
    return jax


def xla_one_thread() -> bool:
    """Whether XLA was started with the one-thread flags (they count only if set before jax was imported)."""
    return "xla_cpu_multi_thread_eigen=false" in os.environ.get("XLA_FLAGS", "")


@contextmanager
def one_core(core: int | None = None) -> Iterator[int | None]:
    """Pin this process to one CPU core for the block (``taskset -c core``); yields the core, or None if unsupported."""
    if not hasattr(os, "sched_getaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    chosen = min(before) if core is None else core
    os.sched_setaffinity(0, {chosen})
    try:
        yield chosen
    finally:
        os.sched_setaffinity(0, before)


def cpu_per_wall(fn: Callable[[], Any]) -> float:
    """Process CPU seconds ÷ wall seconds over one call of ``fn``: about 1 on one thread, up to n on n threads."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


# ----------------------------------------------------------- the network --
def _activation(jnp: Any, name: str) -> Callable[[Any], Any]:
    """f(z) in jax.numpy; relu written with ``where`` so its derivative at 0 is 0, as the op table's."""
    table: dict[str, Callable[[Any], Any]] = {
        "sigmoid": lambda z: 1.0 / (1.0 + jnp.exp(-z)),
        "tanh": jnp.tanh,
        "relu": lambda z: jnp.where(z > 0, z, 0.0),
        "identity": lambda z: z,
        "softmax": lambda z: z,  # the last layer's logits; the output is softmax(z)
    }
    return table[name]


def _loss(jnp: Any, name: str) -> Callable[[Any, Any], Any]:
    """ℓ summed over the outputs of each row, then averaged over the rows (the formulas of nets.losses)."""

    def lse(H: Any) -> Any:
        top = jnp.max(H, axis=1, keepdims=True)
        return (top + jnp.log(jnp.sum(jnp.exp(H - top), axis=1, keepdims=True)))[:, 0]

    def bce(H: Any, Y: Any) -> Any:
        inside = (H >= BCE_EPS) & (H <= 1.0 - BCE_EPS)
        P = jnp.where(inside, H, jnp.clip(H, BCE_EPS, 1.0 - BCE_EPS))  # clipped entries get gradient 0
        return -jnp.sum(Y * jnp.log(P) + (1.0 - Y) * jnp.log(1.0 - P), axis=1)

    per_row: dict[str, Callable[[Any, Any], Any]] = {
        "half_sse": lambda H, Y: 0.5 * jnp.sum((H - Y) ** 2, axis=1),
        "sse": lambda H, Y: jnp.sum((H - Y) ** 2, axis=1),
        "mse": lambda H, Y: jnp.mean((H - Y) ** 2, axis=1),
        "softmax_cross_entropy": lambda H, Y: jnp.sum(Y, axis=1) * lse(H) - jnp.sum(Y * H, axis=1),
        "binary_cross_entropy": bce,
        "hinge": lambda H, Y: jnp.sum(jnp.where(1.0 - Y * H > 0, 1.0 - Y * H, 0.0), axis=1),
    }
    if name not in per_row:
        raise ValueError(f"JAX comparison: no JAX form of loss {name!r}; known: {', '.join(per_row)}")
    row_loss = per_row[name]
    return lambda H, Y: jnp.mean(row_loss(H, Y))


def make_functions(activations: Sequence[str], loss: str) -> dict[str, Callable[..., Any]]:
    """Jitted ``output(params, X)``, ``value_and_grad(params, X, Y)`` and ``adam_step`` for these layers and loss.

    ``params`` is ``[(W[0], b[0]), ...]`` as JAX arrays. ``adam_step(params, m, v, t, X, Y, lr)`` is one
    training step: loss, gradients and Adam's update (Kingma & Ba, β₁ 0.9, β₂ 0.999, ε 1e-8), all compiled;
    it returns ``(params, m, v, t + 1, loss)``.
    """
    jax = load_jax()
    jnp = jax.numpy
    fs = [_activation(jnp, a) for a in activations]
    criterion = _loss(jnp, loss)
    softmax_output = activations[-1] == "softmax"

    def last(params: Any, X: Any) -> Any:
        h = X
        for (W, b), f in zip(params, fs, strict=True):
            h = f(h @ W.T + b)
        return h

    def output(params: Any, X: Any) -> Any:
        H = last(params, X)
        return jax.nn.softmax(H, axis=1) if softmax_output else H

    def objective(params: Any, X: Any, Y: Any) -> Any:
        return criterion(last(params, X), Y)

    value_and_grad = jax.value_and_grad(objective)

    def adam_step(params: Any, m: Any, v: Any, t: Any, X: Any, Y: Any, lr: float) -> Any:
        value, grads = value_and_grad(params, X, Y)
        t = t + 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        m = jax.tree_util.tree_map(lambda m_, g: b1 * m_ + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v_, g: b2 * v_ + (1 - b2) * g * g, v, grads)
        scale = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
        params = jax.tree_util.tree_map(
            lambda p, m_, v_: p - scale * m_ / (jnp.sqrt(v_) + eps * jnp.sqrt(1 - b2**t)), params, m, v)
        return params, m, v, t, value

    return {
        "output": jax.jit(output),
        "value_and_grad": jax.jit(value_and_grad),
        "adam_step": jax.jit(adam_step, donate_argnums=(0, 1, 2, 3)),
    }


def to_device(weights: Weights, dtype: Any) -> list[tuple[Any, Any]]:
    """The weights as JAX arrays of ``dtype`` (copied to the device: the CPU here)."""
    jnp = load_jax().numpy
    return [(jnp.asarray(W, dtype=dtype), jnp.asarray(b, dtype=dtype)) for W, b in weights]


def loss_and_gradients(
    weights: Weights, activations: Sequence[str], X: Array, Y: Array, loss: str, dtype: Any = np.float64
) -> tuple[Array, float, Weights, Callable[[], Any]]:
    """Outputs, mean loss and gradients from JAX (jit) in ``dtype``, and a closure timing one forward + backward."""
    functions = make_functions(activations, loss)
    params = to_device(weights, dtype)
    jnp = load_jax().numpy
    Xd, Yd = jnp.asarray(X, dtype=dtype), jnp.asarray(Y, dtype=dtype)
    value, grads = functions["value_and_grad"](params, Xd, Yd)
    outputs = np.asarray(functions["output"](params, Xd))

    def run() -> Any:
        value, grads = functions["value_and_grad"](params, Xd, Yd)
        return value.block_until_ready()

    run()  # compiled on the first call, before any timing
    return outputs, float(value), [(np.asarray(dW), np.asarray(db)) for dW, db in grads], run


class TrainingEpoch:
    """``epoch()`` runs one epoch of jitted Adam steps; ``weights()`` reads the parameters back (float64)."""

    def __init__(self, run: Callable[[], float], state: dict[str, Any]) -> None:
        self._run, self._state = run, state

    def __call__(self) -> float:
        return self._run()

    def weights(self) -> Weights:
        return [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)) for W, b in self._state["params"]]


def training_epoch(
    weights: Weights, activations: Sequence[str], loss: str, X: Array, Y: Array, batch_size: int,
    lr: float = 1e-3, dtype: Any = np.float32,
) -> TrainingEpoch:
    """One epoch of jitted Adam steps over batches already sliced on the device (JAX's best case), as a callable.

    No shuffle, no host work between steps but the Python loop; a call returns the last batch loss.
    Call it once before timing: the first call compiles (one program per batch shape).
    """
    jax = load_jax()
    jnp = jax.numpy
    step = make_functions(activations, loss)["adam_step"]
    state: dict[str, Any] = {"params": to_device(weights, dtype)}
    state["m"] = jax.tree_util.tree_map(jnp.zeros_like, state["params"])
    state["v"] = jax.tree_util.tree_map(jnp.zeros_like, state["params"])
    state["t"] = jnp.asarray(0, dtype=dtype)  # the step count stays on the device
    batches = [(jnp.asarray(X[i:i + batch_size], dtype=dtype), jnp.asarray(Y[i:i + batch_size], dtype=dtype))
               for i in range(0, X.shape[0], batch_size)]
    rate = jnp.asarray(lr, dtype=dtype)

    def epoch() -> float:
        value: Any = None
        for Xb, Yb in batches:
            state["params"], state["m"], state["v"], state["t"], value = step(
                state["params"], state["m"], state["v"], state["t"], Xb, Yb, rate)
        return float(value)  # waits for the last step, so the whole epoch is timed

    return TrainingEpoch(epoch, state)
