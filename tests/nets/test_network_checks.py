"""The input checks' finiteness test (nets.network_checks.all_finite) against numpy's entry-by-entry test."""

from __future__ import annotations

import numpy as np
import pytest

from nets.network_checks import all_finite, check_batch
from nets.train import train
from nets.vector import VectorMLP


@pytest.mark.parametrize(("values", "dtype", "finite"), [
    ([3e38] * 100, np.float32, True),  # the sum overflows to inf, yet every entry is finite
    ([1e308, 1e308], np.float64, True),
    ([60000.0, 60000.0], np.float16, True),
    ([1.0, np.nan], np.float64, False),
    ([np.inf], np.float32, False),
    ([np.inf, -np.inf], np.float64, False),  # the sum is nan
    ([1e308, 1e308, np.inf], np.float64, False),
    ([-np.inf, 5.0], np.float16, False),
    ([], np.float64, True),
    ([1, 2, 3], np.int64, True),
])
def test_all_finite_by_hand(values: list[float], dtype: type, finite: bool) -> None:
    assert all_finite(np.array(values, dtype=dtype)) is finite


def test_all_finite_agrees_with_numpys_entrywise_test_on_random_arrays() -> None:
    rng = np.random.default_rng(0)
    for trial in range(300):
        dtype = (np.float16, np.float32, np.float64)[trial % 3]
        big = np.finfo(dtype).max
        A = rng.choice([0.5, -2.0, big, -big, big / 3], size=(rng.integers(1, 20), rng.integers(1, 20))).astype(dtype)
        for _ in range(rng.integers(0, 3)):  # a few non-finite entries, or none
            A[rng.integers(A.shape[0]), rng.integers(A.shape[1])] = rng.choice([np.nan, np.inf, -np.inf])
        assert all_finite(A) == bool(np.all(np.isfinite(A)))
        assert all_finite(A.T) == bool(np.all(np.isfinite(A)))  # a strided view


def test_a_batch_of_large_finite_values_is_accepted_and_one_nan_refused() -> None:
    X = np.full((4, 3), 3e38, dtype=np.float32)
    assert check_batch(X, 3, "test", np.float32) is not None
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="test: X contains NaN or infinity"):
        check_batch(X, 3, "test", np.float32)


def test_training_refuses_an_infinite_entry_before_any_step() -> None:
    net = VectorMLP([3, 2], ["identity"], rng=0)
    before = net.flat_parameters().copy()
    X, Y = np.ones((5, 3)), np.zeros((5, 2))
    X[4, 0] = -np.inf
    with pytest.raises(ValueError, match="train: X must be numbers without NaN or infinity"):
        train(net, X, Y, loss="mse", epochs=1)
    np.testing.assert_array_equal(net.flat_parameters(), before)
