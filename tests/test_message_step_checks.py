"""Arazzo 1.1 message steps at load: resolved against AsyncAPI sources, checked.

Each step below sits in a document with an OpenAPI source (``api``) and an
AsyncAPI 3.0 source (``events``, ``tests/documents/asyncapi``).  Once its
target is resolved, the step's ``action``, ``correlationId`` and parameters are
checked against it (rule ``message-step``), and its server is settled (rule
``message-server``: a protocol the engine runs, one server to use).
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import Diagnostic
from tests.cli_run import arazzo
from tests.http_server import RecordingServer, Reply

DOCUMENTS = Path(__file__).parent / "documents" / "asyncapi"

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "pets", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {
        "/pets/{id}": {
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "a pet"}},
            }
        }
    },
}

HEAD = """\
arazzo: 1.1.0
info: {title: t, version: '1'}
sourceDescriptions:
  - {name: api, url: api.openapi.json, type: openapi}
  - {name: events, url: EVENTS, type: asyncapi}
workflows:
  - workflowId: pets
    inputs: {type: object, properties: {id: {type: string}}}
    steps:
      - stepId: get
        operationId: $sourceDescriptions.api.getPet
        parameters: [{name: id, in: path, value: $inputs.id}]
        successCriteria: [{condition: $statusCode == 200}]
  - workflowId: w
    steps:
"""
"""The step under test is /workflows/1/steps/0, written from line 16."""

STEP = "/workflows/1/steps/0"


def flow(tmp_path: Path, step: str, events: str = "orders.asyncapi.yaml") -> Path:
    (tmp_path / "api.openapi.json").write_text(json.dumps(API), encoding="utf-8")
    shutil.copy(DOCUMENTS / events, tmp_path / events)
    path = tmp_path / "flow.arazzo.yaml"
    body = HEAD.replace("EVENTS", events) + textwrap.indent(textwrap.dedent(step), "      ")
    path.write_text(body, encoding="utf-8")
    return path


def findings(path: Path) -> list[Diagnostic]:
    with Engine.load(path, strict=False) as engine:
        return list(engine.findings)


def of_step(found: list[Diagnostic], rule: str) -> list[tuple[str, str]]:
    """(severity, pointer) of the findings of ``rule`` about the step under test."""
    return [(d.severity, d.pointer) for d in found if d.rule == rule and d.pointer.startswith(STEP)]


def server_errors(found: list[Diagnostic]) -> list[str]:
    """Pointers of ``message-server`` errors: none when the step's server is settled."""
    return [d.pointer for d in found if d.rule == "message-server"]


# -- a mixed document: both its workflows load and can run ------------------------------


def test_a_mixed_document_loads_with_its_http_and_message_workflows(tmp_path: Path) -> None:
    path = flow(
        tmp_path,
        """\
        - stepId: status
          operationId: $sourceDescriptions.events.orderStatusChanged
          action: receive
          correlationId: $inputs.requestId
          parameters: [{name: orderId, in: channel, value: '42'}]
        """,
    )
    with RecordingServer() as server:
        server.route("GET", "/pets/7", Reply(200, {"name": "Rex"}))
        with Engine.load(path, servers={"api": server.url}) as engine:
            assert list(engine.runnable) == ["pets", "w"]
            assert [d for d in engine.findings if d.severity == "error"] == []
            assert engine.run("pets", inputs={"id": "7"}).succeeded
    assert [r.path for r in server.requests] == ["/pets/7"]


def test_a_2_6_source_resolves_and_is_checked_the_same_way(tmp_path: Path) -> None:
    step = """\
    - stepId: status
      operationId: $sourceDescriptions.events.orderStatusChanged
      action: receive
      correlationId: abc
      parameters:
        - {name: orderId, in: path, value: '42'}
        - {name: orderID, in: channel, value: '42'}
    """
    found = findings(flow(tmp_path, step, events="orders-2.6.asyncapi.yaml"))
    assert of_step(found, "message-step") == [("error", f"{STEP}/parameters/1")]
    message = next(d.message for d in found if d.rule == "message-step")
    assert "channel 'orders/{orderId}/status' of source 'events' has address " in message
    assert server_errors(found) == []


