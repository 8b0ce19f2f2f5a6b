"""The comparison form of ``jsonpath`` conditions: comparisons of queries joined by ``&&``/``||``.

``$.status == "COMPLETED" || $.status == 'FAILED'``: the grammar and the value
rules are in :mod:`arazzo_engine.criteria.jsonpath`.  The queries inside are
compiled by the criterion's dialect (:mod:`arazzo_engine.criteria._jsonpath_dialects`),
which this module reaches only through ``compile_query``: a function from query
text to :data:`Nodes`, raising :class:`QueryError`.  Pure Python, no JSONPath
library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from arazzo_engine._compat import assert_never

# The comparison rules of simple conditions (==, !=, <, <=, >, >=).
from arazzo_engine.expressions.evaluate import compare as simple_compare

__all__ = ["EvaluationError", "FormError", "FormParser", "Nodes", "QueryError", "judge_tree"]

Nodes = Callable[[Any], list[Any]]
"""A compiled query: the values of its node list on a JSON value."""


class QueryError(Exception):
    """A query does not compile: reason and 0-based offset inside the query."""

    def __init__(self, reason: str, offset: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


class EvaluationError(ValueError):
    """A reason of ours for a condition that cannot be evaluated."""


class _Nothing:
    """The value of a query that selects no node."""

    def __repr__(self) -> str:
        return "nothing"


NOTHING: Final = _Nothing()


@dataclass(frozen=True, slots=True)
class _Query:
    text: str
    nodes: Nodes

    def value(self, context: Any) -> Any:
        found = self.nodes(context)
        if not found:
            return NOTHING
        if len(found) > 1:
            raise EvaluationError(
                f"the query {self.text} selects {len(found)} nodes; a query in a "
                "comparison must select at most one node"
            )
        return found[0]


@dataclass(frozen=True, slots=True)
class _Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class _Compare:
    op: str
    left: _Query
    right: _Query | _Literal


@dataclass(frozen=True, slots=True)
class _And:
    operands: tuple[_Bool, ...]


@dataclass(frozen=True, slots=True)
class _Or:
    operands: tuple[_Bool, ...]


@dataclass(frozen=True, slots=True)
class _Not:
    operand: _Bool


_Bool = _Compare | _And | _Or | _Not


def _compare(op: str, left: Any, right: Any) -> bool:
    # A query that selects nothing is an absent value, which the engine treats
    # as null everywhere: `$.access_token != null` is false when there is none.
    return simple_compare(
        op, None if left is NOTHING else left, None if right is NOTHING else right
    )


def judge_tree(node: _Bool, context: Any) -> bool:
    match node:
        case _Compare():
            right = node.right
            other = right.value(context) if isinstance(right, _Query) else right.value
            return _compare(node.op, node.left.value(context), other)
        case _And():
            return all(judge_tree(operand, context) for operand in node.operands)
        case _Or():
            return any(judge_tree(operand, context) for operand in node.operands)
        case _Not():
            return not judge_tree(node.operand, context)
        case _:
            assert_never(node)


class FormError(Exception):
    """The comparison form does not parse: reason and 0-based offset."""

    def __init__(self, reason: str, offset: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<op>==|!=|<=|>=|<|>)
    | (?P<and>&&)
    | (?P<or>\|\|)
    | (?P<not>!)
    | (?P<lpar>\()
    | (?P<rpar>\))
    | (?P<sq>'(?:[^']|'')*')
    | (?P<dq>"(?:[^"\\]|\\.)*")
    | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(?![\w.])
    | (?P<word>true|false|null)(?![\w$])
    """,
    re.VERBOSE | re.DOTALL,
)
_NAME = re.compile(r"[\w-]+")
_MISTAKES = {
    "=": "'=' is not an operator; use '==' to compare",
    "&": "'&' is not an operator; use '&&'",
    "|": "'|' is not an operator; use '||'",
    "'": "this string has no closing quote (write '' for a quote inside it)",
    '"': 'this string has no closing quote (write \\" for a quote inside it)',
}


def _skip_brackets(text: str, start: int) -> int:
    """The index after the ``]`` closing the ``[`` at ``start``."""
    closing = {"[": "]", "(": ")"}
    stack: list[str] = []
    i = start
    while i < len(text):
        char = text[i]
        if char in "'\"":
            end = i + 1
            while end < len(text) and text[end] != char:
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise FormError("a string inside this query has no closing quote", i)
            i = end
        elif char in closing:
            stack.append(closing[char])
        elif char in ")]":
            if not stack or stack.pop() != char:
                raise FormError(f"unexpected {char!r} inside this query", i)
            if not stack:
                return i + 1
        i += 1
    raise FormError("the '[' here is not closed", start)


