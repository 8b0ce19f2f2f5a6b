"""Arazzo 1.1 Success and Failure Action ``parameters``: the inputs of the workflow run.

A ``goto`` or ``retry`` with ``workflowId`` evaluates its parameters in the
current step's context (``$response``, ``$inputs``, ``$steps``), checks them
against the target workflow's inputs schema, and runs the target with them.
Without parameters the target gets the current inputs filtered to its schema,
as in 1.0.  A real server sees what the target sends.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoValidationError
from tests.http_server import RecordingServer, Reply

API: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "shop", "version": "1"},
    "paths": {
        "/orders": {
            "post": {
                "operationId": "createOrder",
                "responses": {"201": {"description": "made"}, "409": {"description": "taken"}},
            }
        },
        "/orders/{id}": {
            "get": {
                "operationId": "getOrder",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "note", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "an order"}},
            }
        },
    },
}

CHILD = """\
  - workflowId: fetch
    inputs:
      type: object
      required: [orderId]
      properties:
        orderId: {type: integer}
        note: {type: string, default: none}
    steps:
      - stepId: get
        operationId: getOrder
        parameters:
          - {name: id, in: path, value: $inputs.orderId}
          - {name: note, in: query, value: $inputs.note}
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {status: $response.body#/status}
    outputs:
      status: $steps.get.outputs.status
"""


def write(tmp_path: Path, workflows: str, components: str = "") -> Path:
    (tmp_path / "api.json").write_text(json.dumps(API), encoding="utf-8")
    text = (
        "arazzo: 1.1.0\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: api, url: api.json, type: openapi}]\n"
        "workflows:\n" + textwrap.indent(textwrap.dedent(workflows), "  ") + CHILD + components
    )
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


CREATE_THEN_GOTO = """\
  - workflowId: create
    inputs: {type: object, properties: {label: {type: string}}}
    steps:
      - stepId: make
        operationId: createOrder
        successCriteria: [{condition: $statusCode == 201}]
        onSuccess:
          - name: show
            type: goto
            workflowId: fetch
            parameters:
              - {name: orderId, value: $response.body#/id}
              - {name: note, value: 'made for {$inputs.label}'}
"""


def _order_route(server: RecordingServer) -> None:
    server.route("GET", "/orders/41", Reply(200, {"status": "open"}))


def test_a_success_goto_passes_a_response_value_as_an_input(tmp_path: Path) -> None:
    path = write(tmp_path, CREATE_THEN_GOTO)
    with RecordingServer() as server:
        server.route("POST", "/orders", Reply(201, {"id": 41}))
        _order_route(server)
        with Engine.load(path, servers={"api": server.url}) as engine:
            result = engine.run("create", inputs={"label": "Ada & co"})
    assert result.succeeded, result.error
    assert [(r.method, r.path, r.query) for r in server.requests] == [
        ("POST", "/orders", []),
        ("GET", "/orders/41", [("note", "made for Ada & co")]),
    ]
    assert [(s.workflow_id, s.step_id) for s in result.steps] == [
        ("create", "make"),
        ("fetch", "get"),
    ]


def test_without_parameters_the_current_inputs_are_filtered_as_before(tmp_path: Path) -> None:
    flows = """\
      - workflowId: create
        inputs: {type: object, properties: {orderId: {type: integer}, label: {type: string}}}
        steps:
          - stepId: make
            operationId: createOrder
            onSuccess: [{name: show, type: goto, workflowId: fetch}]
    """
    path = write(tmp_path, flows)
    with RecordingServer() as server:
        server.route("POST", "/orders", Reply(201, {"id": 5}))
        _order_route(server)
        with Engine.load(path, servers={"api": server.url}) as engine:
            result = engine.run("create", inputs={"orderId": 41, "label": "x"})
    assert result.succeeded, result.error
    # the label is not an input of 'fetch'; its note default applies
    assert server.requests[1].raw_query == "note=none"


def test_a_failure_goto_with_parameters_reads_the_failed_response(tmp_path: Path) -> None:
    flows = """\
      - workflowId: create
        steps:
          - stepId: make
            operationId: createOrder
            successCriteria: [{condition: $statusCode == 201}]
            onFailure:
              - name: existing
                type: goto
                workflowId: fetch
                criteria: [{condition: $statusCode == 409}]
                parameters:
                  - {name: orderId, value: $response.body#/existing}
                  - {name: note, value: $response.header.X-Reason}
    """
    path = write(tmp_path, flows)
    with RecordingServer() as server:
        server.route(
            "POST", "/orders", Reply(409, {"existing": 41}, headers={"X-Reason": "duplicate"})
        )
        _order_route(server)
        with Engine.load(path, servers={"api": server.url}) as engine:
            result = engine.run("create")
    assert result.succeeded, result.error
    assert server.requests[1].path == "/orders/41"
    assert server.requests[1].query == [("note", "duplicate")]


def test_a_retry_runs_its_workflow_with_the_parameters_then_the_step_again(
    tmp_path: Path,
) -> None:
    flows = """\
      - workflowId: create
        steps:
          - stepId: make
            operationId: createOrder
            successCriteria: [{condition: $statusCode == 201}]
            onFailure:
              - name: look
                type: retry
                retryLimit: 1
                workflowId: fetch
                parameters:
                  - reference: $components.parameters.order
                  - {name: note, value: 'attempt {$steps.make.outputs.tries}'}
            outputs: {tries: $response.body#/tries}
    """
    components = """\
components:
  parameters:
    order: {name: orderId, value: $response.body#/existing}
"""
    path = write(tmp_path, flows, components)
    with RecordingServer() as server:
        server.route(
            "POST", "/orders", [Reply(409, {"existing": 41, "tries": 1}), Reply(201, {"id": 1})]
        )
        _order_route(server)
        with Engine.load(path, servers={"api": server.url}) as engine:
            result = engine.run("create")
    assert result.succeeded, result.error
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/orders"),
        ("GET", "/orders/41"),
        ("POST", "/orders"),
    ]
    assert server.requests[1].query == [("note", "attempt 1")]


def test_an_invalid_input_fails_naming_the_action_and_parameter(tmp_path: Path) -> None:
    path = write(tmp_path, CREATE_THEN_GOTO)
    with RecordingServer() as server:
        server.route("POST", "/orders", Reply(201, {"id": "forty-one"}))
        with Engine.load(path, servers={"api": server.url}) as engine:
            result = engine.run("create", inputs={"label": "x"})
    assert not result.succeeded
    assert result.error is not None
    assert "action 'show'" in result.error
    assert "parameter 'orderId'" in result.error
    assert "'forty-one' is not of type 'integer'" in result.error
    assert [r.method for r in server.requests] == ["POST"]  # the target never ran


def test_an_invalid_retry_input_fails_the_workflow_before_the_retry(tmp_path: Path) -> None:
    flows = """\
      - workflowId: create
        steps:
          - stepId: make
            operationId: createOrder
            successCriteria: [{condition: $statusCode == 201}]
            onFailure:
              - name: look
                type: retry
                workflowId: fetch
                parameters: [{name: orderId, value: $response.body#/missing}]
    """
    path = write(tmp_path, flows)
    with RecordingServer() as server:
        server.route("POST", "/orders", Reply(500, {}))
        with Engine.load(path, servers={"api": server.url}) as engine:
            result = engine.run("create")
    assert not result.succeeded and result.error is not None
    assert "action 'look'" in result.error and "orderId" in result.error
    assert [r.method for r in server.requests] == ["POST"]


# -- at load ------------------------------------------------------------------------------


def _load_errors(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ArazzoValidationError) as raised:
        Engine.load(path)
    return [(d.rule, d.pointer) for d in raised.value.errors if d.severity == "error"]


def test_a_parameter_named_twice_is_a_load_error(tmp_path: Path) -> None:
    flows = CREATE_THEN_GOTO.replace(
        "              - {name: note, value: 'made for {$inputs.label}'}\n",
        "              - {name: note, value: a}\n              - {name: note, value: b}\n",
    )
    assert _load_errors(write(tmp_path, flows)) == [
        ("duplicate-parameter", "/workflows/0/steps/0/onSuccess/0/parameters/2")
    ]


def test_in_on_an_action_parameter_is_a_load_error(tmp_path: Path) -> None:
    flows = CREATE_THEN_GOTO.replace(
        "{name: orderId, value: $response.body#/id}",
        "{name: orderId, in: query, value: $response.body#/id}",
    )
    assert _load_errors(write(tmp_path, flows)) == [
        ("action-parameters", "/workflows/0/steps/0/onSuccess/0/parameters/0/in")
    ]


def test_a_reusable_parameter_with_in_is_a_load_error(tmp_path: Path) -> None:
    flows = CREATE_THEN_GOTO.replace(
        "{name: orderId, value: $response.body#/id}", "{reference: $components.parameters.q}"
    )
    components = "components:\n  parameters:\n    q: {name: orderId, in: query, value: 1}\n"
    assert _load_errors(write(tmp_path, flows, components)) == [
        ("action-parameters", "/workflows/0/steps/0/onSuccess/0/parameters/0")
    ]


def test_a_parameter_value_that_does_not_parse_is_a_load_error(tmp_path: Path) -> None:
    flows = CREATE_THEN_GOTO.replace("$response.body#/id", "$response.bodyy")
    assert _load_errors(write(tmp_path, flows)) == [
        ("expression-syntax", "/workflows/0/steps/0/onSuccess/0/parameters/0/value")
    ]
