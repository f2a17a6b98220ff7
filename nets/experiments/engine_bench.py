"""Engine benchmark: autonode against micrograd, measured side by side in one run.

Three measurements, each a function returning a plain dict (``autonode bench engine``
prints them):

* :func:`bench_mlp` — MLP(64, [30, 10]) (relu hidden layer, linear output, as
  ``micrograd.nn.MLP``) on one scaled digits sample: forward + SSE loss
  L = Σₖ (outₖ - yₖ)² + backward. Engines: micrograd; the bare engine in a
  plain loop node by node (z = b + Σᵢ wᵢxᵢ with one node per product and per
  add, micrograd's granularity) and with one ``dot`` node per neuron; and the
  library's ``nets.MLP`` both ways (it pauses the cyclic GC while building its
  acyclic graph). Same weights for all.
  Time per sample, Python's default GC on, two ways: the median over repeats
  of the mean over a batch of samples (the last sample's leftovers collected
  untimed between batches), and the steady state of a training loop, the mean
  over many samples in a row (the GC's full collections paid as they come).
  Graph memory is what tracemalloc sees allocated and still alive after
  building the graph, before backward.
* :func:`bench_chain` — y₀ = 0, yₖ = yₖ₋₁ + x for a million steps in autonode:
  forward and backward time (∂y/∂x must be the step count).
* :func:`micrograd_failing_depth` — the smallest depth of the same chain at
  which micrograd's recursive backward raises RecursionError; each depth runs in
  a fresh subprocess, so a failure can never take this process down.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

SIZES = (64, 30, 10)

Loss = Callable[[list[float], list[float]], Any]


@dataclass
class Engine:
    """A way of building the loss graph, and its parameters in one canonical order (W[l] rows, then b[l])."""

    name: str
    loss: Loss
    parameters: list[Any]


def digits_sample(index: int = 0) -> tuple[list[float], list[float]]:
    """One digits image, standard-scaled over the whole set (as the seed tutorial), and its one-hot label."""
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    digits = load_digits()
    X = StandardScaler().fit_transform(digits.data)
    target = [0.0] * 10
    target[int(digits.target[index])] = 1.0
    return [float(v) for v in X[index]], target


def random_weights(sizes: tuple[int, ...] = SIZES, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """W[l] ~ U(-1, 1) of shape (sizes[l+1], sizes[l]) as micrograd initialises; b[l] ~ U(-0.1, 0.1)."""
    rng = np.random.default_rng(seed)
    return [
        (rng.uniform(-1.0, 1.0, (n_out, n_in)), rng.uniform(-0.1, 0.1, n_out))
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
    ]


def _parameter_grid(make: Callable[[float], Any], weights: list[tuple[np.ndarray, np.ndarray]]) -> list[Any]:
    """[(W rows, b)] per layer as leaves built by ``make``."""
    return [([[make(w) for w in row] for row in W.tolist()], [make(v) for v in b.tolist()]) for W, b in weights]


def _flatten(layers: list[Any]) -> list[Any]:
    return [p for W, b in layers for row, b_j in zip(W, b) for p in (*row, b_j)]


def _sse(outputs: list[Any], target: list[float]) -> Any:
    return sum((o - t) ** 2 for o, t in zip(outputs, target))


def micrograd_engine(weights: list[tuple[np.ndarray, np.ndarray]]) -> Engine:
    """``micrograd.nn.MLP`` with its parameters overwritten by ``weights``."""
    from micrograd.nn import MLP

    model = MLP(SIZES[0], list(SIZES[1:]))
    for layer, (W, b) in zip(model.layers, weights):
        for neuron, row, b_j in zip(layer.neurons, W.tolist(), b.tolist()):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = b_j
    parameters = [p for layer in model.layers for neuron in layer.neurons for p in (*neuron.w, neuron.b)]
    return Engine("micrograd", lambda x, t: _sse(model(x), t), parameters)


def autonode_node_by_node(weights: list[tuple[np.ndarray, np.ndarray]]) -> Engine:
    """z_j = b_j + Σᵢ W[j][i]·hᵢ with one node per product and per add; relu on the hidden layer."""
    from autonode import Value

    layers = _parameter_grid(Value, weights)

    def loss(x: list[float], target: list[float]) -> Any:
        h: list[Any] = list(x)
        for layer, (W, b) in enumerate(layers):
            z = [sum((w * h_i for w, h_i in zip(row, h)), b_j) for row, b_j in zip(W, b)]
            h = [z_j.relu() for z_j in z] if layer < len(layers) - 1 else z
        return _sse(h, target)

    return Engine("autonode, node by node", loss, _flatten(layers))


def autonode_dot(weights: list[tuple[np.ndarray, np.ndarray]]) -> Engine:
    """z_j = dot(W[j], h) + b_j: one ``dot`` node per neuron; the loss is one ``vsum`` node."""
    from autonode import Value, dot, vsum

    layers = _parameter_grid(Value, weights)

    def loss(x: list[float], target: list[float]) -> Any:
        h: list[Any] = list(x)
        for layer, (W, b) in enumerate(layers):
            z = [dot(row, h) + b_j for row, b_j in zip(W, b)]
            h = [z_j.relu() for z_j in z] if layer < len(layers) - 1 else z
        return vsum([(o - t) ** 2 for o, t in zip(h, target)])

    return Engine("autonode, one dot per neuron", loss, _flatten(layers))


def nets_mlp(weights: list[tuple[np.ndarray, np.ndarray]], fused: bool) -> Engine:
    """The library's own per-node network, ``nets.MLP`` (its forward pauses the cyclic GC while it builds)."""
    from nets.scalar import MLP

    model = MLP(SIZES[0], list(SIZES[1:]), activations=["relu", "identity"], fused=fused)
    model.set_weights(weights)
    kind = "one dot per neuron" if fused else "node by node"
    return Engine(f"nets.MLP, {kind}", lambda x, t: _sse(model.forward(x), t), model.parameters())


