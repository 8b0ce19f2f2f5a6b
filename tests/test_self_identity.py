"""Arazzo 1.1 ``$self``: base URIs, identity-based source lookup and the ``$self`` expression.

Documents are served by a real HTTP server on 127.0.0.1; what it was asked for
shows which documents were fetched and which were found by identity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine import ArazzoValidationError, Engine
from tests.http_server import RecordingServer, Reply
from tests.ping import ping_openapi

YAML = "application/yaml"


def arazzo(
    *,
    version: str = "1.1.0",
    self_uri: str | None = None,
    sources: list[dict[str, str]],
    workflows: list[dict[str, Any]],
) -> str:
    document: dict[str, Any] = {"arazzo": version}
    if self_uri is not None:
        document["$self"] = self_uri
    document["info"] = {"title": "t", "version": "1"}
    document["sourceDescriptions"] = sources
    document["workflows"] = workflows
    return yaml.safe_dump(document, sort_keys=False)


def ping_workflow(workflow_id: str = "ping", outputs: dict[str, str] | None = None) -> Any:
    workflow: dict[str, Any] = {
        "workflowId": workflow_id,
        "steps": [
            {
                "stepId": "ping",
                "operationId": "ping",
                "successCriteria": [{"condition": "$statusCode == 200"}],
            }
        ],
    }
    if outputs:
        workflow["outputs"] = outputs
    return workflow


def calling(workflow_id: str, target: str, outputs: dict[str, str] | None = None) -> Any:
    workflow: dict[str, Any] = {
        "workflowId": workflow_id,
        "steps": [{"stepId": "call", "workflowId": target}],
    }
    if outputs:
        workflow["outputs"] = outputs
    return workflow


def serve_ping(server: RecordingServer, path: str) -> None:
    server.route("GET", path, Reply(200, ping_openapi(f"{server.url}/v1"), content_type=YAML))
    server.route("GET", "/v1/ping", Reply(200, {"ok": True}))


def test_a_relative_source_url_resolves_against_self_not_the_file(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve_ping(http_server, "/flows/api.yaml")
    self_uri = f"{http_server.url}/flows/main.arazzo.yaml"
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(
        arazzo(
            self_uri=self_uri,
            sources=[{"name": "api", "url": "api.yaml", "type": "openapi"}],
            workflows=[ping_workflow(outputs={"me": "$self"})],
        )
    )
    (tmp_path / "api.yaml").write_text("not: the one\n")  # beside the file: never read
    engine = Engine.load(entry, allow_remote=True)
    result = engine.run("ping")
    assert result.succeeded, result.error
    assert result.outputs == {"me": self_uri}
    assert [r.path for r in http_server.requests] == ["/flows/api.yaml", "/v1/ping"]


def test_a_relative_self_resolves_against_where_the_document_was_read(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve_ping(http_server, "/api.yaml")
    folder = tmp_path / "flows"
    folder.mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "api.yaml").write_text(ping_openapi(f"{http_server.url}/v1"))
    entry = folder / "main.arazzo.yaml"
    entry.write_text(
        arazzo(
            self_uri="../shared/main.arazzo.yaml",
            sources=[{"name": "api", "url": "api.yaml", "type": "openapi"}],
            workflows=[ping_workflow(outputs={"me": "$self"})],
        )
    )
    result = Engine.load(entry).run("ping")
    assert result.succeeded, result.error
    assert result.outputs == {"me": (tmp_path / "shared" / "main.arazzo.yaml").as_uri()}
    assert [r.path for r in http_server.requests] == ["/v1/ping"]


def test_a_source_url_equal_to_a_loaded_self_is_that_document_and_is_not_fetched(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    base = f"{http_server.url}/ids"
    serve_ping(http_server, "/ids/api.yaml")
    # b names the entry document by its identity; the server does not serve it.
    http_server.route(
        "GET",
        "/ids/b.arazzo.yaml",
        Reply(
            200,
            arazzo(
                self_uri=f"{base}/b.arazzo.yaml",
                sources=[{"name": "a", "url": "a.arazzo.yaml", "type": "arazzo"}],
                workflows=[calling("relay", "$sourceDescriptions.a.ping")],
            ),
            content_type=YAML,
        ),
    )
    entry = tmp_path / "somewhere-else.arazzo.yaml"
    entry.write_text(
        arazzo(
            self_uri=f"{base}/a.arazzo.yaml",
            sources=[
                {"name": "api", "url": "api.yaml", "type": "openapi"},
                {"name": "b", "url": "b.arazzo.yaml", "type": "arazzo"},
            ],
            workflows=[
                ping_workflow(),
                calling("main", "$sourceDescriptions.b.relay", {"me": "$self"}),
            ],
        )
    )
    engine = Engine.load(entry, allow_remote=True)
    assert not [f for f in engine.findings if f.rule == "source-identity"]
    result = engine.run("main")
    assert result.succeeded, result.error
    assert result.outputs == {"me": f"{base}/a.arazzo.yaml"}
    assert [r.path for r in http_server.requests] == [
        "/ids/api.yaml",
        "/ids/b.arazzo.yaml",
        "/v1/ping",
    ]
    # the ping that ran is the entry document's own workflow, reached through b
    assert ("ping", "ping") in [(s.workflow_id, s.step_id) for s in result.steps]


def test_an_identity_is_found_without_remote_loading_being_allowed(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(ping_openapi("http://127.0.0.1:9/v1"))
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(
        arazzo(
            self_uri="https://example.com/flows/main.arazzo.yaml",
            sources=[
                {"name": "me", "url": "https://example.com/flows/main.arazzo.yaml"},
            ],
            workflows=[ping_workflow()],
        )
    )
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(entry)
    # found by identity (no fetch, so no source-remote refusal): it is this same document
    assert [e.rule for e in info.value.errors if e.severity == "error"] == ["source-self"]


def test_a_fetched_document_whose_self_differs_draws_a_located_warning(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve_ping(http_server, "/api.yaml")
    http_server.route(
        "GET",
        "/moved/b.arazzo.yaml",
        Reply(
            200,
            arazzo(
                self_uri=f"{http_server.url}/canonical/b.arazzo.yaml",
                sources=[{"name": "api", "url": f"{http_server.url}/api.yaml"}],
                workflows=[ping_workflow("pong")],
            ),
            content_type=YAML,
        ),
    )
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(
        arazzo(
            sources=[{"name": "b", "url": f"{http_server.url}/moved/b.arazzo.yaml"}],
            workflows=[calling("main", "$sourceDescriptions.b.pong")],
        )
    )
    engine = Engine.load(entry, allow_remote=True)
    (warning,) = [f for f in engine.findings if f.rule == "source-identity"]
    assert warning.severity == "warning"
    assert (warning.file, warning.pointer, warning.line) == (
        str(entry),
        "/sourceDescriptions/0/url",
        7,
    )
    assert f"was read from {http_server.url}/moved/b.arazzo.yaml" in warning.message
    assert f"$self says it is {http_server.url}/canonical/b.arazzo.yaml" in warning.message
    assert engine.run("main").succeeded  # Q11-D1: fetched by location, and it runs


def test_an_openapi_3_2_self_is_an_identity_too(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    described = ping_openapi(f"{http_server.url}/v1").replace("openapi: 3.1.0", "openapi: 3.2.0")
    canonical = f"{http_server.url}/canonical/api.yaml"
    http_server.route(
        "GET", "/api.yaml", Reply(200, f"$self: {canonical}\n{described}", content_type=YAML)
    )
    http_server.route("GET", "/v1/ping", Reply(200, {"ok": True}))
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(
        arazzo(
            sources=[
                {"name": "api", "url": f"{http_server.url}/api.yaml", "type": "openapi"},
                {"name": "same", "url": canonical, "type": "openapi"},
            ],
            workflows=[
                {
                    "workflowId": "both",
                    "steps": [
                        {"stepId": "one", "operationId": "$sourceDescriptions.api.ping"},
                        {"stepId": "two", "operationId": "$sourceDescriptions.same.ping"},
                    ],
                }
            ],
        )
    )
    engine = Engine.load(entry, allow_remote=True)
    assert [f.rule for f in engine.findings if f.rule == "source-identity"] == ["source-identity"]
    assert engine.run("both").succeeded
    assert [r.path for r in http_server.requests] == ["/api.yaml", "/v1/ping", "/v1/ping"]


def test_self_without_a_self_field_is_the_location_with_a_warning(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    serve_ping(http_server, "/api.yaml")
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(
        arazzo(
            sources=[{"name": "api", "url": f"{http_server.url}/api.yaml"}],
            workflows=[ping_workflow(outputs={"me": "$self"})],
        )
    )
    engine = Engine.load(entry, allow_remote=True)
    (warning,) = [f for f in engine.findings if f.rule == "self-base-uri"]
    assert warning.pointer == "/workflows/0/outputs/me"
    result = engine.run("ping")
    assert result.outputs == {"me": entry.resolve().as_uri()}


def test_a_remote_document_cannot_reach_local_files_through_its_self(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route(
        "GET",
        "/b.arazzo.yaml",
        Reply(
            200,
            arazzo(
                self_uri=f"{tmp_path.as_uri()}/b.arazzo.yaml",
                sources=[{"name": "api", "url": "api.yaml", "type": "openapi"}],
                workflows=[ping_workflow("pong")],
            ),
            content_type=YAML,
        ),
    )
    (tmp_path / "api.yaml").write_text(ping_openapi("http://127.0.0.1:9/v1"))
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(
        arazzo(
            sources=[{"name": "b", "url": f"{http_server.url}/b.arazzo.yaml"}],
            workflows=[calling("main", "$sourceDescriptions.b.pong")],
        )
    )
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(entry, allow_remote=True)
    refused = [e for e in info.value.errors if e.rule == "source-scheme"]
    assert len(refused) == 1
    assert "a remote document may only name remote documents" in refused[0].message


@pytest.mark.parametrize(("version", "fetched"), [("1.1.0", False), ("1.0.1", True)])
def test_only_a_1_1_document_finds_its_sources_by_identity(
    tmp_path: Path, http_server: RecordingServer, version: str, fetched: bool
) -> None:
    serve_ping(http_server, "/api.yaml")
    canonical = f"{http_server.url}/canonical/b.arazzo.yaml"
    http_server.route(
        "GET",
        "/b.arazzo.yaml",
        Reply(
            200,
            arazzo(
                self_uri=canonical,
                sources=[{"name": "api", "url": f"{http_server.url}/api.yaml"}],
                workflows=[ping_workflow("pong")],
            ),
            content_type=YAML,
        ),
    )
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(
        arazzo(
            version=version,
            sources=[
                {"name": "b", "url": f"{http_server.url}/b.arazzo.yaml", "type": "arazzo"},
                {"name": "c", "url": canonical, "type": "arazzo"},
            ],
            workflows=[calling("main", "$sourceDescriptions.c.pong")],
        )
    )
    engine = Engine.load(entry, allow_remote=True, strict=False)
    asked = [r.path for r in http_server.requests]
    assert ("/canonical/b.arazzo.yaml" in asked) is fetched
    unreadable = [f for f in engine.findings if f.rule == "source-unreadable"]
    assert bool(unreadable) is fetched  # 1.0: fetched by location, and the server has none
