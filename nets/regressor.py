"""``nets.MLPRegressor``: scikit-learn's ``MLPRegressor`` API on nets' engines (identity output, squared error).

    >>> from nets import MLPRegressor
    >>> reg = MLPRegressor(random_state=0).fit(X, y)
    >>> reg.predict(X), reg.score(X, y)          # R²

The options are :class:`nets.estimator.BaseMLP`'s (scikit-learn's MLP options plus
``engine``, ``dtype``, ``init``) and ``loss``: ``squared_error`` (scikit-learn's,
½ Σₖ (yₖ - hₖ)² per row, averaged over the rows) or one of nets' squared losses
(``half_sse``, ``sse``, ``mse``). ``early_stopping`` holds out a random (not
stratified) ``validation_fraction`` and keeps the weights of the best R².

Defaults differ from scikit-learn's where it makes fits fast on small data: at most
20 epochs (not 200) of Adam at 0.02 (not 0.001), and ``init="xavier"`` (scikit-learn's
Glorot-uniform interval for the weights; biases start at zero); batches of min(200, rows)
and the rest as in scikit-learn. Unlike the classifier's, the regressor's batches stay at
scikit-learn's size: on the development sets smaller batches lost 1.6-3 R² points on
``make_friedman1``. Chosen on other splits and data sets than ``autonode bench sklearn``'s.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import column_or_1d

from nets.estimator import BaseMLP, _choice
from nets.losses import Loss, get_loss
from nets.types import Array

SQUARED_ERROR = dataclasses.replace(get_loss("half_sse"), name="squared_error")
"""scikit-learn's ``squared_error`` as it trains: ½ Σₖ (yₖ - hₖ)² per row, nets' ``half_sse``.

With one output this is also the loss scikit-learn reports; with K outputs scikit-learn reports
1/K of the data term (it averages over the outputs) but its gradient is this sum's.
nets reports the loss it trains on, so ``loss_curve_`` differs from scikit-learn's by that factor.
"""
LOSSES = {"squared_error": SQUARED_ERROR, **{name: get_loss(name) for name in ("half_sse", "sse", "mse")}}


class MLPRegressor(RegressorMixin, BaseMLP):  # type: ignore[misc]
    """A multilayer perceptron regressor (identity output) on any nets engine."""

    _output_activation = "identity"
    _stratify = False
    _score_name = "r2"

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        loss: str = "squared_error",
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.02,
        power_t: float = 0.5,
        max_iter: int = 20,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        engine: str = "vector",
        dtype: str = "float64",
        init: str = "xavier",
        kernels: str = "numpy",
    ) -> None:
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose, warm_start=warm_start,
            momentum=momentum, nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            n_iter_no_change=n_iter_no_change, engine=engine, dtype=dtype, init=init, kernels=kernels,
        )
        self.loss = loss

    def _check_options(self) -> None:
        super()._check_options()
        _choice(self, "loss", self.loss, LOSSES)

    def _loss(self) -> Loss:
        return LOSSES[self.loss]

    def _targets_of(self, X: Any, y: Any, reset: bool) -> tuple[Array, Array]:
        X, y = self._validate(X, y, dtype=np.float64, multi_output=True, y_numeric=True, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = np.asarray(y, dtype=np.float64)
        return X, Y[:, None] if Y.ndim == 1 else Y

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train for up to ``max_iter`` epochs (from where the last fit ended with ``warm_start=True``)."""
        self._check_options()
        warm = self.warm_start and hasattr(self, "network_")
        X, Y = self._targets_of(X, y, reset=not warm)
        generator = self._generator()
        if warm and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"warm_start: y has {Y.shape[1]} outputs, the network {self.n_outputs_}")
        if not warm:
            self._start(X.shape[1], Y.shape[1], generator)
        self._run(X, Y, generator, incremental=False)
        return self

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One more epoch over (X, y)."""
        self._check_options()
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "network_")
        X, Y = self._targets_of(X, y, reset=first)
        generator = self._generator()
        if first:
            self._start(X.shape[1], Y.shape[1], generator)
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"partial_fit: y has {Y.shape[1]} outputs, the network {self.n_outputs_}")
        self._run(X, Y, generator, incremental=True)
        return self

    def predict(self, X: Any) -> Array:
        """The network's output: shape (m,) for one output, (m, n_outputs) otherwise."""
        out = self._outputs(X)
        return out[:, 0] if out.shape[1] == 1 else out
