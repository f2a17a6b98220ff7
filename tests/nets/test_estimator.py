"""nets.MLPClassifier and nets.MLPRegressor: scikit-learn's estimator checks, with its MLP as the reference."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from nets.datasets import load
from nets.estimator import MLPClassifier
from nets.regressor import MLPRegressor


@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
def test_sklearn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)


# ------------------------------------------- the same training as scikit-learn's MLP --
def _problem(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    if kind == "classifier":
        return X, np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.5, 0.5])  # three classes
    if kind == "one output":
        return X, X[:, 0] - X[:, 1] ** 2
    return X, np.column_stack([X[:, 0] - X[:, 1] ** 2, np.sin(X[:, 2])])


def _trained_from_the_same_weights(kind: str, epochs: int, **options: Any) -> tuple[Any, Any]:
    """Ours and scikit-learn's, both fitted from identical weights (set between two warm-start fits)."""
    X, y = _problem(kind)
    classify = kind == "classifier"
    common = dict(hidden_layer_sizes=(5,), activation="tanh", solver="sgd", batch_size=len(X), shuffle=False,
                  tol=0.0, n_iter_no_change=10_000, warm_start=True, random_state=0)
    common.update(options)
    ours = (MLPClassifier if classify else MLPRegressor)(max_iter=1, **common)
    theirs = (SkClassifier if classify else SkRegressor)(max_iter=1, **common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs.fit(X, y)
        weights = [(W + 0.1, b - 0.1) for W, b in ours.network_.get_weights()]  # some other starting point
        ours.network_.set_weights(weights)
        theirs.coefs_ = [W.T.copy() for W, _ in weights]
        theirs.intercepts_ = [b.copy() for _, b in weights]
        # the stall records of the first fit (from different weights) forgotten on both sides
        theirs.best_loss_, theirs._no_improvement_count = np.inf, 0
        ours._state.best_loss, ours._state.no_improvement = np.inf, 0
        ours.set_params(max_iter=epochs).fit(X, y)
        theirs.set_params(max_iter=epochs).fit(X, y)
    return ours, theirs


@pytest.mark.parametrize("kind", ["classifier", "one output", "two outputs"])
@pytest.mark.parametrize("options", [
    dict(alpha=0.5, momentum=0.0, learning_rate_init=0.1),
    dict(alpha=1e-3, momentum=0.9, nesterovs_momentum=True, learning_rate_init=0.05),
    dict(alpha=0.1, momentum=0.5, nesterovs_momentum=False, learning_rate="invscaling", power_t=0.3,
         learning_rate_init=0.2),
    dict(alpha=1e-3, momentum=0.0, learning_rate="adaptive", learning_rate_init=0.1, tol=0.3, n_iter_no_change=1),
], ids=["l2", "nesterov", "invscaling", "adaptive"])
def test_training_matches_scikit_learn_step_for_step(kind: str, options: dict[str, Any]) -> None:
    if kind == "two outputs" and options.get("learning_rate") == "adaptive":
        pytest.skip("the stall rule reads the reported loss, which scikit-learn scales by 1/K for K outputs")
    ours, theirs = _trained_from_the_same_weights(kind, epochs=6, **options)
    if options.get("learning_rate") == "adaptive":
        assert ours._solver.lr == pytest.approx(0.004)  # two stalls: 0.1 / 5 / 5
    for mine, reference in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-12)
    if kind != "two outputs":  # scikit-learn reports 1/K of the squared error it trains on (see nets.regressor)
        np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-9)  # L2 term included
    assert ours.n_iter_ == theirs.n_iter_ == 6 and ours.t_ == theirs.t_
    X, _ = _problem(kind)
    if kind == "classifier":
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9, atol=1e-12)
    else:
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-12)


