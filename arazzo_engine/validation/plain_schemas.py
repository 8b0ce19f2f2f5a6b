"""Inputs schemas that are valid JSON Schema 2020-12 at a glance, without jsonschema.

Checking an inputs schema against the 2020-12 metaschema means importing
jsonschema (and ``referencing`` under it), which costs more than the rest of
``arazzo validate`` on a small document.  Most inputs schemas use a handful of
keywords with plain values (``type``, ``properties``, ``required``, ``default``,
``description`` ...); for those, :func:`plainly_valid` says they are valid by
reading them.  It answers True only when the metaschema would find nothing:
any keyword it does not know, any value of a kind it does not expect, any
nesting deeper than :data:`MAX_DEPTH` makes it answer False, and the caller asks
the metaschema as before (tests/test_plain_schemas.py holds the two together).
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_DEPTH", "plainly_valid"]

MAX_DEPTH = 32
"""Deepest nesting of schemas read; a deeper schema goes to the metaschema."""

SIMPLE_TYPES = frozenset(("array", "boolean", "integer", "null", "number", "object", "string"))

_SCHEMA = frozenset(
    [
        "items",
        "additionalProperties",
        "not",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
    ]
)
"""Keywords whose value is one schema."""
_SCHEMA_MAP = frozenset(("properties", "$defs"))
_SCHEMA_LIST = frozenset(("allOf", "anyOf", "oneOf", "prefixItems"))
_ANY = frozenset(("default", "const"))
_LIST = frozenset(("enum", "examples"))
_TEXT = frozenset(
    [
        "title",
        "description",
        "$comment",
        "format",
        "pattern",
        "$ref",
        "$schema",
        "contentEncoding",
        "contentMediaType",
    ]
)
"""Keywords whose value is any string (the metaschema's ``format`` is not asserted)."""
_NUMBER = frozenset(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))
_COUNT = frozenset(
    [
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minContains",
        "maxContains",
    ]
)
_FLAG = frozenset(("uniqueItems", "deprecated", "readOnly", "writeOnly"))


def plainly_valid(schema: Any) -> bool:
    """True when ``schema`` is certainly a valid JSON Schema 2020-12; False when unsure."""
    return _valid(schema, 0)


def _valid(schema: Any, depth: int) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return False
    return all(
        isinstance(key, str) and _keyword(key, value, depth) for key, value in schema.items()
    )


def _keyword(key: str, value: Any, depth: int) -> bool:
    if key in _SCHEMA:
        return _valid(value, depth + 1)
    if key in _SCHEMA_MAP:
        return isinstance(value, dict) and all(
            isinstance(name, str) and _valid(sub, depth + 1) for name, sub in value.items()
        )
    if key in _SCHEMA_LIST:
        return isinstance(value, list) and bool(value) and all(_valid(s, depth + 1) for s in value)
    if key in _ANY:
        return True
    if key in _LIST:
        return isinstance(value, list)
    if key in _TEXT:
        return isinstance(value, str)
    if key in _NUMBER:
        return _number(value)
    if key == "multipleOf":
        return _number(value) and value > 0
    if key in _COUNT:
        return type(value) is int and value >= 0
    if key in _FLAG:
        return isinstance(value, bool)
    if key == "type":
        return _types(value)
    if key == "required":
        return _unique_texts(value)
    return False


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def _types(value: Any) -> bool:
    if isinstance(value, str):
        return value in SIMPLE_TYPES
    return (
        isinstance(value, list)
        and bool(value)
        and _unique_texts(value)
        and all(item in SIMPLE_TYPES for item in value)
    )


def _unique_texts(value: Any) -> bool:
    return (
        isinstance(value, list)
        and all(isinstance(item, str) for item in value)
        and len(set(value)) == len(value)
    )
