"""Arazzo 1.1 Selector Objects and selector-typed replacement targets, compiled once.

A Selector Object picks a value out of its ``context`` (a runtime expression)
with a JSONPath, XPath or JSON Pointer query.  The query is compiled here at
load, with the engines ``jsonpath`` and ``xpath`` criteria use (and their time
and size bounds); the run plan wraps it with the parsed context in an
:class:`~arazzo_engine.expressions.ast.SelectorValue`, which evaluates like
any other value.

What a selector gives (docs/arazzo-1.1.md):

* the context value: a string (or bytes, read as UTF-8) is parsed first, as
  JSON for ``jsonpath`` and ``jsonpointer``, as XML for ``xpath``; ``xpath``
  given a structure is an error;
* ``jsonpointer`` (RFC 6901): the value it points at; None when it points at
  nothing (as ``$response.body#/missing`` does);
* ``jsonpath``: a *singular query* (RFC 9535: only name and index segments,
  ``$.a[0].b``) gives its node's value, or None; any other query gives the
  list of its nodes' values (possibly empty).  So the result's shape follows
  the query text, never the data.  A Goessner query is singular when it is
  an RFC 9535 singular query;
* ``xpath``: an atomic value as it is (a decimal as a number, other XML
  types as text), a node its string value, nothing None, several items a list.

Errors at load are :class:`SelectorSyntaxError`; at run time
:class:`SelectorError`, a message naming where the selector is written.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from arazzo_engine.errors import ArazzoError, EvaluationError, EvaluationLimitError, LimitError
from arazzo_engine.limits import load_json
from arazzo_engine.load.pointers import PointerError, follow, split
from arazzo_engine.patterns import time_budget

__all__ = [
    "DEFAULT_VERSIONS",
    "MAX_SELECTOR_LENGTH",
    "CompiledSelector",
    "SelectorError",
    "SelectorSyntaxError",
    "compile_locator",
    "compile_selector",
]

DEFAULT_VERSIONS: Final = {"jsonpath": "rfc9535", "xpath": "xpath-31", "jsonpointer": "rfc6901"}
"""The version a selector type means when its Expression Type Object gives none."""
_GOESSNER: Final = "draft-goessner-dispatch-jsonpath-00"
_LANGUAGES: Final = {"jsonpath": "JSONPath", "xpath": "XPath", "jsonpointer": "JSON Pointer"}
MAX_SELECTOR_LENGTH: Final = 4_000
"""The longest selector compiled (as criteria conditions)."""

Locations = Callable[[Any], list[tuple[str | int, ...]]]


class SelectorSyntaxError(ArazzoError, ValueError):
    """A selector (or replacement target) does not compile: ``reason`` says why."""

    def __init__(self, language: str, text: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the {language} selector {text!r} is not valid: {reason}")


class SelectorError(EvaluationError, ValueError):
    """A selector cannot select from its context at run time (the message says where)."""


class CompiledSelector:
    """A selector's query, compiled once; calling it selects from a context value."""

    __slots__ = ("_run", "text", "type", "version", "where")

    def __init__(self, text: str, kind: str, version: str, where: str) -> None:
        self.text, self.type, self.version, self.where = text, kind, version, where
        if len(text) > MAX_SELECTOR_LENGTH:
            raise SelectorSyntaxError(
                _LANGUAGES.get(kind, kind),
                text[:60] + "...",
                f"it is {len(text)} characters long; the limit is {MAX_SELECTOR_LENGTH}",
            )
        if kind == "jsonpointer":
            self._run = _pointer(text)
        elif kind == "jsonpath":
            self._run = _jsonpath(text, version)
        elif kind == "xpath":
            self._run = _xpath(text, version)
        else:
            raise SelectorSyntaxError(kind, text, "the type must be jsonpath, xpath or jsonpointer")

    def __call__(self, value: Any) -> Any:
        try:
            with time_budget(f"the {_LANGUAGES[self.type]} selector"):
                return self._run(value)
        except (EvaluationLimitError, ValueError) as error:
            raise SelectorError(
                f"{self.where}: the {_LANGUAGES[self.type]} selector {self.text!r} "
                f"cannot select: {error}"
            ) from None

    def __repr__(self) -> str:
        return f"CompiledSelector({self.text!r}, {self.type!r}, {self.version!r})"


def compile_selector(text: str, kind: str, version: str | None, where: str) -> CompiledSelector:
    """``text`` as a ``kind`` query of ``version`` (None: the type's default).

    ``where`` names the place it is written in (``parameter 'id'``) for run-time
    errors.  SelectorSyntaxError when it does not compile.
    """
    return CompiledSelector(text, kind, version or DEFAULT_VERSIONS.get(kind, ""), where)


