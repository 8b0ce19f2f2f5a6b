"""Arazzo 1.1 documents at load: version dispatch, the 1.1 fields, and what is refused.

A ``1.0.x`` document keeps the 1.0 model (a 1.1 field in it names the version
that has it); a ``1.1.x`` document gets the 1.1 fields, checked structurally;
a 1.1 feature the engine does not run yet is refused where it is used, and
blocks only the workflows that use it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoValidationError, Diagnostic
from arazzo_engine.load.model_builder import build_model
from arazzo_engine.load.reader import read_document
from arazzo_engine.load.versions import added_field, minor_of, supported_minor
from arazzo_engine.model import ArazzoDocument, Parameter, Selector, SuccessAction
from arazzo_engine.validation.alone import findings_without_sources
from tests.http_server import RecordingServer, Reply

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
                "responses": {
                    "200": {
                        "description": "a pet",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        }
    },
}

HEAD = """\
arazzo: {version}
info: {{title: t, version: '1'}}
sourceDescriptions: [{{name: api, url: api.openapi.json, type: openapi}}]
workflows:
  - workflowId: w
    inputs: {{type: object, properties: {{id: {{type: string}}}}}}
    outputs: {{name: $steps.get.outputs.name}}
    steps:
"""
"""Eight lines: a step written after it starts on line 9, at /workflows/0/steps/0."""

PLAIN_STEP = """\
- stepId: get
  operationId: getPet
  parameters:
    - {name: id, in: path, value: $inputs.id}
  successCriteria:
    - condition: $statusCode == 200
  outputs:
    name: $response.body#/name
