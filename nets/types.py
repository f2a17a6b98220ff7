"""The contracts every network engine shares.

Weights format (the seed tutorial's orientation), used by every engine, the
optimizers, save/load, drawing and the PyTorch bridge::

    weights = [(W[0], b[0]), (W[1], b[1]), ...]
    W[l].shape == (sizes[l + 1], sizes[l]);  b[l].shape == (sizes[l + 1],)
    z[l + 1] = W[l] @ h[l] + b[l];  h[l + 1] = f(z[l + 1])

Losses and gradients are means over the rows of a batch, so full-batch
gradient descent is the tutorial's (1/m) Σ per-sample gradients.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]
Weights = list[tuple[Array, Array]]


@runtime_checkable
class Network(Protocol):
    """What every engine (per-node, looped, vectorised) offers the trainer and the comparisons."""

    sizes: list[int]
    activations: list[str]  # one per weight layer: "sigmoid", "tanh", "relu", "identity" or (last only) "softmax"

    def get_weights(self) -> Weights:
        """A copy of the parameters in the shared format."""
        ...

    def set_weights(self, weights: Weights) -> None:
        """Replace the parameters (shapes checked, values copied)."""
        ...

    def predict_output(self, X: Array) -> Array:
        """The network's output for a batch X of shape (m, sizes[0]): shape (m, sizes[-1])."""
        ...

    def loss_and_gradients(self, X: Array, Y: Array, loss: str) -> tuple[float, Weights]:
        """Mean loss over the batch and its gradient in the weights format."""
        ...
