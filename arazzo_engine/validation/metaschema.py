"""A quick proof that a JSON Schema is valid against the 2020-12 metaschema.

``jsonschema`` checks a schema against the 2020-12 metaschema in milliseconds
(every subschema goes through ``$dynamicRef`` resolution), and a big inputs
schema of a real document takes tens of them.  :func:`surely_valid` walks the
schema once with the metaschema's rules written out, and answers True only when
the schema is certainly valid.  Whenever it is unsure (a number that is a float
where an integer is wanted, a keyword's value of an unexpected kind, very deep
nesting) it answers False, and the caller asks ``jsonschema``, whose errors
word the report.  So the answer never changes what is reported, only how fast.

Formats are not asserted by the metaschema check (``jsonschema``'s default), so
``format: regex`` and ``format: uri`` add nothing here either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

__all__ = ["surely_valid"]

MAX_DEPTH: Final = 64
"""Deeper schemas are left to ``jsonschema``."""

_SIMPLE_TYPES: Final = frozenset(
    ("array", "boolean", "integer", "null", "number", "object", "string")
)
_ID: Final = re.compile(r"^[^#]*#?$")
_ANCHOR: Final = re.compile(r"^[A-Za-z_][-A-Za-z0-9._]*$")

Check = Callable[[Any, int], bool]


def _anything(value: Any, depth: int) -> bool:
    return True


def _string(value: Any, depth: int) -> bool:
    return type(value) is str


def _boolean(value: Any, depth: int) -> bool:
    return type(value) is bool


def _array(value: Any, depth: int) -> bool:
    return type(value) is list


def _number(value: Any, depth: int) -> bool:
    return type(value) is int or (type(value) is float and value == value)


def _positive_number(value: Any, depth: int) -> bool:
    return _number(value, depth) and value > 0


def _count(value: Any, depth: int) -> bool:
    """A non-negative integer; a float such as ``1.0`` is left to jsonschema."""
    return type(value) is int and value >= 0


def _id(value: Any, depth: int) -> bool:
    return type(value) is str and _ID.search(value) is not None


def _anchor(value: Any, depth: int) -> bool:
    return type(value) is str and _ANCHOR.search(value) is not None


def _unique_strings(value: Any, depth: int) -> bool:
    return (
        type(value) is list
        and all(type(item) is str for item in value)
        and len(set(value)) == len(value)
    )


def _type(value: Any, depth: int) -> bool:
    if type(value) is str:
        return value in _SIMPLE_TYPES
    return (
        _unique_strings(value, depth)
        and len(value) > 0
        and all(item in _SIMPLE_TYPES for item in value)
    )


def _vocabulary(value: Any, depth: int) -> bool:
    return type(value) is dict and all(
        type(key) is str and type(item) is bool for key, item in value.items()
    )


def _string_arrays(value: Any, depth: int) -> bool:
    return type(value) is dict and all(_unique_strings(item, depth) for item in value.values())


def _schema(value: Any, depth: int) -> bool:
    if type(value) is bool:
        return True
    if type(value) is not dict or depth > MAX_DEPTH:
        return False
    for key, item in value.items():
        check = _KEYWORDS.get(key)
        if check is not None and not check(item, depth + 1):
            return False
    return True


def _schemas(value: Any, depth: int) -> bool:
    """A non-empty list of schemas (``allOf``, ``prefixItems``, ...)."""
    return (
        type(value) is list and len(value) > 0 and all(_schema(item, depth + 1) for item in value)
    )


def _schema_map(value: Any, depth: int) -> bool:
    """An object whose values are schemas (``properties``, ``$defs``, ...)."""
    return type(value) is dict and all(_schema(item, depth + 1) for item in value.values())


def _dependencies(value: Any, depth: int) -> bool:
    return type(value) is dict and all(
        _unique_strings(item, depth) if type(item) is list else _schema(item, depth + 1)
        for item in value.values()
    )


_KEYWORDS: Final[dict[str, Check]] = {
    # core
    "$id": _id,
    "$schema": _string,
    "$ref": _string,
    "$anchor": _anchor,
    "$dynamicRef": _string,
    "$dynamicAnchor": _anchor,
    "$vocabulary": _vocabulary,
    "$comment": _string,
    "$defs": _schema_map,
    # applicator
    "prefixItems": _schemas,
    "items": _schema,
    "contains": _schema,
    "additionalProperties": _schema,
    "properties": _schema_map,
    "patternProperties": _schema_map,
    "dependentSchemas": _schema_map,
    "propertyNames": _schema,
    "if": _schema,
    "then": _schema,
    "else": _schema,
    "allOf": _schemas,
    "anyOf": _schemas,
    "oneOf": _schemas,
    "not": _schema,
    # unevaluated
    "unevaluatedItems": _schema,
    "unevaluatedProperties": _schema,
    # validation
    "type": _type,
    "const": _anything,
    "enum": _array,
    "multipleOf": _positive_number,
    "maximum": _number,
    "exclusiveMaximum": _number,
    "minimum": _number,
    "exclusiveMinimum": _number,
    "maxLength": _count,
    "minLength": _count,
    "pattern": _string,
    "maxItems": _count,
    "minItems": _count,
    "uniqueItems": _boolean,
    "maxContains": _count,
    "minContains": _count,
    "maxProperties": _count,
    "minProperties": _count,
    "required": _unique_strings,
    "dependentRequired": _string_arrays,
    # meta-data
    "title": _string,
    "description": _string,
    "default": _anything,
    "deprecated": _boolean,
    "readOnly": _boolean,
    "writeOnly": _boolean,
    "examples": _array,
    # format-annotation
    "format": _string,
    # content
    "contentEncoding": _string,
    "contentMediaType": _string,
    "contentSchema": _schema,
    # the metaschema's own, for older schemas
    "definitions": _schema_map,
    "dependencies": _dependencies,
    "$recursiveAnchor": _anchor,
    "$recursiveRef": _string,
}


def surely_valid(schema: Any) -> bool:
    """True only when ``schema`` is certainly a valid JSON Schema (2020-12).

    False means "ask jsonschema": the schema may be valid all the same.
    """
    return _schema(schema, 0)
