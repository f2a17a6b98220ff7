"""Losses on arrays (vectorised engines) and on Values (per-node engine), one definition each.

Every loss is a per-sample sum over the outputs, averaged over the rows of a
batch: ``value(H, Y) = (1/m) Σᵢ ℓ(hᵢ, yᵢ)``. ``gradient(H, Y)`` is
∂value/∂H (the 1/m included), assembled from the op table's derivative rules
(``pow_const(2)``, ``log``, ``logsumexp``, ``relu``...), never re-derived by hand.
``on_values(h, y)`` builds ℓ for ONE sample as a Value graph from the same ops.

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
is 0, as for any clip. Both the array and the Value versions do exactly this.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autonode import Value, logsumexp, ops, vsum
from nets.types import Array

BCE_EPS = 1e-12
_SQUARE = ops.pow_const(2)
_LOGSUMEXP_ROWS = ops.reduce_rule(ops.LOGSUMEXP)


@dataclass(frozen=True)
class Loss:
    """A loss: name, formula, batch value, batch gradient and the per-sample Value graph."""

    name: str
    formula: str
    per_sample: Callable[[Array, Array], Any]  # ℓ for each row: shape (m,)
    per_sample_gradient: Callable[[Array, Array], Any]  # ∂ℓᵢ/∂hᵢ for each row: shape (m, K)
    on_values: Callable[[list[Value], Sequence[float]], Value]
    # (Σᵢ ℓᵢ over the batch, per_sample_gradient) in one pass, sharing the work both need
    sum_and_gradient: Callable[[Array, Array], tuple[Any, Any]] | None = None

    def value(self, H: Array, Y: Array) -> float:
        """(1/m) Σᵢ ℓ(hᵢ, yᵢ) over the rows of H and Y, both shaped (m, K)."""
        H, Y = _check(self.name, H, Y)
        return float(np.mean(self.per_sample(H, Y)))

    def gradient(self, H: Array, Y: Array) -> Array:
        """∂value/∂H = (1/m)·∂ℓᵢ/∂hᵢ, shape (m, K)."""
        H, Y = _check(self.name, H, Y)
        grad: Array = self.per_sample_gradient(H, Y) / H.shape[0]
        return grad

    def value_and_gradient(self, H: Array, Y: Array) -> tuple[float, Array]:
        """``(value(H, Y), gradient(H, Y))``, sharing the work both need (one logsumexp for cross-entropy)."""
        H, Y = _check(self.name, H, Y)
        if self.sum_and_gradient is not None:
            total, per_sample_gradient = self.sum_and_gradient(H, Y)
        else:
            total, per_sample_gradient = np.add.reduce(self.per_sample(H, Y)), self.per_sample_gradient(H, Y)
        m = H.shape[0]
        grad: Array = per_sample_gradient / m
        return float(total) / m, grad

    def __repr__(self) -> str:
        return f"Loss({self.name}: {self.formula})"


def _check(name: str, H: Any, Y: Any) -> tuple[Array, Array]:
    if (type(H) is np.ndarray and type(Y) is np.ndarray and H.ndim == 2 and H.shape == Y.shape
            and H.shape[0] > 0 and H.dtype == Y.dtype and H.dtype.kind == "f"):
        return H, Y  # the common case, already right: no conversions
    H = np.asarray(H)
    Y = np.asarray(Y, dtype=H.dtype if np.issubdtype(H.dtype, np.floating) else np.float64)
    if H.ndim != 2 or H.shape[0] == 0:
        raise ValueError(f"loss {name}: outputs H must have shape (m, K) with m ≥ 1, got {H.shape}")
    if Y.shape != H.shape:
        raise ValueError(f"loss {name}: targets Y have shape {Y.shape}, outputs H have shape {H.shape}")
    return H, Y


def _check_sample(name: str, h: Sequence[Value], y: Sequence[float]) -> None:
    if len(h) != len(y) or len(h) == 0:
        raise ValueError(
            f"loss {name}: one sample needs as many targets as outputs, got {len(y)} targets, {len(h)} outputs"
        )


# --------------------------------------------------------- squared errors --
def _squares(H: Array, Y: Array) -> Any:
    return _SQUARE.forward(ops.SUB.forward(H, Y))


def _square_gradient(H: Array, Y: Array) -> Any:
    """∂(h - y)²/∂h = pow_const(2)' · sub'_a (table rules)."""
    return _squares_and_gradient(H, Y)[1]


def _squares_and_gradient(H: Array, Y: Array) -> tuple[Any, Any]:
    """(h - y)² and its ∂/∂h from the table's rules, sharing d = h - y."""
    d = ops.SUB.forward(H, Y)
    squares = _SQUARE.forward(d)
    return squares, ops.chain(_SQUARE.derivatives(squares, d)[0], ops.SUB.derivatives(d, H, Y)[0])


def _squared_error(name: str, scale: Callable[[int], float], formula: str) -> Loss:
    def per_sample(H: Array, Y: Array) -> Any:
        return scale(H.shape[1]) * np.sum(_squares(H, Y), axis=1)

    def per_sample_gradient(H: Array, Y: Array) -> Any:
        return scale(H.shape[1]) * _square_gradient(H, Y)

    def on_values(h: list[Value], y: Sequence[float]) -> Value:
        _check_sample(name, h, y)
        total = vsum([(hk - float(yk)) ** 2 for hk, yk in zip(h, y, strict=True)])
        c = scale(len(h))
        return total if c == 1.0 else total * c

    def sum_and_gradient(H: Array, Y: Array) -> tuple[Any, Any]:
        squares, gradient = _squares_and_gradient(H, Y)
        c = scale(H.shape[1])
        total = np.add.reduce(squares, axis=None)  # one reduction over the whole batch (fast)
        if c == 1.0:
            return total, gradient
        gradient *= c
        return c * total, gradient

    return Loss(name, formula, per_sample, per_sample_gradient, on_values, sum_and_gradient)