def count_nodes(root: Any) -> int:
    """Nodes reachable from ``root`` through ``_prev`` (works for both engines), iteratively."""
    seen = {id(root): root}  # (kept alive, so no id is reused: autonode shows a number operand as a fresh view)
    stack = [root]
    while stack:
        for parent in stack.pop()._prev:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return len(seen)


def _time_per_sample(engine: Engine, x: list[float], target: list[float], batch: int, gc_off: bool = False) -> float:
    if gc_off:
        gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(batch):
            loss = engine.loss(x, target)
            loss.backward()
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    del loss
    gc.collect()  # reclaim this engine's leftover cycles before the next engine is timed
    return elapsed / batch


def _steady_per_sample(engine: Engine, x: list[float], target: list[float], samples: int) -> float:
    """Mean time per sample over ``samples`` in a row, the GC running as it would in a training loop."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(samples):
        loss = engine.loss(x, target)
        loss.backward()
    elapsed = time.perf_counter() - start
    del loss
    gc.collect()
    return elapsed / samples


def _graph_bytes(engine: Engine, x: list[float], target: list[float]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        loss = engine.loss(x, target)
        alive = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del loss
    gc.collect()
    return alive


def _gradients(engine: Engine, x: list[float], target: list[float]) -> tuple[float, list[float]]:
    for p in engine.parameters:
        p.grad = 0.0
    loss = engine.loss(x, target)
    loss.backward()
    return float(loss.data), [float(p.grad) for p in engine.parameters]


def available_engines(weights: list[tuple[np.ndarray, np.ndarray]]) -> tuple[list[Engine], str | None]:
    """autonode's two engines, preceded by micrograd when installed (else a note why it is missing)."""
    engines = [
        autonode_node_by_node(weights),
        nets_mlp(weights, fused=False),
        autonode_dot(weights),
        nets_mlp(weights, fused=True),
    ]
    try:
        return [micrograd_engine(weights)] + engines, None
    except ImportError:
        return engines, "micrograd is not installed (pip install -e '.[bench]'): no ratios"


