"""A whitelist parser for expressions such as ``"tanh(a*b + b**2) / 2"``.

Accepted: numbers, variable names, ``+ - * / **``, parentheses and the unary
functions of the op table (``exp log tanh sigmoid relu sin cos abs``: every op
with a method name in :data:`autonode.ops.OPS`). Nothing is ever passed to ``eval`` or
``exec``: the text is tokenised, parsed over a fixed grammar into a postfix
program, and only then built into :class:`~autonode.Value` nodes. Anything else
raises :class:`~autonode.ExpressionError` pointing at the offending token, and
every syntax error is reported before any arithmetic runs.

Grammar (Python's precedence; ``**`` binds tighter than unary minus on its
left, is right-associative and takes a signed operand on its right)::

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := ("-" | "+") unary | power
    power := atom ("**" unary)?
    atom  := NUMBER | NAME | FUNC "(" expr ")" | "(" expr ")"

The parser is an operator-precedence (shunting-yard) loop with explicit
stacks, so nesting depth is limited only by :data:`MAX_LENGTH`, never by
Python's recursion limit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from autonode.errors import ExpressionError
from autonode.value import FUNCTIONS, Value

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|[-+*/()]))"
)
MAX_LENGTH = 10_000
_EXCERPT = 30  # characters of context shown either side of the offending position
_SHOWN = 60  # characters of a token, name or value an error message repeats
_LISTED = 10  # names an error message lists before "and N more"

# Binding power of each operator; "neg"/"pos" are the prefix signs.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "pos": 3, "**": 4}
_RIGHT_ASSOCIATIVE = {"**"}


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    position: int


def _pointer(text: str, position: int) -> str:
    """The text (or an excerpt of it, when long) and a caret under ``position``."""
    start = max(0, position - _EXCERPT)
    end = min(len(text), position + _EXCERPT)
    shown = "".join(c if c.isprintable() and not c.isspace() else " " for c in text[start:end])
    before = "…" if start > 0 else ""
    after = "…" if end < len(text) else ""
    return f"\n  {before}{shown}{after}\n  {' ' * (len(before) + position - start)}^"


def shorten(text: str, limit: int = _SHOWN) -> str:
    """``text`` repr'd, cut to ``limit`` characters with its full length said: error messages stay short."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


