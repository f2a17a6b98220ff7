"""Every primitive of the op table, on Python floats and on numpy arrays.

Forward values are checked against independent formulas (``math`` for floats,
numpy for arrays); derivative rules against central differences of those
formulas. An op named like a numpy function (``sin``, ``abs``) needs no entry
here: numpy's function of that name is its reference, sampled in [-2, 2]. Any
other op added to ``autonode.ops.OPS`` without a reference makes
``test_every_op_has_a_reference`` fail, so nothing escapes the loop.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from autonode import ops

EPS = 1e-6
RTOL = 1e-6
ATOL = 1e-7


@dataclass(frozen=True)
class Reference:
    """An independent formula for one op, and where its inputs may be drawn from."""

    scalar: Callable[..., float]
    array: Callable[..., Any]
    sample: Callable[[np.random.Generator, int], list[np.ndarray]]


def _general(n_inputs: int) -> Callable[[np.random.Generator, int], list[np.ndarray]]:
    """Inputs anywhere in [-2, 2], but at least 0.1 away from 0 (relu kink, divisors)."""

    def sample(rng: np.random.Generator, size: int) -> list[np.ndarray]:
        out = []
        for _ in range(n_inputs):
            x = rng.uniform(0.1, 2.0, size) * rng.choice([-1.0, 1.0], size)
            out.append(x)
        return out

    return sample


def _positive_first(n_inputs: int) -> Callable[[np.random.Generator, int], list[np.ndarray]]:
    """First input in [0.2, 3] (log argument, power base), others in [-2, 2]."""

    def sample(rng: np.random.Generator, size: int) -> list[np.ndarray]:
        return [rng.uniform(0.2, 3.0, size)] + [rng.uniform(-2.0, 2.0, size) for _ in range(n_inputs - 1)]

    return sample


def _sigmoid_scalar(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _logsumexp_scalar(*xs: float) -> float:
    return math.log(math.fsum(math.exp(x) for x in xs))


N_ARY = 3  # operands given to the n-ary ops (dot takes 2 × N_ARY)

REFERENCES: dict[str, Reference] = {
    "add": Reference(lambda a, b: a + b, np.add, _general(2)),
    "sub": Reference(lambda a, b: a - b, np.subtract, _general(2)),
    "mul": Reference(lambda a, b: a * b, np.multiply, _general(2)),
    "div": Reference(lambda a, b: a / b, np.divide, _general(2)),
    "neg": Reference(lambda a: -a, np.negative, _general(1)),
    "pow": Reference(math.pow, np.power, _positive_first(2)),
    "exp": Reference(math.exp, np.exp, _general(1)),
    "log": Reference(math.log, np.log, _positive_first(1)),
    "tanh": Reference(math.tanh, np.tanh, _general(1)),
    "sigmoid": Reference(_sigmoid_scalar, lambda x: 1.0 / (1.0 + np.exp(-x)), _general(1)),
    "relu": Reference(lambda x: max(x, 0.0), lambda x: np.where(x > 0, x, 0.0), _general(1)),
    "identity": Reference(lambda x: x, lambda x: np.array(x, copy=True), _general(1)),
    "sum": Reference(lambda *xs: math.fsum(xs), lambda *xs: np.sum(np.stack(xs), axis=0), _general(N_ARY)),
    "dot": Reference(
        lambda *xs: math.fsum(xs[i] * xs[i + N_ARY] for i in range(N_ARY)),
        lambda *xs: np.sum(np.stack(xs[:N_ARY]) * np.stack(xs[N_ARY:]), axis=0),
        _general(2 * N_ARY),
    ),
    "logsumexp": Reference(
        _logsumexp_scalar, lambda *xs: np.log(np.sum(np.exp(np.stack(xs)), axis=0)), _general(N_ARY)
    ),
}

POW_CONST_EXPONENTS = [2, 3, -1, -2, 0.5, 1.5, 0, 1]


def reference(name: str, op: ops.Op) -> Reference:
    """The reference of an op: its entry above, else numpy's function of the same name."""
    if name in REFERENCES:
        return REFERENCES[name]
    ufunc = getattr(np, name, None)
    assert callable(ufunc) and op.arity is not None, f"add a Reference for the op {name!r}"
    return Reference(lambda *xs: float(ufunc(*xs)), ufunc, _general(op.arity))


