"""The JSONPath libraries behind ``jsonpath`` criteria, one compiler per dialect.

:func:`compile_rfc9535` uses ``python-jsonpath`` (strict RFC 9535) and
:func:`compile_goessner` uses ``jsonpath-ng``'s extended parser.  Each turns
query text into :data:`~arazzo_engine.criteria._jsonpath_comparison.Nodes` or
raises :class:`~arazzo_engine.criteria._jsonpath_comparison.QueryError`, and
applies the root filter rule (see :mod:`arazzo_engine.criteria.jsonpath`).
An RFC 9535 query is parsed by ``python-jsonpath`` and, when it is in the
common subset, evaluated by :mod:`~arazzo_engine.criteria._jsonpath_fast`'s
closures, which give the library's node lists several times faster
(:class:`RfcQuery`).

This module reaches into both libraries' internals: ``python-jsonpath``'s
environment hooks (``setup_function_extensions``, ``function_extensions.Count``,
``JSONPath(pseudo_root=True)``, segment and selector classes, ``JSONPathError.token``)
and ``jsonpath-ng``'s AST (``Child``, ``Root``, ``Filter``, ``DatumInContext``)
and parse-error texts, and ``_jsonpath_fast`` reads python-jsonpath's parsed
queries (selector and filter expression classes, ``max_recursion_depth``) and
mirrors its evaluation, so pyproject.toml holds both libraries to the ranges
``tests/test_jsonpath_criterion.py`` and ``tests/test_jsonpath_fast.py`` pass on
(python-jsonpath 2.0.0 and 2.2.2, jsonpath-ng 1.17.0 tested; docs/dependencies.md):
run them before widening them.
The module is imported on the first ``jsonpath`` criterion compiled, never at
``import arazzo_engine``.

Bounds.  Every compiled query is made to call
:func:`~arazzo_engine.patterns.checkpoint` as it goes, so an evaluation stops
when its time budget is spent: each segment of an RFC 9535 query (its class
swapped for a subclass that checks each node it yields) and each filter test
(``is_truthy``); each node of a Goessner query (same swap, on ``find``).
Regular expressions run on :func:`~arazzo_engine.patterns.compile_pattern`:
RFC 9535 ``match()``/``search()`` (the I-Regexp read as Python syntax, ``.``
matching any character but a line end, as python-jsonpath does), Goessner
``=~`` and ``sub()``.  A Goessner ``*`` does not build a string or an array
longer than ``MAX_REPEATED_LENGTH``.
"""

from __future__ import annotations

import operator
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any, Final

from jsonpath import JSONPath, JSONPathEnvironment, JSONPathError, function_extensions
from jsonpath.match import NodeList
from jsonpath.segments import JSONPathChildSegment, JSONPathSegment
from jsonpath.selectors import Filter as RfcFilter
from jsonpath_ng.exceptions import JSONPathError as GoessnerError
from jsonpath_ng.ext.arithmetic import Operation
from jsonpath_ng.ext.filter import Expression
from jsonpath_ng.ext.filter import Filter as GoessnerFilter
from jsonpath_ng.ext.parser import parse as goessner_parse
from jsonpath_ng.ext.string import Sub
from jsonpath_ng.jsonpath import Child, DatumInContext, Fields, Index, Root, This
from jsonpath_ng.jsonpath import JSONPath as GoessnerNode

from arazzo_engine.criteria._jsonpath_comparison import Nodes, QueryError
from arazzo_engine.criteria._jsonpath_fast import Fallback, compile_fast
from arazzo_engine.errors import PatternError
from arazzo_engine.patterns import Pattern, checkpoint, compile_pattern
from arazzo_engine.patterns.budget import exceeded

__all__ = [
    "MAX_REPEATED_LENGTH",
    "RfcQuery",
    "compile_goessner",
    "compile_rfc9535",
    "goessner_locations",
    "holds_function",
]

MAX_REPEATED_LENGTH: Final = 10_000_000
"""The longest string or array a Goessner ``*`` (``$.name * 3``) may build."""

# ------------------------------------------------------------------ RFC 9535


