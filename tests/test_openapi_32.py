"""OpenAPI 3.2 source descriptions: ``$self``, the ``query`` method,
``additionalOperations`` and ``in: querystring`` parameters with ``content``.

Operations under ``query`` and ``additionalOperations`` are found by
``operationId`` and by ``operationPath``, and run end to end against a real
server that answers those methods.
"""

from __future__ import annotations

import json
import textwrap
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoValidationError
from tests.http_server import RecordingServer, Reply

SELF = "https://example.com/apis/inventory"

API: dict[str, Any] = {
    "openapi": "3.2.0",
    "$self": SELF,
    "info": {"title": "inventory", "version": "1"},
    "paths": {
        "/items": {
            "query": {
                "operationId": "queryItems",
                "parameters": [
                    {
                        "name": "selection",
                        "in": "querystring",
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {"$ref": f"{SELF}#/components/schemas/Selection"}
                            }
                        },
                    }
                ],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {
                    "200": {
                        "description": "items",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Items"}}
                        },
                    }
                },
            },
            "additionalOperations": {
                "COPY": {
                    "operationId": "copyItems",
                    "parameters": [{"name": "Destination", "in": "header", "required": True}],
                    "responses": {"201": {"description": "copied"}},
                }
            },
        }
    },
    "components": {
        "schemas": {
            "Selection": {
                "type": "object",
                "properties": {"kind": {"type": "string"}},
                "required": ["kind"],
            },
            "Items": {"type": "array"},
        }
    },
}


class MethodsServer(RecordingServer):
    """A RecordingServer that also answers the QUERY and COPY methods."""

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        handler = super()._handler_class()
        handle = handler._handle  # type: ignore[attr-defined]
        handler.do_QUERY = handle  # type: ignore[attr-defined]
        handler.do_COPY = handle  # type: ignore[attr-defined]
        return handler


FLOW = """\
arazzo: 1.1.0
info: {title: t, version: '1'}
sourceDescriptions: [{name: inv, url: inv.json, type: openapi}]
workflows:
  - workflowId: w
    inputs: {type: object, properties: {kind: {type: string}}}
    steps:
      - stepId: find
        operationId: queryItems
        parameters:
          - {name: selection, in: querystring, value: 'kind={$inputs.kind}&limit=2'}
        requestBody:
          contentType: application/json
          payload: {fields: [name]}
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {first: $response.body#/0/name, kind: $request.query.kind}
      - stepId: copy
        operationPath: '{$sourceDescriptions.inv.url}#/paths/~1items/additionalOperations/COPY'
        parameters:
          - {name: Destination, in: header, value: /archive}
        successCriteria: [{condition: $statusCode == 201}]
    outputs: {first: $steps.find.outputs.first, kind: $steps.find.outputs.kind}
"""


def write(tmp_path: Path, api: dict[str, Any], flow: str = FLOW) -> Path:
    (tmp_path / "inv.json").write_text(json.dumps(api), encoding="utf-8")
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(textwrap.dedent(flow), encoding="utf-8")
    return path


def test_query_and_additional_operations_run_end_to_end(tmp_path: Path) -> None:
    path = write(tmp_path, API)
    with MethodsServer() as server:
        server.route("QUERY", "/items", Reply(200, [{"name": "bolt"}]))
        server.route("COPY", "/items", Reply(201, {}))
        with Engine.load(path, servers={"inv": server.url}, validate="strict") as engine:
            # the description is read from a file while its $self names a URL: only that
            assert [d.rule for d in engine.warnings] == ["source-identity"]
            result = engine.run("w", inputs={"kind": "nuts & bolts"})
    assert result.succeeded, result.error
    assert result.outputs == {"first": "bolt", "kind": "nuts & bolts"}
    query, copy = server.requests
    assert (query.method, query.path, query.raw_query) == (
        "QUERY",
        "/items",
        "kind=nuts+%26+bolts&limit=2",
    )
    assert query.json() == {"fields": ["name"]}
    assert (copy.method, copy.path, copy.header("Destination")) == ("COPY", "/items", "/archive")


def test_strict_validation_reads_the_querystring_by_its_media_type(tmp_path: Path) -> None:
    flow = FLOW.replace("'kind={$inputs.kind}&limit=2'", "'limit=2'")
    path = write(tmp_path, API, flow)
    with MethodsServer() as server:
        server.route("QUERY", "/items", Reply(200, [{"name": "bolt"}]))
        with Engine.load(path, servers={"inv": server.url}, validate="strict") as engine:
            result = engine.run("w", inputs={})
    assert not result.succeeded and result.error is not None
    assert "querystring parameter 'selection'" in result.error
    assert "'kind' is a required property" in result.error
    assert server.requests == []


def test_additional_operations_are_found_by_operation_id(tmp_path: Path) -> None:
    flow = FLOW.replace(
        "operationPath: '{$sourceDescriptions.inv.url}#/paths/~1items/additionalOperations/COPY'",
        "operationId: copyItems",
    )
    with MethodsServer() as server:
        server.route("QUERY", "/items", Reply(200, [{"name": "nut"}]))
        server.route("COPY", "/items", Reply(201, {}))
        with Engine.load(write(tmp_path, API, flow), servers={"inv": server.url}) as engine:
            result = engine.run("w", inputs={"kind": "k"})
    assert result.succeeded, result.error
    assert [r.method for r in server.requests] == ["QUERY", "COPY"]


def test_query_and_additional_operations_are_not_read_before_3_2(tmp_path: Path) -> None:
    api = {**API, "openapi": "3.1.0"}
    del api["$self"]
    with pytest.raises(ArazzoValidationError) as raised:
        Engine.load(write(tmp_path, api))
    errors = [(d.rule, d.pointer) for d in raised.value.errors if d.severity == "error"]
    assert errors == [
        ("operation", "/workflows/0/steps/0/operationId"),
        ("operation", "/workflows/0/steps/1/operationPath"),
    ]


def test_a_self_with_a_fragment_is_a_source_error(tmp_path: Path) -> None:
    api = {**API, "$self": f"{SELF}#top"}
    with pytest.raises(ArazzoValidationError) as raised:
        Engine.load(write(tmp_path, api))
    messages = [d.message for d in raised.value.errors if d.rule == "source-openapi"]
    assert len(messages) == 1
    assert "'$self' must be a URI reference without a fragment" in messages[0]


def test_a_relative_self_resolves_against_where_the_description_was_read(
    tmp_path: Path,
) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "selection.json").write_text(
        json.dumps({"type": "object", "required": ["kind"]}), encoding="utf-8"
    )
    api = json.loads(json.dumps(API))
    api["$self"] = "nested/inventory.json"
    media = api["paths"]["/items"]["query"]["parameters"][0]["content"]
    media["application/x-www-form-urlencoded"]["schema"] = {"$ref": "../schemas/selection.json"}
    flow = FLOW.replace("'kind={$inputs.kind}&limit=2'", "'limit=2'")
    with MethodsServer() as server:
        server.route("QUERY", "/items", Reply(200, [{"name": "bolt"}]))
        path = write(tmp_path, api, flow)
        with Engine.load(path, servers={"inv": server.url}, validate="strict") as engine:
            result = engine.run("w", inputs={})
    # the schema was found relative to $self (tmp/nested/ -> tmp/schemas/) and applied
    assert not result.succeeded and result.error is not None
    assert "'kind' is a required property" in result.error