def _pow_const_reference(n: float) -> Reference:
    return Reference(lambda a: math.pow(a, n), lambda a: np.power(a, float(n)), _positive_first(1))


CASES: list[tuple[str, ops.Op, Reference]] = [(name, op, reference(name, op)) for name, op in ops.OPS.items()] + [
    (f"pow_const({n})", ops.pow_const(n), _pow_const_reference(n)) for n in POW_CONST_EXPONENTS
]
CASE_IDS = [case[0] for case in CASES]


def _close(actual: Any, expected: Any) -> bool:
    return bool(np.all(np.abs(np.asarray(actual) - np.asarray(expected)) <= ATOL + RTOL * np.abs(expected)))


def test_every_op_has_a_reference() -> None:
    for name in ops.OPS:
        assert name in REFERENCES or callable(getattr(np, name, None)), f"add a Reference for the op {name!r}"


def test_ops_describe_themselves() -> None:
    for name, op in ops.OPS.items():
        assert op.name == name
        assert op.symbol and op.formula, f"{name} needs a display symbol and a formula"


@pytest.mark.parametrize(("name", "op", "ref"), CASES, ids=CASE_IDS)
def test_forward_on_floats(name: str, op: ops.Op, ref: Reference) -> None:
    rng = np.random.default_rng(1)
    for point in zip(*ref.sample(rng, 20)):
        xs = [float(x) for x in point]
        out = op.forward(*xs)
        assert isinstance(out, float), f"{name} on floats must give a Python float, got {type(out).__name__}"
        assert _close(out, ref.scalar(*xs)), f"{name}{tuple(xs)} = {out}, expected {ref.scalar(*xs)}"


@pytest.mark.parametrize(("name", "op", "ref"), CASES, ids=CASE_IDS)
def test_forward_on_arrays(name: str, op: ops.Op, ref: Reference) -> None:
    rng = np.random.default_rng(2)
    xs = [x.reshape(4, 5) for x in ref.sample(rng, 20)]
    out = op.forward(*xs)
    assert isinstance(out, np.ndarray) and out.shape == (4, 5), f"{name} must keep the array shape"
    assert _close(out, ref.array(*xs))


def _central_difference_scalar(f: Callable[..., float], xs: list[float], i: int) -> float:
    up, down = list(xs), list(xs)
    up[i] += EPS
    down[i] -= EPS
    return (f(*up) - f(*down)) / (2 * EPS)


@pytest.mark.parametrize(("name", "op", "ref"), CASES, ids=CASE_IDS)
def test_derivatives_on_floats(name: str, op: ops.Op, ref: Reference) -> None:
    rng = np.random.default_rng(3)
    for point in zip(*ref.sample(rng, 20)):
        xs = [float(x) for x in point]
        partials = op.derivatives(op.forward(*xs), *xs)
        assert len(partials) == len(xs), f"{name} must give one partial per input"
        for i, partial in enumerate(partials):
            numeric = _central_difference_scalar(ref.scalar, xs, i)
            assert abs(partial - numeric) <= 1e-6 + 1e-6 * abs(numeric), (
                f"∂{name}/∂x{i} at {xs}: rule {partial}, central difference {numeric}"
            )


@pytest.mark.parametrize(("name", "op", "ref"), CASES, ids=CASE_IDS)
def test_derivatives_on_arrays(name: str, op: ops.Op, ref: Reference) -> None:
    rng = np.random.default_rng(4)
    xs = [x.reshape(3, 4) for x in ref.sample(rng, 12)]
    partials = op.derivatives(op.forward(*xs), *xs)
    assert len(partials) == len(xs)
    for i, partial in enumerate(partials):
        up = [x.copy() for x in xs]
        down = [x.copy() for x in xs]
        up[i] += EPS
        down[i] -= EPS
        numeric = (ref.array(*up) - ref.array(*down)) / (2 * EPS)
        partial = np.broadcast_to(np.asarray(partial, dtype=float), numeric.shape)
        assert np.all(np.abs(partial - numeric) <= 1e-6 + 1e-6 * np.abs(numeric)), f"∂{name}/∂x{i} on arrays"