def test_verbose_prints_scikit_learns_lines(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = _problem("classifier")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        SkClassifier(max_iter=3, verbose=True, random_state=0).fit(X, y)
        theirs = capsys.readouterr().out
        MLPClassifier(max_iter=3, verbose=True, random_state=0).fit(X, y)
        ours = capsys.readouterr().out
    pattern = r"Iteration (\d), loss = \d+\.\d{8}"
    assert re.findall(pattern, ours) == re.findall(pattern, theirs) == ["1", "2", "3"]


def test_stall_stopping_and_records_follow_scikit_learn() -> None:
    """From the same weights with a large tol both stop at the same epoch with the same records."""
    ours, theirs = _trained_from_the_same_weights("classifier", epochs=100, alpha=0.0, momentum=0.0,
                                                  learning_rate_init=0.01)
    assert ours.n_iter_ == theirs.n_iter_ == 100
    X, y = _problem("classifier")
    for estimator in (ours, theirs):
        estimator.set_params(tol=0.5, n_iter_no_change=3, warm_start=False, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping by the rule is not a convergence failure
        ours.fit(X, y)
        theirs.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 5 and len(ours.loss_curve_) == 5
    assert ours.best_loss_ == min(ours.loss_curve_)
    assert ours.validation_scores_ is None and ours.best_validation_score_ is None


# ------------------------------------------------------------- attributes and options --
def test_fitted_attributes_have_scikit_learns_shapes_and_meaning() -> None:
    data = load("digits", seed=0)
    clf = MLPClassifier(hidden_layer_sizes=(20, 15), random_state=0).fit(data.X_train, data.y_train)
    assert [c.shape for c in clf.coefs_] == [(64, 20), (20, 15), (15, 10)]
    assert [b.shape for b in clf.intercepts_] == [(20,), (15,), (10,)]
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 10 and clf.out_activation_ == "softmax"
    # the forward pass written out with coefs_ (scikit-learn's orientation) gives predict_proba
    h = data.X_test[:7]
    for k, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        z = h @ W + b
        h = np.maximum(z, 0) if k < 2 else np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(data.X_test[:7]), h / h.sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(clf.predict_log_proba(data.X_test[:7]), np.log(clf.predict_proba(data.X_test[:7])))
    assert clf.loss_ == clf.loss_curve_[-1] and clf.t_ == clf.n_iter_ * len(data.X_train)
    assert clf.score(data.X_test, data.y_test) > 0.95


def test_early_stopping_keeps_the_best_validation_score() -> None:
    data = load("digits", seed=1)
    clf = MLPClassifier(early_stopping=True, n_iter_no_change=3, max_iter=60, random_state=0)
    clf.fit(data.X_train, data.y_train)
    assert clf.best_loss_ is None and len(clf.validation_scores_) == clf.n_iter_ < 60
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.n_iter_ - 1 - int(np.argmax(clf.validation_scores_)) > 3  # stopped after 4 epochs without a gain
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        clf.partial_fit(data.X_train, data.y_train)
    reg = MLPRegressor(early_stopping=True, random_state=0).fit(data.X_train, data.X_train[:, 10])
    assert reg.best_validation_score_ == max(reg.validation_scores_)  # R² on the held-out rows


@pytest.mark.parametrize("nets_cls,sk_cls", [(MLPClassifier, SkClassifier), (MLPRegressor, SkRegressor)])
def test_early_stopping_without_validation_rows_is_refused_as_scikit_learn_does(nets_cls: Any, sk_cls: Any) -> None:
    X, y = make_moons(60, noise=0.1, random_state=0)
    options = {"early_stopping": True, "validation_fraction": 0.0, "max_iter": 3}
    with pytest.raises(ValueError):  # the reference: scikit-learn refuses to hold out no rows
        sk_cls(**options).fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction=0.0 holds out none"):
        nets_cls(**options).fit(X, y)


def test_warm_start_continues_and_a_plain_fit_starts_again() -> None:
    X, y = make_moons(100, noise=0.1, random_state=0)
    clf = MLPClassifier(max_iter=5, warm_start=True, random_state=0, n_iter_no_change=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        first = clf.coefs_[0].copy()
        clf.fit(X, y)
        assert len(clf.loss_curve_) == 10 and clf.n_iter_ == 5 and clf.t_ == 1000
        assert not np.array_equal(clf.coefs_[0], first)
        with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same classes"):
            clf.fit(X, y + 5)
        clf.set_params(warm_start=False).fit(X, y)
        assert len(clf.loss_curve_) == 5


def test_string_labels_partial_fit_and_unseen_labels() -> None:
    X, y = make_moons(200, noise=0.1, random_state=0)
    labels = np.array(["left", "right"])[y]
    clf = MLPClassifier(random_state=0, batch_size=20)
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


def test_random_state_makes_fits_repeatable_and_every_engine_agrees() -> None:
    X, y = make_moons(60, noise=0.1, random_state=1)
    options = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=4, batch_size=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPClassifier(**options).fit(X, y).predict_proba(X)
        b = MLPClassifier(**options).fit(X, y).predict_proba(X)
        c = MLPClassifier(engine="looped", **options).fit(X, y).predict_proba(X)
        d = MLPClassifier(engine="scalar-fused", **options).fit(X, y).predict_proba(X)
        e = MLPClassifier(dtype="float32", **options).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(c, a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d, a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(e, a, atol=1e-3)


@pytest.mark.parametrize("value", ["64", (2.7,), (64, 0), -3, True, None])
def test_hidden_layer_sizes_must_be_positive_ints(value: Any) -> None:
    X, y = make_moons(20, random_state=0)
    with pytest.raises(ValueError, match=r"'hidden_layer_sizes' parameter of MLPClassifier must be a positive int "
                                         r"or a tuple of positive ints, e\.g\. \(64,\)"):
        MLPClassifier(hidden_layer_sizes=value).fit(X, y)


@pytest.mark.parametrize(("hidden", "count"), [
    ((10**9,), "5,000,000,002"),  # 2 features, 2 classes: (2 + 1)·10⁹ + (10⁹ + 1)·2 weights and biases
    ((1_000_000,), "5,000,002"),  # the first single layer past the cap: 5·h + 2 > 5,000,000 from h = 10⁶
    ((3000, 3000), "9,018,002"),  # 3·3000 + 3001·3000 + 3001·2
])
def test_a_network_over_the_weight_cap_is_refused_before_allocating(hidden: tuple[int, ...], count: str) -> None:
    import tracemalloc

    X, y = make_moons(20, random_state=0)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=rf"'hidden_layer_sizes' parameter of MLPClassifier gives a .* network "
                                             rf"for this data: {count} weights and biases, more than the 5,000,000"):
            MLPClassifier(hidden_layer_sizes=hidden).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # under 1 MB: not one weight matrix of the refused network was made


def test_a_network_at_the_weight_cap_still_fits() -> None:
    # the regressor with 2 features and 1 output: (2 + 1)·h + (h + 1)·1 = 4·h + 1 = 4,999,997 at h = 1,249,999
    X, y = make_moons(20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor(hidden_layer_sizes=(1_249_999,), max_iter=1, solver="sgd", dtype="float32").fit(
            X, y.astype(float))  # sgd in float32: a quarter of a second, where Adam in float64 takes seconds
    assert sum(W.size + b.size for W, b in zip(reg.coefs_, reg.intercepts_)) == 4_999_997
    with pytest.raises(ValueError, match="5,000,001 weights and biases"):  # h = 1,250,000: 4·h + 1
        MLPRegressor(hidden_layer_sizes=(1_250_000,)).fit(X, y.astype(float))


@pytest.mark.parametrize(("option", "value", "message"), [
    ("activation", "softmax", r"'activation' parameter of MLPRegressor must be a str among "
                              r"\{'identity', 'logistic', 'relu', 'sigmoid', 'tanh'\}\. Got 'softmax' instead"),
    ("solver", "lbfgs", r"'solver' parameter .* \{'adam', 'sgd'\} \(nets has no L-BFGS solver\)"),
    ("learning_rate", "cosine", r"'learning_rate' .* \{'adaptive', 'constant', 'invscaling'\}"),
    ("alpha", -1.0, r"'alpha' parameter of MLPRegressor must be a float in the range \[0.0, inf\)"),
    ("momentum", 1.5, r"'momentum' .* range \[0.0, 1.0\]"),
    ("validation_fraction", 1.0, r"'validation_fraction' .* range \[0.0, 1.0\)"),
    ("batch_size", 0, r"'batch_size' .* an int in the range \[1, inf\)"),
    ("batch_size", "big", r"'batch_size' .* 'auto' or an int"),
    ("max_iter", 2.5, r"'max_iter' .* an int in the range \[1, inf\)"),
    ("engine", "gpu", r"'engine' .* \{'looped', 'scalar', 'scalar-fused', 'vector'\}"),
    ("dtype", "float16", r"'dtype' .* \{'float32', 'float64'\}"),
    ("loss", "poisson", r"'loss' .* \{'half_sse', 'mse', 'squared_error', 'sse'\}"),
    ("early_stopping", "yes", r"'early_stopping' .* an instance of 'bool'"),
])
def test_bad_options_are_named_with_the_allowed_values(option: str, value: Any, message: str) -> None:
    X, y = make_moons(20, random_state=0)
    with pytest.raises(ValueError, match=message):
        MLPRegressor(**{option: value}).fit(X, y.astype(float))


def test_bad_input_is_refused() -> None:
    X, y = make_moons(20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        clf.predict(np.zeros((2, 3)))
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier(max_iter=1).fit(X_bad, y)


def test_regressor_predicts_one_column_as_a_vector_and_beats_the_mean() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(300, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    reg = MLPRegressor(random_state=0, max_iter=200).fit(X[:200], y[:200])
    assert reg.predict(X[200:]).shape == (100,) and reg.out_activation_ == "identity"
    assert reg.score(X[200:], y[200:]) > 0.9


# ------------------------------------------------------------------------- sweeps --
def test_grid_search_runs_in_two_processes() -> None:
    from sklearn.model_selection import GridSearchCV

    X, y = make_moons(120, noise=0.2, random_state=0)
    grid = GridSearchCV(MLPClassifier(random_state=0), {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(4,), (16,)]},
                        cv=3, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    assert len(grid.cv_results_["mean_test_score"]) == 4 and np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_score_ > 0.8 and isinstance(grid.best_estimator_, MLPClassifier)


def test_grid_search_runs_on_a_dask_cluster() -> None:
    pytest.importorskip("distributed", reason="the dask extra: pip install -e '.[dask]'")
    import joblib
    from distributed import Client, LocalCluster
    from sklearn.model_selection import GridSearchCV

    X, y = make_moons(120, noise=0.2, random_state=0)
    grid = GridSearchCV(MLPClassifier(random_state=0), {"alpha": [1e-4, 1e-1]}, cv=3, n_jobs=-1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client, joblib.parallel_backend("dask"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
        assert client.status == "running"
    local = GridSearchCV(MLPClassifier(random_state=0), {"alpha": [1e-4, 1e-1]}, cv=3, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local.fit(X, y)
    np.testing.assert_allclose(grid.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"])


def test_the_package_exports_both_estimators() -> None:
    import nets

    assert nets.MLPClassifier is MLPClassifier and nets.MLPRegressor is MLPRegressor
    assert {"MLPClassifier", "MLPRegressor", "MLP", "VectorMLP", "LoopedMLP"} <= set(nets.__all__)
