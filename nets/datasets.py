"""Small classification data sets, all offline: digits (bundled with scikit-learn), moons, circles, XOR.

:func:`load` returns a :class:`Dataset` split 60/40 (the seed tutorial's
``test_size=0.4``), the inputs standardised (mean 0, variance 1, the scaler fitted on
the training rows only), labels as integers 0..K-1 plus one-hot targets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nets.types import Array

DATASETS = ("digits", "moons", "circles", "xor")
TEST_SIZE = 0.4


@dataclass
class Dataset:
    """A split data set: X_* (m, n) floats, y_* integer labels, classes the label values."""

    name: str
    X_train: Array
    X_test: Array
    y_train: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def Y_train(self) -> Array:
        """One-hot targets for the training rows, shape (m, n_classes)."""
        return one_hot(self.y_train, self.n_classes)

    @property
    def Y_test(self) -> Array:
        return one_hot(self.y_test, self.n_classes)


def one_hot(y: np.ndarray, n_classes: int) -> Array:
    """The tutorial's ``convert_y_to_vect``: row i has a 1 in column y[i]."""
    labels = np.asarray(y)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"one_hot: labels must be a 1-D integer array, got {labels.dtype} of shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"one_hot: labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}")
    Y = np.zeros((labels.shape[0], n_classes))
    Y[np.arange(labels.shape[0]), labels] = 1.0
    return Y


def _digits(n: int, rng: np.random.Generator) -> tuple[Array, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return np.asarray(data.data, dtype=np.float64), np.asarray(data.target, dtype=np.int64)


def _moons(n: int, rng: np.random.Generator) -> tuple[Array, np.ndarray]:
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=0.1, random_state=int(rng.integers(2**31)))
    return X, y.astype(np.int64)


def _circles(n: int, rng: np.random.Generator) -> tuple[Array, np.ndarray]:
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n, noise=0.05, factor=0.5, random_state=int(rng.integers(2**31)))
    return X, y.astype(np.int64)


def _xor(n: int, rng: np.random.Generator) -> tuple[Array, np.ndarray]:
    """Points uniform in [-1, 1]²; label 1 when exactly one coordinate is positive."""
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return X, y


_MAKERS: dict[str, Callable[[int, np.random.Generator], tuple[Array, np.ndarray]]] = {
    "digits": _digits, "moons": _moons, "circles": _circles, "xor": _xor,
}


def load(name: str, *, seed: int | None = 0, n_samples: int = 400, test_size: float = TEST_SIZE) -> Dataset:
    """Data set ``name`` split train/test (``test_size`` of the rows held out) and standardised.

    ``n_samples`` applies to the generated sets (moons, circles, xor); digits has its 1797 images.
    """
    make = _MAKERS.get(name)
    if make is None:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1), got {test_size!r}")
    if n_samples < 4:
        raise ValueError(f"n_samples must be at least 4, got {n_samples!r}")
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    X, y = make(n_samples, rng)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=int(rng.integers(2**31)), stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return Dataset(
        name, scaler.transform(X_train), scaler.transform(X_test),
        np.asarray(y_train), np.asarray(y_test), int(y.max()) + 1,
    )
