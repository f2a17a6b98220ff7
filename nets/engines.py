"""Every engine by name, built from the same sizes, activations and weights.

=============  ====================================================================
scalar         :class:`nets.scalar.MLP`, each Σwx node by node (every product a Value)
scalar-fused   :class:`nets.scalar.MLP`, each Σwx one ``dot`` Value
looped         :class:`nets.looped.LoopedMLP`, the seed tutorial's per-sample loops
vector         :class:`nets.vector.VectorMLP`, whole batches in numpy
=============  ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nets.types import Network, Weights

Maker = Callable[[list[int], list[str], Weights], Network]


def _scalar(fused: bool) -> Maker:
    def make(sizes: list[int], activations: list[str], weights: Weights) -> Network:
        from nets.scalar import MLP  # the per-node engine loads only when asked for

        return MLP(sizes[0], sizes[1:], activations=activations, weights=weights, fused=fused)

    return make


def _looped(sizes: list[int], activations: list[str], weights: Weights) -> Network:
    from nets.looped import LoopedMLP

    return LoopedMLP(sizes, activations, weights=weights)


def _vector(sizes: list[int], activations: list[str], weights: Weights) -> Network:
    from nets.vector import VectorMLP

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
) -> Network:
    """A network of engine ``name``; ``weights`` default to initialiser ``init`` drawn from ``rng``."""
    from nets.activations import check_activations
    from nets.init import check_sizes, initialise

    make = ENGINES.get(name)
    if make is None:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    layer_sizes = check_sizes(sizes)
    names = check_activations(activations, len(layer_sizes) - 1)
    if weights is None:
        generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        weights = initialise(init, layer_sizes, generator)
    return make(layer_sizes, names, weights)
