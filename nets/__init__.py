"""nets: neural networks on autonode — per-node (Value) and vectorised (numpy) engines.

``nets.MLP`` is the per-node network, ``nets.VectorMLP`` the vectorised one,
``nets.LoopedMLP`` the tutorial's loops and ``nets.MLPClassifier`` the
scikit-learn estimator; all exchange weights as ``[(W[0], b[0]), ...]``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "MLP": "nets.scalar",
    "Neuron": "nets.scalar",
    "Layer": "nets.scalar",
    "VectorMLP": "nets.vector",
    "LoopedMLP": "nets.looped",
    "MLPClassifier": "nets.estimator",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import on first use, so ``import nets`` does not pull in scikit-learn."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'nets' has no attribute {name!r}")