"""


def write(tmp_path: Path, text: str, version: str = "1.1.0") -> Path:
    (tmp_path / "api.openapi.json").write_text(json.dumps(API), encoding="utf-8")
    path = tmp_path / "doc.arazzo.yaml"
    path.write_text(textwrap.dedent(text).replace("VERSION", version), encoding="utf-8")
    return path


def with_steps(tmp_path: Path, steps: str, version: str = "1.1.0") -> Path:
    body = HEAD.format(version=version) + textwrap.indent(textwrap.dedent(steps), "      ")
    return write(tmp_path, body, version)


def build(path: Path) -> tuple[ArazzoDocument | None, list[Diagnostic]]:
    return build_model(read_document(path))


def rules(diagnostics: list[Diagnostic]) -> list[tuple[str, str]]:
    return sorted((d.rule, d.pointer) for d in diagnostics if d.severity == "error")


# -- the version table ----------------------------------------------------------------


def test_dispatch_is_on_major_minor() -> None:
    assert minor_of("1.1.0-rc1") == "1.1" and minor_of("1.1") is None
    assert supported_minor("1.0.7") == "1.0" and supported_minor("1.1.3") == "1.1"
    assert supported_minor("1.2.0") is None and supported_minor(1.1) is None
    assert added_field("Step", "timeout", "1.0") == "1.1"
    assert added_field("Step", "timeout", "1.1") is None
    assert added_field("Step", "nonsense", "1.0") is None


@pytest.mark.parametrize("version", ["2.0.0", "1.2.0", "1.1"])
def test_other_versions_are_refused_naming_both(tmp_path: Path, version: str) -> None:
    _, found = build(with_steps(tmp_path, PLAIN_STEP, version=version))
    assert [(d.rule, d.pointer, d.line) for d in found] == [("arazzo-version", "/arazzo", 1)]
    assert "1.0.x or 1.1.x" in found[0].message


@pytest.mark.parametrize("version", ["1.1.0", "1.1.1", "1.1.0-rc1", "1.0.1"])
def test_a_plain_document_of_either_version_builds_clean(tmp_path: Path, version: str) -> None:
    document, found = build(with_steps(tmp_path, PLAIN_STEP, version=version))
    assert found == [] and document is not None and document.arazzo == version


# -- a plain 1.1 document runs --------------------------------------------------------


def test_a_plain_1_1_document_runs_against_a_real_server(tmp_path: Path) -> None:
    path = with_steps(tmp_path, PLAIN_STEP)
    with RecordingServer() as server:
        server.route("GET", "/pets/7", Reply(200, {"name": "Rex"}))
        with Engine.load(path, servers={"api": server.url}) as engine:
            assert [str(d) for d in engine.warnings] == []
            result = engine.run("w", inputs={"id": "7"})
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"name": "Rex"}
    assert [r.path for r in server.requests] == ["/pets/7"]


# -- a 1.1 field in a 1.0 document ------------------------------------------------------

NEWER_IN_STEP = [
    ("timeout: 500", "/workflows/0/steps/0/timeout", "'timeout'"),
    ("dependsOn: [other]", "/workflows/0/steps/0/dependsOn", "'dependsOn'"),
    ("action: send", "/workflows/0/steps/0/action", "'action'"),
    ("correlationId: abc", "/workflows/0/steps/0/correlationId", "'correlationId'"),
    ("channelPath: x", "/workflows/0/steps/0/channelPath", "'channelPath'"),
]


@pytest.mark.parametrize(("line", "pointer", "named"), NEWER_IN_STEP)
def test_a_1_1_step_field_in_a_1_0_document_names_its_version(
    tmp_path: Path, line: str, pointer: str, named: str
) -> None:
    _, found = build(with_steps(tmp_path, PLAIN_STEP + "  " + line + "\n", version="1.0.1"))
    assert rules(found) == [("version-field", pointer)]
    message = found[0].message
    assert f"{named} is an Arazzo 1.1 field; this document says arazzo: 1.0.1" in message
    assert "arazzo: 1.1.0" in message and found[0].line == 17


@pytest.mark.parametrize(
    ("text", "pointer", "named"),
    [
        ("$self: https://example.com/doc\n", "/$self", "'$self'"),
        (
            "sourceDescriptions: [{name: q, url: q.yaml, type: asyncapi}]\n",
            "/sourceDescriptions/0/type",
            "'type: asyncapi'",
        ),
    ],
)
def test_a_1_1_root_or_source_value_in_a_1_0_document(
    tmp_path: Path, text: str, pointer: str, named: str
) -> None:
    body = (
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        + (
            text
            if "sourceDescriptions" in text
            else text + "sourceDescriptions: [{name: a, url: a}]\n"
        )
        + "workflows: [{workflowId: w, steps: [{stepId: s, operationId: o}]}]\n"
    )
    _, found = build(write(tmp_path, body, "1.0.1"))
    assert rules(found) == [("version-field", pointer)]
    assert f"{named} is an Arazzo 1.1 field" in found[0].message


@pytest.mark.parametrize(
    ("step", "pointer", "named"),
    [
        (
            "- stepId: s\n  operationId: getPet\n"
            "  parameters: [{name: q, in: querystring, value: a=1}]\n",
            "/workflows/0/steps/0/parameters/0/in",
            "'in: querystring'",
        ),
        (
            "- stepId: s\n  operationId: getPet\n"
            "  outputs: {x: {context: $response.body, selector: $.a, type: jsonpath}}\n",
            "/workflows/0/steps/0/outputs/x",
            "a Selector Object as output 'x'",
        ),
        (
            "- stepId: s\n  operationId: getPet\n"
            "  onSuccess: [{name: n, type: goto, workflowId: w,"
            " parameters: [{name: a, value: 1}]}]\n",
            "/workflows/0/steps/0/onSuccess/0/parameters",
            "'parameters'",
        ),
        (
            "- stepId: s\n  operationId: getPet\n  requestBody:\n"
            "    replacements: [{target: /a, targetSelectorType: jsonpointer, value: b}]\n",
            "/workflows/0/steps/0/requestBody/replacements/0/targetSelectorType",
            "'targetSelectorType'",
        ),
    ],
)
def test_other_1_1_fields_in_a_1_0_document(
    tmp_path: Path, step: str, pointer: str, named: str
) -> None:
    _, found = build(with_steps(tmp_path, step, version="1.0.1"))
    assert rules(found) == [("version-field", pointer)]
    assert f"{named} is an Arazzo 1.1 field" in found[0].message


# -- the 1.1 model ----------------------------------------------------------------------


def test_the_1_1_fields_are_in_the_model(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        arazzo: VERSION
        $self: https://example.com/flows/doc
        info: {title: t, version: '1'}
        sourceDescriptions:
          - {name: api, url: api.openapi.json, type: openapi}
          - {name: events, url: events.yaml, type: asyncapi}
        workflows:
          - workflowId: w
            outputs:
              first: {context: $steps.a.outputs.all, selector: /0, type: jsonpointer}
            steps:
              - stepId: a
                operationId: getPet
                timeout: 1500
                parameters:
                  - {name: q, in: querystring, value: 'a=1&b=2'}
                  - name: id
                    in: path
                    value: {context: $inputs.pet, selector: $.id, type: jsonpath}
                requestBody:
                  contentType: application/json
                  payload: {name: x}
                  replacements:
                    - target: $.name
                      targetSelectorType: {type: jsonpath, version: rfc9535}
                      value: {context: $inputs.pet, selector: /name, type: jsonpointer}
                outputs:
                  all: $response.body
                onSuccess:
                  - name: next
                    type: goto
                    workflowId: other
                    parameters: [{name: id, value: $inputs.id}]
              - stepId: b
                operationId: $sourceDescriptions.events.orderDone
                action: receive
                correlationId: $steps.a.outputs.all#/id
                dependsOn: [a, $workflows.other.steps.c]
              - stepId: c
                channelPath: '{$sourceDescriptions.events.url}#/channels/orders'
                action: send
          - workflowId: other
            steps: [{stepId: c, operationId: getPet}]
        """,
    )
    document, found = build(path)
    assert document is not None and document.self_uri == "https://example.com/flows/doc"
    assert document.source_descriptions[1].type == "asyncapi"
    workflow = document.workflows[0]
    assert workflow.output_selectors["first"] == Selector(
        context="$steps.a.outputs.all",
        selector="/0",
        type="jsonpointer",
        pointer="/workflows/0/outputs/first",
        line=10,
        column=7,
    )
    a, b, c = workflow.steps
    assert a.timeout == 1500 and a.outputs == {"all": "$response.body"}
    query, by_selector = a.parameters
    assert isinstance(query, Parameter) and query.location == "querystring"
    assert isinstance(by_selector, Parameter) and by_selector.selector is not None
    assert by_selector.selector.type == "jsonpath"
    assert a.request_body is not None
    replacement = a.request_body.replacements[0]
    assert replacement.target_selector_type == "jsonpath"
    assert replacement.target_expression_type is not None
    assert replacement.target_expression_type.version == "rfc9535"
    assert replacement.selector is not None and replacement.selector.selector == "/name"
    action = a.on_success[0]
    assert isinstance(action, SuccessAction) and action.parameters[0].name == "id"
    assert (b.action, b.correlation_id) == ("receive", "$steps.a.outputs.all#/id")
    assert b.depends_on == ("a", "$workflows.other.steps.c")
    assert c.target_kind == "channelPath" and c.action == "send"
    # the builder refuses nothing here: querystring and action parameters, timeout,
    # dependsOn, $self, Selector Objects and message steps all run
    assert found == []