# ---------------------------------------------------- softmax cross-entropy --
def _ce_per_sample(H: Array, Y: Array) -> Any:
    """ℓ = (Σₖyₖ)·logsumexp(h) - Σₖyₖhₖ per row, logsumexp from the table's reduce rule."""
    return np.add.reduce(Y, axis=1) * _LOGSUMEXP_ROWS(H)[:, 0] - np.add.reduce(Y * H, axis=1)


def _ce_sum_and_gradient(H: Array, Y: Array) -> tuple[Any, Any]:
    """Σᵢ ℓᵢ over the batch and ∂ℓᵢ/∂hᵢ = (Σₖyᵢₖ)·softmax(hᵢ) - yᵢ.

    logsumexp is the table's reduce over the K columns; its derivative rule
    e^(hₖ - out) = softmax(h)ₖ is applied to all columns at once (one broadcast operand).
    """
    lse = _LOGSUMEXP_ROWS(H)  # shape (m, 1)
    softmax = ops.LOGSUMEXP.derivatives(lse, H)[0]
    total = np.add.reduce(Y, axis=1, keepdims=True)
    gradient = softmax * total
    gradient -= Y
    return np.vdot(total, lse) - np.vdot(Y, H), gradient


def _ce_gradient(H: Array, Y: Array) -> Any:
    return _ce_sum_and_gradient(H, Y)[1]


def _ce_on_values(h: list[Value], y: Sequence[float]) -> Value:
    _check_sample("softmax_cross_entropy", h, y)
    total = float(sum(float(yk) for yk in y))
    picked = vsum([hk * float(yk) for hk, yk in zip(h, y, strict=True) if float(yk) != 0.0] or [Value(0.0)])
    return logsumexp(h) * total - picked


# ------------------------------------------------------ binary cross-entropy --
def _bce_clip(P: Array) -> Any:
    return np.clip(P, BCE_EPS, 1.0 - BCE_EPS)


def _bce_per_sample(H: Array, Y: Array) -> Any:
    P = _bce_clip(H)
    return -np.sum(Y * ops.LOG.forward(P) + (1.0 - Y) * ops.LOG.forward(ops.SUB.forward(1.0, P)), axis=1)


def _bce_gradient(H: Array, Y: Array) -> Any:
    """-(y·log'(p) + (1-y)·log'(1-p)·sub'_b) inside the clip range, 0 outside."""
    P = _bce_clip(H)
    Q = ops.SUB.forward(1.0, P)
    dlog_p = ops.LOG.derivatives(ops.LOG.forward(P), P)[0]
    dlog_q = ops.LOG.derivatives(ops.LOG.forward(Q), Q)[0]
    dq_dp = ops.SUB.derivatives(Q, 1.0, P)[1]
    inside = (H >= BCE_EPS) & (H <= 1.0 - BCE_EPS)
    return -(Y * dlog_p + (1.0 - Y) * dlog_q * dq_dp) * inside


def _bce_on_values(h: list[Value], y: Sequence[float]) -> Value:
    _check_sample("binary_cross_entropy", h, y)
    terms = []
    for pk, yk in zip(h, y, strict=True):
        p = pk if BCE_EPS <= pk.data <= 1.0 - BCE_EPS else Value(min(max(pk.data, BCE_EPS), 1.0 - BCE_EPS))
        t = float(yk)
        terms.append(p.log() * t + (1.0 - p).log() * (1.0 - t))
    return -vsum(terms)


# ------------------------------------------------------------------- hinge --
def _hinge_per_sample(H: Array, Y: Array) -> Any:
    return np.sum(ops.RELU.forward(ops.SUB.forward(1.0, Y * H)), axis=1)


def _hinge_gradient(H: Array, Y: Array) -> Any:
    """relu'(1 - y·h) · sub'_b · y."""
    margin = ops.SUB.forward(1.0, Y * H)
    out = ops.RELU.forward(margin)
    return ops.RELU.derivatives(out, margin)[0] * ops.SUB.derivatives(margin, 1.0, Y * H)[1] * Y


def _hinge_on_values(h: list[Value], y: Sequence[float]) -> Value:
    _check_sample("hinge", h, y)
    return vsum([(1.0 - hk * float(yk)).relu() for hk, yk in zip(h, y, strict=True)])


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        _squared_error("half_sse", lambda k: 0.5, "½ Σₖ (yₖ - hₖ)²"),
        _squared_error("sse", lambda k: 1.0, "Σₖ (yₖ - hₖ)²"),
        _squared_error("mse", lambda k: 1.0 / k, "(1/K) Σₖ (yₖ - hₖ)²"),
        Loss("softmax_cross_entropy", "-Σₖ yₖ log softmax(h)ₖ", _ce_per_sample, _ce_gradient, _ce_on_values,
             _ce_sum_and_gradient),
        Loss("binary_cross_entropy", "-Σₖ [yₖ log pₖ + (1-yₖ) log(1-pₖ)]", _bce_per_sample, _bce_gradient,
             _bce_on_values),
        Loss("hinge", "Σₖ relu(1 - yₖhₖ)", _hinge_per_sample, _hinge_gradient, _hinge_on_values),
    )
}
"""Every loss by name."""


def get_loss(name: str | Loss) -> Loss:
    """The loss called ``name`` (a :class:`Loss` passes through); ValueError listing the known ones."""
    if isinstance(name, Loss):
        return name
    loss = LOSSES.get(name)
    if loss is None:
        raise ValueError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}")
    return loss
