"""Layer activations: the in-place derivative kernels give the op table's derivative rules."""

from __future__ import annotations

import numpy as np
import pytest

from autonode import ops
from nets.activations import LAYER_ACTIVATIONS, layer_op, scale_by_derivative, softmax


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", LAYER_ACTIVATIONS)
def test_in_place_derivative_is_the_tables_rule(name: str, dtype: type) -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(size=(7, 5)).astype(dtype) * 3
    z[0, :2] = 0.0  # relu's kink: the table says 0 there
    op = layer_op(name)
    h = op.forward(z)
    delta = rng.normal(size=z.shape).astype(dtype)
    expected = delta * ops.activation_derivative(op, z, h)
    scale_by_derivative(name)(delta, h)
    assert delta.dtype == dtype
    np.testing.assert_allclose(delta, expected, rtol=2e-7 if dtype == np.float32 else 1e-15, atol=0)


def test_softmax_output_layer_passes_the_loss_gradient_through() -> None:
    delta = np.array([[0.5, -0.5]])
    scale_by_derivative("softmax")(delta, np.array([[3.0, 1.0]]))
    np.testing.assert_array_equal(delta, [[0.5, -0.5]])  # the loss saw the logits: f' = 1


def test_softmax_by_hand() -> None:
    np.testing.assert_allclose(softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]])
    np.testing.assert_allclose(softmax(np.array([[1000.0, 0.0]])), [[1.0, 0.0]])  # no overflow