# -- §3.4: the AsyncAPI fields against the resolved target ---------------------------------

OPENAPI_STEP = """\
- stepId: s
  operationId: $sourceDescriptions.api.getPet
  parameters: [{name: id, in: path, value: '1'}, {name: region, in: channel, value: eu}]
"""


def test_asyncapi_fields_on_an_openapi_step_are_errors(tmp_path: Path) -> None:
    step = OPENAPI_STEP + "  action: receive\n  correlationId: abc\n"
    found = findings(flow(tmp_path, step))
    assert sorted(of_step(found, "message-step")) == [
        ("error", f"{STEP}/action"),
        ("error", f"{STEP}/correlationId"),
        ("error", f"{STEP}/parameters/1/in"),
    ]
    by_pointer = {d.pointer: d.message for d in found if d.rule == "message-step"}
    messages = [
        by_pointer[f"{STEP}/{end}"] for end in ("action", "correlationId", "parameters/1/in")
    ]
    assert messages[0] == (
        "'action' only applies to AsyncAPI steps; step 's' calls OpenAPI operation "
        "GET /pets/{id} (operationId 'getPet'): remove it"
    )
    assert "'in: channel', which only applies to AsyncAPI steps" in messages[2]
    assert server_errors(found) == []  # an HTTP step has no message server


def test_an_asyncapi_operation_step_needs_an_action(tmp_path: Path) -> None:
    found = findings(
        flow(tmp_path, "- {stepId: s, operationId: $sourceDescriptions.events.announce}\n")
    )
    assert of_step(found, "message-step") == [("error", STEP), ("warning", f"{STEP}/operationId")]
    assert next(d.message for d in found if d.rule == "message-step") == (
        "step 's' calls AsyncAPI operation 'announce' (channel 'broadcast') of source "
        "'events': an AsyncAPI step needs 'action' (send or receive)"
    )
    assert server_errors(found) == []


def test_the_arazzo_action_is_never_checked_against_the_operations_own(tmp_path: Path) -> None:
    # placeOrder is the service's 'receive'; the workflow sends to it
    step = "- {stepId: s, operationId: $sourceDescriptions.events.placeOrder, action: send}\n"
    found = findings(flow(tmp_path, step))
    assert [d for d in found if d.rule == "message-step"] == []
    assert server_errors(found) == []


@pytest.mark.parametrize(
    ("operation", "problem"),
    [
        ("placeOrder", True),  # its message has no correlationId
        ("orderStatusChanged", False),  # its channel's message has one
    ],
)
def test_a_receive_correlation_id_needs_one_in_the_asyncapi_messages(
    tmp_path: Path, operation: str, problem: bool
) -> None:
    step = (
        f"- stepId: s\n  operationId: $sourceDescriptions.events.{operation}\n"
        "  action: receive\n  correlationId: $inputs.id\n"
        "  parameters: [{name: orderId, in: channel, value: '1'}]\n"
    )
    found = findings(flow(tmp_path, step))
    errors = [d for d in found if d.rule == "message-step" and d.severity == "error"]
    if not problem:
        assert errors == []
        return
    assert [d.pointer for d in errors] == [f"{STEP}/correlationId", f"{STEP}/parameters/0"]
    assert errors[0].message.startswith(
        "step 's' receives with a 'correlationId', but no message of AsyncAPI operation "
        "'placeOrder' (channel 'orders.create') of source 'events' defines a correlationId "
        "(its messages: 'placeOrder')"
    )