def test_querystring_and_action_parameters_are_accepted_by_the_builder(tmp_path: Path) -> None:
    step = (
        "- stepId: s\n  operationId: getPet\n"
        "  parameters:\n"
        "    - {name: id, in: path, value: '1'}\n"
        "    - {name: q, in: querystring, value: 'a={$inputs.id}'}\n"
        "  onSuccess:\n"
        "    - {name: n, type: goto, workflowId: w, parameters: [{name: id, value: '2'}]}\n"
    )
    _, found = build(with_steps(tmp_path, step))
    assert rules(found) == []


# -- structural checks of 1.1 fields ------------------------------------------------------

STRUCTURAL = [
    ("- {stepId: s, operationId: getPet, timeout: -5}", "type", "/workflows/0/steps/0/timeout"),
    ("- {stepId: s, operationId: getPet, timeout: 1.5}", "type", "/workflows/0/steps/0/timeout"),
    (
        "- {stepId: s, operationId: getPet, dependsOn: []}",
        "min-items",
        "/workflows/0/steps/0/dependsOn",
    ),
    (
        "- {stepId: s, operationId: getPet, dependsOn: [a, a]}",
        "step-depends-on",
        "/workflows/0/steps/0/dependsOn/1",
    ),
    (
        "- {stepId: s, operationId: getPet, dependsOn: [$steps.a]}",
        "step-depends-on",
        "/workflows/0/steps/0/dependsOn/0",
    ),
    (
        "- {stepId: s, operationId: getPet, dependsOn: [$workflows.w.steps.a.x]}",
        "step-depends-on",
        "/workflows/0/steps/0/dependsOn/0",
    ),
    ("- {stepId: s, operationId: getPet, action: publish}", "enum", "/workflows/0/steps/0/action"),
    ("- {stepId: s, workflowId: w, action: send}", "step-fields", "/workflows/0/steps/0/action"),
    (
        "- {stepId: s, operationPath: x, correlationId: c}",
        "step-fields",
        "/workflows/0/steps/0/correlationId",
    ),
    (
        "- {stepId: s, operationId: o, action: send, correlationId: c}",
        "step-fields",
        "/workflows/0/steps/0/correlationId",
    ),
    ("- {stepId: s, channelPath: x}", "step-fields", "/workflows/0/steps/0"),
    (
        "- {stepId: s, channelPath: x, operationId: o, action: send}",
        "step-target",
        "/workflows/0/steps/0",
    ),
    (
        "- {stepId: s, operationId: getPet, successCriteria: []}",
        "min-items",
        "/workflows/0/steps/0/successCriteria",
    ),
    (
        "- {stepId: s, operationId: getPet,"
        " outputs: {x: {context: $response.body, selector: $.a}}}",
        "required",
        "/workflows/0/steps/0/outputs/x",
    ),
    (
        "- {stepId: s, operationId: getPet, outputs: {x: {context: $response.body, selector: $.a,"
        " type: jsonpath, expression: y}}}",
        "unknown-field",
        "/workflows/0/steps/0/outputs/x/expression",
    ),
    (
        "- {stepId: s, operationId: getPet, outputs: {x: {context: $response.body, selector: $.a,"
        " type: {type: xpath, version: rfc9535}}}}",
        "enum",
        "/workflows/0/steps/0/outputs/x/type/version",
    ),
    (
        "- {stepId: s, operationId: getPet, outputs: {x: {context: $response.body, selector: $.a,"
        " type: jmespath}}}",
        "enum",
        "/workflows/0/steps/0/outputs/x/type",
    ),
    (
        "- {stepId: s, operationId: getPet, requestBody: {replacements: [{target: /a,"
        " targetSelectorType: jmespath, value: b}]}}",
        "enum",
        "/workflows/0/steps/0/requestBody/replacements/0/targetSelectorType",
    ),
    (
        "- {stepId: s, operationId: getPet, onSuccess: [{name: n, type: end,"
        " parameters: [{name: a, value: 1}]}]}",
        "action-parameters",
        "/workflows/0/steps/0/onSuccess/0/parameters",
    ),
    (
        "- {stepId: s, operationId: getPet, onFailure: [{name: n, type: retry, workflowId: w,"
        " parameters: [{name: a, in: query, value: 1}]}]}",
        "action-parameters",
        "/workflows/0/steps/0/onFailure/0/parameters/0/in",
    ),
]


