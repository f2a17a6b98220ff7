"""nets.MLPClassifier: scikit-learn's estimator checks, plus behaviour on real data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.utils.estimator_checks import parametrize_with_checks

from nets.datasets import load
from nets.estimator import MLPClassifier


@parametrize_with_checks([MLPClassifier()])
def test_sklearn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)


def test_digits_modern_defaults_reach_97_percent() -> None:
    data = load("digits", seed=0)  # 60/40 split, standardised on the training rows
    clf = MLPClassifier(random_state=0).fit(data.X_train, data.y_train)
    assert clf.score(data.X_test, data.y_test) >= 0.97
    X_test = data.X_test
    assert clf.n_iter_ == 30 and len(clf.loss_curve_) == 30 and clf.loss_curve_[-1] < clf.loss_curve_[0]
    np.testing.assert_allclose(clf.predict_proba(X_test[:5]).sum(axis=1), 1.0)


def test_string_labels_partial_fit_and_unseen_labels() -> None:
    X, y = make_moons(200, noise=0.1, random_state=0)
    labels = np.array(["left", "right"])[y]
    clf = MLPClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, labels)
    for _ in range(20):
        clf.partial_fit(X, labels, classes=["left", "right"])
    # as scikit-learn: n_iter_ counts the last call's epochs, loss_curve_ and t_ every epoch so far
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 20 and clf.t_ == 20 * 200
    assert list(clf.classes_) == ["left", "right"]
    assert clf.score(X, labels) > 0.9
    with pytest.raises(ValueError, match="not in classes_.*'up'"):
        clf.partial_fit(X[:2], np.array(["left", "up"]))


def test_random_state_makes_fits_repeatable_and_engine_is_selectable() -> None:
    X, y = make_moons(60, noise=0.1, random_state=1)
    a = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=4).fit(X, y).predict_proba(X)
    b = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=4).fit(X, y).predict_proba(X)
    c = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=4, engine="looped").fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(c, a, rtol=1e-10, atol=1e-12)


def test_bad_input_is_refused() -> None:
    X, y = make_moons(20, random_state=0)
    clf = MLPClassifier(max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        clf.predict(np.zeros((2, 3)))
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier(max_iter=1).fit(X_bad, y)
    with pytest.raises(ValueError, match="learning_rate_init.*range \\(0.0, inf\\)"):
        MLPClassifier(learning_rate_init=-1.0).fit(X, y)