def test_a_correlation_id_with_send_is_reported_once(tmp_path: Path) -> None:
    step = (
        "- {stepId: s, operationId: $sourceDescriptions.events.placeOrder, action: send, "
        "correlationId: x}\n"
    )
    found = findings(flow(tmp_path, step))
    assert of_step(found, "step-fields") == [("error", f"{STEP}/correlationId")]
    assert of_step(found, "message-step") == []


def test_a_request_body_on_a_receive_step_is_ignored_with_a_warning(tmp_path: Path) -> None:
    step = (
        "- stepId: s\n  operationId: $sourceDescriptions.events.placeOrder\n  action: receive\n"
        "  requestBody: {payload: {item: x}}\n"
    )
    found = findings(flow(tmp_path, step))
    assert of_step(found, "message-step") == [("warning", f"{STEP}/requestBody")]
    sending = step.replace("action: receive", "action: send")
    assert of_step(findings(flow(tmp_path, sending)), "message-step") == []


# -- §5.2: parameters of message steps ----------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ("{name: orderId, in: channel, value: '1'}", []),
        ("{name: orderId, in: path, value: '1'}, {name: trace, in: header, value: t}", []),
        ("{name: orderId, in: query, value: '1'}", ["/parameters/0/in"]),
        ("{name: orderid, in: channel, value: '1'}", ["/parameters/0"]),
        (
            "{name: orderId, in: cookie, value: '1'}, {name: x, in: path, value: '1'}",
            ["/parameters/0/in", "/parameters/1"],
        ),
    ],
)
def test_message_step_parameters_go_to_headers_or_address_variables(
    tmp_path: Path, parameters: str, expected: list[str]
) -> None:
    step = (
        "- stepId: s\n  operationId: $sourceDescriptions.events.orderStatusChanged\n"
        f"  action: send\n  parameters: [{parameters}]\n"
    )
    found = findings(flow(tmp_path, step))
    errors = [d for d in found if d.severity == "error"]
    assert sorted((d.rule, d.pointer) for d in errors) == [
        ("message-step", STEP + p) for p in expected
    ]
    if "in: query" in parameters:
        assert errors[0].message == (
            "parameter 'orderId' of step 's' is 'in: query'; an AsyncAPI step's parameters are "
            "'in: header' (a message header) or 'in: channel' / 'in: path' (a variable of the "
            "channel address)"
        )
    if "orderid" in parameters:
        assert errors[0].message == (
            "parameter 'orderid' (in: channel) of step 's' names no variable of the channel "
            "address: channel 'orderStatus' of source 'events' has address "
            "'orders.{orderId}.status', whose variables are 'orderId'"
        )
    assert server_errors(found) == []


def test_a_null_address_is_a_warning_and_has_no_variables(tmp_path: Path) -> None:
    step = "- {stepId: s, operationId: $sourceDescriptions.events.announce, action: send}\n"
    found = findings(flow(tmp_path, step))
    assert of_step(found, "message-step") == [("warning", f"{STEP}/operationId")]
    assert "whose address is null (unknown or dynamic)" in next(
        d.message for d in found if d.rule == "message-step"
    )
    given = step.replace(
        "action: send}", "action: send, parameters: [{name: a, in: channel, value: 1}]}"
    )
    found = findings(flow(tmp_path, given))
    assert of_step(found, "message-step") == [("error", f"{STEP}/parameters/0")]
    assert "'broadcast' of source 'events' has no address (null), so it has no variables" in next(
        d.message for d in found if d.rule == "message-step"
    )


# -- resolving channelPath, operationPath and operationId --------------------------------


@pytest.mark.parametrize(
    "channel",
    [
        "'{$sourceDescriptions.events.url}#/channels/orderCreate'",
        "$sourceDescriptions.events#/channels/orderCreate",
        "$sourceDescriptions.events#/components/channels/Audit",
    ],
)
def test_a_channel_path_resolves_to_a_channel(tmp_path: Path, channel: str) -> None:
    found = findings(flow(tmp_path, f"- {{stepId: s, channelPath: {channel}, action: send}}\n"))
    assert [d for d in found if d.severity == "error"] == []
    assert server_errors(found) == []


