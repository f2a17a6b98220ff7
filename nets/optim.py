"""Optimizers: update a list of parameter arrays in place from their gradients.

``opt.step(params, grads)`` takes the same list of arrays every call (e.g.
``[W[0], b[0], W[1], b[1], ...]``, see :func:`flatten`) and keeps per-array
state (velocity, moments) by position.

* ``sgd``:      W ← W - α·∂J/∂W
* ``momentum``: V ← μV - α·∂J/∂W;  W ← W + V   (the explainer's form)
* ``momentum`` with ``nesterov=True``: V ← μV - α·∂J/∂W;  W ← W + μV - α·∂J/∂W  (scikit-learn's form)
* ``adam``:     m ← β₁m + (1-β₁)g;  v ← β₂v + (1-β₂)g²;  W ← W - α·m̂/(√v̂ + ε),
  with m̂ = m/(1-β₁ᵗ), v̂ = v/(1-β₂ᵗ)  (Kingma & Ba)

The learning rate α is the optimizer's ``lr`` attribute; a :class:`Schedule`
sets it at every epoch end (the trainer calls it). :class:`L2Penalty` is the
coupled L2 penalty of scikit-learn's ``alpha`` (added to the loss and its
gradient, weights only), not decoupled weight decay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nets import compiled
from nets.compiled import compiles
from nets.types import Array, Weights


def _positive(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return x


def _fraction(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}") from None
    if not (0.0 <= x < 1.0):
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return x


class Optimizer:
    """Base class: checks the lists, then :meth:`update` each (param, grad) pair."""

    name = "optimizer"

    def __init__(self, lr: float) -> None:
        self.lr = _positive("lr (learning rate)", lr)
        self.t = 0

    def step(self, params: Sequence[Array], grads: Sequence[Array]) -> None:
        """One update of every array in ``params`` (in place) from ``grads``."""
        if len(params) != len(grads):
            raise ValueError(f"{self.name}.step: {len(params)} parameter arrays but {len(grads)} gradients")
        arrays = [np.asarray(g) for g in grads]
        for i, (p, g) in enumerate(zip(params, arrays, strict=True)):
            if p.shape != g.shape:
                raise ValueError(f"{self.name}.step: parameter {i} has shape {p.shape}, gradient {g.shape}")
        self.t += 1
        for i, (p, g) in enumerate(zip(params, arrays, strict=True)):
            self.update(i, p, g)

    def update(self, i: int, p: Array, g: Array) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"


class SGD(Optimizer):
    """W ← W - α·∂J/∂W."""

    name = "sgd"

    def update(self, i: int, p: Array, g: Array) -> None:
        p -= self.lr * g


class Momentum(Optimizer):
    """V ← μV - α·∂J/∂W;  W ← W + V."""

    name = "momentum"

    def __init__(self, lr: float, mu: float = 0.9, nesterov: bool = False) -> None:
        super().__init__(lr)
        self.mu = _fraction("mu (momentum)", mu)
        self.nesterov = bool(nesterov)
        self.velocity: dict[int, Array] = {}

    def update(self, i: int, p: Array, g: Array) -> None:
        V = self.velocity.get(i)
        if V is None:
            V = self.velocity[i] = np.zeros_like(p)
        V *= self.mu
        V -= self.lr * g
        if self.nesterov:  # look ahead: W ← W + μV - α·g
            p += self.mu * V - self.lr * g
        else:
            p += V


class Adam(Optimizer):
    """Adam with bias-corrected first and second moments (see :func:`adam_kernel` for how it is computed)."""

    name = "adam"

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 kernel: str = "numpy") -> None:
        super().__init__(lr)
        self.beta1 = _fraction("beta1", beta1)
        self.beta2 = _fraction("beta2", beta2)
        self.eps = _positive("eps", eps)
        self.kernel = kernel  # "numpy" (:func:`adam_kernel`), else :func:`nets.compiled.adam_update`
        # per parameter array: m/(1-β₁), v/(1-β₂) and one work array (no allocation per step)
        self.state: dict[int, tuple[Array, Array, Array]] = {}

    @property
    def kernel(self) -> str:
        return self._kernel

    @kernel.setter
    def kernel(self, name: str) -> None:
        compiled.require_kernels(compiled.check_kernels(name, "adam", "kernel"))
        self._kernel = name

    def update(self, i: int, p: Array, g: Array) -> None:
        state = self.state.get(i)
        if state is None:
            state = self.state[i] = (np.zeros_like(p), np.zeros_like(p), np.empty_like(p))
        if self._kernel != "numpy" and compiles(p, g):  # float16 or mixed types: numpy's passes
            compiled.adam_update(p, g, state[0], state[1], self.lr, self.beta1, self.beta2, self.eps, self.t)
        else:
            adam_kernel(p, g, *state, self.lr, self.beta1, self.beta2, self.eps, self.t)


# ---- speed: Adam in ten passes over the flat arrays, in place ----------------------------------------------
# The textbook update (m ← β₁m + (1-β₁)g, v ← β₂v + (1-β₂)g², W ← W - α·m̂/(√v̂ + ε)) costs 11 numpy
# passes with the bias correction folded into α. Keeping M = m/(1-β₁) and V = v/(1-β₂) instead drops
# the (1-β) products: M ← β₁M + g, V ← β₂V + g², and
#     α·m̂/(√v̂ + ε) = c·M/(√V + ε/r),   r = √((1-β₂)/(1-β₂ᵗ)),  c = α(1-β₁)/((1-β₁ᵗ)·r)
# (the same number: m̂ = (1-β₁)M/(1-β₁ᵗ), √v̂ = r√V). Ten passes, no temporaries; arrays of more than
# 256k entries go in blocks of 64k so the five arrays of a block stay in cache. CPU time of one step on one
# core, the old eleven passes → these: 235,146 parameters (784-256-128-10) 0.33 → 0.31 ms float32,
# 0.88 → 0.75 ms float64; 1,863,690 (784-1024-1024-10) float64 13.6 → 10.7 ms, 8.2 ms in blocks.
# tests/nets/test_losses_optim.py checks it against PyTorch's Adam. One compiled pass is faster still
# (nets.compiled, Adam(kernel="numba"): 0.13 ms for the 235,146 float32 entries) once numba's loop vectorises,
# which needs numpy's error model (Python's checks every division for zero); numexpr on one thread took 1.5 ms.
ADAM_BLOCK = 65536


def adam_kernel(p: Array, g: Array, M: Array, V: Array, work: Array, lr: float, beta1: float, beta2: float,
                eps: float, t: int) -> None:
    """One Adam step of p (in place) from g at step t, moments M = m/(1-β₁) and V = v/(1-β₂) updated in place."""
    r = math.sqrt((1.0 - beta2) / (1.0 - beta2**t))
    c = lr * (1.0 - beta1) / ((1.0 - beta1**t) * r)
    eps_hat = eps / r
    n = p.size
    if n <= 4 * ADAM_BLOCK or p.ndim != 1:
        _adam_pass(p, g, M, V, work, beta1, beta2, c, eps_hat)
        return
    for start in range(0, n, ADAM_BLOCK):
        block = slice(start, start + ADAM_BLOCK)
        _adam_pass(p[block], g[block], M[block], V[block], work[block], beta1, beta2, c, eps_hat)


def _adam_pass(p: Array, g: Array, M: Array, V: Array, work: Array, beta1: float, beta2: float, c: float,
               eps_hat: float) -> None:
    M *= beta1
    M += g  # M ← β₁M + g
    V *= beta2
    np.multiply(g, g, out=work)
    V += work  # V ← β₂V + g²
    np.sqrt(V, out=work)
    work += eps_hat
    np.divide(M, work, out=work)
    work *= c
    p -= work  # p ← p - c·M/(√V + ε/r)
# ---- end of speed section ------------------------------------------------------------------------------------


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
"""Optimizer name → constructor."""


def get_optimizer(name: str, **kw: Any) -> Optimizer:
    """A fresh optimizer called ``name`` (``lr=...`` and its own options)."""
    make = OPTIMIZERS.get(name)
    if make is None:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
    if name != "adam" and "lr" not in kw:
        raise ValueError(f"optimizer {name!r} needs a learning rate: lr=...")
    try:
        return make(**kw)
    except TypeError as error:
        raise ValueError(f"optimizer {name!r}: {error}") from None


def flatten(weights: Weights) -> list[Array]:
    """``[W[0], b[0], W[1], b[1], ...]``: the arrays themselves (not copies), for ``step``."""
    return [a for pair in weights for a in pair]


# ------------------------------------------------------------------ L2 penalty --
Segment = tuple[int, int, int]
"""Where one W[l] sits: (index of the parameter array, start, stop) in that array's flattened order."""


