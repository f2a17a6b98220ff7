"""Weight initialisers: a name and the layer sizes give a weights list.

Every initialiser draws from the ``rng`` it is given (``numpy.random.Generator``),
layer by layer, ``W[l]`` before ``b[l]``, so the same seed gives the same
weights in every engine. Orientation: ``W[l].shape == (sizes[l + 1], sizes[l])``.

* ``uniform``: the seed tutorial's ``random_sample``: W, b ~ U[0, 1).
* ``he``: W ~ N(0, 1)·√(2 / n_in), b = 0 (He et al.; the explainer's choice for ReLU).
* ``xavier``: W ~ U[-a, a], a = √(6 / (n_in + n_out)), b = 0 (Glorot & Bengio).
* ``zeros``: W = 0, b = 0 (shows the symmetry problem: hidden units stay identical).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nets.types import Array, Weights

LayerInit = Callable[[int, int, np.random.Generator], tuple[Array, Array]]


def _uniform(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    return rng.random((n_out, n_in)), rng.random(n_out)


def _he(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    return rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


def _xavier(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_out, n_in)), np.zeros(n_out)


def _zeros(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    return np.zeros((n_out, n_in)), np.zeros(n_out)


INITIALISERS: dict[str, LayerInit] = {"uniform": _uniform, "he": _he, "xavier": _xavier, "zeros": _zeros}
"""Initialiser name → per-layer rule ``(n_in, n_out, rng) -> (W, b)``."""


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """``sizes`` as a list of positive ints (at least input and output), or ValueError naming it."""
    try:
        out = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise ValueError(f"sizes must be a sequence of positive integers, got {sizes!r}") from None
    if len(out) < 2 or any(s < 1 for s in out) or any(s != t for s, t in zip(out, sizes, strict=True)):
        raise ValueError(f"sizes must list at least two positive integers (inputs, ..., outputs), got {list(sizes)!r}")
    return out


def initialise(name: str, sizes: Sequence[int], rng: np.random.Generator) -> Weights:
    """Weights ``[(W[0], b[0]), ...]`` for layer sizes ``sizes`` drawn by initialiser ``name``."""
    rule = INITIALISERS.get(name)
    if rule is None:
        raise ValueError(f"unknown initialiser {name!r}; known: {', '.join(INITIALISERS)}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    layers = check_sizes(sizes)
    weights: Weights = []
    for n_in, n_out in zip(layers[:-1], layers[1:], strict=True):
        W, b = rule(n_in, n_out, rng)
        weights.append((np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)))
    return weights
