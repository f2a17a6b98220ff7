"""nets: neural networks on autonode — per-node (Value) and vectorised (numpy) engines, and estimators.

``nets.MLP`` is the per-node network, ``nets.VectorMLP`` the vectorised one,
``nets.LoopedMLP`` the tutorial's loops; all exchange weights as ``[(W[0], b[0]), ...]``.
``nets.MLPClassifier`` and ``nets.MLPRegressor`` are scikit-learn estimators on any of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from nets.looped import LoopedMLP
from nets.scalar import MLP, Layer, Neuron
from nets.vector import VectorMLP

_ESTIMATORS = {"MLPClassifier": "nets.estimator", "MLPRegressor": "nets.regressor"}

__all__ = ["MLP", "Layer", "LoopedMLP", "MLPClassifier", "MLPRegressor", "Neuron", "VectorMLP"]


def __getattr__(name: str) -> Any:
    """The estimators load on first use: scikit-learn (which brings scipy, and pandas when installed)
    took 8.6 s of an 11 s ``import nets.estimator`` against 1.1-1.6 s for the three engines, measured
    side by side on the shared 2-core machine (load 11); every ``autonode`` command would pay it."""
    if name in _ESTIMATORS:
        return getattr(import_module(_ESTIMATORS[name]), name)
    raise AttributeError(f"module 'nets' has no attribute {name!r}")
