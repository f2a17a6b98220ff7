"""The op table's ``reduce`` rules: an n-ary op's forward over the last axis of one array.

The vectorised engine calls ``reduce`` on an (m, K) matrix instead of splitting it
into K columns for ``forward``; the two must agree, the reduced axis kept with length 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autonode import ops

REDUCIBLE = [op for op in ops.OPS.values() if op.reduce is not None]


def test_the_n_ary_ops_used_by_batched_engines_have_a_reduce_rule() -> None:
    assert {op.name for op in REDUCIBLE} >= {"sum", "logsumexp"}
    assert all(op.arity is None for op in REDUCIBLE)


@pytest.mark.parametrize("op", REDUCIBLE, ids=lambda op: op.name)
@pytest.mark.parametrize("shape", [(7,), (5, 3), (4, 2, 6)])
def test_reduce_equals_forward_over_the_last_axis(op: ops.Op, shape: tuple[int, ...]) -> None:
    X = np.random.default_rng(1).normal(size=shape) * 3.0
    columns = np.moveaxis(X, -1, 0)
    expected = op.forward(*columns)
    reduced = ops.reduce_rule(op)(X)
    assert reduced.shape == (*shape[:-1], 1)  # the reduced axis is kept, to broadcast against X
    np.testing.assert_allclose(reduced[..., 0], expected, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("op", REDUCIBLE, ids=lambda op: op.name)
def test_reduce_on_rows_matches_the_float_rule(op: ops.Op) -> None:
    X = np.array([[0.5, -1.25, 2.0], [3.0, 0.0, -0.75]])
    reduced = ops.reduce_rule(op)(X)
    for row, value in zip(X.tolist(), reduced[:, 0].tolist()):
        assert value == pytest.approx(op.forward(*row), rel=1e-15)


def test_logsumexp_reduce_is_stable_and_keeps_float32() -> None:
    X = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]], dtype=np.float32)
    out = ops.reduce_rule(ops.LOGSUMEXP)(X)[:, 0]
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [1000.0 + math.log(2.0), -1000.0 + math.log(2.0)], rtol=1e-6)


def test_an_op_without_reduce_says_so() -> None:
    with pytest.raises(ValueError, match="op tanh has no reduce rule"):
        ops.reduce_rule(ops.TANH)


def test_logsumexp_of_infinities_matches_pytorch_semantics() -> None:
    """logsumexp(-inf, -inf) = -inf and logsumexp(x, +inf) = +inf, on floats and on arrays (no nan)."""
    inf = math.inf
    assert ops.LOGSUMEXP.forward(-inf) == -inf
    assert ops.LOGSUMEXP.forward(-inf, -inf) == -inf
    assert ops.LOGSUMEXP.forward(1.0, inf) == inf
    assert ops.LOGSUMEXP.forward(1.0, -inf) == pytest.approx(1.0, rel=1e-15)
    rows = np.array([[-inf, -inf], [1.0, inf], [1.0, -inf], [0.0, 0.0]])
    reduced = ops.reduce_rule(ops.LOGSUMEXP)(rows)[:, 0]
    np.testing.assert_array_equal(reduced[:3], [-inf, inf, 1.0])
    assert reduced[3] == pytest.approx(math.log(2.0), rel=1e-15)
