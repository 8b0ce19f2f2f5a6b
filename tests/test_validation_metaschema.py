"""The quick metaschema check never calls a schema valid that jsonschema rejects.

``surely_valid`` only decides whether jsonschema is asked: these tests hold it to
jsonschema's verdict on generated schemas, show that realistic schemas take the
quick path, and that doubtful ones go to jsonschema, whose wording is reported.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from arazzo_engine.validation import metaschema as m
from arazzo_engine.validation.metaschema import _KEYWORDS, surely_valid

META = Draft202012Validator(Draft202012Validator.META_SCHEMA)
TYPES = ["array", "boolean", "integer", "null", "number", "object", "string"]


def valid_by_jsonschema(schema: Any) -> bool:
    return not list(META.iter_errors(schema))


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-2, 3)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=4)
    | st.sampled_from([*TYPES, "strin", "#", "a#", "a#b", "_x", "1x", "x y", "https://e.x/s#"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
keys = st.sampled_from([*_KEYWORDS, "x-extension", "nullable", "example"])
schemas = st.recursive(
    st.booleans() | st.just({}),
    lambda inner: st.dictionaries(
        keys,
        inner
        | json_values
        | st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        | st.lists(st.sampled_from([*TYPES, "strin"]), max_size=3),
        max_size=4,
    ),
    max_leaves=12,
)


def _well_formed(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Schemas whose every keyword holds a value of the kind the metaschema wants."""
    words = st.text(max_size=3)
    unique = st.lists(words, unique=True, max_size=3)
    kinds: dict[Any, st.SearchStrategy[Any]] = {
        m._anything: json_values,
        m._string: words,
        m._boolean: st.booleans(),
        m._array: st.lists(json_values, max_size=2),
        m._number: st.integers(-5, 5) | st.floats(allow_nan=False),
        m._positive_number: st.integers(1, 5) | st.floats(min_value=0.5, allow_nan=False),
        m._count: st.integers(0, 5),
        m._id: st.sampled_from(["", "https://e.x/s", "https://e.x/s#", "a"]),
        m._anchor: st.from_regex(r"[A-Za-z_][-A-Za-z0-9._]{0,3}", fullmatch=True),
        m._unique_strings: unique,
        m._type: st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), min_size=1, unique=True),
        m._vocabulary: st.dictionaries(words, st.booleans(), max_size=2),
        m._string_arrays: st.dictionaries(words, unique, max_size=2),
        m._schema: inner,
        m._schemas: st.lists(inner, min_size=1, max_size=3),
        m._schema_map: st.dictionaries(words, inner, max_size=3),
        m._dependencies: st.dictionaries(words, inner | unique, max_size=2),
    }
    members = st.sampled_from(sorted(_KEYWORDS)).flatmap(
        lambda key: st.tuples(st.just(key), kinds[_KEYWORDS[key]])
    )
    return st.lists(members, max_size=5).map(dict)


well_formed = st.recursive(st.booleans() | st.just({}), _well_formed, max_leaves=15)


@settings(max_examples=300, deadline=None)
@given(well_formed)
def test_well_formed_schemas_take_the_quick_path_and_are_valid(schema: Any) -> None:
    assert surely_valid(schema), schema
    assert valid_by_jsonschema(schema), schema


@settings(max_examples=400, deadline=None)
@given(schemas)
def test_a_schema_called_surely_valid_is_valid(schema: Any) -> None:
    if surely_valid(schema):
        assert valid_by_jsonschema(schema), schema


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_value_called_surely_valid_is_valid(value: Any) -> None:
    if surely_valid(value):
        assert valid_by_jsonschema(value), value


REALISTIC: list[Any] = [
    True,
    {},
    {
        "type": "object",
        "required": ["petId", "owner"],
        "additionalProperties": False,
        "properties": {
            "petId": {"type": "string", "minLength": 1, "pattern": "^[0-9]+$"},
            "count": {"type": ["integer", "null"], "minimum": 0, "multipleOf": 1},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            "kind": {"enum": ["cat", "dog"], "default": "cat", "description": "what"},
            "when": {"type": "string", "format": "date-time", "examples": ["2024-01-01"]},
            "owner": {"$ref": "#/components/inputs/owner"},
            "either": {"oneOf": [{"type": "string"}, {"const": 3}], "x-extension": [1]},
        },
        "$defs": {"id": {"$id": "https://e.x/id#", "$anchor": "id", "type": "string"}},
        "if": {"required": ["kind"]},
        "then": {"dependentRequired": {"kind": ["petId"]}},
        "not": False,
    },
]


def test_realistic_schemas_take_the_quick_path() -> None:
    for schema in REALISTIC:
        assert surely_valid(schema)
        assert valid_by_jsonschema(schema)


# Valid by jsonschema, but left to it: a float count, a NaN bound (and deep nesting, below).
DOUBTFUL_BUT_VALID: list[Any] = [
    {"minLength": 1.0},
    {"maximum": float("nan")},
]
INVALID: list[Any] = [
    {"type": "strin"},
    {"type": []},
    {"type": ["string", "string"]},
    {"required": ["a", "a"]},
    {"required": "a"},
    {"minLength": -1},
    {"minLength": True},
    {"multipleOf": 0},
    {"properties": {"a": 3}},
    {"allOf": []},
    {"$id": "https://e.x/s#frag"},
    {"$anchor": "1x"},
    {"$recursiveAnchor": True},
    {"$vocabulary": {"https://e.x/v": 1}},
    {"dependencies": {"a": ["b", "b"]}},
    {"dependentRequired": {"a": [1]}},
    {"uniqueItems": "yes"},
    {"enum": {"a": 1}},
    {"items": None},
    "not a schema",
    3,
    None,
    [],
]


def test_doubtful_schemas_are_left_to_jsonschema() -> None:
    deep: Any = {}
    for _ in range(80):
        deep = {"properties": {"a": deep}}
    for schema in [*DOUBTFUL_BUT_VALID, deep]:
        assert not surely_valid(schema)
        assert valid_by_jsonschema(schema)


def test_invalid_schemas_are_never_surely_valid() -> None:
    for schema in INVALID:
        assert not surely_valid(schema), schema
        assert not valid_by_jsonschema(schema), schema
