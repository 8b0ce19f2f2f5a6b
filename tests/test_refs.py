"""The one ``$ref`` resolver: OpenAPI descriptions, workflow inputs schemas and the checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from arazzo_engine.errors import ArazzoError
from arazzo_engine.load.inputs import InputsChecker
from arazzo_engine.load.model_builder import build_model
from arazzo_engine.load.reader import read_document
from arazzo_engine.load.refs import (
    DOCUMENT_URI,
    MAX_HOPS,
    Located,
    RefError,
    RefResolver,
    absolute_refs,
)


def write_json(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def resolver_in(folder: Path, root: Any, **options: Any) -> RefResolver:
    return RefResolver((folder / "root.json").as_uri(), root, **options)


# -- lookups ------------------------------------------------------------------------------
def test_fragments_are_percent_decoded_json_pointers(tmp_path: Path) -> None:
    refs = resolver_in(tmp_path, {"a b": {"c/d": [1, 2]}})
    found = refs.lookup("#/a%20b/c~1d/1", refs.root_uri)
    assert found.value == 2 and found.pointer == "/a b/c~1d/1" and found.uri == refs.root_uri
    assert refs.lookup("#", refs.root_uri).value == {"a b": {"c/d": [1, 2]}}
    with pytest.raises(RefError, match="the fragment must be a JSON pointer"):
        refs.lookup("#anchor", refs.root_uri)


@pytest.mark.parametrize("index", ["01", "-1", "-", "2"])
def test_array_items_follow_rfc_6901(tmp_path: Path, index: str) -> None:
    # referencing's own pointer lookup reads '-1' as the last item and '01' as item 1.
    refs = resolver_in(tmp_path, {"list": ["a", "b"]})
    with pytest.raises(RefError, match=f"points at nothing: no '{index}' on the way"):
        refs.lookup(f"#/list/{index}", refs.root_uri)


def test_a_chain_is_followed_lazily_and_its_places_kept(tmp_path: Path) -> None:
    write_json(tmp_path, "b.json", {"B": {"$ref": "#/C"}, "C": {"type": "string"}})
    refs = resolver_in(tmp_path, {"A": {"$ref": "b.json#/B"}, "broken": {"$ref": "#/nowhere"}})
    places = [(Path(at.uri).name, at.pointer) for at in refs.chain(refs.root.child("A"))]
    assert places == [("root.json", "/A"), ("b.json", "/B"), ("b.json", "/C")]
    chain = refs.chain(refs.root.child("broken"))
    assert next(chain).pointer == "/broken"  # nothing is looked up before it is asked for
    with pytest.raises(RefError, match="no 'nowhere'"):
        next(chain)


def test_cycles_and_long_chains_are_reported(tmp_path: Path) -> None:
    refs = resolver_in(tmp_path, {"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}})
    with pytest.raises(RefError, match=r"\$ref cycle: .*#/a -> .*#/b -> .*#/a$"):
        refs.deref(refs.root.child("a"))
    long = {f"n{i}": {"$ref": f"#/n{i + 1}"} for i in range(MAX_HOPS + 1)}
    long[f"n{MAX_HOPS + 1}"] = {"type": "string"}
    refs = resolver_in(tmp_path, long)
    assert refs.deref(refs.root.child("n1")).value == {"type": "string"}  # 64 hops
    with pytest.raises(RefError, match=f"more than {MAX_HOPS} \\$ref s in a chain from"):
        refs.deref(refs.root.child("n0"))  # 65 hops


def test_other_files_are_read_once_and_only_when_allowed(tmp_path: Path) -> None:
    other = write_json(tmp_path, "other.json", {"X": {"type": "integer"}})
    refs = resolver_in(tmp_path, {})
    first = refs.lookup("other.json#/X", refs.root_uri)
    again = refs.lookup(other.as_uri() + "#/X", refs.root_uri)
    assert first.value is again.value  # the same parsed document, no second read
    assert set(refs.documents) == {refs.root_uri, other.as_uri()}
    local_only = resolver_in(tmp_path, {}, read_files=False)
    with pytest.raises(RefError, match="only references inside the document are followed"):
        local_only.lookup("other.json#/X", local_only.root_uri)
    with pytest.raises(RefError, match="remote documents are never fetched") as caught:
        refs.lookup("https://example.invalid/x.json#/X", refs.root_uri)
    assert isinstance(caught.value, ArazzoError)


def test_validators_share_the_documents_of_the_resolver(tmp_path: Path) -> None:
    write_json(tmp_path, "defs.json", {"Age": {"type": "integer", "minimum": 0}})
    refs = resolver_in(tmp_path, {"Person": {"properties": {"age": {"$ref": "defs.json#/Age"}}}})
    schema = {"$ref": refs.root_uri + "#/Person"}
    validator = Draft202012Validator(schema, registry=refs.registry)
    assert [e.message for e in validator.iter_errors({"age": -1})] == [
        "-1 is less than the minimum of 0"
    ]
    # The file the validator reached is now known to the resolver: not read again.
    defs = (tmp_path / "defs.json").as_uri()
    assert refs.documents[defs] is refs.document(defs)


def test_located_children_have_escaped_pointers() -> None:
    at = Located({"paths": {"/a/{b}": {"get": [1]}}}, "u", "")
    found = at.child("paths", "/a/{b}", "get", 0)
    assert found.value == 1 and found.pointer == "/paths/~1a~1{b}/get/0"
    assert found.ref == "u#/paths/~1a~1{b}/get/0"
    assert at.child("paths", "nope", 3).value is None


def test_made_up_schemas_get_absolute_refs() -> None:
    schema = {"items": [{"$ref": "defs.yaml#/A"}], "$ref": "#/B", "enum": ["$ref"]}
    assert absolute_refs(schema, "file:///x/api.yaml") == {
        "items": [{"$ref": "file:///x/defs.yaml#/A"}],
        "$ref": "file:///x/api.yaml#/B",
        "enum": ["$ref"],
    }


# -- workflow inputs schemas ---------------------------------------------------------------
INPUTS_DOCUMENT = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: api.yaml, type: openapi}]
components:
  inputs:
    base:
      allOf:
        - properties: {size: {type: integer, default: 3}}
    loop: {$ref: '#/components/inputs/loop'}
    slashy: {properties: {'a/b': {default: yes}}}
workflows:
- workflowId: w
  inputs:
    $ref: '#/components/inputs/base/allOf/0'
  steps: [{stepId: s, operationId: op}]
- workflowId: cycle
  inputs:
    properties:
      x: {$ref: '#/components/inputs/loop'}
      y: {$ref: '#/components/inputs/slashy/properties/a~1b'}
  steps: [{stepId: s, operationId: op}]
"""


