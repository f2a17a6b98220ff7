"""Fitted estimators in model files: the loaded estimator predicts exactly what the saved one did.

The references are the original estimator's own outputs (predict, predict_proba, coefs_) and its
scikit-learn attributes; the file's weights are checked against ``coefs_`` transposed.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import NotFittedError

from nets.estimator import MLPClassifier
from nets.io import ModelFileError, load, load_estimator, save
from nets.regressor import MLPRegressor


@pytest.fixture(autouse=True)
def _quiet() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short fits
        yield


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def _same_fitted(loaded: Any, original: Any) -> None:
    assert type(loaded) is type(original)
    assert loaded.get_params() == original.get_params()
    assert loaded.n_features_in_ == original.n_features_in_
    for a, b in zip(loaded.coefs_ + loaded.intercepts_, original.coefs_ + original.intercepts_, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    for key in ("n_iter_", "t_", "loss_", "best_loss_", "loss_curve_", "validation_scores_",
                "best_validation_score_", "n_layers_", "n_outputs_", "out_activation_"):
        assert getattr(loaded, key) == getattr(original, key), key


@pytest.mark.parametrize(
    ("options", "labels"),
    [
        ({}, None),
        ({"dtype": "float32", "hidden_layer_sizes": (7, 5), "activation": "tanh"}, None),
        ({"engine": "looped", "hidden_layer_sizes": [6], "activation": "logistic", "max_iter": 3}, None),
        ({"solver": "sgd", "learning_rate": "invscaling", "early_stopping": True, "n_iter_no_change": math.inf}, None),
        ({}, np.array(["setosa", "versicolor", "virginica"])),
        ({}, np.array(["setosa", "versicolor", "virginica"], dtype=object)),
        ({}, np.array([-2.0, 1.0, 7.0])),
        ({"random_state": 5}, np.array([False, True, True])),
    ],
)
def test_classifier_round_trip_predicts_identically(
    tmp_path: Path, iris: tuple[np.ndarray, np.ndarray], options: dict[str, Any], labels: np.ndarray | None
) -> None:
    X, y = iris
    y = y if labels is None else labels[y]
    clf = MLPClassifier(**{"max_iter": 8, "random_state": 0, **options}).fit(X, y)
    loaded = load_estimator(save(tmp_path / "clf.json", clf))
    _same_fitted(loaded, clf)
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict_log_proba(X), clf.predict_log_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.score(X, y) == clf.score(X, y)


def test_the_file_holds_coefs_transposed_and_no_pickle(tmp_path: Path, iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=1).fit(X, y)
    doc = json.loads(save(tmp_path / "clf.json", clf).read_text())
    assert doc["format"] == "autonode-estimator" and doc["estimator"] == "MLPClassifier"
    assert doc["classes"] == [0, 1, 2] and doc["n_features_in"] == 4 and doc["params"]["max_iter"] == 3
    assert doc["network"]["sizes"] == [4, 5, 3] and doc["network"]["activations"] == ["relu", "softmax"]
    for layer, coef, intercept in zip(doc["network"]["layers"], clf.coefs_, clf.intercepts_, strict=True):
        assert layer["W"] == coef.T.tolist() and layer["b"] == intercept.tolist()
    model = load(tmp_path / "clf.json")  # the network part, as a bare model
    np.testing.assert_array_equal(model.to_network().predict_output(X), clf.predict_proba(X))


@pytest.mark.parametrize(
    "options",
    [{}, {"loss": "mse", "early_stopping": True}, {"dtype": "float32", "activation": "tanh", "hidden_layer_sizes": ()}],
)
@pytest.mark.parametrize("outputs", [1, 3])
def test_regressor_round_trip_predicts_identically(tmp_path: Path, options: dict[str, Any], outputs: int) -> None:
    X, y = make_regression(n_samples=80, n_features=5, n_targets=outputs, noise=0.1, random_state=0)
    reg = MLPRegressor(**{"max_iter": 6, "random_state": 0, **options}).fit(X, y / 100)
    loaded = load_estimator(save(tmp_path / "reg.json", reg))
    _same_fitted(loaded, reg)
    assert not hasattr(loaded, "classes_")
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    assert loaded.predict(X).shape == reg.predict(X).shape


def test_feature_names_survive(tmp_path: Path, iris: tuple[np.ndarray, np.ndarray]) -> None:
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["sepal l", "sepal w", "petal l", "petal w"])
    clf = MLPClassifier(max_iter=3, random_state=0).fit(frame, y)
    loaded = load_estimator(save(tmp_path / "clf.json", clf))
    assert list(loaded.feature_names_in_) == list(clf.feature_names_in_)
    np.testing.assert_array_equal(loaded.predict(frame), clf.predict(frame))
    with pytest.warns(UserWarning, match="feature names"):  # scikit-learn's own check still works
        warnings.simplefilter("always")
        loaded.predict(X)


def test_a_loaded_estimator_can_train_on(tmp_path: Path, iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    clf = MLPClassifier(max_iter=4, random_state=0, warm_start=True).fit(X, y)
    loaded = load_estimator(save(tmp_path / "clf.json", clf))
    loaded.fit(X, y)
    assert len(loaded.loss_curve_) == 8 and loaded.loss_curve_[:4] == clf.loss_curve_
    assert not np.array_equal(loaded.coefs_[0], clf.coefs_[0])


def test_what_cannot_be_saved_is_refused_before_writing(tmp_path: Path, iris: tuple[np.ndarray, np.ndarray]) -> None:
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, y = iris
    with pytest.raises(NotFittedError):
        save(tmp_path / "a.json", MLPClassifier())
    clf = MLPClassifier(max_iter=2, random_state=np.random.RandomState(0)).fit(X, y)
    with pytest.raises(ValueError, match=r"cannot save random_state=RandomState.*set_params\(random_state=0\)"):
        save(tmp_path / "b.json", clf)
    with pytest.raises(ValueError, match="not sklearn.neural_network"):
        save(tmp_path / "c.json", SklearnMLP(max_iter=2).fit(X, y))
    odd = MLPClassifier(max_iter=2).fit(X, y)
    odd.classes_ = np.array([(0,), (1,), (2,)] + [None], dtype=object)[:3]  # labels that are not numbers or strings
    with pytest.raises(ValueError, match="cannot save classes_ of dtype object"):
        save(tmp_path / "d.json", odd)
    assert list(tmp_path.iterdir()) == []


def _edited(tmp_path: Path, iris: tuple[np.ndarray, np.ndarray], change: Any) -> Path:
    X, y = iris
    path = save(tmp_path / "clf.json", MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0).fit(X, y))
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(estimator="SVC"), "'estimator' must be one of MLPClassifier, MLPRegressor, got 'SVC'"),
        (lambda d: d["params"].update(hidden_units=5), "params.hidden_units is not an option of MLPClassifier"),
        (lambda d: d["params"].update(activation="swish"), "params: The 'activation' parameter"),
        (lambda d: d["params"].update(max_iter=True), "params: The 'max_iter' parameter"),
        (lambda d: d["params"].update(random_state=[1]), "params.random_state must be an integer or null"),
        (lambda d: d["params"].update(hidden_layer_sizes={"tuple": [6]}), r"network.sizes \[4, 5, 3\] do not match"),
        (lambda d: d["params"].update(activation="tanh"), r"network.activations \['relu', 'softmax'\] do not match"),
        (lambda d: d["params"].update(alpha={"eval": "1"}), "params.alpha is an object other than"),
        (lambda d: d.update(classes=[0, 1]), "'classes' must list 3 labels"),
        (lambda d: d.update(classes=[0, 1, "2"]), r"classes\[2\] is '2'; classes of dtype int64 must be integers"),
        (lambda d: d.update(classes=[0, True, 2]), r"classes\[1\] is True"),
        (lambda d: d.update(classes=[2, 1, 0]), "'classes' must be sorted and distinct"),
        (lambda d: d.update(classes_dtype="object_of_desire"), "'classes_dtype' must name a numpy dtype"),
        (lambda d: d.update(n_features_in=5), "'n_features_in' must be the integer 4"),
        (lambda d: d["fitted"].update(n_iter_=True), "fitted.n_iter_ must be a non-negative integer"),
        (lambda d: d["fitted"].update(loss_curve_=[1.0, "0.5"]), "fitted.loss_curve_ must be numbers"),
        (lambda d: d["fitted"].update(secret_=1), "fitted.secret_ is not a record"),
        (lambda d: d["network"]["layers"][0]["b"].__setitem__(0, "0"), r"network.layers\[0\].b\[0\] is the string"),
        (lambda d: d.pop("network"), "'network' must be an object, got null"),
    ],
)
def test_bad_estimator_files_name_the_field(
    tmp_path: Path, iris: tuple[np.ndarray, np.ndarray], change: Any, message: str
) -> None:
    path = _edited(tmp_path, iris, change)
    with pytest.raises(ModelFileError, match=message) as caught:
        load_estimator(path)
    assert str(path) in str(caught.value)


def test_a_network_file_is_not_an_estimator(tmp_path: Path) -> None:
    from nets.vector import VectorMLP

    path = save(tmp_path / "net.json", VectorMLP([2, 2], ["identity"], rng=0))
    with pytest.raises(ModelFileError, match=r"holds a bare network \(autonode-mlp\).*nets.io.load"):
        load_estimator(path)