@lru_cache(maxsize=1024)
def _iregexp(pattern: str) -> Pattern | None:
    """An RFC 9485 I-Regexp compiled as Python syntax; None when it does not compile.

    ``.`` outside a class matches any character but ``\n`` and ``\r``.
    """
    parts: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "." and not in_class:
            parts.append("[^\\n\\r]")
            continue
        parts.append(char)
    try:
        return compile_pattern("".join(parts)).shown_as(pattern)
    except PatternError:  # RFC 9535: a pattern that is not valid matches nothing
        return None


class _RegexFunction(function_extensions.FilterFunction):
    """``match()`` (the whole value) or ``search()`` (a part of it), with bounded patterns."""

    arg_types = [function_extensions.ExpressionType.VALUE] * 2
    return_type = function_extensions.ExpressionType.LOGICAL

    def __init__(self, whole: bool) -> None:
        self.whole = whole

    def __call__(self, value: object, pattern: object) -> bool:
        if not isinstance(value, str) or not isinstance(pattern, str):
            return False
        compiled = _iregexp(pattern)
        if compiled is None:
            return False
        return compiled.fullmatch(value) if self.whole else compiled.search(value)


class _RfcEnvironment(JSONPathEnvironment):
    """Strict RFC 9535; bounded ``match`` / ``search``; a time check per filter test."""

    def setup_function_extensions(self) -> None:
        super().setup_function_extensions()
        self.function_extensions["match"] = _RegexFunction(whole=True)
        self.function_extensions["search"] = _RegexFunction(whole=False)

    def is_truthy(self, obj: object) -> bool:
        checkpoint()
        return bool(super().is_truthy(obj))


_CHECKED_SEGMENTS: dict[type[Any], type[Any]] = {}


def _checked_segment(cls: type[Any]) -> type[Any]:
    """A subclass of a segment class that checks the time budget for each node it yields."""
    found = _CHECKED_SEGMENTS.get(cls)
    if found is None:

        def resolve(self: Any, nodes: Iterable[Any]) -> Iterator[Any]:
            for node in cls.resolve(self, nodes):
                checkpoint()
                yield node

        found = type(cls.__name__, (cls,), {"__slots__": (), "resolve": resolve})
        _CHECKED_SEGMENTS[cls] = found
    return found


def _bound_rfc(path: JSONPath, seen: set[int]) -> None:
    """Make every segment of ``path``, and of the queries in its filters, check the budget."""
    for segment in path.segments:
        if id(segment) in seen:
            continue
        seen.add(id(segment))
        if isinstance(segment, JSONPathSegment) and type(segment) not in _CHECKED_SEGMENTS.values():
            segment.__class__ = _checked_segment(type(segment))
        for selector in segment.selectors:
            expression = getattr(selector, "expression", None)
            if expression is not None:
                _bound_rfc_expression(expression, seen)
            query = getattr(selector, "query", None)
            if isinstance(query, JSONPath):
                _bound_rfc(query, seen)


def _bound_rfc_expression(expression: Any, seen: set[int]) -> None:
    stack = [expression]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        path = getattr(node, "path", None)
        if isinstance(path, JSONPath):
            _bound_rfc(path, seen)
        stack.extend(node.children())


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
        raise QueryError(str(error).splitlines()[0], offset) from None
    if not isinstance(path, JSONPath):  # unions / intersections: not RFC 9535
        raise QueryError("this is not a single RFC 9535 query", None)
    _bound_rfc(path, set())
    return path