def listing(names: list[str], limit: int = _LISTED) -> str:
    """``"a, b, c"``; past ``limit`` names (each shortened), the first ones and ``"and N more"``."""
    shown = ", ".join(n if len(n) <= _SHOWN else shorten(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; any character outside the whitelist is refused."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    tokens = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            start = len(text) - len(text[position:].lstrip())
            raise ExpressionError(
                f"unexpected character {text[start]!r} at position {start}: only numbers, names, "
                f"+ - * / ** and parentheses are allowed{_pointer(text, start)}"
            )
        kind = match.lastgroup or "op"
        start = match.start(kind)
        tokens.append(Token(kind, match.group(kind), start))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _error(text: str, message: str, token: Token) -> ExpressionError:
    shown = shorten(token.text) if token.kind != "end" else "the end of the expression"
    return ExpressionError(f"{message}, found {shown} at position {token.position}{_pointer(text, token.position)}")


@dataclass(frozen=True)
class Instruction:
    """One step of the postfix program: push a number or variable, or apply an operator or function.

    ``token`` is the token it came from: where an error about it points.
    """

    kind: str  # "number", "name", "binary", "prefix" or "call"
    text: str  # the number, name, operator symbol, "neg"/"pos" or function name
    token: Token


@dataclass
class _Pending:
    """An operator or open parenthesis waiting on the operator stack."""

    kind: str  # "binary", "prefix", "(" or "call"
    text: str
    token: Token  # the operator, the '(' or the called function's name
    opened: int = -1  # groups and calls: where their '(' is


def compile_expression(text: str) -> list[Instruction]:
    """Parse ``text`` into a postfix program; raises on the first syntax error, pointing at it."""
    tokens = tokenize(text)
    program: list[Instruction] = []
    pending: list[_Pending] = []
    expect_operand = True

    def reduce(above: int = 0, right_associative: bool = False) -> None:
        """Emit the pending operators that bind at least as tightly as ``above`` (strictly, if right-associative)."""
        while pending and pending[-1].kind in ("binary", "prefix"):
            power = _PRECEDENCE[pending[-1].text]
            if power < above or (right_associative and power == above):
                return
            top = pending.pop()
            program.append(Instruction(top.kind, top.text, top.token))

    for index, token in enumerate(tokens):
        is_op = token.kind == "op"
        if expect_operand:
            if is_op and token.text in ("-", "+"):
                pending.append(_Pending("prefix", "neg" if token.text == "-" else "pos", token))
            elif token.kind == "number":
                if not math.isfinite(float(token.text)):
                    raise _error(text, "number too large for a float", token)
                program.append(Instruction("number", token.text, token))
                expect_operand = False
            elif token.kind == "name":
                following = tokens[index + 1]
                calls = following.kind == "op" and following.text == "("
                if token.text in FUNCTIONS:
                    if not calls:
                        raise _error(text, f"expected '(' after the function {token.text}", following)
                    pending.append(_Pending("call", token.text, token, following.position))
                elif calls:
                    known = ", ".join(FUNCTIONS)
                    raise _error(text, f"unknown function {shorten(token.text)} (functions: {known})", token)
                else:
                    program.append(Instruction("name", token.text, token))
                    expect_operand = False
            elif is_op and token.text == "(":
                if not (index > 0 and tokens[index - 1].kind == "name"):  # a call's '(' opens the call's group
                    pending.append(_Pending("(", "(", token, token.position))
            else:
                raise _error(text, "expected a number, a name or '('", token)
            continue
        if is_op and token.text in _PRECEDENCE:
            reduce(_PRECEDENCE[token.text], token.text in _RIGHT_ASSOCIATIVE)
            pending.append(_Pending("binary", token.text, token))
            expect_operand = True
        elif is_op and token.text == ")":
            reduce()
            if not pending:
                raise _error(text, "unmatched ')'", token)
            group = pending.pop()
            if group.kind == "call":
                program.append(Instruction("call", group.text, group.token))
        elif token.kind == "end":
            reduce()
            if pending:
                raise _error(text, f"expected ')' to close the '(' at position {pending[-1].opened}", token)
        else:
            raise _error(text, "expected an operator or the end", token)
    return program


@dataclass
class _Built:
    """An operand on the evaluation stack: its node, and its number when it is a (signed) number literal."""

    value: Value
    literal: float | None


def build(text: str, program: list[Instruction], variables: Mapping[str, Value]) -> Value:
    """Run a postfix program: the Value graph of ``text`` with its names bound to ``variables``.

    Op nodes are labelled with their source text; ``x ** 2`` (a literal exponent,
    optionally signed) is one node whose exponent is part of the op.
    """
    for instruction in program:
        if instruction.kind == "name" and instruction.text not in variables:
            name, position = instruction.text, instruction.token.position
            known = listing(sorted(variables)) or "none"
            shown = name if len(name) <= _SHOWN else shorten(name)
            raise ExpressionError(
                f"no value given for {shown} at position {position} (give it as {shown}=...; values given: {known})"
                f"{_pointer(text, position)}"
            )
    stack: list[_Built] = []
    spans = _spans(text, program)
    for instruction, (start, end) in zip(program, spans):
        kind, symbol = instruction.kind, instruction.text
        if kind == "number":
            number = float(symbol)
            stack.append(_Built(Value(number, label=symbol), number))
            continue
        if kind == "name":
            stack.append(_Built(variables[symbol], None))
            continue
        if kind == "binary":
            right = stack.pop()
            left = stack.pop()
            if symbol == "**" and right.literal is not None:
                value = left.value**right.literal  # x**2: one node, the exponent part of the op
            else:
                value = _BINARY[symbol](left.value, right.value)
            literal = None
        elif kind == "prefix":
            operand = stack.pop()
            if symbol == "pos":
                stack.append(operand)
                continue
            value = -operand.value
            literal = -operand.literal if operand.literal is not None else None
        else:  # call
            value = FUNCTIONS[symbol](stack.pop().value)
            literal = None
        if not value.label:
            value.label = text[start:end]
        stack.append(_Built(value, literal))
    return stack[-1].value


_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": Value.__add__,
    "-": Value.__sub__,
    "*": Value.__mul__,
    "/": Value.__truediv__,
    "**": Value.__pow__,
}


def _spans(text: str, program: list[Instruction]) -> list[tuple[int, int]]:
    """The source span (start, end) of each instruction's result, as used for its label.

    A binary result spans its left operand to its right one; a prefix sign or
    a call starts at its token; parentheses around an operand are included
    when it becomes part of a larger span, not in its own label.
    """
    outer: list[tuple[int, int]] = []  # per stack slot: span including enclosing parentheses
    spans: list[tuple[int, int]] = []
    for instruction in program:
        token = instruction.token
        if instruction.kind in ("number", "name"):
            span = (token.position, token.position + len(token.text))
        elif instruction.kind == "binary":
            right = outer.pop()
            left = outer.pop()
            span = (left[0], right[1])
        elif instruction.kind == "prefix":
            span = (token.position, outer.pop()[1])
        else:  # call: name ( operand )
            operand = outer.pop()
            span = (token.position, _skip_closing(text, operand[1]))
        spans.append(span)
        outer.append(_widen(text, span))
    return spans


def _skip_closing(text: str, end: int) -> int:
    """The position after the next ')' at or after ``end`` (skipping whitespace)."""
    position = end
    while position < len(text) and text[position].isspace():
        position += 1
    return position + 1 if position < len(text) and text[position] == ")" else end


def _widen(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """Grow ``span`` over parentheses that enclose exactly it: ``( x )`` → the whole group."""
    start, end = span
    while True:
        before = start - 1
        while before >= 0 and text[before].isspace():
            before -= 1
        after = end
        while after < len(text) and text[after].isspace():
            after += 1
        if before < 0 or after >= len(text) or text[before] != "(" or text[after] != ")":
            return start, end
        if _is_call_parenthesis(text, before):
            return start, end
        start, end = before, after + 1


def _is_call_parenthesis(text: str, open_position: int) -> bool:
    """Is the '(' at ``open_position`` the parenthesis of a function call (a name right before it)?"""
    position = open_position - 1
    while position >= 0 and text[position].isspace():
        position -= 1
    return position >= 0 and (text[position].isalnum() or text[position] == "_")


def variable_names(text: str) -> list[str]:
    """The variable names used in ``text``, in order of first appearance."""
    names: list[str] = []
    for token in tokenize(text):
        if token.kind == "name" and token.text not in FUNCTIONS and token.text not in names:
            names.append(token.text)
    return names


def parse_expression(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Build ``text`` as a Value graph with the variables set to ``values``.

    Syntax is checked in full first, then that every name has a value, then
    the graph is built (where a domain error such as ``log(0)`` can still occur).
    Returns the output node and the input leaves by name.
    """
    program = compile_expression(text)
    leaves = {name: Value(value, label=name) for name, value in values.items()}
    return build(text, program, leaves), leaves


def parse_assignments(text: str) -> dict[str, float]:
    """``"a=2,b=-3"`` → ``{"a": 2.0, "b": -3.0}``; errors name the bad part."""
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, number = part.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not name.isascii():
            raise ExpressionError(f"expected NAME=NUMBER in --at, got {shorten(part)}")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name and cannot be a variable")
        if name in values:
            raise ExpressionError(f"{shorten(name)} is given twice in --at")
        try:
            if not number.isascii() or "_" in number:  # float() would read Unicode digits ('٣') and 1_000
                raise ValueError(number)
            value = float(number)
        except ValueError:
            raise ExpressionError(
                f"the value of {shorten(name)} in --at is not a number: {shorten(number.strip())}"
            ) from None
        if not math.isfinite(value):
            raise ExpressionError(
                f"the value of {shorten(name)} in --at must be a finite number, got {shorten(number.strip())}"
            )
        values[name] = value
    return values


def parse_expression_at(text: str, assignments: str) -> tuple[Value, dict[str, Value]]:
    """Parse ``text`` with its variables set from ``"a=2,b=-3"``; every variable must be given."""
    return parse_expression(text, parse_assignments(assignments))
