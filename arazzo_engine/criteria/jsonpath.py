"""``jsonpath`` criteria: a JSONPath condition judged against the criterion's context.

Dialects
--------
* No ``version`` (the default): **RFC 9535** JSONPath, evaluated by
  ``python-jsonpath`` in its strict mode (no non-standard syntax; the functions
  ``length``, ``count``, ``match``, ``search`` and ``value``).
* ``draft-goessner-dispatch-jsonpath-00``: Goessner's original JSONPath, as
  implemented by ``jsonpath-ng``'s extended parser (filters ``[?(...)]``, ``=~``
  regular expressions, the ``len`` extension ...).  Warnings that
  ``jsonpath-ng`` raises about its own deprecated syntax are silenced.

Any other version is a :class:`CriterionSyntaxError` naming the known ones.
Conditions are compiled once, when the criterion is built; leading and
trailing whitespace around the whole condition is ignored.

The context
-----------
The evaluated ``context`` (usually ``$response.body``, already decoded) is the
query argument.  A Python ``str`` is a JSON string, never JSON text to decode;
``bytes`` cannot be queried (:class:`ValueError`).

Pass rule
---------
A plain query passes when its node list is non-empty (the rule Arazzo 1.1
makes explicit): ``$.pets[*]`` passes on ``{"pets": [1]}``, fails on
``{"pets": []}``.

Root filter rule
----------------
Arazzo's own example ``$[?count(@.pets) > 0]`` means "the context has pets",
yet under strict RFC 9535 (and Goessner) a filter selects among the
*children* of the value it is applied to.  So: when the query's **first
segment is a child segment made only of filter selectors** (``$[?...]``,
``$[?...,?...]``; not ``$..[?...]``, not ``$[?..., 0]``) **and the context is
a JSON object**, the filter is applied to a one-element array holding the
context, i.e. it tests the context object itself; the rest of the query goes
on from the object if it passed.  ``$`` inside the filter still means the
context.  Every other query (``$.pets[*]``, ``$..[?...]``, a filter on an
array context ...) keeps the dialect's normal semantics.

Under this rule only, RFC 9535 ``count()`` of a node list holding exactly one
node whose value is an array counts that array's elements (RFC 9535 would
count the one node), which is what Arazzo's example means: on
``{"pets": [1]}`` ``$[?count(@.pets) > 0]`` passes, on ``{"pets": []}`` it
fails.  ``$[?length(@.pets) > 0]`` is the portable way to write it.

RFC 9535 comparisons with a missing member are kept as the RFC defines them:
``$[?@.access_token != null]`` passes on ``{"foo": 1}`` (nothing is not equal
to null).  To require the member, test its existence: ``$[?@.access_token]``.

Comparison form
---------------
A condition that is not one JSONPath query but a boolean combination of
comparisons is also accepted (fal's documents write
``$.status == "COMPLETED"``)::

    condition  = or
    or         = and *( "||" and )
    and        = unary *( "&&" unary )
    unary      = "!" "(" or ")" / "(" or ")" / comparison
    comparison = query op ( query / literal )
    op         = "==" / "!=" / "<" / "<=" / ">" / ">="
    literal    = true / false / null / JSON number
               / 'single-quoted' ('' for a quote) / "double-quoted" (JSON escapes)

A condition is a plain query when it starts with ``$`` and the dialect
compiles it whole; otherwise it is read in this form (``form`` says which:
``"query"`` or ``"comparison"``).  Precedence is ``||`` < ``&&`` <
comparison.  A query here starts with ``$``
and runs through ``.name``, ``..name``, ``.*``, ``[...]`` (brackets balanced,
quotes respected) with no whitespace between its segments; it is compiled in
the criterion's dialect, root filter rule included.  Each query must select at
most one node: a query that selects several nodes makes the evaluation fail
(:class:`ValueError`).  Zero nodes is an absent value, which the engine treats
as ``null`` everywhere: ``$.access_token != null`` is false when the body has
no ``access_token``, and ordering with it is false.  One node's value is compared
by the rules of simple conditions (:mod:`arazzo_engine.expressions.evaluate`):
strings case-insensitively, a number against a numeric string numerically,
``null`` equals only ``null``, ordering with ``null``, booleans or mismatched
types is false.

Errors
------
A query or comparison that does not parse raises :class:`CriterionSyntaxError`
(a :class:`ValueError`) at construction, quoting the condition with the column.
:meth:`JsonPathCondition.test` raises :class:`ValueError` with a reason when the
condition cannot be evaluated; the caller reports it as a failed criterion.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from jsonpath import JSONPath, JSONPathEnvironment, JSONPathError, function_extensions
from jsonpath.match import NodeList
from jsonpath.segments import JSONPathChildSegment
from jsonpath.selectors import Filter as RfcFilter
from jsonpath_ng.exceptions import JSONPathError as GoessnerError
from jsonpath_ng.ext.filter import Filter as GoessnerFilter
from jsonpath_ng.ext.parser import parse as goessner_parse
from jsonpath_ng.jsonpath import Child, DatumInContext, Root

from arazzo_engine._compat import assert_never

# The comparison rules of simple conditions (==, !=, <, <=, >, >=).
from arazzo_engine.expressions.evaluate import compare as simple_compare

__all__ = ["GOESSNER", "KNOWN_VERSIONS", "CriterionSyntaxError", "JsonPathCondition"]

GOESSNER: Final = "draft-goessner-dispatch-jsonpath-00"
KNOWN_VERSIONS: Final = (GOESSNER,)


class CriterionSyntaxError(ValueError):
    """A ``jsonpath`` or ``xpath`` condition (or its version) cannot be compiled.

    ``str()`` is a plain sentence quoting the condition, with the 1-based column
    (counted from the start of the condition) when it is known.
    """

    def __init__(
        self, language: str, condition: str, reason: str, column: int | None = None
    ) -> None:
        self.language = language
        self.condition = condition
        self.reason = reason
        self.column = column
        where = f" at column {column}" if column is not None else ""
        super().__init__(f"the {language} condition {condition!r} is not valid: {reason}{where}")


class _EvaluationError(ValueError):
    """A reason of ours for a condition that cannot be evaluated."""


Nodes = Callable[[Any], list[Any]]  # the values of a query's node list


class _QueryError(Exception):
    """A query does not compile: reason and 0-based offset inside the query."""

    def __init__(self, reason: str, offset: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


# ------------------------------------------------------------------ RFC 9535


class _RfcEnvironment(JSONPathEnvironment):
    """Strict RFC 9535 with thread-safe regex caches for ``match`` / ``search``."""

    def setup_function_extensions(self) -> None:
        super().setup_function_extensions()
        self.function_extensions["match"] = function_extensions.Match(thread_safe=True)
        self.function_extensions["search"] = function_extensions.Search(thread_safe=True)


class _ElementCount(function_extensions.Count):
    """``count()`` for the root filter rule: one array node counts its elements."""

    def __call__(self, node_list: NodeList) -> int:
        if len(node_list) == 1 and isinstance(node_list[0].obj, list):
            return len(node_list[0].obj)
        return len(node_list)


class _RootFilterEnvironment(_RfcEnvironment):
    """The environment of queries compiled for the root filter rule."""

    def setup_function_extensions(self) -> None:
        super().setup_function_extensions()
        self.function_extensions["count"] = _ElementCount()


_RFC_ENV: Final = _RfcEnvironment(strict=True)
_ROOT_FILTER_ENV: Final = _RootFilterEnvironment(strict=True)


def _rfc_path(env: JSONPathEnvironment, text: str) -> JSONPath:
    try:
        path = env.compile(text)
    except JSONPathError as error:
        token = error.token
        offset = token.index if token is not None else None
        raise _QueryError(str(error).splitlines()[0], offset) from None
    if not isinstance(path, JSONPath):  # unions / intersections: not RFC 9535
        raise _QueryError("this is not a single RFC 9535 query", None)
    return path


def _compile_rfc(text: str) -> Nodes:
    path = _rfc_path(_RFC_ENV, text)
    segments = path.segments
    first = segments[0] if segments else None
    filters_root = (
        isinstance(first, JSONPathChildSegment)
        and bool(first.selectors)
        and all(isinstance(selector, RfcFilter) for selector in first.selectors)
    )
    wrapped = None
    if filters_root:
        # ``pseudo_root`` applies the segments to ``[context]``, ``$`` still the context.
        root_filter = _rfc_path(_ROOT_FILTER_ENV, text)
        wrapped = JSONPath(env=_ROOT_FILTER_ENV, segments=root_filter.segments, pseudo_root=True)

    def nodes(value: Any) -> list[Any]:
        if isinstance(value, str):  # a JSON string has no children
            return [] if segments else [value]
        if wrapped is not None and isinstance(value, Mapping):
            return wrapped.findall(value)
        return path.findall(value)

    return nodes


# ------------------------------------------------------------------ Goessner

_GOESSNER_POSITION = re.compile(r"Parse error at \d+:(\d+) near token (.*?) \((.+)\)$")
_GOESSNER_CHARACTER = re.compile(r"Error on line \d+, col (\d+): Unexpected character: (.)")


class _WrappedRoot(Root):
    """``$`` yielding ``[context]`` for the root filter rule (``$`` inside stays the context)."""

    def find(self, data: DatumInContext | Any) -> list[DatumInContext]:
        top = DatumInContext.wrap(data)
        return [DatumInContext([top.value], path=Root(), context=top)]


def _root_child(path: Any) -> Any:
    """The ``Child`` node applied directly to ``$``, or ``None``."""
    while isinstance(path, Child):
        if isinstance(path.left, Root):
            return path
        path = path.left
    return None


def _goessner_error(error: Exception) -> _QueryError:
    message = str(error).strip()
    if match := _GOESSNER_POSITION.match(message):
        return _QueryError(f"unexpected {match.group(2)!r}", int(match.group(1)))
    if match := _GOESSNER_CHARACTER.match(message):
        return _QueryError(f"unexpected character {match.group(2)!r}", int(match.group(1)))
    if message.startswith("Parse error near the end"):
        return _QueryError("the query ends too early", None)
    if message.startswith("Unexpected EOF in string literal"):
        return _QueryError("a quoted name or string is not closed", None)
    return _QueryError(message, None)


def _parse_goessner(text: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return goessner_parse(text)
        except (GoessnerError, ValueError, TypeError) as error:
            raise _goessner_error(error) from None


def _compile_goessner(text: str) -> Nodes:
    path = _parse_goessner(text)
    wrapped = None
    if isinstance(getattr(_root_child(path), "right", None), GoessnerFilter):
        wrapped = _parse_goessner(text)  # a private copy to rewire
        _root_child(wrapped).left = _WrappedRoot()

    def nodes(value: Any) -> list[Any]:
        target = wrapped if wrapped is not None and isinstance(value, Mapping) else path
        return [match.value for match in target.find(value)]

    return nodes


# ------------------------------------------------------------------ dialects


def _compiler(language: str, condition: str, version: str | None) -> Callable[[str], Nodes]:
    if version is None:
        return _compile_rfc
    if version == GOESSNER:
        return _compile_goessner
    known = ", ".join(KNOWN_VERSIONS)
    raise CriterionSyntaxError(
        language,
        condition,
        f"unknown JSONPath version {version!r} (known: {known}; give no version for RFC 9535)",
    )


# ------------------------------------------------------------------ comparison form


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
            raise _EvaluationError(
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


def _judge(node: _Bool, context: Any) -> bool:
    match node:
        case _Compare():
            right = node.right
            other = right.value(context) if isinstance(right, _Query) else right.value
            return _compare(node.op, node.left.value(context), other)
        case _And():
            return all(_judge(operand, context) for operand in node.operands)
        case _Or():
            return any(_judge(operand, context) for operand in node.operands)
        case _Not():
            return not _judge(node.operand, context)
        case _:
            assert_never(node)


class _FormError(Exception):
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
                raise _FormError("a string inside this query has no closing quote", i)
            i = end
        elif char in closing:
            stack.append(closing[char])
        elif char in ")]":
            if not stack or stack.pop() != char:
                raise _FormError(f"unexpected {char!r} inside this query", i)
            if not stack:
                return i + 1
        i += 1
    raise _FormError("the '[' here is not closed", start)


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
            raise _FormError(f"expected a member name or '*' after {'.' * dots!r}", j)
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
                raise _FormError(
                    f"expected a JSONPath query starting with '$', found {word.group()!r}", i
                )
            char = text[i]
            raise _FormError(_MISTAKES.get(char, f"unexpected {char!r}"), i)
        if match.lastgroup != "ws":
            tokens.append((match.lastgroup, match.group(), i))
        i = match.end()
    return tokens


class _FormParser:
    """Recursive descent over the tokens of the comparison form."""

    def __init__(self, text: str, compile_query: Callable[[str], Nodes]) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.compile_query = compile_query

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def fail(self, expected: str) -> _FormError:
        token = self.peek()
        if token is None:
            return _FormError(
                f"expected {expected}, found the end of the condition", len(self.text)
            )
        return _FormError(f"expected {expected}, found {token[1]!r}", token[2])

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
        except _QueryError as error:
            offset = None if error.offset is None else token[2] + error.offset
            raise _FormError(f"in the query {token[1]}: {error.reason}", offset) from None

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
                raise _FormError(
                    'invalid escape in a double-quoted string (JSON escapes only: \\" \\\\ '
                    "\\/ \\b \\f \\n \\r \\t \\u plus four hex digits)",
                    offset,
                ) from None
        self.pos -= 1
        raise self.fail("a query, true, false, null, a number or a quoted string")


# ------------------------------------------------------------------ the condition


class JsonPathCondition:
    """A ``jsonpath`` criterion's condition, compiled once (see the module docstring)."""

    __slots__ = ("_judge", "condition", "form", "version")

    def __init__(self, condition: str, version: str | None) -> None:
        self.condition = condition
        self.version = version
        language = "JSONPath" if version is None else f"JSONPath ({version})"
        compile_query = _compiler(language, condition, version)
        text = condition.strip()
        lead = len(condition) - len(condition.lstrip())

        def syntax_error(reason: str, offset: int | None) -> CriterionSyntaxError:
            column = None if offset is None else lead + offset + 1
            return CriterionSyntaxError(language, condition, reason, column)

        if not text:
            raise syntax_error("the condition is empty", None)
        query_error: _QueryError | None = None
        if text.startswith("$"):
            try:
                nodes = compile_query(text)
            except _QueryError as error:
                query_error = error
            else:
                self.form = "query"
                self._judge: Callable[[Any], bool] = lambda value: bool(nodes(value))
                return
        try:
            parser = _FormParser(text, compile_query)
            single_query = len(parser.tokens) == 1 and parser.tokens[0][0] == "query"
            if single_query and query_error is not None:  # a plain query that does not compile
                raise syntax_error(query_error.reason, query_error.offset)
            tree = parser.parse()
        except _FormError as error:
            raise syntax_error(error.reason, error.offset) from None
        self.form = "comparison"
        self._judge = lambda value: _judge(tree, value)

    def test(self, value: Any) -> bool:
        """Whether the condition holds on ``value``; :class:`ValueError` when it cannot tell."""
        if isinstance(value, (bytes, bytearray, memoryview)):
            raise ValueError("the context is binary data, not a JSON value")
        try:
            return self._judge(value)
        except _EvaluationError:
            raise
        except Exception as error:
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise ValueError(f"evaluating the JSONPath condition failed: {reason}") from None

    def __repr__(self) -> str:
        return f"JsonPathCondition({self.condition!r}, {self.version!r})"