def bench_mlp(
    repeats: int = 7, batch: int = 20, warmup: int = 3, steady: int = 200, seed: int = 0
) -> dict[str, Any]:
    """Time, graph memory, node count and agreement of each engine on one digits sample.

    Two timings: the median over ``repeats`` batches of ``batch`` samples (collected between
    batches), and the steady state of a training loop: the mean over ``steady`` samples in a
    row (micrograd, 50× slower, over a fifth as many), where the GC's full collections count.
    """
    x, target = digits_sample()
    engines, note = available_engines(random_weights(seed=seed))
    reference_loss, reference_grads = _gradients(engines[0], x, target)
    rows: list[dict[str, Any]] = []
    for engine in engines:
        loss, grads = _gradients(engine, x, target)
        rows.append({
            "engine": engine.name,
            "nodes": count_nodes(engine.loss(x, target)),
            "memory_bytes": min(_graph_bytes(engine, x, target) for _ in range(2)),
            "loss": loss,
            "max_abs_loss_diff": abs(loss - reference_loss),
            "max_abs_grad_diff": max(abs(g - r) for g, r in zip(grads, reference_grads)),
            "times": [],
        })
    for engine in engines:
        _time_per_sample(engine, x, target, warmup)
    gc_off_times: list[float] = []
    for _ in range(repeats):  # interleaved rounds, so background load hits every engine alike
        for engine, row in zip(engines, rows):
            row["times"].append(_time_per_sample(engine, x, target, batch))
        if note is None:  # how much of micrograd's time is the cyclic GC
            gc_off_times.append(_time_per_sample(engines[0], x, target, batch, gc_off=True))
    for engine, row in zip(engines, rows):
        samples = max(2, steady // 5) if engine.name == "micrograd" else steady
        row["steady_seconds_per_sample"] = _steady_per_sample(engine, x, target, samples)
    base = rows[0]
    for row in rows:
        row["seconds_per_sample"] = statistics.median(row["times"])
        row["speedup"] = base["seconds_per_sample"] / row["seconds_per_sample"]
        row["steady_speedup"] = base["steady_seconds_per_sample"] / row["steady_seconds_per_sample"]
        row["memory_ratio"] = row["memory_bytes"] / base["memory_bytes"]
    return {
        "sizes": list(SIZES),
        "parameters": len(engines[0].parameters),
        "batch": batch,
        "repeats": repeats,
        "steady_samples": steady,
        "reference": base["engine"],
        "note": note,
        "engines": rows,
        "micrograd_gc_off_seconds_per_sample": statistics.median(gc_off_times) if gc_off_times else None,
    }


def bench_chain(steps: int = 1_000_000) -> dict[str, Any]:
    """y₀ = 0, yₖ = yₖ₋₁ + x: forward and backward seconds in autonode; checks ∂y/∂x = steps."""
    from autonode import Value

    x = Value(1.0, label="x")
    y = Value(0.0, label="y0")
    start = time.perf_counter()
    for _ in range(steps):
        y = y + x
    forward = time.perf_counter() - start
    start = time.perf_counter()
    y.backward()
    backward = time.perf_counter() - start
    correct = x.grad == float(steps) and y.data == float(steps)
    del y
    gc.collect()
    return {"steps": steps, "forward_seconds": forward, "backward_seconds": backward, "gradient_correct": correct}


_MICROGRAD_CHAIN = """
import sys
from micrograd.engine import Value
x, y = Value(1.0), Value(0.0)
for _ in range(int(sys.argv[1])):
    y = y + x
try:
    y.backward()
except RecursionError:
    print("RecursionError")
else:
    print("ok" if x.grad == int(sys.argv[1]) else "wrong")
"""


def _micrograd_chain_fails(depth: int) -> bool:
    """Does micrograd's backward fail on a ``depth``-step chain? Run in a fresh interpreter."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _MICROGRAD_CHAIN, str(depth)], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        return True
    if "No module named 'micrograd'" in done.stderr:
        raise ImportError("micrograd is not installed")
    return done.returncode != 0 or done.stdout.strip() != "ok"


def micrograd_failing_depth(start: int = 250, limit: int = 64_000) -> dict[str, Any]:
    """Smallest chain depth at which micrograd's backward fails: double from ``start``, then bisect."""
    try:
        passes, depth = 0, start
        while not _micrograd_chain_fails(depth):
            passes, depth = depth, depth * 2
            if depth > limit:
                return {"fails_at": None, "passes_at": passes, "note": f"no failure up to {passes}"}
    except ImportError as error:
        return {"fails_at": None, "passes_at": None, "note": str(error)}
    fails = depth
    while fails - passes > 1:
        middle = (passes + fails) // 2
        if _micrograd_chain_fails(middle):
            fails = middle
        else:
            passes = middle
    return {"fails_at": fails, "passes_at": passes, "note": None}


def bench_engine(quick: bool = False) -> dict[str, Any]:
    """All three measurements; ``quick`` shrinks repeats and the chain for a smoke run."""
    if quick:
        mlp = bench_mlp(repeats=2, batch=2, warmup=1, steady=10)
        chain = bench_chain(steps=20_000)
    else:
        mlp = bench_mlp()
        chain = bench_chain()
    return {"mlp": mlp, "chain": chain, "micrograd_chain": micrograd_failing_depth(), "gc_enabled": gc.isenabled()}