def test_a_channel_path_to_no_channel_names_the_channels_and_the_case(tmp_path: Path) -> None:
    step = (
        "- {stepId: s, channelPath: '$sourceDescriptions.events#/channels/ordercreate', "
        "action: send}\n"
    )
    found = findings(flow(tmp_path, step))
    [error] = [d for d in found if d.severity == "error"]
    assert (error.rule, error.pointer) == ("channel-path", f"{STEP}/channelPath")
    assert error.message.startswith(
        "channelPath '#/channels/ordercreate' does not point at a channel of source 'events' ("
    )
    assert "(its channels: '#/channels/orderCreate', '#/channels/orderStatus'" in error.message
    assert error.message.endswith(
        "did you mean '#/channels/orderCreate'? (names are case-sensitive)"
    )


def test_a_channel_path_into_an_openapi_source_is_an_error(tmp_path: Path) -> None:
    path = flow(
        tmp_path,
        "- {stepId: s, channelPath: '$sourceDescriptions.plain#/channels/x', action: send}\n",
    )
    text = path.read_text(encoding="utf-8").replace(
        "workflows:\n", "  - {name: plain, url: api.openapi.json}\nworkflows:\n", 1
    )
    path.write_text(text, encoding="utf-8")
    found = findings(path)
    [error] = [d for d in found if d.severity == "error"]
    assert (error.rule, error.pointer) == ("channel-path", f"{STEP}/channelPath")
    assert error.message == (
        "channelPath names source 'plain', an OpenAPI source description; a channel belongs "
        "to an AsyncAPI source description (sources with channels: events)"
    )


def test_an_operation_path_never_points_into_an_asyncapi_source(tmp_path: Path) -> None:
    step = (
        "- {stepId: s, operationPath: '{$sourceDescriptions.events.url}#/operations/placeOrder'}\n"
    )
    found = findings(flow(tmp_path, step))
    [error] = [d for d in found if d.severity == "error"]
    assert (error.rule, error.pointer) == ("operation", f"{STEP}/operationPath")
    assert error.message == (
        "operationPath names source 'events', an AsyncAPI source description, whose parts a "
        "step names with operationId or channelPath; an operationPath points into an OpenAPI "
        "description (sources for it: api)"
    )


def test_a_bare_operation_id_finds_asyncapi_operations_too(tmp_path: Path) -> None:
    found = findings(flow(tmp_path, "- {stepId: s, operationId: placeOrder, action: send}\n"))
    [warning] = [d for d in found if d.rule == "unqualified-operation-id"]
    assert "write '$sourceDescriptions.events.placeOrder'" in warning.message
    assert server_errors(found) == []
    missing = findings(flow(tmp_path, "- {stepId: s, operationId: placeorder, action: send}\n"))
    [error] = [d for d in missing if d.severity == "error"]
    assert error.rule == "operation"
    assert error.message.endswith("did you mean 'placeOrder'? (names are case-sensitive)")


# -- the command line ------------------------------------------------------------------


def test_arazzo_validate_locates_a_bad_message_step(tmp_path: Path) -> None:
    step = (
        "- stepId: s\n  operationId: $sourceDescriptions.events.orderStatusChanged\n"
        "  action: send\n  parameters: [{name: orderId, in: query, value: '1'}]\n"
    )
    path = flow(tmp_path, step)
    done = arazzo("validate", str(path))
    assert done.returncode == 2, done.stderr
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    assert (
        f"{path}:19:38: error: parameter 'orderId' of step 's' is 'in: query'; an AsyncAPI "
        "step's parameters are 'in: header' (a message header) or 'in: channel' / 'in: path' "
        "(a variable of the channel address) [message-step]"
    ) in lines
    assert "[missing-success-criteria]" not in done.stdout + done.stderr
