"""The seed tutorial's loops, kept readable: the baseline every faster engine is measured against.

Training follows the tutorial's ``train_nn``: one sample at a time, feed
forward storing z and h, then back through the layers accumulating
``ΔW[l] += δ[l+1] h[l]ᵀ`` and ``Δb[l] += δ[l+1]``; the gradient is (1/m)·ΔW.
:meth:`LoopedMLP.nested_forward` is the tutorial's ``simple_looped_nn_calc``:
the forward pass with one Python loop per layer, per node and per input.
Activation and loss derivatives come from the op table and :mod:`nets.losses`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autonode.ops import Op, activation_derivative
from nets.activations import check_activations, layer_op, output_from_last
from nets.init import check_sizes, initialise
from nets.losses import Loss, get_loss
from nets.network_checks import check_batch, check_targets, check_weights
from nets.types import Array, Weights


class LoopedMLP:
    """The tutorial's network: ``LoopedMLP([64, 30, 10], "sigmoid")``, one sample at a time."""

    dtype = np.dtype(np.float64)

    def __init__(
        self,
        sizes: Sequence[int],
        activations: str | Sequence[str] = "sigmoid",
        *,
        weights: Weights | None = None,
        init: str = "he",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        self.sizes: list[int] = check_sizes(sizes)
        self.activations: list[str] = check_activations(activations, len(self.sizes) - 1)
        self._ops: list[Op] = [layer_op(a) for a in self.activations]
        if weights is None:
            generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
            weights = initialise(init, self.sizes, generator)
        self.W: list[Array] = []
        self.b: list[Array] = []
        self.set_weights(weights)

    def get_weights(self) -> Weights:
        """A copy of ``[(W[0], b[0]), ...]``."""
        return [(W.copy(), b.copy()) for W, b in zip(self.W, self.b, strict=True)]

    def set_weights(self, weights: Weights) -> None:
        """Replace every W[l], b[l] (checked, copied)."""
        check_weights(weights, self.sizes, "LoopedMLP.set_weights")
        self.W = [np.array(W, dtype=np.float64) for W, _ in weights]
        self.b = [np.array(b, dtype=np.float64) for _, b in weights]

    # ------------------------------------------------------ one sample --
    def feed_forward(self, x: Array) -> tuple[list[Array], list[Array]]:
        """The tutorial's ``feed_forward``: h[0] = x, z[l+1] = W[l]·h[l] + b[l], h[l+1] = f(z[l+1])."""
        h: list[Array] = [x]
        z: list[Array] = [x]
        for W, b, op in zip(self.W, self.b, self._ops, strict=True):
            z.append(W.dot(h[-1]) + b)
            h.append(op.forward(z[-1]))
        return h, z

    def nested_forward(self, x: Any) -> list[float]:
        """The tutorial's ``simple_looped_nn_calc``: every node's weighted sum in plain Python loops."""
        h = [float(v) for v in x]
        for W, b, op in zip(self.W, self.b, self._ops, strict=True):
            rows, cols = W.shape
            z = [0.0] * rows
            for i in range(rows):
                for j in range(cols):
                    z[i] += W[i][j] * h[j]
                z[i] += b[i]
            h = [op.forward(float(zi)) for zi in z]
        return h

    # ----------------------------------------------------------- batch --
    def predict_output(self, X: Array) -> Array:
        """Each row of X fed forward on its own; softmax applied for a ``softmax`` output."""
        A = check_batch(X, self.sizes[0], "LoopedMLP.predict_output")
        H = np.array([self.feed_forward(x)[0][-1] for x in A])
        out: Array = output_from_last(self.activations[-1], H)
        return out

    # ------------------------------------ the trainer's contract (nets.engines.Trainable) --
    def train_arrays(self) -> list[Array]:
        """The live arrays ``[W[0], b[0], W[1], b[1], ...]``, updated in place by the optimizer."""
        return [a for pair in zip(self.W, self.b, strict=True) for a in pair]

    def train_gradients(self, X: Array, Y: Array, loss: Loss) -> tuple[float, list[Array]]:
        """Mean loss and ``[∂J/∂W[0], ∂J/∂b[0], ...]`` from :meth:`loss_and_gradients`."""
        value, grads = self.loss_and_gradients(X, Y, loss)
        return value, [a for pair in grads for a in pair]

    def train_arrays_changed(self) -> None:
        """Nothing to do: the arrays updated are the live parameters."""

    def train_outputs(self) -> Array:
        """The last layer's h for each row of the last batch (kept by :meth:`loss_and_gradients`)."""
        return self._outputs

    def loss_and_gradients(self, X: Array, Y: Array, loss: str | Loss) -> tuple[float, Weights]:
        """The tutorial's ``train_nn`` inner loop: per-sample δ accumulated into ΔW, Δb; returns (1/m)ΔW."""
        criterion = get_loss(loss)
        A = check_batch(X, self.sizes[0], "LoopedMLP.loss_and_gradients")
        T = check_targets(Y, A.shape[0], self.sizes[-1], "LoopedMLP.loss_and_gradients")
        m, L = A.shape[0], len(self.W)
        tri_W = [np.zeros_like(W) for W in self.W]
        tri_b = [np.zeros_like(b) for b in self.b]
        total = 0.0
        self._outputs = np.empty((m, self.sizes[-1]))
        for i in range(m):
            h, z = self.feed_forward(A[i])
            self._outputs[i] = h[L]
            out, y = h[L][None, :], T[i][None, :]
            total += criterion.value(out, y)
            delta = criterion.gradient(out, y)[0] * activation_derivative(self._ops[L - 1], z[L], h[L])
            for k in range(L - 1, -1, -1):  # k is the seed's l
                tri_W[k] += np.outer(delta, h[k])
                tri_b[k] += delta
                if k > 0:
                    delta = self.W[k].T.dot(delta) * activation_derivative(self._ops[k - 1], z[k], h[k])
        return total / m, [(dW / m, db / m) for dW, db in zip(tri_W, tri_b, strict=True)]

    def __repr__(self) -> str:
        return f"LoopedMLP(sizes={self.sizes}, activations={self.activations})"

