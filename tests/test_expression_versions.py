"""Each document's expressions are read in its own Arazzo version's dialect.

A 1.1 document may use a 1.0 document as an ``arazzo`` source and the other way
round; each keeps its own grammar.  Documents and the API are served by a real
HTTP server: what it received shows how each document's values were read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine import ArazzoValidationError, Engine
from tests.http_server import RecordingServer, Reply

YAML = "application/yaml"
API = """\
openapi: 3.1.0
info: {title: echo, version: '1'}
servers: [{url: 'SERVER/v1'}]
paths:
  /echo:
    get:
      operationId: echo
      parameters:
        - {name: X-Origin, in: header, schema: {type: string}}
      responses: {'200': {description: ok}}
"""


def document(version: str, self_uri: str | None, sources: list[Any], workflow: Any) -> str:
    data: dict[str, Any] = {"arazzo": version}
    if self_uri is not None:
        data["$self"] = self_uri
    data["info"] = {"title": "t", "version": "1"}
    data["sourceDescriptions"] = sources
    data["workflows"] = [workflow]
    return yaml.safe_dump(data, sort_keys=False)


def echo_workflow(workflow_id: str, origin: str, outputs: dict[str, str]) -> Any:
    """One step sending ``origin`` as the X-Origin header."""
    return {
        "workflowId": workflow_id,
        "steps": [
            {
                "stepId": "echo",
                "operationId": "echo",
                "parameters": [{"name": "X-Origin", "in": "header", "value": origin}],
            }
        ],
        "outputs": outputs,
    }


def calls(workflow_id: str, target: str, outputs: dict[str, str]) -> Any:
    return {
        "workflowId": workflow_id,
        "steps": [{"stepId": "call", "workflowId": target, "outputs": outputs}],
        "outputs": {name: f"$steps.call.outputs.{name}" for name in outputs},
    }


@pytest.fixture
def served(http_server: RecordingServer) -> RecordingServer:
    http_server.route(
        "GET", "/api.yaml", Reply(200, API.replace("SERVER", http_server.url), content_type=YAML)
    )
    http_server.route("GET", "/v1/echo", Reply(200, {"ok": True}))
    return http_server


def origins(server: RecordingServer) -> list[str | None]:
    return [r.header("X-Origin") for r in server.requests if r.path == "/v1/echo"]


def test_a_1_1_document_runs_a_1_0_source_each_in_its_own_dialect(
    tmp_path: Path, served: RecordingServer
) -> None:
    api = {"name": "api", "url": f"{served.url}/api.yaml", "type": "openapi"}
    # In 1.0, '$self' is no expression root: the value is the literal text.
    served.route(
        "GET",
        "/old.arazzo.yaml",
        Reply(
            200,
            document("1.0.1", None, [api], echo_workflow("old", "$self", {"sent": "$inputs.x"})),
            content_type=YAML,
        ),
    )
    entry = tmp_path / "new.arazzo.yaml"
    self_uri = "https://example.com/flows/new.arazzo.yaml"
    entry.write_text(
        document(
            "1.1.0",
            self_uri,
            [{"name": "old", "url": f"{served.url}/old.arazzo.yaml", "type": "arazzo"}],
            calls("main", "$sourceDescriptions.old.old", {"sent": "$self"}),
        )
    )
    result = Engine.load(entry, allow_remote=True).run("main")
    assert result.succeeded, result.error
    assert origins(served) == ["$self"]
    assert result.outputs == {"sent": self_uri}  # the 1.1 entry's $self, read in 1.1


def test_a_1_0_document_runs_a_1_1_source_each_in_its_own_dialect(
    tmp_path: Path, served: RecordingServer
) -> None:
    api = {"name": "api", "url": f"{served.url}/api.yaml", "type": "openapi"}
    new_self = f"{served.url}/canonical/new.arazzo.yaml"
    served.route(
        "GET",
        "/new.arazzo.yaml",
        Reply(
            200,
            document(
                "1.1.0",
                "canonical/new.arazzo.yaml",
                [api],
                echo_workflow("new", "{$self}", {"me": "$self"}),
            ),
            content_type=YAML,
        ),
    )
    entry = tmp_path / "old.arazzo.yaml"
    entry.write_text(
        document(
            "1.0.1",
            None,
            [{"name": "new", "url": f"{served.url}/new.arazzo.yaml", "type": "arazzo"}],
            {
                "workflowId": "main",
                "steps": [{"stepId": "call", "workflowId": "$sourceDescriptions.new.new"}],
                "outputs": {"me": "$outputs.me"},
            },
        )
    )
    engine = Engine.load(entry, allow_remote=True)
    result = engine.run("main")
    assert result.succeeded, result.error
    assert origins(served) == [new_self]  # the 1.1 source's own $self, resolved
    identity = [f for f in engine.findings if f.rule == "source-identity"]
    assert len(identity) == 1 and identity[0].severity == "warning"


def test_self_is_a_1_1_expression_only(tmp_path: Path, served: RecordingServer) -> None:
    api = {"name": "api", "url": f"{served.url}/api.yaml", "type": "openapi"}
    entry = tmp_path / "flow.arazzo.yaml"
    entry.write_text(document("1.0.1", None, [api], echo_workflow("w", "x", {"me": "$self"})))
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(entry, allow_remote=True)
    (error,) = [e for e in info.value.errors if e.severity == "error"]
    assert (error.rule, error.pointer) == ("expression-syntax", "/workflows/0/outputs/me")
    assert "Arazzo 1.1 expression" in error.message


def test_message_outside_a_message_step_is_a_located_load_error(
    tmp_path: Path, served: RecordingServer
) -> None:
    api = {"name": "api", "url": f"{served.url}/api.yaml", "type": "openapi"}
    entry = tmp_path / "flow.arazzo.yaml"
    workflow = echo_workflow("w", "$message.header.origin", {"id": "$steps.echo.outputs.id"})
    workflow["steps"][0]["outputs"] = {"id": "$message.payload#/id"}
    entry.write_text(document("1.1.0", "https://example.com/f", [api], workflow))
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(entry, allow_remote=True)
    found = sorted((e.rule, e.pointer, e.line) for e in info.value.errors if e.severity == "error")
    assert found == [
        ("message-context", "/workflows/0/steps/0/outputs/id", 20),
        ("message-context", "/workflows/0/steps/0/parameters/0/value", 18),
    ]
    assert "step 'echo' has no message" in info.value.errors[0].message
    assert [r.path for r in served.requests] == ["/api.yaml"]


def test_dotted_names_keep_working_in_1_1_with_a_warning_naming_the_grammar(
    tmp_path: Path, served: RecordingServer
) -> None:
    api = {"name": "api", "url": f"{served.url}/api.yaml", "type": "openapi"}
    workflow = echo_workflow("w", "$inputs.customer.firstName", {})
    workflow["inputs"] = {
        "type": "object",
        "properties": {"customer": {"type": "object"}},
    }
    entry = tmp_path / "flow.arazzo.yaml"
    entry.write_text(document("1.1.0", "https://example.com/f", [api], workflow))
    engine = Engine.load(entry, allow_remote=True)
    (warning,) = [f for f in engine.findings if f.rule == "dotted-name"]
    assert "the Arazzo 1.1 grammar reads 'customer.firstName' as one name" in warning.message
    assert "$inputs.customer#/firstName" in warning.message
    assert engine.run("w", {"customer": {"firstName": "Ada"}}).succeeded
    assert origins(served) == ["Ada"]


def test_a_1_1_simple_condition_navigates_with_dots(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route(
        "GET", "/api.yaml", Reply(200, API.replace("SERVER", http_server.url), content_type=YAML)
    )
    http_server.route("GET", "/v1/echo", Reply(200, {"count": 3}))
    api = {"name": "api", "url": f"{http_server.url}/api.yaml", "type": "openapi"}
    workflow = echo_workflow("w", "x", {})
    workflow["inputs"] = {"type": "object", "properties": {"threshold": {"type": "integer"}}}
    workflow["steps"][0]["successCriteria"] = [
        {"condition": "$response.body.count > $inputs.threshold"}
    ]
    entry = tmp_path / "flow.arazzo.yaml"
    entry.write_text(document("1.1.0", "https://example.com/f", [api], workflow))
    engine = Engine.load(entry, allow_remote=True)
    assert engine.run("w", {"threshold": 2}).succeeded
    assert not engine.run("w", {"threshold": 3}).succeeded