def compile_locator(text: str, version: str | None) -> Locations:
    """A JSONPath replacement target: the member names and indices of every node it
    selects, in document order.  SelectorSyntaxError when it does not compile."""
    from arazzo_engine.criteria import _jsonpath_dialects as dialects
    from arazzo_engine.criteria._jsonpath_comparison import QueryError

    language = _language("jsonpath", version)
    if not text.strip().startswith("$"):
        raise SelectorSyntaxError(language, text, "a JSONPath query starts with '$'")
    try:
        if version == _GOESSNER:
            return dialects.goessner_locations(text.strip())
        if version not in (None, "rfc9535"):
            raise SelectorSyntaxError(language, text, "unknown JSONPath version")
        return dialects.compile_rfc9535(text.strip(), root_filter=False).locations
    except QueryError as error:
        raise SelectorSyntaxError(language, text, error.reason) from None


# -- the kinds ----------------------------------------------------------------------------


def _language(kind: str, version: str | None) -> str:
    name = _LANGUAGES.get(kind, kind)
    return name if version in (None, DEFAULT_VERSIONS.get(kind)) else f"{name} ({version})"


def _structured(value: Any) -> Any:
    """The context as JSON data: text (or UTF-8 bytes) is parsed as JSON."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the context is binary data, not JSON") from None
    if isinstance(value, str):
        try:
            return load_json(value)
        except LimitError as error:
            raise ValueError(f"the context's JSON text {error}") from None
        except ValueError:
            raise ValueError("the context is text that is not JSON") from None
    return value


def _pointer(text: str) -> Callable[[Any], Any]:
    try:
        tokens = split(text)
    except PointerError as error:
        raise SelectorSyntaxError("JSON Pointer", text, str(error)) from None

    def select(value: Any) -> Any:
        try:
            return follow(_structured(value), tokens)
        except PointerError:
            return None  # as `$response.body#/missing`: absent is null

    return select


def _jsonpath(text: str, version: str) -> Callable[[Any], Any]:
    from arazzo_engine.criteria import _jsonpath_dialects as dialects
    from arazzo_engine.criteria._jsonpath_comparison import QueryError

    language = _language("jsonpath", version)
    query = text.strip()
    if not query.startswith("$"):
        raise SelectorSyntaxError(language, text, "a JSONPath query starts with '$'")
    try:
        if version == _GOESSNER:
            nodes = dialects.compile_goessner(query, root_filter=False)
            try:
                singular = dialects.compile_rfc9535(query, root_filter=False).singular
            except QueryError:
                singular = False
        elif version == "rfc9535":
            rfc = dialects.compile_rfc9535(query, root_filter=False)
            nodes, singular = rfc, rfc.singular
        else:
            raise SelectorSyntaxError(language, text, f"unknown JSONPath version {version!r}")
    except QueryError as error:
        where = f" at column {error.offset + 1}" if error.offset is not None else ""
        raise SelectorSyntaxError(language, text, error.reason + where) from None

    def select(value: Any) -> Any:
        found = nodes(_structured(value))
        if singular:
            return found[0] if found else None
        return list(found)

    return select


def _xpath(text: str, version: str) -> Callable[[Any], Any]:
    from arazzo_engine.criteria.xpath import MAX_XML_CONTEXT, XPathCondition
    from arazzo_engine.errors import CriterionSyntaxError

    try:
        condition = XPathCondition(text, version)
    except CriterionSyntaxError as error:
        where = f" at column {error.column}" if error.column is not None else ""
        raise SelectorSyntaxError(_language("xpath", version), text, error.reason + where) from None

    def select(value: Any) -> Any:
        if not isinstance(value, (str, bytes, bytearray, memoryview)):
            kind = "null" if value is None else type(value).__name__
            raise ValueError(f"an XPath selector reads XML text, and the context is {kind}")
        if len(value) > MAX_XML_CONTEXT:
            raise ValueError(
                f"the XML context is {len(value)} long; the limit is {MAX_XML_CONTEXT}"
            )
        result = condition.result(value)
        if isinstance(result, list):
            items = [_xpath_item(item) for item in result]
            return None if not items else items[0] if len(items) == 1 else items
        return _xpath_item(result)

    return select


def _xpath_item(item: Any) -> Any:
    """A node as its string value, an atomic value as the JSON value nearest to it."""
    if isinstance(item, (bool, int, float, str)) or item is None:
        return item
    text = getattr(item, "string_value", None)
    if isinstance(text, str):
        return text
    if isinstance(item, Decimal):
        return int(item) if item == item.to_integral_value() else float(item)
    return str(item)
