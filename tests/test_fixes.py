"""Errors name the fix in the interface in use: Engine.load keywords, arazzo flags,
pytest options (arazzo_engine/fixes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine import ArazzoValidationError, ConfigurationError, Engine
from arazzo_engine.fixes import current, fix, option, speaking
from tests.cli_run import arazzo
from tests.http_server import RecordingServer, Reply
from tests.ping import ping_openapi, write_ping_flow

pytest_plugins = ["pytester"]

OPENAPI = ping_openapi("/v1")


def test_each_interface_spells_the_fix_its_own_way() -> None:
    assert fix("allow_remote") == "Engine.load(..., allow_remote=True)"
    assert fix("sources", "api") == "Engine.load(..., sources={'api': PATH})"
    assert option("servers") == "servers="
    with speaking("cli"):
        assert fix("allow_remote") == "--allow-remote"
        assert fix("server_variables", "api", "region") == "--server-var api.region=VALUE"
        assert option("credentials") == "--auth"
        with speaking("pytest"):
            assert fix("servers", "api").startswith("--arazzo-server api=URL")
            assert option("file_folders") == "--arazzo-allow-files"
        assert current() == "cli"
    assert current() == "library"


def test_speaking_is_undone_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), speaking("cli"):
        raise RuntimeError("boom")
    assert current() == "library"


def _remote_flow(tmp_path: Path, server: RecordingServer) -> Path:
    server.route("GET", "/api.yaml", Reply(200, OPENAPI, content_type="application/yaml"))
    server.route("GET", "/v1/ping", Reply(200, {"ok": True}))
    return write_ping_flow(tmp_path, f"{server.url}/api.yaml")


def test_library_callers_are_told_the_keyword(tmp_path: Path, http_server: RecordingServer) -> None:
    with pytest.raises(ArazzoValidationError) as caught:
        Engine.load(_remote_flow(tmp_path, http_server))
    (error,) = [e for e in caught.value.errors if e.rule == "source-remote"]
    assert "allow it with Engine.load(..., allow_remote=True)" in error.message
    assert "Engine.load(..., sources={'api': PATH})" in error.message
    assert "--" not in error.message


def test_command_line_users_are_told_the_flag(tmp_path: Path, http_server: RecordingServer) -> None:
    done = arazzo("validate", str(_remote_flow(tmp_path, http_server)))
    assert done.returncode == 2
    assert "allow it with --allow-remote, or point it elsewhere with --source api=PATH" in (
        done.stderr
    )
    assert "allow_remote" not in done.stderr and "Engine.load" not in done.stderr


def test_command_line_names_the_flag_that_names_nothing(tmp_path: Path) -> None:
    flow = write_ping_flow(tmp_path, "api.yaml")
    (tmp_path / "api.yaml").write_text(OPENAPI)
    done = arazzo("validate", str(flow), "--server", "nope=http://127.0.0.1:9")
    assert done.returncode == 2
    assert "--server names 'nope', which the document does not have" in done.stderr
    with pytest.raises(ConfigurationError, match=r"^servers= names 'nope'"):
        Engine.load(flow, servers={"nope": "http://127.0.0.1:9"})


def test_a_relative_server_names_the_servers_fix_per_interface(tmp_path: Path) -> None:
    flow = write_ping_flow(tmp_path, "api.yaml")
    (tmp_path / "api.yaml").write_text(OPENAPI)
    result = Engine.load(flow).run("ping")
    assert not result.succeeded
    assert "give one with Engine.load(..., servers={'api': URL})" in (result.error or "")
    done = arazzo("run", str(flow), "-w", "ping")
    assert done.returncode == 1
    assert "give one with --server api=URL" in done.stderr and "servers=" not in done.stderr


def test_pytest_users_are_told_the_plugin_option(
    pytester: pytest.Pytester, tmp_path: Path, http_server: RecordingServer
) -> None:
    flow = _remote_flow(tmp_path, http_server)
    refused = pytester.runpytest("--arazzo", str(flow))
    refused.assert_outcomes(failed=1)
    text = refused.stdout.str()
    assert "allow it with --arazzo-allow-remote" in text
    assert "--arazzo-source api=PATH" in text and "allow_remote=True" not in text
    assert http_server.requests == []
    allowed = pytester.runpytest(
        "--arazzo",
        str(flow),
        "--arazzo-allow-remote",
        "--arazzo-server",
        f"api={http_server.url}/v1",
    )
    allowed.assert_outcomes(passed=1)
    assert [r.path for r in http_server.requests] == ["/api.yaml", "/v1/ping"]


def test_the_pytest_ini_option_allows_remote_sources(
    pytester: pytest.Pytester, tmp_path: Path, http_server: RecordingServer
) -> None:
    flow = _remote_flow(pytester.path, http_server)  # the ini file is found above it
    pytester.makeini("[pytest]\narazzo_allow_remote = true\n")
    result = pytester.runpytest("--arazzo", str(flow))
    result.assert_outcomes(passed=1)
    assert [r.path for r in http_server.requests] == ["/api.yaml", "/v1/ping"]


def test_pytest_allow_files_lets_a_file_marker_read_another_folder(
    pytester: pytest.Pytester, tmp_path: Path, http_server: RecordingServer
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "note.txt").write_text("hello")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: up, version: '1'}\n"
        f"servers: [{{url: '{http_server.url}'}}]\n"
        "paths:\n  /upload:\n    post:\n      operationId: upload\n"
        "      requestBody: {content: {application/octet-stream: {}}}\n"
        "      responses: {'200': {description: ok}}\n"
    )
    (docs / "flow.arazzo.yaml").write_text(
        "arazzo: 1.0.1\ninfo: {title: up, version: '1'}\n"
        "sourceDescriptions: [{name: api, url: api.yaml, type: openapi}]\n"
        "workflows:\n- workflowId: send\n  steps:\n  - stepId: send\n    operationId: upload\n"
        "    requestBody:\n      contentType: application/octet-stream\n"
        f"      payload: {{$file: '{outside / 'note.txt'}'}}\n"
        "    successCriteria: [{condition: $statusCode == 200}]\n"
    )
    http_server.answer_ok("POST /upload")
    refused = pytester.runpytest("--arazzo", str(docs))
    refused.assert_outcomes(failed=1)
    assert "allow another folder with --arazzo-allow-files DIR" in refused.stdout.str()
    allowed = pytester.runpytest("--arazzo", str(docs), "--arazzo-allow-files", str(outside))
    allowed.assert_outcomes(passed=1)
    assert [r.body for r in http_server.requests] == [b"hello"]