class RfcQuery:
    """A compiled RFC 9535 query: its node list, and an early-exit test for the query form.

    A query in the subset of :mod:`~arazzo_engine.criteria._jsonpath_fast` is
    evaluated by its closures; the library evaluates the others, the root
    filter rule's, and any value the closures hand back (:class:`Fallback`).
    """

    __slots__ = ("_fast", "_has_segments", "_path", "_wrapped")

    def __init__(self, path: JSONPath, wrapped: JSONPath | None, fast: bool) -> None:
        self._path = path
        self._wrapped = wrapped
        self._has_segments = bool(path.segments)
        self._fast = compile_fast(path) if fast else None

    @property
    def fast(self) -> bool:
        """Whether the query is in the closures' subset."""
        return self._fast is not None

    @property
    def singular(self) -> bool:
        """Whether it is an RFC 9535 singular query (only name and index segments)."""
        return bool(self._path.singular_query())

    def locations(self, value: Any) -> list[tuple[str | int, ...]]:
        """The member names and indices leading to each node it selects, in order."""
        return [tuple(match.parts) for match in self._path.finditer(value)]

    def __call__(self, value: Any) -> list[Any]:
        if isinstance(value, str):  # a JSON string has no children
            return [] if self._has_segments else [value]
        if self._wrapped is not None and isinstance(value, Mapping):
            return self._wrapped.findall(value)
        if self._fast is not None:
            try:
                return self._fast.nodes(value)
            except Fallback:
                pass
        return self._path.findall(value)

    def holds(self, value: Any) -> bool:
        """Whether the node list is not empty (the query form's pass rule)."""
        fast = self._fast
        by_library = self._wrapped is not None and isinstance(value, Mapping)
        if fast is not None and not by_library and not isinstance(value, str):
            try:
                return fast.holds(value)
            except Fallback:
                return bool(self._path.findall(value))
        return bool(self(value))


def compile_rfc9535(text: str, *, fast: bool = True, root_filter: bool = True) -> RfcQuery:
    """``text`` compiled; ``fast=False``: always the library's evaluation (for comparing);
    ``root_filter=False``: plain RFC 9535, without the criteria's root filter rule."""
    path = _rfc_path(_RFC_ENV, text)
    segments = path.segments
    first = segments[0] if segments else None
    filters_root = (
        root_filter
        and isinstance(first, JSONPathChildSegment)
        and bool(first.selectors)
        and all(isinstance(selector, RfcFilter) for selector in first.selectors)
    )
    wrapped = None
    if filters_root:
        # ``pseudo_root`` applies the segments to ``[context]``, ``$`` still the context.
        filtered = _rfc_path(_ROOT_FILTER_ENV, text)
        wrapped = JSONPath(env=_ROOT_FILTER_ENV, segments=filtered.segments, pseudo_root=True)
    return RfcQuery(path, wrapped, fast)


def holds_function(nodes: Nodes) -> Callable[[Any], bool]:
    """Whether a compiled query selects a node: early exit when the query has it."""
    if isinstance(nodes, RfcQuery):
        return nodes.holds
    return lambda value: bool(nodes(value))


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


def _goessner_error(error: Exception) -> QueryError:
    message = str(error).strip()
    if match := _GOESSNER_POSITION.match(message):
        return QueryError(f"unexpected {match.group(2)!r}", int(match.group(1)))
    if match := _GOESSNER_CHARACTER.match(message):
        return QueryError(f"unexpected character {match.group(2)!r}", int(match.group(1)))
    if message.startswith("Parse error near the end"):
        return QueryError("the query ends too early", None)
    if message.startswith("Unexpected EOF in string literal"):
        return QueryError("a quoted name or string is not closed", None)
    return QueryError(message, None)


