"""Losses, each defined once: its value and gradient for every row of a batch, on arrays.

A loss is one function ``rows(H, Y) -> (ℓ, G)``: for outputs H and targets Y of shape
(m, K), ℓ[i] = ℓ(hᵢ, yᵢ) for each row and G[i] = ∂ℓ(hᵢ, yᵢ)/∂hᵢ. Everything else is
derived from it, never rewritten:

* ``value(H, Y) = (1/m) Σᵢ ℓ[i]`` and ``gradient(H, Y) = G / m`` (the batch mean the engines train on);
* ``value_and_gradient`` — both from one call;
* ``on_values(h, y)`` — one sample as a single Value node whose parents are h₁…h_K and whose
  local derivatives are G's row: the per-node engine's loss, from the same function.

=====================  ==========================================  ==========================
name                   ℓ(h, y) for one sample                      h is
=====================  ==========================================  ==========================
half_sse               ½ Σₖ (yₖ - hₖ)²   (seed tutorial's J)       any output
sse                    Σₖ (yₖ - hₖ)²     (walkthrough's E)         any output
mse                    (1/K) Σₖ (yₖ - hₖ)²                          any output
softmax_cross_entropy  -Σₖ yₖ log softmax(h)ₖ                       logits (stable logsumexp)
                       = (Σₖ yₖ)·logsumexp(h) - Σₖ yₖhₖ
binary_cross_entropy   -Σₖ [yₖ log pₖ + (1 - yₖ) log(1 - pₖ)]       probabilities p ∈ (0, 1)
hinge                  Σₖ relu(1 - yₖhₖ)  (max-margin, y ∈ {-1, 1}) scores
=====================  ==========================================  ==========================

Clip policy for ``binary_cross_entropy``: p is clipped to [ε, 1 - ε] with
ε = 1e-12 (so log never sees 0); where a probability was clipped its gradient
is 0, as for any clip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from autonode import Value
from autonode.ops import Op
from nets import compiled
from nets.types import Array

BCE_EPS = 1e-12

Rows = Callable[[Array, Array], tuple[Array, Array]]


# ----------------------------------------------------------- the definitions --
def _squared_error(scale: Callable[[int], float]) -> Rows:
    """ℓ = c·Σₖ (hₖ - yₖ)², ∂ℓ/∂hₖ = 2c·(hₖ - yₖ), with c = scale(K)."""

    def rows(H: Array, Y: Array) -> tuple[Array, Array]:
        c = scale(H.shape[1])
        d = H - Y
        values = np.einsum("ij,ij->i", d, d)  # Σₖ dₖ² per row, one pass
        if c != 1.0:
            values *= c
        d *= 2.0 * c
        return values, d

    return rows


def softmax_cross_entropy_rows(H: Array, Y: Array) -> tuple[Array, Array]:
    """ℓ = (Σₖyₖ)·logsumexp(h) - Σₖyₖhₖ and ∂ℓ/∂h = (Σₖyₖ)·softmax(h) - y, in one pass over H.

    logsumexp(h) = t + ln Σₖ e^(hₖ - t) with t = maxₖ hₖ (no overflow); the same e^(hₖ - t),
    divided by their sum, are softmax(h) for the gradient (one exp for both).
    A row of -inf (or with +inf) is shifted by 0 instead, so no inf - inf = nan.
    """
    top = np.maximum.reduce(H, axis=1, keepdims=True)
    finite = math.isfinite(np.add.reduce(top, axis=None))
    if not finite:
        top = np.where(np.isfinite(top), top, 0.0).astype(H.dtype)
    E = np.subtract(H, top)
    np.exp(E, out=E)
    total = np.add.reduce(E, axis=1, keepdims=True)  # Σₖ e^(hₖ - t)
    weight = np.add.reduce(Y, axis=1, keepdims=True)  # Σₖ yₖ (1 for one-hot targets)
    if finite:
        lse = np.log(total)
    else:
        with np.errstate(divide="ignore"):  # a row of -inf: ln 0 = -inf is its logsumexp
            lse = np.log(total)
    lse += top
    values = np.multiply(weight, lse).ravel()
    values -= np.add.reduce(np.multiply(Y, H), axis=1)
    np.divide(weight, total, out=total)
    E *= total  # (Σₖyₖ)·softmax(h)
    E -= Y
    return values, E


def binary_cross_entropy_rows(H: Array, Y: Array) -> tuple[Array, Array]:
    """ℓ = -Σₖ [yₖ ln pₖ + (1-yₖ) ln(1-pₖ)], ∂ℓ/∂pₖ = (1-yₖ)/(1-pₖ) - yₖ/pₖ inside the clip, 0 outside."""
    P = np.clip(H, BCE_EPS, 1.0 - BCE_EPS)
    Q = 1.0 - P
    values = -np.sum(Y * np.log(P) + (1.0 - Y) * np.log(Q), axis=1)
    inside = (H >= BCE_EPS) & (H <= 1.0 - BCE_EPS)
    return values, ((1.0 - Y) / Q - Y / P) * inside


def hinge_rows(H: Array, Y: Array) -> tuple[Array, Array]:
    """ℓ = Σₖ max(0, 1 - yₖhₖ), ∂ℓ/∂hₖ = -yₖ where the margin 1 - yₖhₖ > 0, else 0."""
    margin = 1.0 - Y * H
    active = margin > 0.0
    return np.sum(np.where(active, margin, 0.0), axis=1), np.where(active, -Y, 0.0)


# -------------------------------------------------------- derived forms --
@dataclass(frozen=True)
class Loss:
    """A loss: its name, formula and its one definition ``rows(H, Y) -> (ℓ per row, ∂ℓ/∂h per row)``.

    ``mean_kernel``: a compiled form of :meth:`batch_mean` (see :meth:`with_kernels`), or None.
    """

    name: str
    formula: str
    rows: Rows
    mean_kernel: Callable[[Array, Array], tuple[float, Array] | None] | None = field(
        default=None, compare=False, repr=False)

    def with_kernels(self, kernels: str) -> Loss:
        """This loss on the kernel set ``kernels``: 'numpy' (the reference), else a compiled batch mean where
        :mod:`nets.compiled` has one (softmax cross-entropy; the numpy form for the others)."""
        if compiled.check_kernels(kernels, f"loss {self.name}") == "numpy":
            return replace(self, mean_kernel=None)
        compiled.require_kernels(kernels)
        return replace(self, mean_kernel=COMPILED_MEANS.get(self.name))

    def per_sample(self, H: Array, Y: Array) -> Array:
        """ℓ(hᵢ, yᵢ) for each row: shape (m,)."""
        H, Y = _check(self.name, H, Y)
        return self.rows(H, Y)[0]

    def value(self, H: Array, Y: Array) -> float:
        """(1/m) Σᵢ ℓ(hᵢ, yᵢ) over the rows of H and Y, both shaped (m, K)."""
        return self.value_and_gradient(H, Y)[0]

    def gradient(self, H: Array, Y: Array) -> Array:
        """∂value/∂H = (1/m)·∂ℓᵢ/∂hᵢ, shape (m, K)."""
        return self.value_and_gradient(H, Y)[1]

    def value_and_gradient(self, H: Array, Y: Array) -> tuple[float, Array]:
        """``(value(H, Y), gradient(H, Y))`` from one call of the definition."""
        H, Y = _check(self.name, H, Y)
        return self.batch_mean(H, Y)

    def batch_mean(self, H: Array, Y: Array) -> tuple[float, Array]:
        """The mean and its gradient without the checks (the engines' hot path: H and Y already right)."""
        if self.mean_kernel is not None:
            fast = self.mean_kernel(H, Y)
            if fast is not None:
                return fast
        values, G = self.rows(H, Y)
        m = H.shape[0]
        G *= 1.0 / m
        return float(np.add.reduce(values, axis=None)) / m, G

    def on_values(self, h: Sequence[Value], y: Sequence[float]) -> Value:
        """ℓ(h, y) for one sample as one Value node: parents h₁…h_K, local derivatives ∂ℓ/∂hₖ (from ``rows``)."""
        if len(h) != len(y) or len(h) == 0:
            raise ValueError(f"loss {self.name}: one sample needs as many targets as outputs, got {len(y)} targets, "
                             f"{len(h)} outputs")
        target = np.array([[float(t) for t in y]])
        rows = self.rows

        def forward(*xs: float) -> float:
            return float(rows(np.array([xs], dtype=np.float64), target)[0][0])

        def derivatives(out: float, *xs: float) -> tuple[float, ...]:
            return tuple(rows(np.array([xs], dtype=np.float64), target)[1][0].tolist())

        return Value.apply(Op(self.name, self.name, None, forward, derivatives, f"ℓ = {self.formula}"), *h)

    def __repr__(self) -> str:
        return f"Loss({self.name}: {self.formula})"


def _check(name: str, H: Any, Y: Any) -> tuple[Array, Array]:
    if (type(H) is np.ndarray and type(Y) is np.ndarray and H.ndim == 2 and H.shape == Y.shape
            and H.shape[0] > 0 and H.dtype == Y.dtype and H.dtype.kind == "f"):
        return H, Y  # the common case, already right: no conversions
    H = np.asarray(H)
    H = H if np.issubdtype(H.dtype, np.floating) else H.astype(np.float64)
    Y = np.asarray(Y, dtype=H.dtype)
    if H.ndim != 2 or H.shape[0] == 0:
        raise ValueError(f"loss {name}: outputs H must have shape (m, K) with m ≥ 1, got {H.shape}")
    if Y.shape != H.shape:
        raise ValueError(f"loss {name}: targets Y have shape {Y.shape}, outputs H have shape {H.shape}")
    return H, Y


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("half_sse", "½ Σₖ (yₖ - hₖ)²", _squared_error(lambda k: 0.5)),
        Loss("sse", "Σₖ (yₖ - hₖ)²", _squared_error(lambda k: 1.0)),
        Loss("mse", "(1/K) Σₖ (yₖ - hₖ)²", _squared_error(lambda k: 1.0 / k)),
        Loss("softmax_cross_entropy", "-Σₖ yₖ log softmax(h)ₖ", softmax_cross_entropy_rows),
        Loss("binary_cross_entropy", "-Σₖ [yₖ log pₖ + (1-yₖ) log(1-pₖ)]", binary_cross_entropy_rows),
        Loss("hinge", "Σₖ relu(1 - yₖhₖ)", hinge_rows),
    )
}
"""Every loss by name."""

COMPILED_MEANS: dict[str, Callable[[Array, Array], tuple[float, Array] | None]] = {
    "softmax_cross_entropy": compiled.softmax_cross_entropy_mean,
}
"""Losses with a compiled batch mean in :mod:`nets.compiled` (the others keep numpy's under 'numba')."""


def get_loss(name: str | Loss) -> Loss:
    """The loss called ``name`` (a :class:`Loss` passes through); ValueError listing the known ones."""
    if isinstance(name, Loss):
        return name
    loss = LOSSES.get(name)
    if loss is None:
        raise ValueError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}")
    return loss
