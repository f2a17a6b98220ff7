"""Input checks shared by the array engines: shapes, finiteness, weights against sizes, and the size cap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nets.types import Array, Weights

MAX_PARAMETERS = 5_000_000
"""Most weights and biases of one network the estimators and the command line build: 40 MB a copy in float64
(training keeps several: gradients, Adam's two moments, the best weights)."""


def parameter_count(sizes: Sequence[int]) -> int:
    """Weights and biases of a dense network with layer sizes ``sizes``: Σ (n_in + 1) · n_out."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))


def all_finite(A: Array) -> bool:
    """Whether every entry of the numeric array A is finite, from one sum over it: a NaN or ±inf makes any sum
    non-finite, so a finite sum settles it (no array of flags, which for X would be a quarter of its size in
    float32); only a sum that overflows is checked again entry by entry. Integers are finite."""
    if A.dtype.kind not in "fc":
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(A, axis=None)):
            return True
    return bool(np.all(np.isfinite(A)))


def check_batch(X: Any, n_features: int, who: str, dtype: Any = np.float64) -> Array:
    """X as a finite (m, n_features) array of ``dtype`` (a single sample becomes one row), or ValueError."""
    try:
        A = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{who}: X must be numeric, got {type(X).__name__}") from None
    if A.ndim == 1 and A.shape[0] == n_features:
        A = A[None, :]
    if A.ndim != 2 or A.shape[1] != n_features:
        raise ValueError(f"{who}: X must have shape (m, {n_features}), got {A.shape}")
    if A.shape[0] == 0:
        raise ValueError(f"{who}: X is empty (0 rows)")
    if not all_finite(A):
        raise ValueError(f"{who}: X contains NaN or infinity")
    return A


def check_targets(Y: Any, m: int, n_outputs: int, who: str, dtype: Any = np.float64) -> Array:
    """Y as a finite (m, n_outputs) array (a 1-D Y is allowed for one output), or ValueError."""
    try:
        A = np.asarray(Y, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{who}: Y must be numeric, got {type(Y).__name__}") from None
    if A.ndim == 1 and n_outputs == 1:
        A = A[:, None]
    if A.shape != (m, n_outputs):
        raise ValueError(f"{who}: Y must have shape ({m}, {n_outputs}) to match X and the output layer, got {A.shape}")
    if not all_finite(A):
        raise ValueError(f"{who}: Y contains NaN or infinity")
    return A


def check_weights(weights: Weights, sizes: list[int], who: str) -> None:
    """Raise ValueError naming the layer whose W or b does not fit ``sizes`` or is not finite."""
    if len(weights) != len(sizes) - 1:
        raise ValueError(f"{who}: expected {len(sizes) - 1} (W, b) pairs for sizes {sizes}, got {len(weights)}")
    for k, pair in enumerate(weights):
        if len(pair) != 2:
            raise ValueError(f"{who}: weights[{k}] must be a (W, b) pair")
        W, b = np.asarray(pair[0]), np.asarray(pair[1])
        if W.shape != (sizes[k + 1], sizes[k]):
            raise ValueError(f"{who}: W[{k}] must have shape {(sizes[k + 1], sizes[k])}, got {W.shape}")
        if b.shape != (sizes[k + 1],):
            raise ValueError(f"{who}: b[{k}] must have shape {(sizes[k + 1],)}, got {b.shape}")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ValueError(f"{who}: W[{k}] or b[{k}] contains NaN or infinity")
