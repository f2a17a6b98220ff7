"""The scikit-learn benchmark's splits and its table (the timings themselves are figures, never asserted)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from nets.experiments.sklearn_bench import _row, format_sklearn, split


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
