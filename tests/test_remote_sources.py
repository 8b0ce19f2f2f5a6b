"""Remote source descriptions: refused by default, fetched within bounds when allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine import ArazzoValidationError, Engine
from arazzo_engine.sources import remote
from tests.cli_run import arazzo
from tests.http_server import RecordingServer, Reply
from tests.ping import ping_openapi, write_ping_flow

OPENAPI = ping_openapi("/v1")


def test_remote_source_is_refused_without_allow_remote(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route("GET", "/api.yaml", Reply(200, OPENAPI, content_type="application/yaml"))
    with pytest.raises(ArazzoValidationError, match="allow_remote=True") as info:
        Engine.load(write_ping_flow(tmp_path, f"{http_server.url}/api.yaml"))
    assert [e.rule for e in info.value.errors if e.severity == "error"] == ["source-remote"]
    assert http_server.requests == []


def test_the_command_line_fetches_remote_sources_only_with_allow_remote(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route("GET", "/api.yaml", Reply(200, OPENAPI, content_type="application/yaml"))
    http_server.route("GET", "/v1/ping", Reply(200, {"ok": True}))
    flow = str(write_ping_flow(tmp_path, f"{http_server.url}/api.yaml"))
    for command in (["validate", flow], ["list", flow], ["run", flow, "-w", "ping"]):
        refused = arazzo(*command)
        assert refused.returncode == 2, refused.stderr
        # The fix is named in the interface the user is in.
        assert "--allow-remote" in refused.stdout + refused.stderr
    assert http_server.requests == []
    for command in (["validate", flow], ["list", flow], ["run", flow, "-w", "ping"]):
        allowed = arazzo(*command, "--allow-remote")
        assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert [r.path for r in http_server.requests] == ["/api.yaml"] * 3 + ["/v1/ping"]


def test_allowed_remote_source_is_fetched_and_its_relative_server_resolved(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    http_server.route("GET", "/api.yaml", Reply(200, OPENAPI, content_type="application/yaml"))
    http_server.route("GET", "/v1/ping", Reply(200, {"ok": True}))
    engine = Engine.load(
        write_ping_flow(tmp_path, f"{http_server.url}/api.yaml"), allow_remote=True
    )
    result = engine.run("ping")
    assert result.succeeded, result.error
    assert [r.path for r in http_server.requests] == ["/api.yaml", "/v1/ping"]


def test_remote_source_larger_than_the_limit_is_refused(
    tmp_path: Path, http_server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "MAX_REMOTE_BYTES", 100)
    http_server.route("GET", "/api.yaml", Reply(200, OPENAPI, content_type="application/yaml"))
    with pytest.raises(ArazzoValidationError, match="limited to 100 bytes"):
        Engine.load(write_ping_flow(tmp_path, f"{http_server.url}/api.yaml"), allow_remote=True)


def test_remote_source_answering_an_error_is_named(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    url = f"{http_server.url}/missing.yaml"
    with pytest.raises(ArazzoValidationError, match="answered HTTP 404") as info:
        Engine.load(write_ping_flow(tmp_path, url), allow_remote=True)
    assert url in str(info.value)
