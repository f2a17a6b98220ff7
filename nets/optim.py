"""Optimizers: update a list of parameter arrays in place from their gradients.

``opt.step(params, grads)`` takes the same list of arrays every call (e.g.
``[W[0], b[0], W[1], b[1], ...]``, see :func:`flatten`) and keeps per-array
state (velocity, moments) by position.

* ``sgd``:      W ← W - α·∂J/∂W
* ``momentum``: V ← μV - α·∂J/∂W;  W ← W + V   (the explainer's form)
* ``adam``:     m ← β₁m + (1-β₁)g;  v ← β₂v + (1-β₂)g²;  W ← W - α·m̂/(√v̂ + ε),
  with m̂ = m/(1-β₁ᵗ), v̂ = v/(1-β₂ᵗ)  (Kingma & Ba)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

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

    def __init__(self, lr: float, mu: float = 0.9) -> None:
        super().__init__(lr)
        self.mu = _fraction("mu (momentum)", mu)
        self.velocity: dict[int, Array] = {}

    def update(self, i: int, p: Array, g: Array) -> None:
        V = self.velocity.get(i)
        if V is None:
            V = self.velocity[i] = np.zeros_like(p)
        V *= self.mu
        V -= self.lr * g
        p += V


class Adam(Optimizer):
    """Adam with bias-corrected first and second moments."""

    name = "adam"

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1 = _fraction("beta1", beta1)
        self.beta2 = _fraction("beta2", beta2)
        self.eps = _positive("eps", eps)
        self.m: dict[int, Array] = {}
        self.v: dict[int, Array] = {}
        self.scratch: dict[int, tuple[Array, Array]] = {}  # two work arrays per parameter: no allocation per step

    def update(self, i: int, p: Array, g: Array) -> None:
        if i not in self.m:
            self.m[i] = np.zeros_like(p)
            self.v[i] = np.zeros_like(p)
            self.scratch[i] = (np.empty_like(p), np.empty_like(p))
        m, v = self.m[i], self.v[i]
        term, denominator = self.scratch[i]
        np.multiply(g, 1.0 - self.beta1, out=term)
        m *= self.beta1
        m += term
        np.multiply(g, g, out=term)
        term *= 1.0 - self.beta2
        v *= self.beta2
        v += term
        # W -= α·m̂/(√v̂ + ε), m̂ = m/(1-β₁ᵗ), v̂ = v/(1-β₂ᵗ); the same number, multiplied above and below
        # by √(1-β₂ᵗ), is αₜ·m/(√v + ε̂) with αₜ = α·√(1-β₂ᵗ)/(1-β₁ᵗ), ε̂ = ε·√(1-β₂ᵗ) (Kingma & Ba, §2)
        root = math.sqrt(1.0 - self.beta2**self.t)
        np.sqrt(v, out=denominator)
        denominator += self.eps * root
        np.divide(m, denominator, out=term)
        term *= self.lr * root / (1.0 - self.beta1**self.t)
        p -= term


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
