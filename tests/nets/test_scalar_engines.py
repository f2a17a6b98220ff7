"""The per-node MLP beside the other engines (same weights → same outputs, losses and gradients)."""

from __future__ import annotations

import numpy as np
import pytest

from nets.engines import make_engine
from nets.scalar import MLP

CASES = [
    (["sigmoid", "sigmoid"], "half_sse"),
    (["tanh", "identity"], "sse"),
    (["relu", "softmax"], "softmax_cross_entropy"),
    (["tanh", "sigmoid"], "binary_cross_entropy"),
    (["relu", "identity"], "hinge"),
]


@pytest.mark.parametrize("activations,loss", CASES)
@pytest.mark.parametrize("other", ["vector", "looped"])
def test_scalar_mlp_agrees_with_array_engines(activations: list[str], loss: str, other: str) -> None:
    rng = np.random.default_rng(3)
    sizes = [4, 6, 3]
    weights = [(rng.normal(size=(n, m)), rng.normal(size=n)) for m, n in zip(sizes, sizes[1:])]
    X = rng.normal(size=(7, 4))
    Y = np.eye(3)[rng.integers(0, 3, size=7)]
    if loss == "hinge":
        Y = 2 * Y - 1
    ours = MLP(4, sizes[1:], activations=activations, weights=weights)
    theirs = make_engine(other, sizes, activations, weights)
    np.testing.assert_allclose(ours.predict_output(X), theirs.predict_output(X), rtol=1e-12, atol=1e-14)
    value, grads = ours.loss_and_gradients(X, Y, loss)
    ref_value, ref_grads = theirs.loss_and_gradients(X, Y, loss)
    assert value == pytest.approx(ref_value, rel=1e-12)
    for (gW, gb), (rW, rb) in zip(grads, ref_grads):
        np.testing.assert_allclose(gW, rW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(gb, rb, rtol=1e-10, atol=1e-13)