@pytest.mark.parametrize(("name", "op", "ref"), CASES, ids=CASE_IDS)
def test_float_and_array_rules_agree(name: str, op: ops.Op, ref: Reference) -> None:
    """The same rule run elementwise on floats and once on an array gives the same numbers."""
    rng = np.random.default_rng(5)
    xs = ref.sample(rng, 8)
    out_array = op.forward(*xs)
    partials_array = op.derivatives(out_array, *xs)
    for k in range(8):
        point = [float(x[k]) for x in xs]
        out = op.forward(*point)
        assert out == pytest.approx(float(out_array[k]), rel=1e-14, abs=1e-15)
        for i, partial in enumerate(op.derivatives(out, *point)):
            from_array = float(np.broadcast_to(partials_array[i], (8,))[k])
            assert partial == pytest.approx(from_array, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("name", sorted(ops.ACTIVATIONS))
def test_activation_derivative(name: str) -> None:
    """f'(z) from the table, given z and h = f(z), matches a central difference of the reference f."""
    op = ops.ACTIVATIONS[name]
    ref = REFERENCES[name]
    z = np.linspace(-3.0, 3.0, 13) + 0.05  # avoid relu's kink at 0
    h = op.forward(z)
    expected = (ref.array(z + EPS) - ref.array(z - EPS)) / (2 * EPS)
    assert np.allclose(ops.activation_derivative(op, z, h), expected, rtol=1e-6, atol=1e-7)
    for zk in z:
        scalar = ops.activation_derivative(op, float(zk), op.forward(float(zk)))
        assert scalar == pytest.approx((ref.scalar(zk + EPS) - ref.scalar(zk - EPS)) / (2 * EPS), rel=1e-6, abs=1e-7)


def test_logsumexp_derivative_is_softmax() -> None:
    xs = [1.0, -2.0, 0.5, 3.0]
    partials = ops.LOGSUMEXP.derivatives(ops.LOGSUMEXP.forward(*xs), *xs)
    e = [math.exp(x) for x in xs]
    assert list(partials) == pytest.approx([v / sum(e) for v in e], rel=1e-14)
    assert math.fsum(partials) == pytest.approx(1.0, rel=1e-15)


def test_logsumexp_is_stable_for_large_inputs() -> None:
    assert ops.LOGSUMEXP.forward(1000.0, 1000.0) == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)
    arrays = (np.array([1000.0, -1000.0]), np.array([1000.0, -1000.0]))
    assert np.allclose(ops.LOGSUMEXP.forward(*arrays), [1000.0 + math.log(2.0), -1000.0 + math.log(2.0)])


def test_relu_derivative_at_zero_is_zero_like_pytorch() -> None:
    assert ops.RELU.derivatives(0.0, 0.0) == (0.0,)
    assert np.array_equal(ops.RELU.derivatives(np.zeros(2), np.array([0.0, 1.0]))[0], [0.0, 1.0])


def test_pow_const_ops_are_cached_and_named() -> None:
    assert ops.pow_const(2) is ops.pow_const(2)
    assert ops.pow_const(3).symbol == "**3"
    assert ops.pow_const(0.5).arity == 1


def test_arity_ok() -> None:
    assert ops.arity_ok(ops.ADD, [1.0, 2.0]) and not ops.arity_ok(ops.ADD, [1.0])
    assert ops.arity_ok(ops.SUM, [1.0]) and not ops.arity_ok(ops.SUM, [])
    assert ops.arity_ok(ops.DOT, [1.0, 2.0]) and not ops.arity_ok(ops.DOT, [1.0, 2.0, 3.0])


def test_ops_pickle_by_reference_to_the_table() -> None:
    import pickle

    for op in [*ops.OPS.values(), ops.pow_const(2), ops.pow_const(-0.5), ops.pow_const(3)]:
        assert pickle.loads(pickle.dumps(op)) is op
    stranger = ops.Op("cube", "cube", 1, lambda a: a**3, lambda out, a: (3 * a**2,), "∂a³/∂a = 3a²")
    with pytest.raises(TypeError, match="op 'cube' is not in autonode's op table"):
        pickle.dumps(stranger)


def test_every_engine_pickles_and_computes_the_same_after() -> None:
    import pickle

    from nets.engines import make_engine

    X = np.random.default_rng(0).normal(size=(3, 4))
    for name in ("scalar", "scalar-fused", "looped", "vector"):
        net = make_engine(name, [4, 3, 2], ["tanh", "sigmoid"], rng=1)
        copy = pickle.loads(pickle.dumps(net))
        np.testing.assert_array_equal(copy.predict_output(X), net.predict_output(X))
