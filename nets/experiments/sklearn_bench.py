"""nets' estimators against scikit-learn's, defaults against defaults, on the same splits.

* :func:`compare_defaults` — ``nets.MLPClassifier()`` vs ``sklearn.neural_network.MLPClassifier()``
  on digits, breast cancer and wine, ``nets.MLPRegressor()`` vs scikit-learn's on diabetes and
  ``make_friedman1``: test accuracy / R² and fit time per split, the score difference's standard error
  over the splits, and where the time ratio comes from (fit time = epochs run × time per epoch, so
  ratio = epochs ratio × per-epoch ratio).
* :func:`time_to_score` — like for like: both estimators trained one epoch at a time
  (``partial_fit``, same batches and solver as their defaults), the time until each first reaches
  the target test score (the scoring itself not timed, on either side).
* :func:`development_scores` — how nets' defaults were chosen: candidate options against
  scikit-learn's defaults on :data:`DEVELOPMENT` (other data sets, and other splits of the
  benchmark's own, than the benchmark's), never on the benchmark's splits.

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
BENCHMARK_SEEDS = tuple(range(10))
"""The benchmark's splits (``random_state`` of each 60/40 split); defaults are never chosen on them.
Ten, because one split's score difference varies by about 2 points (sd, diabetes' R²): over ten the
mean's standard error is about 0.6 points, near the 0.5-point goal; over three it would be about 1.2."""

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
    return _split(X, y, name in CLASSIFICATION, seed)


def _split(X: Array, y: Array, classify: bool, seed: int) -> tuple[Array, Array, Array, Array]:
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


