"""The JAX-style transformations: grad, value_and_grad, vjp, jvp, jacrev/jacfwd, hessian.

References: derivatives worked by hand, PyTorch float64 (``torch.autograd.functional``)
on random expressions over every op of the table, and central differences.
Higher orders run through ``backward(create_graph=True)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autonode import (
    Value,
    functional,
    grad,
    hessian,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    no_grad,
    value_and_grad,
    vjp,
)
from autonode.functional import gradient_graph
from tests.autonode.random_expressions import (
    OP_NAMES,
    apply_dual,
    apply_torch,
    apply_value,
    evaluate,
    random_plan,
)


def f_seed(x: Any) -> Any:
    """The seed tutorial's f(x) = x⁴ - 3x³ + 2."""
    return x**4 - 3 * x**3 + 2


def df_seed(x: float) -> float:
    return 4 * x**3 - 9 * x**2


def d2f_seed(x: float) -> float:
    return 12 * x**2 - 18 * x


# ------------------------------------------------------------ first order --
@pytest.mark.parametrize("x", [6.0, 2.25, -1.3, 0.0])
def test_grad_is_the_hand_derivative(x: float) -> None:
    assert grad(f_seed)(x) == pytest.approx(df_seed(x), rel=1e-15, abs=1e-15)
    assert isinstance(grad(f_seed)(x), float)


def test_grad_of_an_int_argument_is_a_float() -> None:
    assert grad(f_seed)(2) == df_seed(2.0)


def test_value_and_grad() -> None:
    value, gradient = value_and_grad(f_seed)(6.0)
    assert value == 6.0**4 - 3 * 6.0**3 + 2
    assert gradient == df_seed(6.0)


def test_argnums_int_and_tuple() -> None:
    """f(a, b, c) = a·b² + c³·a: ∂/∂a = b² + c³, ∂/∂b = 2ab, ∂/∂c = 3ac² (arguments not differentiated stay floats)."""

    def f(a: Any, b: Any, c: Any) -> Any:
        return a * b**2 + c**3 * a

    a, b, c = 1.5, -2.0, 0.3
    assert grad(f)(a, b, c) == pytest.approx(b**2 + c**3, rel=1e-15)
    assert grad(f, argnums=1)(a, b, c) == pytest.approx(2 * a * b, rel=1e-15)
    da, dc = grad(f, argnums=(0, 2))(a, b, c)
    assert (da, dc) == pytest.approx((b**2 + c**3, 3 * a * c**2), rel=1e-15)
    assert isinstance(grad(f, argnums=(1,))(a, b, c), tuple)  # a tuple of argnums gives a tuple back


def test_gradient_has_the_structure_of_the_argument() -> None:
    """f(p) = w·x + b with p = {'w': [w1, w2], 'b': b} and x = (3, -1) fixed."""

    def f(p: dict[str, Any], x: tuple[float, float]) -> Any:
        return p["w"][0] * x[0] + p["w"][1] * x[1] + p["b"]

    g = grad(f)({"w": [0.5, 2.0], "b": 1.0}, (3.0, -1.0))
    assert g == {"w": [3.0, -1.0], "b": 1.0}
    assert isinstance(g["w"], list)
    gx = grad(f, argnums=1)({"w": [0.5, 2.0], "b": 1.0}, (3.0, -1.0))
    assert gx == (0.5, 2.0) and isinstance(gx, tuple)


def test_has_aux_returns_the_auxiliary_data_untouched() -> None:
    aux = {"note": "anything", "list": [1, 2]}

    def f(x: Any) -> tuple[Any, dict[str, Any]]:
        return x * x, aux

    g, got = grad(f, has_aux=True)(3.0)
    assert g == 6.0 and got is aux
    (value, got), g = value_and_grad(f, has_aux=True)(3.0)
    assert (value, g) == (9.0, 6.0) and got is aux


def test_output_that_does_not_depend_on_the_input_has_zero_gradient() -> None:
    assert grad(lambda x, y: y * 2.0)(1.0, 5.0) == 0.0
    assert grad(lambda x: 7.0)(1.0) == 0.0  # a plain number: JAX gives zeros too


def test_transformations_leave_no_gradient_behind() -> None:
    """A captured Value and a Value argument keep the grad they had (JAX has no side effects)."""
    w = Value(3.0)
    w.grad = 0.25
    assert grad(lambda x: w * x * x)(2.0) == 12.0
    assert w.grad == 0.25


