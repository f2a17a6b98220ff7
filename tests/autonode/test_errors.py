"""Bad input and numerical trouble: each error, and what its message names."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autonode import AnomalyError, DomainError, Value, detect_anomaly


@pytest.mark.parametrize(
    ("data", "named"),
    [("2.0", "str"), (None, "NoneType"), (1 + 2j, "complex"), (np.array([1.0, 2.0]), "ndarray"), ([1.0], "list")],
)
def test_non_real_data_is_a_type_error_naming_it(data: object, named: str) -> None:
    with pytest.raises(TypeError, match=named) as info:
        Value(data)
    assert "real number" in str(info.value)


def test_array_data_message_gives_the_shape() -> None:
    with pytest.raises(TypeError, match=r"\(2, 3\)"):
        Value(np.zeros((2, 3)))


def test_non_real_operand_is_a_type_error() -> None:
    a = Value(1.0)
    with pytest.raises(TypeError, match="str"):
        a + "1"  # type: ignore[operator]
    with pytest.raises(TypeError, match="exponent"):
        a ** "2"  # type: ignore[operator]


@pytest.mark.parametrize("scalar", [np.float64(2.5), np.float32(2.5), np.int64(2)])
def test_numpy_scalars_become_python_floats(scalar: object) -> None:
    """`.data` is a float: numpy scalars (np.float64 is a float subclass) are converted, not kept."""
    a = Value(scalar)
    assert type(a.data) is float and a.data == float(scalar)  # type: ignore[arg-type]


def test_numpy_scalar_operands_still_raise_domain_errors() -> None:
    with pytest.raises(DomainError, match="log"):
        Value(np.float64(0.0), label="p").log()
    with pytest.raises(DomainError, match="zero"):
        Value(1.0) / Value(np.float64(0.0))


@pytest.mark.parametrize("x", [0.0, -1.5])
def test_log_of_non_positive_names_op_and_operand(x: float) -> None:
    with pytest.raises(DomainError) as info:
        Value(x, label="p").log()
    message = str(info.value)
    assert "log" in message and "p" in message and repr(x) in message


def test_division_by_zero_names_operands() -> None:
    num, den = Value(3.0, label="num"), Value(0.0, label="den")
    with pytest.raises(DomainError) as info:
        num / den
    message = str(info.value)
    assert "div" in message and "zero" in message and "num=3.0" in message and "den=0.0" in message
    with pytest.raises(DomainError, match="zero"):
        1.0 / den
    with pytest.raises(DomainError, match="zero"):
        num / 0


def test_zero_to_a_negative_power() -> None:
    z = Value(0.0, label="z")
    with pytest.raises(DomainError) as info:
        z**-2
    message = str(info.value)
    assert "pow" in message and "z=0.0" in message and "negative power" in message
    with pytest.raises(DomainError, match="negative power"):
        z ** Value(-1.0, label="k")


def test_negative_base_with_non_integer_exponent() -> None:
    n = Value(-8.0, label="n")
    with pytest.raises(DomainError) as info:
        n**0.5
    message = str(info.value)
    assert "pow" in message and "n=-8.0" in message and "0.5" in message
    with pytest.raises(DomainError, match="negative base"):
        n ** Value(1.5, label="k")


def test_domain_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Value(-1.0).log()


def test_negative_base_with_integer_exponent_is_fine() -> None:
    n = Value(-2.0)
    y = n**3
    y.backward()
    assert y.data == -8.0 and n.grad == 12.0


def test_exp_overflow_returns_inf_without_crashing() -> None:
    x = Value(1000.0, label="x")
    y = x.exp()
    assert y.data == math.inf
    y.backward()
    assert x.grad == math.inf
    assert (Value(10.0) ** 1000.0).data == math.inf


def test_anomaly_mode_names_a_non_finite_leaf() -> None:
    with detect_anomaly(), pytest.raises(AnomalyError, match="bad"):
        Value(float("nan"), label="bad")


def test_anomaly_mode_names_the_overflowing_node() -> None:
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        Value(1000.0, label="big").exp()
    message = str(info.value)
    assert "exp" in message and "big" in message and "inf" in message


def test_anomaly_mode_names_an_infinite_local_derivative() -> None:
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        Value(0.0, label="root") ** 0.5  # d√x/dx = ∞ at 0
    assert "root" in str(info.value)


def test_anomaly_mode_names_the_node_whose_gradient_overflows() -> None:
    x = Value(1e-300, label="x")
    w = Value(1e300, label="w")
    with detect_anomaly():
        y = x * w  # = 1, finite
        z = y * 1e300  # finite value; ∂z/∂x = 1e600 overflows to inf in backward
        with pytest.raises(AnomalyError) as info:
            z.backward()
    message = str(info.value)
    assert "x=1e-300" in message and "inf" in message


def test_anomaly_mode_is_off_outside_the_context() -> None:
    with detect_anomaly():
        pass
    assert Value(1000.0).exp().data == math.inf


def test_apply_refuses_a_wrong_number_of_operands() -> None:
    from autonode import ops

    with pytest.raises(TypeError, match="add"):
        Value.apply(ops.ADD, 1.0)
    with pytest.raises(TypeError, match="dot"):
        Value.apply(ops.DOT, 1.0, 2.0, 3.0)


@pytest.mark.parametrize("build", [lambda x: x**3, lambda x: x ** Value(3.0), lambda x: x**401])
def test_overflow_keeps_the_sign_of_an_odd_power(build: object) -> None:
    x = Value(-1e200, label="x")
    out = build(x)  # type: ignore[operator]
    with np.errstate(over="ignore"):
        expected = float(np.power(np.float64(-1e200), 3.0))
    assert expected == -math.inf
    assert out.data == expected


def test_overflow_policy_matches_the_array_path_for_even_powers_and_exp() -> None:
    with np.errstate(over="ignore"):
        assert (Value(-1e200) ** 2).data == float(np.power(np.float64(-1e200), 2.0)) == math.inf
        assert (Value(-1e200) ** 4.0).data == float(np.power(np.float64(-1e200), 4.0))
        assert Value(800.0).exp().data == float(np.exp(np.float64(800.0)))