@pytest.mark.parametrize(("step", "rule", "pointer"), STRUCTURAL)
def test_a_wrong_1_1_field_is_a_located_error(
    tmp_path: Path, step: str, rule: str, pointer: str
) -> None:
    _, found = build(with_steps(tmp_path, step + "\n"))
    structural = [(d.rule, d.pointer) for d in found]
    assert structural == [(rule, pointer)], [str(d) for d in found]
    assert found[0].line >= 9


@pytest.mark.parametrize("uri", ["'https://example.com/a#frag'", "'a b'"])
def test_self_must_be_a_uri_reference_without_a_fragment(tmp_path: Path, uri: str) -> None:
    body = (
        f"arazzo: 1.1.0\n$self: {uri}\ninfo: {{title: t, version: '1'}}\n"
        "sourceDescriptions: [{name: a, url: a}]\n"
        "workflows: [{workflowId: w, steps: [{stepId: s, operationId: o}]}]\n"
    )
    _, found = build(write(tmp_path, body))
    assert rules(found) == [("type", "/$self")]
    assert "without a fragment" in next(d.message for d in found if d.rule == "type")


def test_a_1_0_selector_shaped_parameter_value_stays_a_literal(tmp_path: Path) -> None:
    step = (
        "- stepId: s\n  operationId: getPet\n"
        "  parameters: [{name: id, in: path, value: {context: a, selector: b, type: c}}]\n"
    )
    document, found = build(with_steps(tmp_path, step, version="1.0.1"))
    assert found == [] and document is not None
    parameter = document.workflows[0].steps[0].parameters[0]
    assert isinstance(parameter, Parameter) and parameter.selector is None