def test_grad_of_a_value_argument_reads_the_point_and_leaves_its_grad_alone() -> None:
    x = Value(6.0)
    x.grad = 1.5
    assert grad(f_seed)(x).data == df_seed(6.0)
    assert x.grad == 1.5


def test_vjp_is_the_cotangent_times_the_jacobian() -> None:
    """f(a, b) = (a·b, a + b, eᵃ): J = [[b, a], [1, 1], [eᵃ, 0]]; ȳᵀJ by hand."""

    def f(a: Any, b: Any) -> list[Any]:
        return [a * b, a + b, a.exp()]

    a, b = 0.5, -2.0
    out, vjp_fn = vjp(f, a, b)
    assert out == [a * b, a + b, math.exp(a)]
    ybar = [1.0, 10.0, -3.0]
    da, db = vjp_fn(ybar)
    assert da == pytest.approx(b * 1.0 + 10.0 - 3.0 * math.exp(a), rel=1e-15)
    assert db == pytest.approx(a * 1.0 + 10.0, rel=1e-15)
    assert vjp_fn([0.0, 1.0, 0.0]) == (1.0, 1.0)  # callable again, nothing accumulated


def test_vjp_has_aux() -> None:
    out, vjp_fn, aux = vjp(lambda x: (x * 3.0, "aux"), 2.0, has_aux=True)
    assert (out, aux, vjp_fn(1.0)) == (6.0, "aux", (3.0,))


def test_jvp_by_hand() -> None:
    """f(x, y) = x²y: J = (2xy, x²); J·(ẋ, ẏ) = 2xyẋ + x²ẏ."""
    value, tangent = jvp(lambda x, y: x * x * y, (3.0, -2.0), (0.5, 4.0))
    assert value == -18.0
    assert tangent == pytest.approx(2 * 3 * -2 * 0.5 + 9 * 4.0, rel=1e-15)
    _, tangent, aux = jvp(lambda x: (x.exp(), [1]), (0.0,), (2.0,), has_aux=True)
    assert tangent == 2.0 and aux == [1]


def test_jvp_output_structure_follows_the_function() -> None:
    value, tangent = jvp(lambda p: {"s": p[0] + p[1], "d": (p[0] - p[1], 1.0)}, ([2.0, 1.0],), ([1.0, 0.0],))
    assert value == {"s": 3.0, "d": (1.0, 1.0)}
    assert tangent == {"s": 1.0, "d": (1.0, 0.0)}


def _vector_function(plans: list[Any]) -> Any:
    def f(xs: list[Any]) -> list[Any]:
        return [evaluate(plan, _apply_for(xs), xs) for plan in plans]

    return f


def _apply_for(xs: list[Any]) -> Any:
    return apply_value if isinstance(xs[0], Value) else apply_dual


@pytest.mark.parametrize("seed", range(8))
def test_jacobians_forward_and_reverse_match_pytorch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(100 + seed)
    n, m = 1 + seed % 3, 1 + (seed * 2) % 4
    plans = [random_plan(rng, n, 8, first_ops=OP_NAMES[(seed + 3 * i) % len(OP_NAMES):][:3]) for i in range(m)]
    x = rng.uniform(-1.5, 1.5, n).tolist()

    def f_torch(t: Any) -> Any:
        return torch.stack([evaluate(plan, apply_torch, list(t)) for plan in plans])

    expected = torch.autograd.functional.jacobian(f_torch, torch.tensor(x, dtype=torch.float64)).numpy()
    f = _vector_function(plans)
    for transform in (jacrev, jacfwd, jacobian):
        got = np.array(transform(f)(x))
        assert got.shape == (m, n)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13, err_msg=transform.__name__)


def test_jacobian_layout_with_tuple_argnums() -> None:
    """f(a, b) = [a·b, a - b]: rows per output, each a tuple (∂/∂a, ∂/∂b), as JAX lays it out."""

    def f(a: Any, b: Any) -> list[Any]:
        return [a * b, a - b]

    for transform in (jacrev, jacfwd):
        assert transform(f, argnums=(0, 1))(2.0, 5.0) == [(5.0, 2.0), (1.0, -1.0)]
        assert transform(f, argnums=1)(2.0, 5.0) == [2.0, -1.0]


def test_jacfwd_passes_other_arguments_as_given() -> None:
    assert jacfwd(lambda x, scale, name: x * scale, argnums=0)(2.0, 3, "label") == 3.0