def _scan_query(text: str, start: int) -> int:
    """The end of the query starting with ``$`` at ``start``."""
    i = start + 1
    while i < len(text):
        if text[i] == "[":
            i = _skip_brackets(text, i)
            continue
        if text[i] != ".":
            break
        dots = 2 if text.startswith("..", i) else 1
        j = i + dots
        following = text[j : j + 1]
        if following == "*":
            i = j + 1
        elif following == "[" and dots == 2:
            i = j
        elif following == "`" and dots == 1 and (close := text.find("`", j + 1)) > 0:
            i = close + 1
        elif match := _NAME.match(text, j):
            i = match.end()
        else:
            raise FormError(f"expected a member name or '*' after {'.' * dots!r}", j)
    return i


_Token = tuple[str, str, int]  # kind, text, 0-based offset


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        if text[i] == "$":
            end = _scan_query(text, i)
            tokens.append(("query", text[i:end], i))
            i = end
            continue
        match = _TOKEN.match(text, i)
        if match is None or match.lastgroup is None:
            if word := _NAME.match(text, i):
                raise FormError(
                    f"expected a JSONPath query starting with '$', found {word.group()!r}", i
                )
            char = text[i]
            raise FormError(_MISTAKES.get(char, f"unexpected {char!r}"), i)
        if match.lastgroup != "ws":
            tokens.append((match.lastgroup, match.group(), i))
        i = match.end()
    return tokens


class FormParser:
    """Recursive descent over the tokens of the comparison form."""

    def __init__(self, text: str, compile_query: Callable[[str], Nodes]) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.compile_query = compile_query

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def fail(self, expected: str) -> FormError:
        token = self.peek()
        if token is None:
            return FormError(f"expected {expected}, found the end of the condition", len(self.text))
        return FormError(f"expected {expected}, found {token[1]!r}", token[2])

    def parse(self) -> _Bool:
        node = self.parse_or()
        if self.peek() is not None:
            raise self.fail("'&&', '||' or the end of the condition")
        return node

    def parse_or(self) -> _Bool:
        operands = [self.parse_and()]
        while (token := self.peek()) is not None and token[0] == "or":
            self.pos += 1
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else _Or(tuple(operands))

    def parse_and(self) -> _Bool:
        operands = [self.parse_unary()]
        while (token := self.peek()) is not None and token[0] == "and":
            self.pos += 1
            operands.append(self.parse_unary())
        return operands[0] if len(operands) == 1 else _And(tuple(operands))

    def parse_unary(self) -> _Bool:
        token = self.peek()
        if token is not None and token[0] == "not":
            self.pos += 1
            following = self.peek()
            if following is None or following[0] != "lpar":
                raise self.fail("'(' after '!' (write !( ... ))")
            return _Not(self.parse_group())
        if token is not None and token[0] == "lpar":
            return self.parse_group()
        return self.parse_comparison()

    def parse_group(self) -> _Bool:
        self.pos += 1  # '('
        node = self.parse_or()
        token = self.peek()
        if token is None or token[0] != "rpar":
            raise self.fail("')'")
        self.pos += 1
        return node

    def parse_comparison(self) -> _Compare:
        token = self.peek()
        if token is None or token[0] != "query":
            raise self.fail("a JSONPath query starting with '$'")
        self.pos += 1
        left = self.query(token)
        op = self.peek()
        if op is None or op[0] != "op":
            raise self.fail("a comparison operator (==, !=, <, <=, >, >=) after the query")
        self.pos += 1
        right = self.peek()
        if right is None:
            raise self.fail("a query or a literal after the operator")
        self.pos += 1
        if right[0] == "query":
            return _Compare(op[1], left, self.query(right))
        return _Compare(op[1], left, _Literal(self.literal(right)))

    def query(self, token: _Token) -> _Query:
        try:
            return _Query(token[1], self.compile_query(token[1]))
        except QueryError as error:
            offset = None if error.offset is None else token[2] + error.offset
            raise FormError(f"in the query {token[1]}: {error.reason}", offset) from None

    def literal(self, token: _Token) -> Any:
        kind, text, offset = token
        if kind == "word":
            return {"true": True, "false": False, "null": None}[text]
        if kind == "number":
            return json.loads(text)
        if kind == "sq":
            return text[1:-1].replace("''", "'")
        if kind == "dq":
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise FormError(
                    'invalid escape in a double-quoted string (JSON escapes only: \\" \\\\ '
                    "\\/ \\b \\f \\n \\r \\t \\u plus four hex digits)",
                    offset,
                ) from None
        self.pos -= 1
        raise self.fail("a query, true, false, null, a number or a quoted string")