def test_a_selector_in_a_1_1_payload_is_read_and_checked_where_it_sits(tmp_path: Path) -> None:
    step = (
        "- stepId: s\n  operationId: getPet\n  requestBody:\n    payload:\n"
        "      items: [{context: $inputs.a, selector: $.b, type: jsonpath}]\n"
        "      bad: {context: $inputs.a, selector: $.b, type: jmespath}\n"
    )
    _, found = build(with_steps(tmp_path, step))
    assert rules(found) == [("enum", "/workflows/0/steps/0/requestBody/payload/bad/type")]


# -- scoped refusal and the document-alone check -------------------------------------------


def test_a_1_1_error_blocks_only_its_workflow(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEAD.format(version="1.1.0")
        + textwrap.indent(PLAIN_STEP, "      ")
        + "  - workflowId: timed\n    steps:\n"
        + textwrap.indent(
            PLAIN_STEP.replace(
                "in: path, value: $inputs.id}",
                "in: path, value: $inputs.id}\n    - {name: c, in: channel, value: x}",
            ),
            "      ",
        ),
    )
    with pytest.raises(ArazzoValidationError) as raised:
        Engine.load(path)
    errors = [d for d in raised.value.errors if d.severity == "error"]
    assert [(d.rule, d.pointer) for d in errors] == [
        ("message-step", "/workflows/1/steps/0/parameters/1/in")
    ]
    assert "in: channel" in errors[0].message
    with RecordingServer() as server:
        server.route("GET", "/pets/1", Reply(200, {"name": "Ada"}))
        with Engine.load(path, servers={"api": server.url}, strict=False) as engine:
            assert list(engine.runnable) == ["w"]
            assert [d.rule for d in engine.findings if d.severity == "error"] == ["message-step"]
            assert engine.run("w", inputs={"id": "1"}).succeeded
            with pytest.raises(ArazzoValidationError):
                engine.run("timed", inputs={"id": "1"})


def test_the_document_alone_check_reports_1_1_structure(tmp_path: Path) -> None:
    path = with_steps(tmp_path, PLAIN_STEP + "  timeout: -1\n  dependsOn: [nowhere]\n")
    found, _ = findings_without_sources(path)
    assert sorted(d.rule for d in found if d.severity == "error") == ["depends-on", "type"]


def test_a_message_step_with_no_server_blocks_only_its_workflow_until_one_is_given(
    tmp_path: Path,
) -> None:
    (tmp_path / "events.yaml").write_text(
        "asyncapi: 3.0.0\ninfo: {title: e, version: '1'}\n"
        "channels: {done: {address: jobs.done}}\n"
        "operations: {done: {action: send, channel: {$ref: '#/channels/done'}}}\n",
        encoding="utf-8",
    )
    path = write(
        tmp_path,
        HEAD.format(version="1.1.0").replace(
            "type: openapi}]", "type: openapi}, {name: events, url: events.yaml, type: asyncapi}]"
        )
        + textwrap.indent(PLAIN_STEP, "      ")
        + "  - workflowId: listen\n    steps:\n"
        + "      - {stepId: wait, operationId: $sourceDescriptions.events.done, action: receive}\n",
    )
    with RecordingServer() as server:
        server.route("GET", "/pets/2", Reply(200, {"name": "Bo"}))
        with Engine.load(path, servers={"api": server.url}, strict=False) as engine:
            assert list(engine.runnable) == ["w"]
            errors = [d for d in engine.findings if d.severity == "error"]
            assert [(d.rule, d.pointer) for d in errors] == [
                ("message-server", "/workflows/1/steps/0/operationId")
            ]
            assert errors[0].message == (
                "step 'wait' (receive jobs.done (done)): source 'events' defines no server for "
                "channel 'jobs.done': give one with servers={'events': 'protocol://host:port'}"
            )
            assert engine.run("w", inputs={"id": "2"}).succeeded
        given = {"api": server.url, "events": "mqtt://127.0.0.1:1883"}
        with Engine.load(path, servers=given) as engine:
            assert list(engine.runnable) == ["w", "listen"]