def compare_defaults(names: tuple[str, ...] = CLASSIFICATION + REGRESSION, seeds: tuple[int, ...] = BENCHMARK_SEEDS,
                     options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One row per data set: mean test score, fit time, epochs and time per epoch on each side, over ``seeds``.

    ``score_points`` is nets' mean score minus scikit-learn's in points of 100 (the goal is judged on it),
    ``score_points_per_split`` the difference on each split and ``score_points_se`` its standard error
    (sample sd / √n; None from a single split).

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
    per_split = [100 * (a - b) for a, b in zip(ours["score"], theirs["score"], strict=True)]
    # standard error of the mean per-split difference (sample sd, ddof=1); none from a single split
    se = float(np.std(per_split, ddof=1) / np.sqrt(len(per_split))) if len(per_split) > 1 else None
    ratio = mean["nets"]["seconds"] / mean["sklearn"]["seconds"]
    epoch_cost = mean["nets"]["seconds_per_epoch"] / mean["sklearn"]["seconds_per_epoch"]
    epochs = mean["nets"]["epochs"] / mean["sklearn"]["epochs"]
    return {
        "dataset": name, "metric": "accuracy" if name in CLASSIFICATION else "R²", "splits": n_seeds,
        "nets": mean["nets"], "sklearn": mean["sklearn"], "score_points": points, "score_points_se": se,
        "score_points_per_split": per_split, "time_ratio": ratio,
        "per_epoch_ratio": epoch_cost, "epochs_ratio": epochs,
        "lead_from": "per-epoch cost" if abs(np.log(epoch_cost)) > abs(np.log(epochs)) else "epochs needed",
        "goal_met": points >= -GOAL_POINTS and ratio <= GOAL_TIME_RATIO,
    }


def time_to_score(name: str, target: float, seeds: tuple[int, ...] = BENCHMARK_SEEDS, max_epochs: int = 200
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


DEVELOPMENT_SEEDS = (10, 11, 12, 13, 14, 15, 16, 17)
"""Splits for choosing defaults: never the benchmark's (:data:`BENCHMARK_SEEDS`, 0-9)."""
_DEVELOPMENT: dict[str, tuple[bool, Callable[[], tuple[Array, Array]]]] = {
    "digits": (True, _LOADERS["digits"]),
    "breast_cancer": (True, _LOADERS["breast_cancer"]),
    "wine": (True, _LOADERS["wine"]),
    "iris": (True, lambda: datasets.load_iris(return_X_y=True)),
    "classification": (True, lambda: datasets.make_classification(
        800, 20, n_informative=8, n_classes=4, random_state=5)),
    "diabetes": (False, _LOADERS["diabetes"]),
    "friedman1_other": (False, lambda: datasets.make_friedman1(n_samples=1000, noise=1.0, random_state=7)),
    "friedman2": (False, lambda: datasets.make_friedman2(n_samples=600, noise=50.0, random_state=3)),
    "friedman3": (False, lambda: datasets.make_friedman3(n_samples=600, noise=0.1, random_state=3)),
    "regression": (False, lambda: datasets.make_regression(500, 10, n_informative=5, noise=20.0, random_state=4)),
}
DEVELOPMENT = tuple(_DEVELOPMENT)
"""Data sets for choosing defaults: iris, a 4-class ``make_classification``, ``make_friedman1`` drawn
with another seed than the benchmark's, ``make_friedman2``/``3``, a linear ``make_regression``, and the
benchmark's digits, breast cancer, wine and diabetes on :data:`DEVELOPMENT_SEEDS`' splits."""


def development_scores(options: dict[str, Any], kind: str, seeds: tuple[int, ...] = DEVELOPMENT_SEEDS
                       ) -> dict[str, dict[str, float]]:
    """Per development set of ``kind`` ('classifier' or 'regressor'): nets' test score with ``options`` minus
    scikit-learn's with its defaults, in points (mean and worst split), and nets' mean epochs. Scores only:
    nothing here is timed (the time budget is set by the epochs, see :func:`compare_defaults`)."""
    if kind not in ("classifier", "regressor"):
        raise ValueError(f"kind must be 'classifier' or 'regressor', got {kind!r}")
    out = {}
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, (classify, load) in _DEVELOPMENT.items():
            if classify != (kind == "classifier"):
                continue
            X, y = load()
            points, epochs = [], []
            for seed in seeds:
                X_train, X_test, y_train, y_test = _split(X, y, classify, seed)
                mine = (MLPClassifier if classify else MLPRegressor)(random_state=seed, **options)
                sk = (SkClassifier if classify else SkRegressor)(random_state=seed)
                scores = [float(e.fit(X_train, y_train).score(X_test, y_test)) for e in (mine, sk)]
                points.append(100 * (scores[0] - scores[1]))
                epochs.append(float(mine.n_iter_))
            out[name] = {"mean_points": float(np.mean(points)), "worst_points": float(np.min(points)),
                         "epochs": float(np.mean(epochs))}
    return out


TIME_TARGETS = {"digits": 0.97, "breast_cancer": 0.96, "wine": 0.97, "diabetes": 0.3, "friedman1": 0.9}
"""Test score each side must reach in the time-to-target table (scikit-learn's defaults reach each on at least
half of the benchmark's splits; the table counts the splits that reached it when some did not)."""


def bench_sklearn(quick: bool = False) -> dict[str, Any]:
    """Both tables: defaults on every data set, and time to each target like for like (quick: digits, one split)."""
    seeds = BENCHMARK_SEEDS[:1] if quick else BENCHMARK_SEEDS
    names = ("digits",) if quick else CLASSIFICATION + REGRESSION
    return {
        "seeds": list(seeds),
        "defaults": compare_defaults(names, seeds),
        "time_to_target": [time_to_score(name, TIME_TARGETS[name], seeds) for name in names],
    }


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{1e3 * seconds:.0f} ms" if seconds >= 0.01 else f"{1e3 * seconds:.1f} ms"


def format_sklearn(results: dict[str, Any]) -> str:
    """The two tables as text, with the goal and where each time ratio comes from."""
    n = len(results["seeds"])
    lines = [f"nets vs scikit-learn, each with its defaults: mean over {n} split{'s' * (n > 1)} (60/40), "
             "one BLAS thread, alternating order",
             f"{'data set':<14} {'metric':<8} {'nets':>7} {'sklearn':>7} {'Δ pts':>12} {'fit nets':>9} "
             f"{'fit sklearn':>11} {'ratio':>6} {'epochs':>9} {'per epoch':>9}  lead from       goal"]
    for r in results["defaults"]:
        ours, theirs = r["nets"], r["sklearn"]
        delta = f"{r['score_points']:+.2f}" + ("" if r.get("score_points_se") is None
                                                else f" ±{r['score_points_se']:.2f}")
        lines.append(
            f"{r['dataset']:<14} {r['metric']:<8} {100 * ours['score']:>7.2f} {100 * theirs['score']:>7.2f} "
            f"{delta:>12} {_ms(ours['seconds']):>9} {_ms(theirs['seconds']):>11} "
            f"{r['time_ratio']:>5.3f}× {ours['epochs']:>4.0f}/{theirs['epochs']:<4.0f} {r['per_epoch_ratio']:>8.2f}×  "
            f"{r['lead_from']:<15} {'met' if r['goal_met'] else 'NOT met'}")
    lines += [f"goal: within {GOAL_POINTS} points of scikit-learn's score (on the mean Δ) at ≤ {GOAL_TIME_RATIO}× "
              "its fit time; ratio = (epochs nets/sklearn) × (time per epoch ratio)",
              "Δ pts: mean of the per-split differences (nets − sklearn, points of 100); "
              + (f"± is one standard error of that mean over the {n} splits (sd/√n, sd with ddof=1)" if n > 1
                 else "one split, so no standard error"),
              "defaults differ in the epoch cap (nets: classifier 12, regressor 20; scikit-learn 200), Adam's rate "
              "(0.01, 0.02; 0.001) and the classifier's batches (min(64, rows); min(200, rows)); both: 100 ReLU "
              "units, Glorot-uniform weights, alpha 1e-4, stop after 10 epochs without a 1e-4 gain",
              "",
              f"time to a test score, like for like, over the same {n} split{'s' * (n > 1)}: both trained one epoch "
              "at a time (partial_fit, their default network, solver and batches), scoring not timed",
              f"{'data set':<14} {'target':>7} {'nets':>18} {'sklearn':>18} {'ratio':>7} {'per epoch':>9} "
              f"{'epochs':>7}"]
    for r in results["time_to_target"]:
        cells = []
        for side in ("nets", "sklearn"):
            s = r[side]
            some = "" if s["reached"] == r["splits"] else f" {s['reached']}/{r['splits']}"
            cells.append(f"{_ms(s['seconds'])} ({s['epochs']:.0f} ep){some}" if s["reached"] else "not reached")
        ratio = (f"{r['time_ratio']:>6.3f}× {r['per_epoch_ratio']:>8.2f}× {r['epochs_ratio']:>6.2f}×"
                 if "time_ratio" in r else "")
        lines.append(f"{r['dataset']:<14} {r['target']:>7.2f} {cells[0]:>18} {cells[1]:>18} {ratio}")
    lines.append("ratio = per-epoch cost ratio × epochs-needed ratio (means over the splits that reached the target)")
    return "\n".join(lines)


def sklearn_time_to_accuracy(X_train: Array, y_train: Array, X_test: Array, y_test: Array, target: float,
                             seed: int = 0, hidden: tuple[int, ...] = (30,), max_epochs: int = 200
                             ) -> dict[str, Any]:
    """scikit-learn's ``MLPClassifier(hidden)`` (its defaults otherwise) trained one epoch at a time until the
    test accuracy reaches ``target``: seconds (scoring included, as a caller timing its own epochs does),
    epochs, and the accuracy at the end. ``seconds`` is None if ``max_epochs`` do not reach it."""
    sk = SkClassifier(hidden_layer_sizes=hidden, random_state=np.random.RandomState(seed))
    classes = np.unique(y_train)
    start, score = time.perf_counter(), 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(1, max_epochs + 1):
            sk.partial_fit(X_train, y_train, classes=classes)
            score = float(sk.score(X_test, y_test))
            if score >= target:
                return {"seconds": time.perf_counter() - start, "epochs": epoch, "accuracy": score}
    return {"seconds": None, "epochs": max_epochs, "accuracy": score}
