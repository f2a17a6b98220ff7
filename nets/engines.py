"""Every engine by name, built from the same sizes, activations and weights, and the trainer's contract with them.

=============  ====================================================================
scalar         :class:`nets.scalar.MLP`, each Σwx node by node (every product a Value)
scalar-fused   :class:`nets.scalar.MLP`, each Σwx one ``dot`` Value
looped         :class:`nets.looped.LoopedMLP`, the seed tutorial's per-sample loops
vector         :class:`nets.vector.VectorMLP`, whole batches in numpy
=============  ====================================================================

:class:`Trainable` is what :func:`nets.train.train` asks of an engine; all four implement it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from nets.activations import check_activations
from nets.init import check_sizes, initialise
from nets.looped import LoopedMLP
from nets.losses import Loss
from nets.scalar import MLP
from nets.types import Array, Network, Weights
from nets.vector import VectorMLP


@runtime_checkable
class Trainable(Network, Protocol):
    """The trainer's contract with an engine: a :class:`nets.types.Network` that also offers these.

    One training step is ``value, grads = net.train_gradients(X, Y, loss)``, then the optimizer
    updates ``net.train_arrays()`` in place from ``grads``, then ``net.train_arrays_changed()``.
    The arrays hold every parameter in the order W[0], b[0], W[1], b[1], … (row-major), as one
    flat array or one array per W[l] and b[l] — the engine's choice.
    """

    dtype: np.dtype  # the float type the engine computes in; the trainer converts the data to it once

    def train_arrays(self) -> list[Array]:
        """The parameter arrays the optimizer updates in place (the same objects for the whole run)."""
        ...

    def train_gradients(self, X: Array, Y: Array, loss: Loss) -> tuple[float, list[Array]]:
        """Mean loss on a batch already checked by the trainer, and its gradient shaped like :meth:`train_arrays`.

        The gradient arrays may be the engine's work arrays: valid until the next call.
        """
        ...

    def train_arrays_changed(self) -> None:
        """Called after each update of :meth:`train_arrays` (an engine holding its parameters elsewhere copies them)."""
        ...

    def train_outputs(self) -> Array:
        """The last layer's h for the rows of the last :meth:`train_gradients` batch (the trainer's accuracy)."""
        ...


Maker = Callable[[list[int], list[str], Weights], Trainable]


def _scalar(fused: bool) -> Maker:
    def make(sizes: list[int], activations: list[str], weights: Weights) -> Trainable:
        return MLP(sizes[0], sizes[1:], activations=activations, weights=weights, fused=fused)

    return make


def _looped(sizes: list[int], activations: list[str], weights: Weights) -> Trainable:
    return LoopedMLP(sizes, activations, weights=weights)


def _vector(sizes: list[int], activations: list[str], weights: Weights) -> Trainable:
    return VectorMLP(sizes, activations, weights=weights)


ENGINES: dict[str, Maker] = {
    "scalar": _scalar(False), "scalar-fused": _scalar(True), "looped": _looped, "vector": _vector,
}
"""Engine name → ``make(sizes, activations, weights)``."""


def make_engine(
    name: str,
    sizes: Sequence[int],
    activations: str | Sequence[str],
    weights: Weights | None = None,
    *,
    init: str = "he",
    rng: np.random.Generator | int | None = 0,
    dtype: type | str | np.dtype = np.float64,
) -> Trainable:
    """A network of engine ``name``; ``weights`` default to initialiser ``init`` drawn from ``rng``.

    ``dtype`` float32 is offered by the vectorised engine only.
    """
    make = ENGINES.get(name)
    if make is None:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    layer_sizes = check_sizes(sizes)
    names = check_activations(activations, len(layer_sizes) - 1)
    if weights is None:
        generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        weights = initialise(init, layer_sizes, generator)
    float_type = np.dtype(dtype)
    if float_type == np.dtype(np.float32) and name == "vector":
        return VectorMLP(layer_sizes, names, weights=weights, dtype=np.float32)
    if float_type != np.dtype(np.float64):
        raise ValueError(f"dtype must be float64 (or float32 with engine 'vector'), got {float_type} for {name!r}")
    return make(layer_sizes, names, weights)
