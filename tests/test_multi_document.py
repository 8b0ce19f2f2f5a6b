"""Workflows of other Arazzo documents, reached through `type: arazzo` source descriptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine import ArazzoValidationError, Engine
from tests.http_server import RecordingServer, Reply

HERE = Path(__file__).parent / "workflows" / "multi"
ENTRY = HERE / "entry.arazzo.yaml"


def serve(server: RecordingServer) -> None:
    server.route("GET", "/things/t-1", Reply(200, {"name": "Widget"}))
    server.route("POST", "/audit", Reply(204))


def test_child_workflow_of_another_document_runs_in_its_own_context(
    http_server: RecordingServer,
) -> None:
    serve(http_server)
    engine = Engine.load(ENTRY, servers={"things": http_server.url})
    result = engine.run("viaChild", {"thing": "t-1"})
    assert result.succeeded, result.error
    assert result.outputs == {"name": "Widget", "source": "things.openapi.yaml"}
    audit, get = http_server.requests
    assert (audit.method, audit.path) == ("POST", "/audit")
    # The child's own components supply the tenant header.
    assert get.header("X-Tenant") == "child-tenant"
    assert [(s.workflow_id, s.step_id) for s in result.steps] == [
        ("recordAudit", "post"),
        ("fetchThing", "get"),
        ("viaChild", "callChild"),
    ]


def test_goto_a_workflow_of_another_document_transfers_control(
    http_server: RecordingServer,
) -> None:
    serve(http_server)
    engine = Engine.load(ENTRY, servers={"things": http_server.url})
    result = engine.run("handOver")
    assert result.succeeded, result.error
    assert [r.path for r in http_server.requests] == ["/things/missing", "/audit"]
    assert [s.workflow_id for s in result.steps] == ["handOver", "recordAudit"]


def write(tmp_path: Path, text: str) -> Path:
    for name in ("things.openapi.yaml", "child.arazzo.yaml"):
        (tmp_path / name).write_text((HERE / name).read_text())
    path = tmp_path / "entry.arazzo.yaml"
    path.write_text(text)
    return path


def test_unknown_workflow_of_a_source_lists_what_it_has(tmp_path: Path) -> None:
    path = write(tmp_path, ENTRY.read_text().replace("child.fetchThing", "child.fetchNothing"))
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(path)
    (error,) = [e for e in info.value.errors if e.severity == "error"]
    assert error.rule == "workflow-reference"
    assert "fetchNothing" in error.message and "fetchThing, recordAudit" in error.message
    assert error.pointer == "/workflows/0/steps/0/workflowId"


def test_bare_id_of_an_external_workflow_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, ENTRY.read_text().replace("$sourceDescriptions.child.fetchThing", "fetchThing")
    )
    with pytest.raises(ArazzoValidationError, match=r"\$sourceDescriptions.<name>.<workflowId>"):
        Engine.load(path)


def test_depends_on_cycle_is_reported(tmp_path: Path) -> None:
    text = (
        ENTRY.read_text()
        .replace(
            "  dependsOn:\n  - $sourceDescriptions.child.recordAudit\n",
            "  dependsOn:\n  - handOver\n",
        )
        .replace("- workflowId: handOver\n", "- workflowId: handOver\n  dependsOn: [viaChild]\n")
    )
    path = write(tmp_path, text)
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(path)
    rules = [e.rule for e in info.value.errors if e.severity == "error"]
    assert rules == ["depends-on-cycle"]
    assert "viaChild -> handOver -> viaChild" in str(info.value)