def _parse_goessner(text: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            path = goessner_parse(text)
        except (GoessnerError, ValueError, TypeError) as error:
            raise _goessner_error(error) from None
    _bound_goessner(path)
    return path


_CHECKED_NODES: dict[tuple[type[Any], Callable[..., Any] | None], type[Any]] = {}


def _checked_node(cls: type[Any], find: Callable[..., Any] | None = None) -> type[Any]:
    """A subclass of a Goessner node class whose ``find`` checks the budget before and after.

    ``find`` replaces the class's own (for ``=~`` and ``sub()``).
    """
    key = (cls, find)
    found = _CHECKED_NODES.get(key)
    if found is None:
        inner = find or cls.find

        def checked_find(self: Any, datum: Any) -> Any:
            checkpoint()
            result = inner(self, datum)
            checkpoint()
            return result

        found = type(cls.__name__, (cls,), {"find": checked_find})
        _CHECKED_NODES[key] = found
    return found


def _regex_find(self: Any, datum: Any) -> list[DatumInContext]:
    """``=~`` on a literal pattern: the values found that are strings the pattern is in."""
    pattern: Pattern = self.bounded_pattern
    found = self.target.find(DatumInContext.wrap(datum))
    return [
        match for match in found if isinstance(match.value, str) and pattern.search(match.value)
    ]


def _sub_find(self: Any, datum: Any) -> list[DatumInContext]:
    """``sub(/pattern/, replacement)``: the replaced text, when the pattern replaced something."""
    pattern: Pattern = self.bounded_pattern
    wrapped = DatumInContext.wrap(datum)
    value = pattern.sub(self.repl, wrapped.value)
    return [] if value == wrapped.value else [DatumInContext.wrap(value)]


def _bounded_times(left: Any, right: Any) -> Any:
    """``*``, refusing to repeat a string or an array past ``MAX_REPEATED_LENGTH``."""
    for repeated, count in ((left, right), (right, left)):
        if isinstance(repeated, (str, list)) and isinstance(count, int):
            length = len(repeated) * count
            if length > MAX_REPEATED_LENGTH:
                raise exceeded(
                    f"the JSONPath '*' would build a value {length} long; "
                    f"the limit is {MAX_REPEATED_LENGTH}"
                )
    return operator.mul(left, right)


def _compiled_or_error(source: str) -> Pattern:
    try:
        return compile_pattern(source)
    except PatternError as error:
        raise QueryError(str(error), None) from None


def _bound_goessner(path: Any) -> None:
    """Make every node of a parsed Goessner query check the budget; bound its patterns."""
    seen: set[int] = set()
    stack = [path]
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, GoessnerNode):
            continue
        seen.add(id(node))
        cls = type(node)
        if cls in _CHECKED_NODES.values():
            continue
        find = None
        if isinstance(node, Expression) and node.op == "=~" and isinstance(node.value, str):
            setattr(node, "bounded_pattern", _compiled_or_error(node.value))  # noqa: B010
            find = _regex_find
        elif isinstance(node, Sub):
            setattr(node, "bounded_pattern", _compiled_or_error(node.expr))  # noqa: B010
            find = _sub_find
        elif isinstance(node, Operation) and node.op is operator.mul:
            node.op = _bounded_times
        node.__class__ = _checked_node(cls, find)
        for value in vars(node).values():
            if isinstance(value, GoessnerNode):
                stack.append(value)
            elif isinstance(value, (list, tuple)):
                stack.extend(item for item in value if isinstance(item, GoessnerNode))


def compile_goessner(text: str, *, root_filter: bool = True) -> Nodes:
    """``text`` compiled; ``root_filter=False``: without the criteria's root filter rule."""
    path = _parse_goessner(text)
    wrapped = None
    if root_filter and isinstance(getattr(_root_child(path), "right", None), GoessnerFilter):
        wrapped = _parse_goessner(text)  # a private copy to rewire
        _root_child(wrapped).left = _WrappedRoot()

    def nodes(value: Any) -> list[Any]:
        target = wrapped if wrapped is not None and isinstance(value, Mapping) else path
        return [match.value for match in target.find(value)]

    return nodes


def goessner_locations(text: str) -> Callable[[Any], list[tuple[str | int, ...]]]:
    """The member names and indices leading to each node a Goessner query selects."""
    path = _parse_goessner(text)

    def locations(value: Any) -> list[tuple[str | int, ...]]:
        found: list[tuple[str | int, ...]] = []
        for match in path.find(value):
            parts: list[str | int] = []
            datum = match
            while datum is not None and datum.context is not None:
                step = datum.path
                if isinstance(step, Fields) and len(step.fields) == 1:
                    parts.append(step.fields[0])
                elif isinstance(step, Index) and len(step.indices) == 1:
                    parts.append(step.indices[0])
                elif not isinstance(step, (Root, This)):
                    raise QueryError(f"a node it selects cannot be located ({step})", None)
                datum = datum.context
            found.append(tuple(reversed(parts)))
        return found

    return locations
