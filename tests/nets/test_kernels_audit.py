"""The numba kernels' edges: a read-only parameter, and a net switched to numba loaded where numba is missing."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest

pytest.importorskip("numba")

from nets import compiled  # noqa: E402
from nets.optim import Adam  # noqa: E402
from nets.train import train  # noqa: E402
from nets.vector import VectorMLP  # noqa: E402


def test_numba_adam_on_a_read_only_parameter_refuses_it_as_numpys_does() -> None:
    # numpy's kernel: ValueError "output array is read-only"; the compiled path should take numpy's (or say the same)
    errors = {}
    for kernel in ("numpy", "numba"):
        p = np.ones(4)
        p.flags.writeable = False
        with pytest.raises(ValueError, match="read-only") as caught:
            Adam(kernel=kernel).step([p], [np.ones(4)])
        errors[kernel] = caught.type
    assert errors["numba"] is errors["numpy"]


def test_a_net_trained_with_numba_kernels_unpickles_where_numba_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(12, 4)), np.eye(3)[rng.integers(0, 3, 12)]
    net = VectorMLP([4, 5, 3], ["relu", "softmax"], rng=0)
    train(net, X, Y, loss="softmax_cross_entropy", optimizer="adam", epochs=2, kernels="numba", progress=False)
    blob, expected = pickle.dumps(net), net.forward(X).copy()
    compiled._build.cache_clear()
    monkeypatch.setitem(sys.modules, "numba", None)  # as on a machine without numba
    try:
        assert not compiled.available()
        loaded = pickle.loads(blob)  # the weights do not depend on numba: loading them should not need it
        np.testing.assert_array_equal(loaded.forward(X), expected)
    finally:
        compiled._build.cache_clear()
