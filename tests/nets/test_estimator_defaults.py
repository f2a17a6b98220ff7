"""The estimators' own defaults: what ``batch_size="auto"`` means for each, and how the defaults were chosen."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning

from nets.estimator import MLPClassifier
from nets.experiments import sklearn_bench
from nets.regressor import MLPRegressor


def _curve(estimator: object, X: np.ndarray, y: np.ndarray) -> list[float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return list(estimator.fit(X, y).loss_curve_)  # type: ignore[attr-defined]


def test_classifier_auto_batches_are_64_rows_and_the_regressors_200() -> None:
    X, y = make_moons(300, noise=0.2, random_state=0)
    auto = _curve(MLPClassifier(random_state=0, max_iter=3), X, y)
    assert auto == _curve(MLPClassifier(random_state=0, max_iter=3, batch_size=64), X, y)
    assert auto != _curve(MLPClassifier(random_state=0, max_iter=3, batch_size=200), X, y)
    target = X[:, 0] - X[:, 1] ** 2
    auto = _curve(MLPRegressor(random_state=0, max_iter=3), X, target)
    assert auto == _curve(MLPRegressor(random_state=0, max_iter=3, batch_size=200), X, target)
    assert auto != _curve(MLPRegressor(random_state=0, max_iter=3, batch_size=64), X, target)


def test_fewer_rows_than_a_batch_train_on_all_rows_without_a_clipping_warning() -> None:
    X, y = make_moons(40, noise=0.2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # scikit-learn's clipping warning is for a batch size asked for
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(random_state=0).fit(X, y)
    assert clf.t_ == 40 * clf.n_iter_


def test_default_weights_lie_in_scikit_learns_glorot_interval() -> None:
    ours = MLPClassifier(hidden_layer_sizes=(50,), random_state=0)
    ours._start(30, 3, np.random.default_rng(0))
    for W in ours.coefs_:
        bound = np.sqrt(6.0 / (W.shape[0] + W.shape[1]))  # scikit-learn's Glorot-uniform bound for ReLU nets
        assert np.abs(W).max() <= bound and np.abs(W).max() > 0.9 * bound
        assert abs(W.std() - bound / np.sqrt(3.0)) < 0.1 * bound  # U[-a, a] has standard deviation a/√3


def test_defaults_are_chosen_on_splits_the_benchmark_never_uses() -> None:
    assert not set(sklearn_bench.DEVELOPMENT_SEEDS) & set(sklearn_bench.BENCHMARK_SEEDS)
    with pytest.raises(ValueError, match="kind must be 'classifier' or 'regressor'"):
        sklearn_bench.development_scores({}, "clusterer")