def test_a_1_1_expression_type_without_version_takes_the_default(tmp_path: Path) -> None:
    step = PLAIN_STEP.replace(
        "    - condition: $statusCode == 200\n",
        "    - condition: $[?@.name == 'Rex']\n"
        "      context: $response.body\n"
        "      type: {type: jsonpath}\n",
    )
    document, found = build(with_steps(tmp_path, step))
    assert [(d.severity, d.rule, d.pointer) for d in found] == [
        ("warning", "required", "/workflows/0/steps/0/successCriteria/0/type")
    ]
    assert "default 'rfc9535' applies" in found[0].message
    assert document is not None
    criterion = document.workflows[0].steps[0].success_criteria[0]
    assert (criterion.type, criterion.version) == ("jsonpath", "rfc9535")


def test_a_1_1_criterion_naming_rfc9535_runs(tmp_path: Path) -> None:
    step = PLAIN_STEP.replace(
        "    - condition: $statusCode == 200\n",
        "    - condition: $[?@.name == 'Rex']\n"
        "      context: $response.body\n"
        "      type: {type: jsonpath, version: rfc9535}\n",
    )
    path = with_steps(tmp_path, step)
    with RecordingServer() as server:
        server.route("GET", "/pets/1", Reply(200, {"name": "Rex"}))
        server.route("GET", "/pets/2", Reply(200, {"name": "Bo"}))
        with Engine.load(path, servers={"api": server.url}) as engine:
            assert engine.run("w", inputs={"id": "1"}).succeeded
            assert not engine.run("w", inputs={"id": "2"}).succeeded


def test_rfc9535_is_a_1_1_jsonpath_version_only(tmp_path: Path) -> None:
    step = PLAIN_STEP.replace(
        "    - condition: $statusCode == 200\n",
        "    - condition: $[?@.name == 'Rex']\n"
        "      context: $response.body\n"
        "      type: {type: jsonpath, version: rfc9535}\n",
    )
    _, found = build(with_steps(tmp_path, step, version="1.0.1"))
    assert [(d.severity, d.rule) for d in found] == [("warning", "enum")]


@pytest.mark.parametrize(
    ("channel", "problem"),
    [
        ("'{$sourceDescriptions.events.url}#/channels/orders'", None),
        ("$sourceDescriptions.events#/components/channels/orders", None),
        ("orders", "must read"),
        ("'{$sourceDescriptions.events.url}#/operations/x'", "must read"),
        ("'{$sourceDescriptions.nope.url}#/channels/orders'", "does not declare"),
        ("$sourceDescriptions.api#/channels/orders", "declared 'type: openapi'"),
    ],
)
def test_a_channel_path_names_a_channel_of_a_declared_asyncapi_source(
    tmp_path: Path, channel: str, problem: str | None
) -> None:
    path = write(
        tmp_path,
        HEAD.format(version="1.1.0").replace(
            "type: openapi}]", "type: openapi}, {name: events, url: events.yaml, type: asyncapi}]"
        )
        + f"      - {{stepId: s, channelPath: {channel}, action: send}}\n",
    )
    found, _ = findings_without_sources(path)
    messages = [d.message for d in found if d.rule == "channel-path"]
    if problem is None:
        assert messages == []
    else:
        assert len(messages) == 1 and problem in messages[0]


def test_a_request_body_on_a_1_1_workflow_step_is_ignored_with_a_warning(tmp_path: Path) -> None:
    step = "- {stepId: s, workflowId: w, requestBody: {payload: {a: 1}}}\n"
    _, found = build(with_steps(tmp_path, step))
    assert [(d.severity, d.rule, d.pointer) for d in found] == [
        ("warning", "step-fields", "/workflows/0/steps/0/requestBody")
    ]
    _, found = build(with_steps(tmp_path, step, version="1.0.1"))
    assert found == []  # 1.0 documents behave as before