def weight_segments(sizes: Sequence[int], shapes: Sequence[tuple[int, ...]]) -> list[Segment]:
    """Where each W[l] lies in parameter arrays holding W[0], b[0], W[1], b[1], … in that order (row-major).

    The arrays may be one flat array (the vectorised engine) or one array per W[l] and b[l]:
    ``shapes`` are their shapes. ValueError if they do not hold exactly these parameters.
    """
    lengths = [math.prod(shape) for shape in shapes]
    blocks = [(n_out * n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
    if sum(lengths) != sum(w + b for w, b in blocks):
        raise ValueError(f"parameter arrays of shapes {list(shapes)} do not hold the parameters of sizes {list(sizes)}")
    segments, array, offset = [], 0, 0  # offset: position inside arrays[array]
    for w, b in blocks:
        for length, is_weight in ((w, True), (b, False)):
            while offset == lengths[array]:
                array, offset = array + 1, 0
            if offset + length > lengths[array]:
                raise ValueError(f"parameter array {array} (shape {shapes[array]}) splits a W or b of sizes "
                                 f"{list(sizes)}")
            if is_weight:
                segments.append((array, offset, offset + length))
            offset += length
    return segments


class L2Penalty:
    """Coupled L2 as scikit-learn's ``alpha``: J += α/(2m)·Σₗ‖W[l]‖², so ∂J/∂W[l] += (α/m)·W[l].

    m is the number of rows in the batch; biases are not penalised. This is an L2 term in
    the loss (its gradient then goes through the optimizer, Adam's scaling included), not
    decoupled weight decay (W ← W - λW beside the optimizer's step).
    """

    def __init__(self, alpha: float, segments: Sequence[Segment]) -> None:
        try:
            self.alpha = float(alpha)
        except (TypeError, ValueError):
            raise ValueError(f"alpha (L2 penalty) must be a number >= 0, got {alpha!r}") from None
        if not math.isfinite(self.alpha) or self.alpha < 0:
            raise ValueError(f"alpha (L2 penalty) must be a number >= 0, got {alpha!r}")
        self.segments = list(segments)

        self._key: list[int] = []
        self._views: list[tuple[Array, Array, Array]] = []

    def _pieces(self, arrays: Sequence[Array]) -> list[Array]:
        return [arrays[i].reshape(-1)[start:stop] for i, start, stop in self.segments]

    def apply(self, params: Sequence[Array], grads: Sequence[Array], m: int) -> float:
        """Add (α/m)·W[l] to the gradients of the weights, in place; return the penalty α/(2m)·Σₗ‖W[l]‖².

        Speed: the views of W[l] and its gradient (and a work array) are made once per run, not per step,
        while the engine hands over the same arrays (the vectorised engine does): it cuts the penalty's
        cost per step from about a quarter of a 30-64-2 Adam step to a few percent.
        """
        key = [id(a) for a in params] + [id(g) for g in grads]
        if key != self._key:  # the views keep these arrays alive, so their ids cannot be reused meanwhile
            self._key = key
            self._views = [(w, g, np.empty_like(w)) for w, g in zip(self._pieces(params), self._pieces(grads))]
        scale, total = self.alpha / m, 0.0
        for w, g, work in self._views:
            total += float(np.dot(w, w))
            np.multiply(w, scale, out=work)
            g += work
        return 0.5 * scale * total


# ---------------------------------------------------------- learning-rate schedules --
class Schedule:
    """The learning rate for the next epoch: ``rate(lr0, epoch, seen, epochs)``.

    ``lr0`` the initial rate, ``epoch`` the epochs done, ``seen`` the training rows seen
    so far, ``epochs`` the epochs asked for. The trainer sets ``optimizer.lr`` from it at
    every epoch end (scikit-learn changes its rate at the same moments).
    """

    name = "schedule"

    def rate(self, lr0: float, epoch: int, seen: int, epochs: int) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v}" for k, v in vars(self).items())
        return f"{type(self).__name__}({options})"


class Constant(Schedule):
    """αₑ = α₀."""

    name = "constant"

    def rate(self, lr0: float, epoch: int, seen: int, epochs: int) -> float:
        return lr0


class InverseScaling(Schedule):
    """αₑ = α₀ / (t + 1)^power_t, t the training rows seen so far (scikit-learn's ``invscaling``)."""

    name = "invscaling"

    def __init__(self, power_t: float = 0.5) -> None:
        self.power_t = _nonnegative("power_t", power_t)

    def rate(self, lr0: float, epoch: int, seen: int, epochs: int) -> float:
        return lr0 / math.pow(seen + 1, self.power_t)


class StepDecay(Schedule):
    """αₑ = α₀ · factor^⌊e / every⌋: the rate multiplied by ``factor`` every ``every`` epochs."""

    name = "step"

    def __init__(self, every: int = 10, factor: float = 0.5) -> None:
        if isinstance(every, bool) or int(every) != every or every < 1:
            raise ValueError(f"every (epochs between steps) must be a positive integer, got {every!r}")
        self.every = int(every)
        self.factor = _positive("factor", factor)

    def rate(self, lr0: float, epoch: int, seen: int, epochs: int) -> float:
        return lr0 * self.factor ** (epoch // self.every)


class Cosine(Schedule):
    """αₑ = α_min + (α₀ - α_min)·(1 + cos(π·e/E))/2: from α₀ down to α_min over the E epochs asked for."""

    name = "cosine"

    def __init__(self, min_lr: float = 0.0) -> None:
        self.min_lr = _nonnegative("min_lr", min_lr)

    def rate(self, lr0: float, epoch: int, seen: int, epochs: int) -> float:
        return self.min_lr + (lr0 - self.min_lr) * (1.0 + math.cos(math.pi * min(epoch, epochs) / epochs)) / 2.0


class Adaptive(Schedule):
    """α₀ while the loss improves; divided by ``divisor`` (5) each time it stalls (scikit-learn's ``adaptive``).

    A stall is ``n_iter_no_change`` epochs in a row without an improvement of ``tol``
    (training loss, or validation score when there is a validation set); the trainer
    detects it and calls :meth:`stalled`. Training stops at a stall once α ≤ ``min_lr`` (1e-6).
    """

    name = "adaptive"

    def __init__(self, divisor: float = 5.0, min_lr: float = 1e-6) -> None:
        self.divisor = _positive("divisor", divisor)
        if self.divisor <= 1:
            raise ValueError(f"divisor must be greater than 1, got {divisor!r}")
        self.min_lr = _nonnegative("min_lr", min_lr)

    def rate(self, lr0: float, epoch: int, seen: int, epochs: int) -> float:
        return lr0

    def stalled(self, lr: float) -> float | None:
        """The rate after a stall, or None when training should stop (α already ≤ min_lr)."""
        return None if lr <= self.min_lr else lr / self.divisor


SCHEDULES: dict[str, Callable[..., Schedule]] = {
    "constant": Constant, "invscaling": InverseScaling, "step": StepDecay, "cosine": Cosine, "adaptive": Adaptive,
}
"""Schedule name → constructor."""


def get_schedule(name: str | Schedule, **kw: Any) -> Schedule:
    """The schedule called ``name`` with its options (a :class:`Schedule` passes through)."""
    if isinstance(name, Schedule):
        return name
    make = SCHEDULES.get(name)
    if make is None:
        raise ValueError(f"unknown learning-rate schedule {name!r}; known: {', '.join(SCHEDULES)}")
    try:
        return make(**kw)
    except TypeError as error:
        raise ValueError(f"schedule {name!r}: {error}") from None


def _nonnegative(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}") from None
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return x
