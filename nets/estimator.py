"""``nets.MLPClassifier``: the vectorised network behind scikit-learn's estimator API.

    >>> from nets.estimator import MLPClassifier
    >>> clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=30, random_state=0).fit(X, y)
    >>> clf.predict(X), clf.predict_proba(X), clf.score(X, y)

The output layer is a softmax over ``classes_`` trained with cross-entropy;
hidden layers use ``activation``; ``solver`` is one of nets' optimizers
(sgd, momentum, adam) with step ``learning_rate_init``. ``engine`` picks any
engine from :mod:`nets.engines` (default ``vector``). After fitting:
``classes_``, ``n_features_in_``, ``n_iter_``, ``loss_curve_``, ``network_``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from nets.types import Array

LOSS = "softmax_cross_entropy"


class MLPClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A multilayer perceptron classifier (softmax output, cross-entropy) on any nets engine."""

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (64,),
        activation: str = "relu",
        solver: str = "adam",
        learning_rate_init: float = 0.01,
        max_iter: int = 30,
        batch_size: int | None = 32,
        init: str = "he",
        engine: str = "vector",
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.init = init
        self.engine = engine
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ helpers --
    def _targets(self, y: Any) -> Array:
        """One-hot rows for labels y; ValueError naming labels not in ``classes_``."""
        index = np.searchsorted(self.classes_, y)
        index = np.clip(index, 0, len(self.classes_) - 1)
        unseen = self.classes_[index] != y
        if np.any(unseen):
            raise ValueError(f"y contains labels not in classes_ {list(self.classes_)}: {sorted(set(y[unseen]))!r}")
        Y = np.zeros((len(y), len(self.classes_)))
        Y[np.arange(len(y)), index] = 1.0
        return Y

    def _start(self, n_features: int) -> None:
        from nets.engines import make_engine
        from nets.optim import get_optimizer

        if int(self.max_iter) != self.max_iter or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        hidden = [self.hidden_layer_sizes] if isinstance(self.hidden_layer_sizes, int) else self.hidden_layer_sizes
        sizes = [n_features, *[int(h) for h in hidden], len(self.classes_)]
        activations = [self.activation] * (len(sizes) - 2) + ["softmax"]
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        self._rng = np.random.default_rng(seed)
        self.network_ = make_engine(self.engine, sizes, activations, init=self.init, rng=self._rng)
        self._optimizer = get_optimizer(self.solver, lr=self.learning_rate_init)
        self.loss_curve_: list[float] = []
        self.n_iter_ = 0

    def _epochs(self, X: Array, y: Any, epochs: int) -> None:
        from nets.train import train

        history = train(
            self.network_, X, self._targets(y), loss=LOSS, optimizer=self._optimizer, epochs=epochs,
            batch_size=self.batch_size, rng=self._rng, track_accuracy=False,
            progress=True if self.verbose else False, desc="MLPClassifier",
        )
        self.loss_curve_.extend(history.loss)
        self.n_iter_ += history.epochs

    # -------------------------------------------------------- estimator API --
    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train from scratch for ``max_iter`` epochs."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        self._start(X.shape[1])
        self._epochs(X, y, int(self.max_iter))
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One more epoch; the first call needs ``classes`` (every label that will ever be seen)."""
        first = not hasattr(self, "network_")
        X, y = validate_data(self, X, y, dtype=np.float64, reset=first)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError("partial_fit: the first call needs classes=[every label], as in scikit-learn")
            self.classes_ = np.unique(np.asarray(classes))
            self._start(X.shape[1])
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"partial_fit: classes={list(classes)} differ from the first call's {list(self.classes_)}")
        self._epochs(X, y, 1)
        return self

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities, shape (m, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self, "network_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        P: Array = self.network_.predict_output(X)
        return P

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        P = self.predict_proba(X)
        result: np.ndarray = self.classes_[np.argmax(P, axis=1)]
        return result
