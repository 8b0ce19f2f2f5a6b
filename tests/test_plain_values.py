"""Every value an expression hands a user is plain JSON data.

dict, list, str, int, float, bool or None (bytes only for a binary body, as
documented): never an engine object such as a model dataclass or a file
reference.  One workflow reads every expression root into its outputs and is
run against a real local server; a second table checks that it covers every
root the expression AST has, so a new root is checked too.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_engine import Engine
from arazzo_engine.expressions import ast
from arazzo_engine.expressions.files import FileReference, with_markers
from tests.http_server import RecordingServer, Reply

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "pets", "version": "1"},
    "paths": {
        "/pets/{petId}": {
            "post": {
                "operationId": "updatePet",
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {}},
                    {"name": "tag", "in": "query", "schema": {}},
                    {"name": "X-Trace", "in": "header", "schema": {}},
                ],
                "requestBody": {
                    "content": {"multipart/form-data": {"schema": {}}, "application/json": {}}
                },
                "responses": {
                    "200": {"description": "the pet", "content": {"application/json": {}}}
                },
            }
        }
    },
}

PARAMETER = {"name": "X-Trace", "in": "header", "value": "$inputs.trace"}
SUCCESS = {"name": "done", "type": "end"}
FAILURE = {"name": "again", "type": "retry", "retryAfter": 0, "retryLimit": 1}
INPUT_SCHEMA = {"type": "object", "properties": {"trace": {"type": "string"}}}

# Each expression root, read into an output of the workflow `every`, and the
# plain value it must give.  Keys are the AST node each expression parses to.
EXPECTED: dict[type[Any], tuple[str, Any]] = {
    ast.Url: ("$url", None),  # filled in by the test: the server's URL
    ast.Method: ("$method", "POST"),
    ast.StatusCode: ("$statusCode", 200),
    ast.RequestHeader: ("$request.header.X-Trace", "t-1"),
    ast.RequestQuery: ("$request.query.tag", ["a", "b"]),
    ast.RequestPath: ("$request.path.petId", 7),
    ast.RequestBody: (
        "$request.body",
        {"note": {"$file": "note.txt", "filename": "n.txt", "contentType": "text/plain"}},
    ),
    ast.ResponseHeader: ("$response.header.X-Served-By", "pets-1"),
    ast.ResponseQuery: ("$response.query.tag", None),  # always null (a load warning says so)
    ast.ResponsePath: ("$response.path.petId", None),
    ast.ResponseBody: ("$response.body", {"id": 7, "tags": ["a", "b"]}),
    ast.InputRef: ("$inputs.trace", "t-1"),
    ast.OutputRef: ("$outputs.echoed", {"trace": "t-1"}),
    ast.StepOutputRef: ("$steps.child.outputs.echoed", {"trace": "t-1"}),
    ast.WorkflowInputRef: ("$workflows.child.inputs.trace", "t-1"),
    ast.WorkflowOutputRef: ("$workflows.child.outputs.echoed", {"trace": "t-1"}),
    ast.SourceDescriptionRef: ("$sourceDescriptions.pets.url", "pets.openapi.json"),
    ast.ComponentRef: ("$components.parameters.trace", PARAMETER),
}

COMPONENTS: dict[str, tuple[str, Any]] = {
    "successActions": ("$components.successActions.done", SUCCESS),
    "failureActions": ("$components.failureActions.again", FAILURE),
    "inputs": ("$components.inputs.traced", INPUT_SCHEMA),
}


def _document(folder: Path) -> Path:
    (folder / "pets.openapi.json").write_text(json.dumps(API))
    (folder / "note.txt").write_text("a note")
    # $outputs reads what a workflow step's child workflow gave: the step `child` reads it.
    outputs = {f"r{i}": expression for i, (expression, _) in enumerate(EXPECTED.values())}
    outputs.update({kind: expression for kind, (expression, _) in COMPONENTS.items()})
    via_outputs = outputs.pop(f"r{list(EXPECTED).index(ast.OutputRef)}")
    collected = {name: f"$steps.update.outputs.{name}" for name in outputs}
    collected[f"r{list(EXPECTED).index(ast.OutputRef)}"] = "$steps.child.outputs.viaOutputs"
    flow = {
        "arazzo": "1.0.1",
        "info": {"title": "plain values", "version": "1"},
        "sourceDescriptions": [{"name": "pets", "url": "pets.openapi.json", "type": "openapi"}],
        "components": {
            "inputs": {"traced": INPUT_SCHEMA},
            "parameters": {"trace": PARAMETER},
            "successActions": {"done": SUCCESS},
            "failureActions": {"again": FAILURE},
        },
        "workflows": [
            {
                "workflowId": "child",
                "inputs": {"$ref": "#/components/inputs/traced"},
                "steps": [
                    {
                        "stepId": "echo",
                        "operationId": "updatePet",
                        "parameters": [
                            {"name": "petId", "in": "path", "value": 1},
                            {"reference": "$components.parameters.trace"},
                        ],
                        "requestBody": {
                            "contentType": "application/json",
                            "payload": {"trace": "$inputs.trace"},
                        },
                        "successCriteria": [{"condition": "$statusCode == 200"}],
                        "outputs": {"echoed": "$request.body"},
                    }
                ],
                "outputs": {"echoed": "$steps.echo.outputs.echoed"},
            },
            {
                "workflowId": "every",
                "inputs": {"$ref": "#/components/inputs/traced"},
                "steps": [
                    {
                        "stepId": "child",
                        "workflowId": "child",
                        "parameters": [{"name": "trace", "value": "$inputs.trace"}],
                        "outputs": {"echoed": "$outputs.echoed", "viaOutputs": via_outputs},
                    },
                    {
                        "stepId": "update",
                        "operationId": "updatePet",
                        "parameters": [
                            {"name": "petId", "in": "path", "value": 7},
                            {"name": "tag", "in": "query", "value": ["a", "b"]},
                            {"reference": "$components.parameters.trace"},
                        ],
                        "requestBody": {
                            "contentType": "multipart/form-data",
                            "payload": {
                                "note": {
                                    "$file": "note.txt",
                                    "filename": "n.txt",
                                    "contentType": "text/plain",
                                }
                            },
                        },
                        "successCriteria": [{"condition": "$statusCode == 200"}],
                        "onSuccess": [{"reference": "$components.successActions.done"}],
                        "outputs": outputs,
                    },
                ],
                "outputs": collected,
            },
        ],
    }
    path = folder / "flow.arazzo.json"
    path.write_text(json.dumps(flow))
    return path


def _plain(value: Any, where: str = "") -> None:
    """Fails naming the first value that is not plain JSON data."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"{where}: key {key!r}"
            _plain(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _plain(item, f"{where}/{index}")
    else:
        assert value is None or type(value) in (str, int, float, bool), (
            f"{where} is a {type(value).__name__}: {value!r}"
        )


# Arazzo 1.1 roots a run has no value for yet: evaluating one is an EvaluationError
# (tests/test_expressions_v11.py), never a value, so they are not in the table.
NOT_AVAILABLE = frozenset({ast.MessageHeader, ast.MessagePayload, ast.SelfRef})


def test_the_table_covers_every_expression_root() -> None:
    assert set(EXPECTED) | NOT_AVAILABLE == set(typing.get_args(ast.RuntimeExpression))
    assert not NOT_AVAILABLE & set(EXPECTED)


def test_components_cover_every_kind() -> None:
    kinds = {"parameters", *COMPONENTS}
    assert kinds == {"inputs", "parameters", "successActions", "failureActions"}


@pytest.fixture
def step_outputs(tmp_path: Path, http_server: RecordingServer) -> dict[str, Any]:
    reply = Reply(200, {"id": 7, "tags": ["a", "b"]}, headers={"X-Served-By": "pets-1"})
    http_server.route("POST", "/pets/7", reply)
    http_server.route("POST", "/pets/1", Reply(200, {}))
    engine = Engine.load(_document(tmp_path), servers={"pets": http_server.url})
    result = engine.run("every", {"trace": "t-1"})
    assert result.succeeded, result.error
    return dict(result.outputs)


@pytest.mark.parametrize("root", list(EXPECTED), ids=lambda root: root.__name__)
def test_every_root_gives_plain_json(
    step_outputs: dict[str, Any], http_server: RecordingServer, root: type[Any]
) -> None:
    index = list(EXPECTED).index(root)
    expression, expected = EXPECTED[root]
    if root is ast.Url:
        expected = f"{http_server.url}/pets/7?tag=a&tag=b"
    value = step_outputs[f"r{index}"]
    _plain(value, expression)
    assert value == expected, expression
    json.dumps(value)


@pytest.mark.parametrize("kind", list(COMPONENTS))
def test_every_component_kind_gives_plain_json(step_outputs: dict[str, Any], kind: str) -> None:
    expression, expected = COMPONENTS[kind]
    _plain(step_outputs[kind], expression)
    assert step_outputs[kind] == expected


def test_a_component_value_is_a_copy(tmp_path: Path, http_server: RecordingServer) -> None:
    # Changing what one run handed back changes nothing a later run sees.
    http_server.route("POST", "/pets/7", Reply(200, {"id": 7}))
    http_server.route("POST", "/pets/1", Reply(200, {}))
    engine = Engine.load(_document(tmp_path), servers={"pets": http_server.url})
    key = f"r{list(EXPECTED).index(ast.ComponentRef)}"
    first = engine.run("every", {"trace": "t-1"})
    first.outputs[key]["name"] = "changed"
    second = engine.run("every", {"trace": "t-1"})
    assert second.succeeded, second.error
    assert second.outputs[key] == PARAMETER


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
FILES = st.builds(
    FileReference,
    st.text(min_size=1),
    st.none() | st.text(),
    st.none() | st.just("text/plain"),
    st.just("/tmp"),
)


@settings(max_examples=200, deadline=None)
@given(st.recursive(JSON_VALUES | FILES, lambda inner: st.lists(inner, max_size=3), max_leaves=10))
def test_a_request_body_with_files_reads_as_plain_json(body: Any) -> None:
    shown = with_markers(body)
    _plain(shown)
    assert json.loads(json.dumps(shown)) == shown
    if not _holds_file(body):
        assert shown == body  # plain data comes back unchanged


def _holds_file(value: Any) -> bool:
    if isinstance(value, FileReference):
        return True
    if isinstance(value, dict):
        return any(_holds_file(item) for item in value.values())
    return isinstance(value, list) and any(_holds_file(item) for item in value)
