"""The whitelist expression parser and `autonode grad`."""

from __future__ import annotations

import math

import pytest

from autonode import ExpressionError
from autonode.parse import parse_assignments, parse_expression, variable_names
from viz.cli.main import main


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
        ("open", "no value given for open"),
        ("sinh(a)", "unknown function 'sinh'"),
        ("a(b)", "unknown function 'a'"),
        ("a if b else a", "expected an operator or the end, found 'if'"),
        ("0x10", "found 'x10'"),
        ("1e999 * a", "number too large"),
        ("(a))", "unmatched ')'"),
        ("exp()", "expected a number, a name or '(', found ')'"),
        ("", "found the end of the expression"),
        ("a ** ", "found the end of the expression"),
        ("a // b", "found '/'"),
        ("é + a", "unexpected character 'é'"),
        ("a\u2212b", "unexpected character '\u2212'"),
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
    assert "∂out/∂(a*b) · ∂(a*b)/∂a = 1 · (-3) = -3" in out  # ∂(a·b)/∂a = b


def test_cli_errors_are_messages_not_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "log(a)", "--at", "a=0"]) == 2
    assert "log needs a positive operand, got 0.0" in capsys.readouterr().err
    assert main(["grad", "a + q", "--at", "a=1"]) == 2
    assert "no value given for q" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "position"),
    [("a + b $", 6), ("a * (b + )", 9), ("log(a) + sinh(b)", 9), ("a +\n q", 5), ("((a) ", 5)],
)
def test_the_caret_sits_under_the_offending_position(text: str, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, {"a": 1.0, "b": 2.0})
    shown, caret = str(info.value).splitlines()[-2:]
    assert caret.index("^") == shown.index(text.replace("\n", " ")[0]) + position
    assert "\n" not in shown[2:]  # whitespace in the expression is shown as spaces on one line


def test_long_expressions_show_an_excerpt_around_the_error() -> None:
    text = "a + " * 1000 + "$"
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, {"a": 1.0})
    shown, caret = str(info.value).splitlines()[-2:]
    assert len(shown) < 200 and shown.rstrip().endswith("$")
    assert shown[caret.index("^")] == "$"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("(" * 3000 + "a" + ")" * 3000, 0.5),
        ("-" * 4000 + "a", 0.5),
        ("tanh(" * 1500 + "a" + ")" * 1500, None),
        ("a" + " ** a" * 1500, None),
    ],
)
def test_deep_nesting_parses_without_recursion(text: str, value: float | None) -> None:
    root, leaves = parse_expression(text, {"a": 0.5})
    root.backward()
    assert math.isfinite(root.data) and math.isfinite(leaves["a"].grad)
    if value is not None:
        assert root.data == value and abs(leaves["a"].grad) == 1.0


def test_deep_nesting_is_checked_against_python_for_moderate_depth() -> None:
    text = "tanh(" * 50 + "a" + ")" * 50
    root, leaves = parse_expression(text, {"a": 0.7})
    expected = 0.7
    for _ in range(50):
        expected = math.tanh(expected)
    assert root.data == pytest.approx(expected, rel=1e-15)


def test_syntax_errors_come_before_missing_values_and_domain_errors() -> None:
    with pytest.raises(ExpressionError, match="expected a number"):
        parse_expression("log(a) + q + )", {"a": 0.0})  # log(0) and the unknown q come later
    with pytest.raises(ExpressionError, match="no value given for q"):
        parse_expression("log(a) + q", {"a": 0.0})


def test_a_parenthesised_or_signed_literal_exponent_is_part_of_the_op() -> None:
    for text, exponent in [("a**(2)", 2.0), ("a ** -2", -2.0), ("a**+3", 3.0)]:
        root, leaves = parse_expression(text, {"a": 1.5})
        assert len(root.parents) == 1 and root.parents[0] is leaves["a"], text
        assert root.data == pytest.approx(1.5**exponent, rel=1e-15)
    root, _ = parse_expression("a ** -2 ** 2", {"a": 1.5})  # -(2**2) is not a literal: a Value exponent
    assert len(root.parents) == 2 and root.data == pytest.approx(1.5 ** -(2**2), rel=1e-15)


def test_assignments_refuse_duplicates_and_non_finite_values() -> None:
    for bad, fragment in [("a=1,a=2", "twice"), ("a=inf", "finite"), ("a=nan", "finite"), ("é=1", "NAME=NUMBER")]:
        with pytest.raises(ExpressionError, match=fragment):
            parse_assignments(bad)


def test_cli_lists_only_the_inputs_the_expression_uses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "ab * b", "--at", "a=1,ab=2,b=3", "--quiet-steps"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["  ∂out/∂ab = 3", "  ∂out/∂b = 2"]


@pytest.mark.parametrize("text", ["__import__('os')", "a.real", "(" * 5000 + "a"])
def test_cli_refuses_with_exit_code_2_and_no_traceback(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", text, "--at", "a=1"]) == 2
    err = capsys.readouterr().err
    assert "error: " in err and "Traceback" not in err and "^" in err


@pytest.mark.parametrize("text", ["a*٣", "٣", "a + ١٢", "a*３"])
def test_unicode_digits_are_not_numbers(text: str) -> None:
    with pytest.raises(ExpressionError, match="unexpected character"):
        parse_expression(text, {"a": 1.0})


@pytest.mark.parametrize("value", ["٣", "1_000", "1_0.5", "1e1_0"])
def test_only_plain_ascii_numbers_in_assignments(value: str) -> None:
    with pytest.raises(ExpressionError, match="not a number"):
        parse_assignments(f"a={value}")


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("f" * 5000 + "(a)", {"a": 1.0}),  # unknown function
        ("a " + "b" * 5000, {"a": 1.0}),  # unexpected name after an operand
        ("a + " + "c" * 5000, {"a": 1.0}),  # missing value
        ("a + " + "9" * 5000, {"a": 1.0}),  # a number too large for a float
    ],
)
def test_errors_echo_at_most_sixty_characters_of_a_token(text: str, values: dict[str, float]) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, values)
    message = str(info.value)
    assert "(5000 characters)" in message
    assert len(message) < 400


def test_errors_list_at_most_ten_given_values() -> None:
    values = {f"v{i:05d}": 1.0 for i in range(10_000)}
    with pytest.raises(ExpressionError) as info:
        parse_expression("a + v00001", values)
    message = str(info.value)
    assert "values given: v00000, v00001" in message and "and 9990 more" in message
    assert len(message) < 400


def test_assignment_errors_shorten_long_parts() -> None:
    for text in ("x" * 5000, "a=" + "1x" * 3000, "b" * 5000 + "=zz"):
        with pytest.raises(ExpressionError) as info:
            parse_assignments(text)
        assert len(str(info.value)) < 300 and "characters)" in str(info.value)


def test_a_domain_error_names_the_op_once() -> None:
    with pytest.raises(ValueError) as info:
        parse_expression("log(x)", {"x": -1.0})
    message = str(info.value)
    assert message.startswith("log needs a positive operand, got -1.0 (operands: x=-1.0)")
    assert "log: log" not in message