def test_inputs_defaults_follow_refs_through_arrays_and_survive_cycles(tmp_path: Path) -> None:
    path = tmp_path / "inputs.arazzo.yaml"
    path.write_text(INPUTS_DOCUMENT, encoding="utf-8")
    raw = read_document(path)
    document, problems = build_model(raw)
    assert document is not None and problems == []
    checker = InputsChecker(document, raw.data)
    assert checker.with_defaults("w", {}) == {"size": 3}
    assert checker.filter_for("w", {"size": 1, "other": 2}) == {"size": 1}
    assert checker.with_defaults("cycle", {}) == {"y": True}


def test_inputs_schemas_read_no_files(tmp_path: Path) -> None:
    write_json(tmp_path, "defs.json", {"A": {"default": 1}})
    refs = RefResolver(DOCUMENT_URI, {}, read_files=False)
    with pytest.raises(RefError, match="only references inside the document"):
        refs.lookup((tmp_path / "defs.json").as_uri() + "#/A", DOCUMENT_URI)


def test_the_checks_resolve_inputs_refs_as_the_validator_does(tmp_path: Path) -> None:
    from arazzo_engine.validation.semantic import check_document

    path = tmp_path / "encoded.arazzo.yaml"
    path.write_text(
        INPUTS_DOCUMENT.replace(
            "    slashy: {properties: {'a/b': {default: yes}}}",
            "    slashy: {properties: {'a/b': {}, 'a b': {type: object, properties: {n: {}}}}}",
        ).replace(
            "    $ref: '#/components/inputs/base/allOf/0'",
            "    $ref: '#/components/inputs/slashy/properties/a%20b'",
        ),
        encoding="utf-8",
    )
    raw = read_document(path)
    document, problems = build_model(raw)
    assert document is not None and problems == []
    # A percent-encoded fragment resolves (RFC 6901 section 6), as jsonschema resolves it.
    rules = [d.rule for d in check_document(document, raw)]
    assert "inputs-ref" not in rules
    checker = InputsChecker(document, raw.data)
    assert checker.filter_for("w", {"n": 1, "m": 2}) == {"n": 1}
