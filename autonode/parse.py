"""A whitelist parser for expressions such as ``"tanh(a*b + b**2) / 2"``.

Accepted: numbers, variable names, ``+ - * / **``, parentheses and the unary
functions ``exp log tanh sigmoid relu``. Nothing is ever passed to ``eval`` or
``exec``: the text is tokenised, parsed by recursive descent over a fixed
grammar, and built directly into :class:`~autonode.Value` nodes. Anything else
raises :class:`~autonode.ExpressionError` pointing at the offending token.

Grammar (Python's precedence; ``**`` binds tighter than unary minus and is
right-associative)::

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := ("-" | "+") unary | power
    power := atom ("**" unary)?
    atom  := NUMBER | NAME | FUNC "(" expr ")" | "(" expr ")"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from autonode.errors import ExpressionError
from autonode.value import Value

FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
}

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|[-+*/()]))"
)
MAX_LENGTH = 10_000


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    position: int


def _pointer(text: str, position: int) -> str:
    return f"\n  {text}\n  {' ' * position}^"


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


class _Parser:
    def __init__(self, text: str, variables: Mapping[str, Value]) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.variables = variables

    def error(self, message: str, token: Token) -> ExpressionError:
        shown = repr(token.text) if token.kind != "end" else "the end of the expression"
        where = _pointer(self.text, token.position)
        return ExpressionError(f"{message}, found {shown} at position {token.position}{where}")

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def named(self, node: Value, start: int) -> Value:
        """Label an unlabelled op node with its source text, tokens[start : index]."""
        if not node.label:
            last = self.tokens[self.index - 1]
            node.label = self.text[self.tokens[start].position : last.position + len(last.text)]
        return node

    def take(self, *texts: str) -> Token | None:
        token = self.current
        if token.kind == "op" and token.text in texts:
            self.index += 1
            return token
        return None

    def parse(self) -> Value:
        value = self.expr()
        if self.current.kind != "end":
            raise self.error("expected an operator or the end", self.current)
        return value

    def expr(self) -> Value:
        start = self.index
        value = self.term()
        while (token := self.take("+", "-")) is not None:
            right = self.term()
            value = self.named(value + right if token.text == "+" else value - right, start)
        return value

    def term(self) -> Value:
        start = self.index
        value = self.unary()
        while (token := self.take("*", "/")) is not None:
            right = self.unary()
            value = self.named(value * right if token.text == "*" else value / right, start)
        return value

    def unary(self) -> Value:
        start = self.index
        if self.take("-") is not None:
            return self.named(-self.unary(), start)
        if self.take("+") is not None:
            return self.unary()
        return self.power()

    def power(self) -> Value:
        start = self.index
        base = self.atom()
        if self.take("**") is None:
            return base
        literal = self.literal_exponent()
        if literal is not None:
            return self.named(base**literal, start)  # x**2: one node, the exponent part of the op
        return self.named(base ** self.unary(), start)

    def literal_exponent(self) -> float | None:
        """A signed number literal not followed by another ``**``, consumed; else None."""
        i = self.index
        sign = 1.0
        if self.tokens[i].kind == "op" and self.tokens[i].text in ("-", "+"):
            sign = -1.0 if self.tokens[i].text == "-" else 1.0
            i += 1
        number, after = self.tokens[i], self.tokens[min(i + 1, len(self.tokens) - 1)]
        if number.kind != "number" or (after.kind == "op" and after.text == "**"):
            return None
        self.index = i + 1
        return sign * float(number.text)

    def atom(self) -> Value:
        token = self.current
        if token.kind == "number":
            self.index += 1
            return Value(float(token.text), label=token.text)
        if token.kind == "name":
            self.index += 1
            if token.text in FUNCTIONS:
                if self.take("(") is None:
                    raise self.error(f"expected '(' after the function {token.text}", self.current)
                inner = self.expr()
                if self.take(")") is None:
                    raise self.error("expected ')'", self.current)
                return self.named(FUNCTIONS[token.text](inner), self.index - 1 - _span(self.tokens, self.index - 1))
            if token.text not in self.variables:
                known = ", ".join(sorted(self.variables)) or "none"
                raise self.error(
                    f"unknown name {token.text!r} (variables given: {known}; functions: {', '.join(FUNCTIONS)})", token
                )
            return self.variables[token.text]
        if self.take("(") is not None:
            inner = self.expr()
            if self.take(")") is None:
                raise self.error("expected ')'", self.current)
            return inner
        raise self.error("expected a number, a name or '('", token)


def _span(tokens: list[Token], close: int) -> int:
    """How many tokens lie between the closing parenthesis at ``close`` and its function name."""
    depth = 0
    for back, token in enumerate(reversed(tokens[: close + 1])):
        if token.kind == "op" and token.text == ")":
            depth += 1
        elif token.kind == "op" and token.text == "(":
            depth -= 1
            if depth == 0:
                return back + 1
    return 0


def variable_names(text: str) -> list[str]:
    """The variable names used in ``text``, in order of first appearance."""
    names: list[str] = []
    for token in tokenize(text):
        if token.kind == "name" and token.text not in FUNCTIONS and token.text not in names:
            names.append(token.text)
    return names


def parse_expression(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Build ``text`` as a Value graph with the variables set to ``values``.

    Returns the output node and the input leaves by name.
    """
    leaves = {name: Value(value, label=name) for name, value in values.items()}
    root = _Parser(text, leaves).parse()
    return root, leaves


def parse_assignments(text: str) -> dict[str, float]:
    """``"a=2,b=-3"`` → ``{"a": 2.0, "b": -3.0}``; errors name the bad part."""
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, number = part.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"expected NAME=NUMBER in --at, got {part!r}")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name and cannot be a variable")
        try:
            values[name] = float(number)
        except ValueError:
            raise ExpressionError(f"the value of {name} in --at is not a number: {number.strip()!r}") from None
    return values


def parse_expression_at(text: str, assignments: str) -> tuple[Value, dict[str, Value]]:
    """Parse ``text`` with its variables set from ``"a=2,b=-3"``; every variable must be given."""
    values = parse_assignments(assignments)
    missing = [name for name in variable_names(text) if name not in values]
    if missing:
        raise ExpressionError(f"no value given for {', '.join(missing)} (give it as {missing[0]}=...)")
    return parse_expression(text, values)
