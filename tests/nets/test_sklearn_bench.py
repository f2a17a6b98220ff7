"""The scikit-learn benchmark's splits and its table (the timings themselves are figures, never asserted)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from nets.experiments.sklearn_bench import (
    BENCHMARK_SEEDS,
    DEVELOPMENT_SEEDS,
    _row,
    format_sklearn,
    split,
)


def test_split_is_scikit_learns_stratified_split_standardised_on_the_training_rows() -> None:
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=3, stratify=y)
    scaler = StandardScaler().fit(X_train)
    ours = split("wine", 3)
    np.testing.assert_allclose(ours[0], scaler.transform(X_train), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours[1], scaler.transform(X_test), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours[2], y_train)
    with pytest.raises(ValueError, match="unknown data set 'iris'"):
        split("iris", 0)


def test_a_row_splits_the_time_ratio_into_epochs_and_cost_per_epoch() -> None:
    ours = {"score": [0.97, 0.962], "seconds": [0.1, 0.1], "epochs": [20.0, 20.0]}
    theirs = {"score": [0.97, 0.97], "seconds": [2.0, 2.0], "epochs": [200.0, 200.0]}
    row = _row("digits", 2, ours, theirs)
    assert row["score_points"] == pytest.approx(-0.4)
    assert row["time_ratio"] == pytest.approx(0.05)
    assert row["epochs_ratio"] == pytest.approx(0.1) and row["per_epoch_ratio"] == pytest.approx(0.5)
    assert row["lead_from"] == "epochs needed" and row["goal_met"]
    slower = _row("wine", 2, ours, {**theirs, "seconds": [0.5, 0.5]})
    assert slower["time_ratio"] == pytest.approx(0.2) and not slower["goal_met"]
    table = format_sklearn({"seeds": [0, 1], "defaults": [row, slower], "time_to_target": []})
    assert "digits" in table and " met" in table and "NOT met" in table and "0.050×" in table


def test_a_row_reports_the_standard_error_of_the_per_split_differences() -> None:
    ours = {"score": [0.30, 0.35, 0.40, 0.33], "seconds": [0.1] * 4, "epochs": [20.0] * 4}
    theirs = {"score": [0.32, 0.34, 0.36, 0.35], "seconds": [2.0] * 4, "epochs": [200.0] * 4}
    row = _row("diabetes", 4, ours, theirs)
    # by hand: differences -2, +1, +4, -2 points; mean 0.25; squared deviations 5.0625 + 0.5625 + 14.0625
    # + 5.0625 = 24.75; sample variance 24.75 / 3 = 8.25; standard error sqrt(8.25) / sqrt(4) = 1.4361...
    differences = [-2.0, 1.0, 4.0, -2.0]
    assert row["score_points_per_split"] == pytest.approx(differences)
    assert row["score_points"] == pytest.approx(0.25)
    assert row["score_points_se"] == pytest.approx(math.sqrt(8.25) / 2)
    assert row["score_points_se"] == pytest.approx(statistics.stdev(differences) / math.sqrt(4))
    assert row["goal_met"]  # judged on the mean, not on mean - se
    table = format_sklearn({"seeds": [0, 1, 2, 3], "defaults": [row], "time_to_target": []})
    assert "+0.25 ±1.44" in table and "± is one standard error" in table
    single = _row("diabetes", 1, {k: v[:1] for k, v in ours.items()}, {k: v[:1] for k, v in theirs.items()})
    assert single["score_points_se"] is None and single["score_points"] == pytest.approx(-2.0)
    assert "-2.00 " in format_sklearn({"seeds": [0], "defaults": [single], "time_to_target": []})


def test_the_benchmarks_splits_are_ten_and_never_the_development_splits() -> None:
    assert list(BENCHMARK_SEEDS) == list(range(10))
    assert not set(BENCHMARK_SEEDS) & set(DEVELOPMENT_SEEDS)
