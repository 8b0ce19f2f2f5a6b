"""validation/plain_schemas.py: an inputs schema called valid at a glance is one the
JSON Schema 2020-12 metaschema finds nothing wrong with, and the schemas it is
unsure of go to the metaschema, whose findings are reported as before.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from arazzo_engine.validation.plain_schemas import MAX_DEPTH, plainly_valid
from arazzo_engine.validation.semantic import _meta_errors

META = Draft202012Validator(Draft202012Validator.META_SCHEMA)
TYPES = ["array", "boolean", "integer", "null", "number", "object", "string"]


def _messages(errors: Any) -> list[tuple[list[Any], str]]:
    return [(list(e.absolute_path), e.message) for e in errors]


# Values of every JSON kind, and some a YAML document gives that JSON has not.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.sampled_from([0.0, 1.0, 2.5, -1.5, math.inf]),
    st.sampled_from(["", "a", "string", "object", "#/x", "a#b", "^a+$"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "type"]), inner, max_size=2),
    ),
    max_leaves=6,
)
KEYWORDS = [
    # keywords plain_schemas reads
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
    "properties",
    "$defs",
    "allOf",
    "anyOf",
    "oneOf",
    "prefixItems",
    "default",
    "const",
    "enum",
    "examples",
    "title",
    "description",
    "$comment",
    "format",
    "pattern",
    "$ref",
    "$schema",
    "contentEncoding",
    "contentMediaType",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
    "uniqueItems",
    "deprecated",
    "readOnly",
    "writeOnly",
    "type",
    "required",
    # keywords it leaves to the metaschema
    "$id",
    "$anchor",
    "$dynamicRef",
    "patternProperties",
    "dependentRequired",
    "dependentSchemas",
    "definitions",
    "x-note",
    "example",
]


def _value_for(keyword: str, children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly what ``keyword`` should hold, often something close to it that is wrong."""
    counts = st.one_of(st.integers(min_value=-1, max_value=3), st.sampled_from([1.0, 0.5]))
    good: dict[str, st.SearchStrategy[Any]] = {
        "properties": st.dictionaries(st.sampled_from(["a", "b"]), children, max_size=3),
        "$defs": st.dictionaries(st.sampled_from(["a", "b"]), children, max_size=2),
        "default": values,
        "const": values,
        "enum": st.lists(values, max_size=3),
        "examples": st.lists(values, max_size=3),
        "multipleOf": st.sampled_from([0, 1, 2.5, -1, 0.0, math.inf]),
        "type": st.one_of(
            st.sampled_from([*TYPES, "strin"]),
            st.lists(st.sampled_from([*TYPES, "strin"]), max_size=3),
        ),
        "required": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
    }
    if keyword in ("allOf", "anyOf", "oneOf", "prefixItems"):
        chosen = st.lists(children, max_size=3)
    elif keyword in good:
        chosen = good[keyword]
    elif keyword.startswith(("min", "max")) and keyword not in ("minimum", "maximum"):
        chosen = counts
    elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        chosen = st.one_of(st.integers(min_value=-3, max_value=3), st.floats(allow_nan=False))
    elif keyword in ("uniqueItems", "deprecated", "readOnly", "writeOnly"):
        chosen = st.booleans()
    elif keyword in SCHEMA_KEYWORDS:
        chosen = children
    else:
        chosen = st.one_of(st.text(max_size=4), st.sampled_from(["a#b", "^a+$", "#/x"]))
    return st.one_of(chosen, chosen, chosen, values)


SCHEMA_KEYWORDS = KEYWORDS[:10]

schemas = st.recursive(
    st.one_of(st.booleans(), st.just({})),
    lambda children: st.lists(
        st.sampled_from(KEYWORDS).flatmap(
            lambda keyword: st.tuples(st.just(keyword), _value_for(keyword, children))
        ),
        max_size=4,
    ).map(dict),
    max_leaves=12,
)


@settings(max_examples=1000, deadline=None)
@given(schemas)
def test_a_schema_called_plainly_valid_is_valid_for_the_metaschema(schema: Any) -> None:
    if plainly_valid(schema):
        assert _messages(META.iter_errors(schema)) == []
    assert _messages(_meta_errors(schema)) == _messages(META.iter_errors(schema))


# Schemas as inputs schemas are usually written: each one plainly valid.
plain_leaves = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES)},
    optional={
        "description": st.text(max_size=5),
        "default": values,
        "enum": st.lists(values, max_size=3),
        "format": st.sampled_from(["uuid", "date-time", "email"]),
        "minimum": st.integers(min_value=-5, max_value=5),
        "maxLength": st.integers(min_value=0, max_value=5),
        "pattern": st.sampled_from(["^[a-z]+$", "x"]),
    },
)
plain_schemas = st.recursive(
    plain_leaves,
    lambda children: st.fixed_dictionaries(
        {"type": st.just("object"), "properties": st.dictionaries(st.text(max_size=4), children)},
        optional={
            "required": st.lists(st.text(max_size=4), unique=True, max_size=3),
            "additionalProperties": st.one_of(st.booleans(), children),
        },
    )
    | st.fixed_dictionaries({"type": st.just("array"), "items": children}),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(plain_schemas)
def test_the_usual_inputs_schemas_are_plainly_valid(schema: Any) -> None:
    assert plainly_valid(schema)
    assert _messages(META.iter_errors(schema)) == []


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "strin"},
        {"type": []},
        {"type": ["string", "string"]},
        {"required": ["a", "a"]},
        {"required": "a"},
        {"minLength": -1},
        {"multipleOf": 0},
        {"allOf": []},
        {"properties": {"a": {"type": 3}}},
        {"items": [{"type": "string"}]},
        {"$id": "a#b"},
        {"uniqueItems": "yes"},
    ],
)
def test_an_invalid_schema_goes_to_the_metaschema(schema: Any) -> None:
    assert not plainly_valid(schema)
    found = _messages(_meta_errors(schema))
    assert found and found == _messages(META.iter_errors(schema))


@pytest.mark.parametrize(
    "schema",
    [
        {"minLength": 1.0},  # an integer for JSON Schema; read only as int here
        {"x-note": "kept"},  # unknown keywords are allowed by the metaschema
        {"patternProperties": {"^a": {"type": "string"}}},
        {"$id": "https://example.com/s"},
        {1: {"type": "string"}},
        {"type": ("string",)},  # not a JSON array (no YAML or JSON gives one)
    ],
)
def test_a_valid_schema_plain_schemas_is_unsure_of_goes_to_the_metaschema(schema: Any) -> None:
    assert not plainly_valid(schema)
    assert _messages(_meta_errors(schema)) == _messages(META.iter_errors(schema))


def test_a_schema_nested_deeper_than_the_limit_goes_to_the_metaschema() -> None:
    schema: Any = {"type": "string"}
    for _ in range(MAX_DEPTH):
        schema = {"items": schema}
    assert plainly_valid(schema)
    deeper = {"items": schema}
    assert not plainly_valid(deeper)
    assert _messages(_meta_errors(deeper)) == []
    assert not plainly_valid({"items": {"items": schema, "minItems": -1}})