# ---------------------------------------------------------------- errors --
def test_grad_refuses_several_outputs_and_names_the_alternative() -> None:
    with pytest.raises(TypeError, match=r"return one number .* returned a list of 2; use jacobian"):
        grad(lambda x: [x, x * x])(1.0)


@pytest.mark.parametrize("name", ["grad", "value_and_grad", "jacrev", "jacfwd", "hessian", "vjp", "jvp"])
def test_a_function_that_cannot_be_called_is_refused_when_transformed(name: str) -> None:
    """Not later, from deep inside the first call: the message names the transformation and what it got."""
    transform = getattr(functional, name)
    with pytest.raises(TypeError, match=rf"^{name} takes a function to transform, got float 3.0"):
        if name == "vjp":
            transform(3.0, 1.0)
        elif name == "jvp":
            transform(3.0, (1.0,), (1.0,))
        else:
            transform(3.0)


def test_wrong_argnums() -> None:
    with pytest.raises(TypeError, match=r"grad: argnums=2 asks for argument 2, but the function was called with 2 "):
        grad(lambda a, b: a * b, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match=r"argnums must be an int or a tuple of ints, got 'x'"):
        grad(f_seed, argnums="x")
    with pytest.raises(ValueError, match=r"names an argument twice"):
        grad(f_seed, argnums=(0, 0))
    with pytest.raises(ValueError, match=r"positions counted from 0"):
        jacrev(f_seed, argnums=-1)
    with pytest.raises(ValueError, match=r"argnums is empty"):
        jacfwd(f_seed, argnums=())


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match=r"grad: argument 0\[1\] is a str \('two'\)"):
        grad(lambda xs: xs[0])([1.0, "two"])
    with pytest.raises(TypeError, match=r"has_aux=True needs the function to return a pair"):
        grad(f_seed, has_aux=True)(1.0)
    with pytest.raises(ValueError, match=r"cotangent must have the structure of the output \(a list of 2\)"):
        vjp(lambda x: [x, x], 1.0)[1](1.0)


def test_jvp_errors() -> None:
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        jvp(f_seed, (1.0,), (1.0, 2.0))
    with pytest.raises(TypeError, match="primals and tangents must be tuples or lists"):
        jvp(f_seed, 1.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"tangent 0 is a number but its primal is a list of 2"):
        jvp(lambda xs: xs[0], ([1.0, 2.0],), (1.0,))
    with pytest.raises(TypeError, match=r"takes plain numbers .* got a Value; pass its .data"):
        jvp(f_seed, (Value(1.0),), (1.0,))
    w = Value(2.0)
    with pytest.raises(TypeError, match="cannot mix a Dual"):
        jvp(lambda x: x * w, (1.0,), (1.0,))


def test_grad_inside_no_grad_is_refused() -> None:
    with no_grad(), pytest.raises(RuntimeError, match=r"inside no_grad\(\).*call it outside"):
        grad(f_seed)(1.0)


# ---------------------------------------------------------- higher order --
@pytest.mark.parametrize("x", [6.0, 2.25, -1.3, 0.5])
def test_second_and_third_derivatives_by_hand(x: float) -> None:
    assert grad(grad(f_seed))(x) == pytest.approx(d2f_seed(x), rel=1e-14, abs=1e-13)
    assert grad(grad(grad(f_seed)))(x) == pytest.approx(24 * x - 18, rel=1e-14, abs=1e-13)
    assert grad(grad(grad(grad(f_seed))))(x) == pytest.approx(24.0, rel=1e-14)


def test_nested_grad_differentiates_through_a_captured_outer_variable() -> None:
    """d/dx [∂(x·y)/∂y at y = 2] = d/dx x = 1, and ∂/∂x of ∂(x²y³)/∂y = 6xy²."""
    assert grad(lambda x: grad(lambda y: x * y)(2.0))(3.0) == 1.0
    assert grad(lambda x: grad(lambda y: x * x * y**3)(2.0))(3.0) == pytest.approx(6 * 3.0 * 4.0, rel=1e-15)


def test_grad_of_values_returns_differentiable_values() -> None:
    x = Value(1.5)
    g = grad(f_seed)(x)
    assert isinstance(g, Value) and g.data == pytest.approx(df_seed(1.5), rel=1e-15)
    g.backward()
    assert x.grad == pytest.approx(d2f_seed(1.5), rel=1e-14)


