"""The whitelist expression parser and `autonode grad`."""

from __future__ import annotations

import math

import pytest

from autonode import ExpressionError
from autonode.parse import parse_assignments, parse_expression, variable_names
from autonode_cli.main import main


def test_precedence_matches_python() -> None:
    cases = ["-a**2", "a - b - c", "a / b / c", "a ** b ** 0.5", "2 * -a ** 2 + b", "(a + b) * c / (a - c)", "a**-1"]
    env = {"a": 1.7, "b": 2.3, "c": -0.4}
    for text in cases:
        root, _ = parse_expression(text, env)
        expected = eval(text.replace("^", "**"), {}, dict(env))  # reference: Python itself, on trusted test strings
        assert root.data == pytest.approx(expected, rel=1e-15), text


def test_functions_and_gradients_against_hand_derivatives() -> None:
    root, leaves = parse_expression("tanh(a*b + b**2) / 2", {"a": 2.0, "b": -3.0})
    root.backward()
    inner = 2.0 * -3.0 + 9.0
    dtanh = 1 - math.tanh(inner) ** 2
    assert root.data == pytest.approx(math.tanh(inner) / 2)
    assert leaves["a"].grad == pytest.approx(0.5 * dtanh * -3.0)
    assert leaves["b"].grad == pytest.approx(0.5 * dtanh * (2.0 + 2 * -3.0))


def test_literal_exponent_is_part_of_the_op() -> None:
    root, _ = parse_expression("a**2", {"a": 3.0})
    assert root.op == "**2" and len(root.parents) == 1
    root, _ = parse_expression("a**b", {"a": 3.0, "b": 2.0})
    assert root.op == "**" and len(root.parents) == 2


def test_inner_nodes_are_labelled_by_their_source_text() -> None:
    root, _ = parse_expression("exp(a) * (a + 1)", {"a": 0.5})
    assert root.label == "exp(a) * (a + 1)"
    assert [p.label for p in root.parents] == ["exp(a)", "a + 1"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os').system('x')", "unexpected character \"'\""),
        ("a.real", "unexpected character '.'"),
        ("a; b", "unexpected character ';'"),
        ("a[0]", "unexpected character '['"),
        ("lambda: 1", "unexpected character ':'"),
        ("open", "unknown name 'open'"),
        ("a +", "expected a number, a name or '('"),
        ("(a", "expected ')'"),
        ("exp a", "expected '(' after the function exp"),
        ("a b", "expected an operator or the end"),
    ],
)
def test_refusals_point_at_the_offending_token(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, {"a": 1.0, "b": 2.0})
    message = str(info.value)
    assert fragment in message
    assert "^" in message  # a pointer line under the offending position


def test_assignments() -> None:
    assert parse_assignments("a=2, b=-3.5") == {"a": 2.0, "b": -3.5}
    for bad, fragment in [("a", "NAME=NUMBER"), ("a=x", "not a number"), ("exp=1", "function name")]:
        with pytest.raises(ExpressionError, match=fragment):
            parse_assignments(bad)
    assert variable_names("tanh(x) + y*x") == ["x", "y"]


def test_cli_prints_value_gradients_and_steps(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "a*b + a", "--at", "a=2,b=-3"]) == 0
    out = capsys.readouterr().out
    assert "= -4" in out
    assert "∂out/∂a = -2" in out and "∂out/∂b = 2" in out  # ∂/∂a = b + 1, ∂/∂b = a
    assert "[*] a*b → a:  1 × -3 = -3" in out


def test_cli_errors_are_messages_not_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "log(a)", "--at", "a=0"]) == 2
    assert "log needs a positive operand, got 0.0" in capsys.readouterr().err
    assert main(["grad", "a + q", "--at", "a=1"]) == 2
    assert "no value given for q" in capsys.readouterr().err
