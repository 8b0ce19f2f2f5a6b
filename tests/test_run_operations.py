"""Operation steps against a real local server: parameters, bodies, outputs, security."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine import (
    ConfigurationError,
    Engine,
    InputValidationError,
    WorkflowNotFoundError,
)
from tests.http_server import Received, RecordingServer, Reply

PETS = Path(__file__).parent / "workflows" / "pets.arazzo.yaml"


def pets_server(server: RecordingServer) -> None:
    def create(request: Received) -> Reply:
        return Reply(201, {"id": "p-1", **request.json()}, headers={"Location": "/pets/p-1"})

    server.route("POST", "/v1/pets", create)
    server.route("GET", "/v1/pets/p-1", Reply(200, {"id": "p-1", "name": "REX"}))
    server.route("GET", "/v1/public/health", Reply(200, {"ok": True}))
    server.route("GET", "/v1/admin/stats", Reply(200, {"n": 1}))


def engine_for(server: RecordingServer, **options: object) -> Engine:
    return Engine.load(
        PETS,
        servers={"pets": server.url + "/v1"},
        credentials={"ApiKeyAuth": "key-123", "BearerAuth": "tok-456"},
        **options,  # type: ignore[arg-type]
    )


def test_chained_steps_build_every_part_of_the_request(http_server: RecordingServer) -> None:
    pets_server(http_server)
    result = engine_for(http_server).run(
        "adopt", {"name": "Rex", "tags": ["good", "old boy"], "trace": "t-9"}
    )
    assert result.succeeded, result.error
    create, fetch = http_server.requests
    assert create.json() == {"name": "Rex", "note": "adopted by Rex", "tags": ["good", "old boy"]}
    assert create.header("X-Api-Key") == "key-123"
    assert fetch.path == "/v1/pets/p-1"
    assert fetch.query == [("limit", "5"), ("tags", "good"), ("tags", "old boy")]
    assert fetch.header("X-Trace") == "t-9"
    assert fetch.header("Cookie") == "session=abc"
    # Case-insensitive string comparison: 'REX' == 'Rex' in the success criterion.
    assert result.outputs["petId"] == "p-1"
    assert result.outputs["name"] == "REX"
    assert result.outputs["url"].startswith(http_server.url + "/v1/pets/p-1?limit=5")
    steps = result.steps
    assert [s.step_id for s in steps] == ["create", "fetch"]
    assert steps[0].outputs == {"petId": "p-1", "location": "/pets/p-1"}
    assert steps[1].outputs["method"] == "GET"


def test_absent_optional_input_means_the_parameter_is_not_sent(
    http_server: RecordingServer,
) -> None:
    pets_server(http_server)
    result = engine_for(http_server).run("adopt", {"name": "Rex"})
    assert result.succeeded, result.error
    fetch = http_server.requests[1]
    assert fetch.header("X-Trace") is None
    assert [k for k, _ in fetch.query] == ["limit"]


def test_operation_without_security_sends_no_credential(http_server: RecordingServer) -> None:
    pets_server(http_server)
    assert engine_for(http_server).run("health").succeeded
    (request,) = http_server.requests
    assert request.header("X-Api-Key") is None and request.header("Authorization") is None


def test_bearer_scheme_sets_authorization(http_server: RecordingServer) -> None:
    pets_server(http_server)
    assert engine_for(http_server).run("admin").succeeded
    assert http_server.requests[0].header("Authorization") == "Bearer tok-456"


def test_no_success_criteria_means_2xx(http_server: RecordingServer) -> None:
    http_server.route("GET", "/v1/public/health", Reply(503, {"down": True}))
    result = engine_for(http_server).run("health")
    assert not result.succeeded
    assert result.error is not None and "ping" in result.error and "503" in result.error


def test_failed_criterion_names_the_step_and_condition(http_server: RecordingServer) -> None:
    http_server.route("POST", "/v1/pets", Reply(400, {"error": "bad"}))
    result = engine_for(http_server).run("adopt", {"name": "Rex"})
    assert not result.succeeded
    assert len(result.steps) == 1
    assert result.error is not None
    assert "'create'" in result.error and "$statusCode == 201" in result.error
    assert result.outputs == {"petId": None, "name": None, "url": None}


def test_unknown_workflow_raises_with_valid_ids(http_server: RecordingServer) -> None:
    with pytest.raises(WorkflowNotFoundError, match=r"'nope'.*adopt"):
        engine_for(http_server).run("nope")


def test_inputs_breaking_the_schema_raise_before_sending(http_server: RecordingServer) -> None:
    with pytest.raises(InputValidationError) as info:
        engine_for(http_server).run("adopt", {"name": 5, "tags": "x"})
    text = str(info.value)
    assert "inputs.name" in text and "inputs.tags" in text
    assert http_server.requests == []


def test_missing_required_input_is_named(http_server: RecordingServer) -> None:
    with pytest.raises(InputValidationError, match="'name' is a required property"):
        engine_for(http_server).run("adopt", {})


@pytest.mark.parametrize("option", ["servers", "sources", "credentials"])
def test_override_naming_unknown_things_lists_valid_names(option: str) -> None:
    with pytest.raises(ConfigurationError, match=r"'nope'.*valid names"):
        Engine.load(PETS, **{option: {"nope": "x"}})  # type: ignore[arg-type]


def test_relative_server_without_override_fails_the_step_clearly(tmp_path: Path) -> None:
    api = (Path(__file__).parent / "workflows" / "pets.openapi.yaml").read_text()
    (tmp_path / "pets.openapi.yaml").write_text(
        api.replace("https://pets.example.invalid/v1", "/v1")
    )
    (tmp_path / "pets.arazzo.yaml").write_text(PETS.read_text())
    engine = Engine.load(tmp_path / "pets.arazzo.yaml")
    result = engine.run("health")
    assert not result.succeeded
    assert result.error is not None and "servers=" in result.error
