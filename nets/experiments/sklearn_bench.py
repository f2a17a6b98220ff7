"""nets' estimators against scikit-learn's, defaults against defaults, on the same splits.

* :func:`compare_defaults` — ``nets.MLPClassifier()`` vs ``sklearn.neural_network.MLPClassifier()``
  on digits, breast cancer and wine, ``nets.MLPRegressor()`` vs scikit-learn's on diabetes and
  ``make_friedman1``: test accuracy / R² and fit time per split, and where the time ratio comes from
  (fit time = epochs run × time per epoch, so ratio = epochs ratio × per-epoch ratio).
* :func:`time_to_score` — like for like: both estimators trained one epoch at a time
  (``partial_fit``, same batches and solver as their defaults), the time until each first reaches
  the target test score (the scoring itself not timed, on either side).

Every split is 60/40 (stratified for the classifiers), inputs standardised on the training rows;
regression targets are standardised the same way for both (scikit-learn's default regressor cannot
reach diabetes' raw target scale, ~25-346, in its 200 epochs). Both run on one BLAS thread,
in alternating order. Figures are returned as dicts; ``autonode bench sklearn`` prints them.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import datasets
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from threadpoolctl import threadpool_limits

from nets.estimator import MLPClassifier
from nets.regressor import MLPRegressor
from nets.types import Array

CLASSIFICATION = ("digits", "breast_cancer", "wine")
REGRESSION = ("diabetes", "friedman1")
GOAL_POINTS = 0.5  # accuracy / R² (in points of 100) at most this far below scikit-learn's
GOAL_TIME_RATIO = 0.1  # fit time at most this fraction of scikit-learn's

_LOADERS: dict[str, Callable[[], tuple[Array, Array]]] = {
    "digits": lambda: datasets.load_digits(return_X_y=True),
    "breast_cancer": lambda: datasets.load_breast_cancer(return_X_y=True),
    "wine": lambda: datasets.load_wine(return_X_y=True),
    "diabetes": lambda: datasets.load_diabetes(return_X_y=True),
    "friedman1": lambda: datasets.make_friedman1(n_samples=1000, noise=1.0, random_state=0),
}


def split(name: str, seed: int) -> tuple[Array, Array, Array, Array]:
    """(X_train, X_test, y_train, y_test): 60/40, stratified for classification, standardised on the training rows."""
    if name not in _LOADERS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(_LOADERS)}")
    X, y = _LOADERS[name]()
    classify = name in CLASSIFICATION
    X_train, X_test, y_train, y_test = train_test_split(
        np.asarray(X, dtype=np.float64), np.asarray(y), test_size=0.4, random_state=seed,
        stratify=y if classify else None)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    if not classify:
        centre, spread = y_train.mean(), y_train.std()
        y_train, y_test = (y_train - centre) / spread, (y_test - centre) / spread
    return X_train, X_test, y_train, y_test


def _pair(name: str, seed: int, options: dict[str, Any] | None = None) -> tuple[BaseEstimator, BaseEstimator]:
    """(nets' estimator, scikit-learn's), each with its defaults (nets' changed by ``options``), same random_state."""
    if name in CLASSIFICATION:
        return MLPClassifier(random_state=seed, **(options or {})), SkClassifier(random_state=seed)
    return MLPRegressor(random_state=seed, **(options or {})), SkRegressor(random_state=seed)


def _fit(estimator: BaseEstimator, X: Array, y: Array) -> float:
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start


def compare_defaults(names: tuple[str, ...] = CLASSIFICATION + REGRESSION, seeds: tuple[int, ...] = (0, 1, 2),
                     options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One row per data set: mean test score, fit time, epochs and time per epoch on each side, over ``seeds``.

    ``options`` change nets' defaults (to try other settings against scikit-learn's defaults).
    """
    rows = []
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in names:
            ours: dict[str, list[float]] = {"score": [], "seconds": [], "epochs": []}
            theirs: dict[str, list[float]] = {"score": [], "seconds": [], "epochs": []}
            for k, seed in enumerate(seeds):
                X_train, X_test, y_train, y_test = split(name, seed)
                mine, sk = _pair(name, seed, options)
                order = [(mine, ours), (sk, theirs)] if k % 2 == 0 else [(sk, theirs), (mine, ours)]
                for estimator, record in order:
                    record["seconds"].append(_fit(estimator, X_train, y_train))
                    record["score"].append(float(estimator.score(X_test, y_test)))
                    record["epochs"].append(float(estimator.n_iter_))
            rows.append(_row(name, len(seeds), ours, theirs))
    return rows


def _row(name: str, n_seeds: int, ours: dict[str, list[float]], theirs: dict[str, list[float]]) -> dict[str, Any]:
    mean = {side: {k: float(np.mean(v)) for k, v in record.items()} for side, record in (("nets", ours),
                                                                                          ("sklearn", theirs))}
    for side in mean.values():
        side["seconds_per_epoch"] = side["seconds"] / side["epochs"]
    points = 100 * (mean["nets"]["score"] - mean["sklearn"]["score"])
    ratio = mean["nets"]["seconds"] / mean["sklearn"]["seconds"]
    epoch_cost = mean["nets"]["seconds_per_epoch"] / mean["sklearn"]["seconds_per_epoch"]
    epochs = mean["nets"]["epochs"] / mean["sklearn"]["epochs"]
    return {
        "dataset": name, "metric": "accuracy" if name in CLASSIFICATION else "R²", "splits": n_seeds,
        "nets": mean["nets"], "sklearn": mean["sklearn"], "score_points": points, "time_ratio": ratio,
        "per_epoch_ratio": epoch_cost, "epochs_ratio": epochs,
        "lead_from": "per-epoch cost" if abs(np.log(epoch_cost)) > abs(np.log(epochs)) else "epochs needed",
        "goal_met": points >= -GOAL_POINTS and ratio <= GOAL_TIME_RATIO,
    }


def time_to_score(name: str, target: float, seeds: tuple[int, ...] = (0, 1, 2), max_epochs: int = 200
                  ) -> dict[str, Any]:
    """Both sides' time to first reach ``target`` test score, training one epoch at a time (``partial_fit``).

    Each side keeps its default network, solver and batches; only the ``partial_fit`` calls are timed.
    Returns, per side, the mean seconds and epochs to the target over the seeds that reached it,
    and the ratio split into per-epoch cost and epochs needed.
    """
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        results: dict[str, dict[str, list[float]]] = {"nets": {"seconds": [], "epochs": []},
                                                      "sklearn": {"seconds": [], "epochs": []}}
        for k, seed in enumerate(seeds):
            X_train, X_test, y_train, y_test = split(name, seed)
            mine, sk = _pair(name, seed)
            mine.set_params(random_state=np.random.RandomState(seed))  # advances: a new shuffle each epoch
            sk.set_params(random_state=np.random.RandomState(seed))
            sides = [("nets", mine), ("sklearn", sk)]
            for side, estimator in sides if k % 2 == 0 else sides[::-1]:
                spent = _epochs_to(estimator, X_train, y_train, X_test, y_test, target, max_epochs)
                if spent is not None:
                    results[side]["seconds"].append(spent[0])
                    results[side]["epochs"].append(spent[1])
    out: dict[str, Any] = {"dataset": name, "target": target, "splits": len(seeds)}
    for side, record in results.items():
        reached = len(record["seconds"])
        out[side] = {"reached": reached, "seconds": float(np.mean(record["seconds"])) if reached else None,
                     "epochs": float(np.mean(record["epochs"])) if reached else None}
        if reached:
            out[side]["seconds_per_epoch"] = out[side]["seconds"] / out[side]["epochs"]
    if out["nets"]["reached"] and out["sklearn"]["reached"]:
        out["time_ratio"] = out["nets"]["seconds"] / out["sklearn"]["seconds"]
        out["per_epoch_ratio"] = out["nets"]["seconds_per_epoch"] / out["sklearn"]["seconds_per_epoch"]
        out["epochs_ratio"] = out["nets"]["epochs"] / out["sklearn"]["epochs"]
    return out


def _epochs_to(estimator: Any, X: Array, y: Array, X_test: Array, y_test: Array, target: float, max_epochs: int
               ) -> tuple[float, int] | None:
    """(seconds, epochs) of partial_fit until the test score first reaches ``target``; None if it never does."""
    classes = np.unique(y) if hasattr(estimator, "predict_proba") else None
    spent = 0.0
    for epoch in range(1, max_epochs + 1):
        start = time.perf_counter()
        if classes is None:
            estimator.partial_fit(X, y)
        else:
            estimator.partial_fit(X, y, classes=classes)
        spent += time.perf_counter() - start
        if estimator.score(X_test, y_test) >= target:
            return spent, epoch
    return None
