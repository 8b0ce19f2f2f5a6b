"""The operation index: one cheap pass at load, operations resolved only when used.

Also the fast reading of source descriptions (no positions) and ``$ref``
resolution: local, across files, nested, recursive schemas and ref cycles.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine import ArazzoValidationError, Engine
from arazzo_engine.errors import DocumentError
from arazzo_engine.load.reader import MAX_DEPTH, read_data, read_document
from arazzo_engine.load.refs import Located, RefError, RefResolver
from arazzo_engine.sources.openapi.call import OpenAPICall
from arazzo_engine.sources.openapi.index import (
    OpenAPIShapeError,
    OperationIndex,
    build_operation_index,
)
from arazzo_engine.sources.reading import LoadedSource
from tests.http_server import Received, RecordingServer, Reply

OPENAPI = Path(__file__).parent / "workflows" / "openapi"


def index_of(path: Path, name: str = "api") -> OperationIndex:
    document = read_data(path)
    return build_operation_index(LoadedSource(name, "openapi", path.name, str(path), document))


def write(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def flow(source: Path, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "arazzo": "1.0.1",
        "info": {"title": "t", "version": "1"},
        "sourceDescriptions": [{"name": "api", "url": str(source), "type": "openapi"}],
        "workflows": [{"workflowId": "w", "steps": steps}],
    }


def many_operations(count: int) -> dict[str, Any]:
    paths = {
        f"/items{i}/{{id}}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": f"get{i}",
                "parameters": [{"$ref": "#/components/parameters/Limit"}],
                "responses": {"200": {"$ref": "#/components/responses/Item"}},
            },
        }
        for i in range(count)
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "many", "version": "1"},
        "servers": [{"url": "https://many.example.invalid"}],
        "paths": paths,
        "components": {
            "parameters": {
                "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}
            },
            "responses": {
                "Item": {
                    "description": "an item",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        },
    }


# -- laziness --------------------------------------------------------------------------
def test_the_pass_at_load_finds_every_operation_and_resolves_none(tmp_path: Path) -> None:
    index = index_of(write(tmp_path, "many.json", many_operations(300)))
    assert len(index.by_id) == 300 and len(index.by_pointer) == 300
    assert "get299" in index.by_id and "/paths/~1items7~1{id}/get" in index.by_pointer
    assert index._resolved == {}
    operation = index.by_id["get7"]
    assert list(index._resolved) == ["/paths/~1items7~1{id}/get"]
    assert index.by_pointer["/paths/~1items7~1{id}/get"] is operation
    assert operation.method == "GET" and operation.path_template == "/items7/{id}"
    assert set(operation.parameters) == {("id", "path"), ("limit", "query")}
    assert operation.response_statuses == ("200",)
    assert operation.response_media_types == ("application/json",)


def test_engine_load_resolves_only_the_operations_steps_use(tmp_path: Path) -> None:
    source = write(tmp_path, "many.json", many_operations(50))
    document = flow(
        source,
        [
            {
                "stepId": "s",
                "operationId": "get3",
                "parameters": [{"name": "id", "in": "path", "value": "x"}],
            }
        ],
    )
    engine = Engine.load(write(tmp_path, "flow.arazzo.yaml", document))
    call = engine._plans["w"].steps[0].call
    assert isinstance(call, OpenAPICall) and call.operation.operation_id == "get3"
    assert call.base_url == "https://many.example.invalid"


def test_a_broken_operation_no_step_uses_does_not_fail_the_load(tmp_path: Path) -> None:
    api = many_operations(3)
    api["paths"]["/items1/{id}"]["get"]["parameters"] = [{"$ref": "#/components/parameters/Gone"}]
    source = write(tmp_path, "api.yaml", api)
    ok = flow(
        source,
        [
            {
                "stepId": "s",
                "operationId": "get0",
                "parameters": [{"name": "id", "in": "path", "value": "x"}],
            }
        ],
    )
    Engine.load(write(tmp_path, "ok.arazzo.yaml", ok))
    broken = flow(
        source,
        [
            {
                "stepId": "s",
                "operationId": "get1",
                "parameters": [{"name": "id", "in": "path", "value": "x"}],
            }
        ],
    )
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(write(tmp_path, "broken.arazzo.yaml", broken))
    message = str(caught.value)
    assert "[source-openapi]" in message or "source-openapi" in repr(caught.value.errors)
    assert "GET /items1/{id} cannot be resolved" in message
    assert "'#/components/parameters/Gone' (in file://" in message and "no 'Gone'" in message


# -- $ref resolution -----------------------------------------------------------------------
def test_refs_across_files_resolve_against_the_file_they_are_written_in() -> None:
    index = index_of(OPENAPI / "openapi31.yaml")
    operation = index.by_id["getPet"]  # its Path Item is parts/pet-item.yaml
    assert operation.pointer == "/paths/~1pets~1{petId}/get"
    assert set(operation.parameters) == {("petId", "path"), ("fields", "query")}
    pet_id = operation.parameters[("petId", "path")]
    assert pet_id.required and pet_id.schema == {"type": "integer", "minimum": 1}
    assert operation.detail is not None
    ok = operation.detail.responses["200"]["application/json"]
    assert ok is not None and ok.uri.endswith("/openapi/parts/schemas.yaml")
    assert ok.pointer == "/Pet"
    problem = operation.detail.responses["4XX"]["application/problem+json"]
    assert problem is not None and problem.pointer == "/Problem"
    assert operation.response_statuses == ("200", "4XX")
    assert operation.security == ({"bearer": ()},)
    assert operation.servers[0].url == "https://{region}.pets.example.invalid/v3"
    assert operation.servers[0].variables == {"region": "eu"}
    assert operation.servers[0].enums == {"region": ("eu", "us")}
    assert index.security_schemes["bearer"].scheme == "bearer"
    assert "newPetHook" not in index.by_id  # webhooks are not callable operations


def test_a_ref_with_siblings_and_a_nested_external_ref() -> None:
    index = index_of(OPENAPI / "openapi31.yaml")
    create = index.by_id["createPet"]
    assert create.request_media_types == ("application/json",)
    assert create.detail is not None and create.detail.request_body_required
    body = create.detail.request_schemas["application/json"]
    assert body is not None and body.pointer == "/NewPet" and body.uri.endswith("schemas.yaml")
    created = create.detail.responses["201"]["application/json"]
    # '#/components/schemas/Pet' is itself a $ref (with a description beside it) to the file.
    assert created is not None and created.pointer == "/Pet"


def test_a_ref_cycle_is_reported_not_followed() -> None:
    index = index_of(OPENAPI / "openapi31.yaml")
    started = time.perf_counter()
    operation = index.by_id["loopy"]
    assert time.perf_counter() - started < 1.0
    assert operation.detail is None and operation.parameters == {}
    (problem,) = index.problems
    assert "GET /loop cannot be resolved: $ref cycle" in problem
    assert "#/components/parameters/A -> " in problem


def test_a_recursive_schema_loads_and_validates_without_hanging(
    http_server: RecordingServer,
) -> None:
    child = {"id": 2, "name": "Kit", "children": [{"id": 3, "name": "Bit", "children": []}]}
    http_server.route("POST", "/v3/pets", lambda r: Reply(201, {"id": 1, **r.json()}))
    http_server.route(
        "GET", "/v3/pets/1", Reply(200, {"id": 1, "name": "Tom", "children": [child]})
    )
    engine = Engine.load(
        OPENAPI / "openapi31.arazzo.yaml",
        servers={"pets": http_server.url + "/v3"},
        validate="strict",
    )
    result = engine.run("create-and-get", {"name": "Tom", "tag": None})
    assert result.succeeded, result.error
    assert result.outputs == {"id": 1, "name": "Tom", "firstChild": "Kit"}
    assert [s.validation for s in result.steps] == [(), ()]
    get = http_server.requests[1]
    assert get.raw_path == "/v3/pets/1" and get.query == [("fields", "name,tags")]


def test_resolver_lookups_and_errors(tmp_path: Path) -> None:
    other = write(tmp_path, "other.yaml", {"A": {"$ref": "#/B"}, "B": {"type": "string"}})
    root = {"x": {"$ref": "other.yaml#/A"}, "list": [{"a~b/c": 1}], "far": {"$ref": "http://x/y"}}
    resolver = RefResolver((tmp_path / "root.yaml").as_uri(), root)
    found = resolver.deref(resolver.root.child("x"))
    assert found.value == {"type": "string"} and found.uri == other.as_uri()
    assert found.pointer == "/B"
    assert resolver.lookup("#/list/0/a~0b~1c", resolver.root_uri).value == 1
    with pytest.raises(RefError, match="remote documents are never fetched"):
        resolver.deref(resolver.root.child("far"))
    with pytest.raises(RefError, match="cannot read"):
        resolver.lookup("missing.yaml#/A", resolver.root_uri)
    with pytest.raises(RefError, match="points at nothing"):
        resolver.lookup("#/nope", resolver.root_uri)
    assert Located({"a": [1, 2]}, "u", "").child("a", 1).value == 2
    assert Located({"a": [1, 2]}, "u", "").child("a", 5).value is None


# -- OpenAPI 3.1 runs end to end ---------------------------------------------------------------
def test_an_openapi_31_workflow_runs(http_server: RecordingServer) -> None:
    def create(request: Received) -> Reply:
        return Reply(201, {"id": 5, **request.json()})

    http_server.route("POST", "/v3/pets", create)
    http_server.route("GET", "/v3/pets/5", Reply(200, {"id": 5, "name": "Tom", "children": []}))
    engine = Engine.load(
        OPENAPI / "openapi31.arazzo.yaml",
        servers={"pets": http_server.url + "/v3"},
        credentials={"bearer": "tok"},
    )
    result = engine.run("create-and-get", {"name": "Tom"})
    assert result.succeeded, result.error
    assert result.outputs["id"] == 5 and result.outputs["name"] == "Tom"
    create_request, get_request = http_server.requests
    assert create_request.json() == {"name": "Tom", "tag": None}
    assert create_request.header("Authorization") == "Bearer tok"
    assert get_request.raw_path == "/v3/pets/5"


# -- shapes that make no sense never raise Python errors -------------------------------------
@pytest.mark.parametrize(
    "mutate",
    [
        lambda api: api.update(paths=None),
        lambda api: api.update(servers=None),
        lambda api: api.update(servers=["not an object", {"url": 5, "variables": []}]),
        lambda api: api.update(security=[{"k": "not a list"}, 7]),
        lambda api: api["paths"]["/items0/{id}"].update(get=[]),
        lambda api: api["paths"]["/items0/{id}"].update(parameters={"no": "list"}),
        lambda api: api["paths"]["/items0/{id}"]["get"].update(parameters=[3, None, "x"]),
        lambda api: api["paths"]["/items0/{id}"]["get"].update(responses=[1]),
        lambda api: api["paths"]["/items0/{id}"]["get"].update(requestBody={"content": 5}),
        lambda api: api["components"].update(securitySchemes={"a": 1, "b": {"flows": 2}}),
    ],
)
def test_nonsense_shapes_are_skipped(mutate: Any) -> None:
    api = many_operations(2)
    mutate(api)
    document = read_document_from(api)
    index = build_operation_index(LoadedSource("api", "openapi", "x", "/x.yaml", document))
    for operation_id in index.by_id:
        operation = index.by_id[operation_id]
        assert operation.method == "GET"
    assert index.problems == []


def read_document_from(data: Any) -> Any:
    from arazzo_engine.load.reader import RawDocument

    return RawDocument(file="x.yaml", path=Path("/x.yaml"), data=data, positions={})


def test_unsupported_versions_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "old.yaml", {"swagger": "1.2", "paths": {}})
    with pytest.raises(OpenAPIShapeError, match=r"'1.2'; this engine reads Swagger 2.0"):
        index_of(path)


# -- reading descriptions without positions ---------------------------------------------------
def test_read_data_matches_read_document(tmp_path: Path) -> None:
    text = (
        "openapi: 3.0.3\n"
        "paths:\n"
        "  /a:\n"
        "    get:\n"
        "      responses:\n"
        "        200: {description: ok}\n"
        "        4XX: {description: client}\n"
        "x-date: 2024-01-31\n"
        "x-flags: [yes, no, ~, 0x1F, 1.5]\n"
        "base: &base {a: 1, b: 2}\n"
        "merged:\n"
        "  <<: *base\n"
        "  b: 3\n"
        "text: 'R&D & more'\n"
    )
    path = tmp_path / "api.yaml"
    path.write_text(text, encoding="utf-8")
    fast = read_data(path)
    assert fast.data == read_document(path).data
    assert fast.positions == {}
    assert fast.data["paths"]["/a"]["get"]["responses"] == {
        "200": {"description": "ok"},
        "4XX": {"description": "client"},
    }
    assert fast.data["x-date"] == "2024-01-31"
    assert fast.data["merged"] == {"a": 1, "b": 3}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "duplicate key 'a' (first at line 1, again at line 2)"),
        ("yes: 1\n", "mapping key 'yes' reads as a boolean; keys must be strings"),
        ("a: !!binary aGk=\n", "unsupported YAML tag !!binary"),
        ("a: !!python/name:os.system x\n", "unsupported YAML tag"),
        ("a: !local x\n", "unsupported YAML tag !local"),
        ("[1, 2]\n", "the document root must be a mapping"),
        ("", "the document is empty"),
        ("a: [1, 2\n", "invalid YAML"),
        ("? [a]\n: 1\n", "a mapping key must be a string, found a sequence"),
    ],
)
def test_read_data_rejects_what_read_document_rejects(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError, match=re.escape(message)):
        read_data(path)


def test_read_data_bounds_alias_expansion(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="alias"):
        read_data(path)
    assert time.perf_counter() - started < 2.0
    path.write_text("a: &a [*a]\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="nested more than"):
        read_data(path)


def test_read_data_reads_json_straight(tmp_path: Path) -> None:
    path = tmp_path / "api.json"
    path.write_text('{"openapi": "3.1.0", "n": 1e3, "d": "2024-01-31"}', encoding="utf-8")
    assert read_data(path).data == {"openapi": "3.1.0", "n": 1000.0, "d": "2024-01-31"}
    path.write_text('{"a": [1,}', encoding="utf-8")
    with pytest.raises(DocumentError, match=r"invalid JSON") as caught:
        read_data(path)
    assert caught.value.location is not None and caught.value.location.line == 1
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(DocumentError, match=f"nested more than {MAX_DEPTH} levels deep"):
        read_data(path)