@pytest.mark.parametrize("seed", range(24))
def test_hessian_matches_pytorch_on_random_expressions(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(500 + seed)
    start = (seed * 3) % len(OP_NAMES)
    plan = random_plan(rng, 1 + seed % 4, 10, first_ops=(OP_NAMES[start:] + OP_NAMES[:start])[:4])
    x = rng.uniform(-1.5, 1.5, plan.n_inputs).tolist()

    def f_torch(t: Any) -> Any:
        return evaluate(plan, apply_torch, list(t))

    expected = torch.autograd.functional.hessian(f_torch, torch.tensor(x, dtype=torch.float64)).numpy()
    got = np.array(hessian(lambda xs: evaluate(plan, apply_value, xs))(x))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * max(1.0, float(np.abs(expected).max())))
    np.testing.assert_allclose(got, got.T, rtol=1e-12, atol=1e-13)  # a Hessian is symmetric


def test_one_value_given_for_two_arguments_gets_each_partial() -> None:
    """∂(a·b)/∂a = b and ∂(a·b)/∂b = a, even when a and b are the same Value (JAX treats them apart)."""
    x = Value(2.0)
    da, db = grad(lambda a, b: a * b * b, argnums=(0, 1))(x, x)
    assert (da.data, db.data) == (4.0, 8.0)
    assert x.grad == 0.0


def test_grad_at_an_inner_node_of_a_graph_is_differentiable_through_it() -> None:
    """g = f′(y) at y = x²; dg/dx = f″(y)·2x, by hand at x = 2 (y = 4): f′(4) = 112, f″(4)·4 = 480."""
    x = Value(2.0)
    g = grad(f_seed)(x * x)
    assert g.data == df_seed(4.0) == 112.0
    g.backward()
    assert x.grad == pytest.approx(d2f_seed(4.0) * 4.0, rel=1e-15)


def test_grad_of_constants_inside_jvp_is_a_plain_number() -> None:
    """d/dx [x · h′(2)] with h(y) = y³: h′(2) = 12 does not depend on x, so the tangent is 12."""
    assert jvp(lambda x: x * grad(lambda y: y * y * y)(2.0), (3.0,), (1.0,)) == (36.0, 12.0)


def test_nesting_is_per_thread() -> None:
    """A thread started inside a transformation is not inside it: its grad of numbers gives floats."""
    import threading

    seen: list[Any] = []

    def f(x: Any) -> Any:
        worker = threading.Thread(target=lambda: seen.append(grad(f_seed)(6.0)))
        worker.start()
        worker.join()
        return x * x

    assert grad(f)(3.0) == 6.0
    assert seen == [df_seed(6.0)] and isinstance(seen[0], float)


def test_forward_over_reverse_and_forward_over_forward_are_refused() -> None:
    with pytest.raises(TypeError, match=r"grad got a Dual .* reverse mode inside forward mode is not supported"):
        jvp(grad(f_seed), (2.0,), (1.0,))
    with pytest.raises(TypeError, match=r"forward mode inside forward mode is not supported"):
        jvp(lambda x: jvp(f_seed, (x,), (1.0,))[1], (2.0,), (1.0,))


def test_vjp_with_a_value_cotangent_is_differentiable_in_it() -> None:
    """ȳ·∂(x²)/∂x = 2xȳ at x = 3: a Value ȳ gives a Value, whose derivative in ȳ is 2x = 6."""
    ybar = Value(0.5)
    _, vjp_fn = vjp(lambda x: x * x, 3.0)
    (g,) = vjp_fn(ybar)
    assert isinstance(g, Value) and g.data == 3.0
    g.backward()
    assert ybar.grad == 6.0


def test_hessian_with_tuple_argnums_by_hand() -> None:
    """f(a, b) = a²b: ∂²/∂a² = 2b, ∂²/∂a∂b = 2a, ∂²/∂b² = 0."""
    H = hessian(lambda a, b: a * a * b, argnums=(0, 1))(3.0, 5.0)
    assert H == ((10.0, 6.0), (6.0, 0.0))


def test_gradient_graph_is_the_recorded_backward_pass() -> None:
    (x,), y, (dy,) = gradient_graph(lambda x: x * x.tanh(), 0.7)
    t = math.tanh(0.7)
    assert y.data == pytest.approx(0.7 * t)
    assert dy.data == pytest.approx(t + 0.7 * (1 - t * t), rel=1e-15)
    assert dy.label == "∂f/∂x"
    assert x.grad == 0.0 and y.grad == 0.0  # set back, as on a fresh graph
    dy.backward()
    assert x.grad == pytest.approx(2 * (1 - t * t) - 2 * 0.7 * t * (1 - t * t), rel=1e-14)
