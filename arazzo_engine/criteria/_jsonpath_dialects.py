"""The JSONPath libraries behind ``jsonpath`` criteria, one compiler per dialect.

:func:`compile_rfc9535` uses ``python-jsonpath`` (strict RFC 9535) and
:func:`compile_goessner` uses ``jsonpath-ng``'s extended parser.  Each turns
query text into :data:`~arazzo_engine.criteria._jsonpath_comparison.Nodes` or
raises :class:`~arazzo_engine.criteria._jsonpath_comparison.QueryError`, and
applies the root filter rule (see :mod:`arazzo_engine.criteria.jsonpath`).

This module reaches into both libraries' internals: ``python-jsonpath``'s
environment hooks (``setup_function_extensions``, ``function_extensions.Count``,
``JSONPath(pseudo_root=True)``, segment and selector classes, ``JSONPathError.token``)
and ``jsonpath-ng``'s AST (``Child``, ``Root``, ``Filter``, ``DatumInContext``)
and parse-error texts, so pyproject.toml holds both libraries to the ranges
``tests/test_jsonpath_criterion.py`` passes on (python-jsonpath 2.0.0 and 2.2.2,
jsonpath-ng 1.17.0 tested; docs/dependencies.md): run it before widening them.
The module is imported on the first ``jsonpath`` criterion compiled, never at
``import arazzo_engine``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any, Final

from jsonpath import JSONPath, JSONPathEnvironment, JSONPathError, function_extensions
from jsonpath.match import NodeList
from jsonpath.segments import JSONPathChildSegment
from jsonpath.selectors import Filter as RfcFilter
from jsonpath_ng.exceptions import JSONPathError as GoessnerError
from jsonpath_ng.ext.filter import Filter as GoessnerFilter
from jsonpath_ng.ext.parser import parse as goessner_parse
from jsonpath_ng.jsonpath import Child, DatumInContext, Root

from arazzo_engine.criteria._jsonpath_comparison import Nodes, QueryError

__all__ = ["compile_goessner", "compile_rfc9535"]

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
        raise QueryError(str(error).splitlines()[0], offset) from None
    if not isinstance(path, JSONPath):  # unions / intersections: not RFC 9535
        raise QueryError("this is not a single RFC 9535 query", None)
    return path


def compile_rfc9535(text: str) -> Nodes:
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
            return goessner_parse(text)
        except (GoessnerError, ValueError, TypeError) as error:
            raise _goessner_error(error) from None


def compile_goessner(text: str) -> Nodes:
    path = _parse_goessner(text)
    wrapped = None
    if isinstance(getattr(_root_child(path), "right", None), GoessnerFilter):
        wrapped = _parse_goessner(text)  # a private copy to rewire
        _root_child(wrapped).left = _WrappedRoot()

    def nodes(value: Any) -> list[Any]:
        target = wrapped if wrapped is not None and isinstance(value, Mapping) else path
        return [match.value for match in target.find(value)]

    return nodes
