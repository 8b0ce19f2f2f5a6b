"""Server selection and server variables, against a real local server.

The description's servers point at ``http://{host}:{port}/...``; each test fills
``port`` with the local server's, so a request arriving at all proves the
variable was applied.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from arazzo_engine import ConfigurationError, Engine
from arazzo_engine.cli import main
from arazzo_engine.load.reader import read_document
from arazzo_engine.sources.openapi.index import build_operation_index
from arazzo_engine.sources.openapi.servers import BaseUrls, server_base_url
from arazzo_engine.sources.openapi.shapes import ServerSpec
from arazzo_engine.sources.reading import LoadedSource
from tests.http_server import RecordingServer

FIDELITY = Path(__file__).parent / "workflows" / "fidelity"
SERVERS = FIDELITY / "servers.arazzo.yaml"


@pytest.fixture
def fresh(http_server: RecordingServer) -> RecordingServer:
    """The module's server answering 200 on every path a server choice can lead to."""
    http_server.answer_ok(
        "GET /doc/v1/a",
        "GET /doc/v2/a",
        "GET /path-level/b",
        "POST /op-level/b",
        "GET /override/a",
        "GET /override/b",
        "POST /override/b",
        "GET /v2/a",
        "GET /v1/a",
        "GET /v1/b",
        "POST /v1/b",
        "GET /v2/b",
        "POST /v2/b",
    )
    return http_server


def port(server: RecordingServer) -> str:
    return str(urlsplit(server.url).port)


def sent(server: RecordingServer) -> list[str]:
    return [f"{r.method} {r.raw_path}" for r in server.requests]


def test_operation_then_path_then_document_servers(fresh: RecordingServer) -> None:
    engine = Engine.load(SERVERS, server_variables={"api": {"port": port(fresh)}})
    result = engine.run("all")
    assert result.succeeded, result.error
    assert sent(fresh) == ["GET /doc/v1/a", "GET /path-level/b", "POST /op-level/b"]


def test_a_variable_set_within_its_enum(fresh: RecordingServer) -> None:
    variables = {"api": {"port": port(fresh), "version": "v2", "host": "127.0.0.1"}}
    result = Engine.load(SERVERS, server_variables=variables).run("all")
    assert result.succeeded, result.error
    assert sent(fresh)[0] == "GET /doc/v2/a"


def test_a_value_outside_the_enum_is_a_load_error(fresh: RecordingServer) -> None:
    with pytest.raises(ConfigurationError) as info:
        Engine.load(SERVERS, server_variables={"api": {"port": port(fresh), "version": "v3"}})
    message = str(info.value)
    assert "'v3'" in message and "'version'" in message and "'v1', 'v2'" in message


def test_an_unknown_variable_is_a_load_error() -> None:
    with pytest.raises(ConfigurationError, match=r"'region'.*'host', 'port', 'version'"):
        Engine.load(SERVERS, server_variables={"api": {"region": "eu"}})


def test_an_unknown_source_is_a_load_error() -> None:
    with pytest.raises(ConfigurationError, match=r"server_variables= names 'nope'.*'api'"):
        Engine.load(SERVERS, server_variables={"nope": {"port": "1"}})


def test_the_defaults_alone_miss_the_local_server(fresh: RecordingServer) -> None:
    result = Engine.load(SERVERS, timeout=2).run("all")
    assert not result.succeeded
    assert result.error is not None and "http://127.0.0.1:9/doc/v1/a" in result.error
    assert fresh.requests == []


def test_a_servers_override_replaces_the_whole_url(fresh: RecordingServer) -> None:
    engine = Engine.load(SERVERS, servers={"api": fresh.url + "/override/"})
    assert engine.run("all").succeeded
    assert sent(fresh) == ["GET /override/a", "GET /override/b", "POST /override/b"]


def test_variables_left_in_a_servers_override_are_filled(fresh: RecordingServer) -> None:
    engine = Engine.load(
        SERVERS,
        servers={"api": fresh.url + "/{version}"},
        server_variables={"api": {"version": "v2"}},
    )
    assert engine.run("all").succeeded
    assert sent(fresh) == ["GET /v2/a", "GET /v2/b", "POST /v2/b"]


def test_an_override_variable_without_a_value_is_a_load_error(fresh: RecordingServer) -> None:
    # The document's server lends its default (v1); the path-level server has no `version`.
    with pytest.raises(ConfigurationError, match=r"\{version\}.*path-level"):
        Engine.load(SERVERS, servers={"api": fresh.url + "/{version}"})


def test_cli_server_var(fresh: RecordingServer) -> None:
    out = io.StringIO()
    code = main(
        [
            "run",
            str(SERVERS),
            "-w",
            "all",
            "--json",
            "--server-var",
            f"api.port={port(fresh)}",
            "--server-var",
            "api.version=v2",
        ],
        out=out,
    )
    assert code == 0, out.getvalue()
    assert sent(fresh) == ["GET /doc/v2/a", "GET /path-level/b", "POST /op-level/b"]


def test_cli_server_var_needs_source_dot_name(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(SERVERS), "-w", "all", "--server-var", "port=1"], out=io.StringIO())
    assert code == 2
    assert "SOURCE.VAR=VALUE" in capsys.readouterr().err


def test_relative_server_resolved_against_a_description_url() -> None:
    spec = ServerSpec("/v1/", {})
    where = "https://api.example.com/specs/openapi.yaml"
    assert server_base_url(spec, location=where) == "https://api.example.com/v1"
    assert (
        server_base_url(ServerSpec("v2", {}), location=where) == "https://api.example.com/specs/v2"
    )
    assert server_base_url(ServerSpec("//cdn.example.com/x", {}), location=where) == (
        "https://cdn.example.com/x"
    )
    # A description read from a file: a relative URL stays unknown.
    assert server_base_url(spec, location="/home/me/openapi.yaml") is None


def test_relative_servers_of_an_index_loaded_from_a_url(tmp_path: Path) -> None:
    description = tmp_path / "api.yaml"
    description.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: '/{stage}/api', "
        "variables: {stage: {default: prod}}}]\npaths:\n  /x:\n    get:\n"
        "      responses: {'200': {description: ok}}\n"
    )
    document = read_document(description)
    source = LoadedSource("api", "openapi", str(description), str(description), document)
    remote = replace(source, location="http://127.0.0.1:8000/specs/api.yaml")
    assert (
        BaseUrls({"api": build_operation_index(source)}, {}, {}).get(("api", "/paths/~1x/get"))
        is None
    )
    bases = BaseUrls({"api": build_operation_index(remote)}, {}, {"api": {"stage": "dev"}})
    assert bases[("api", "/paths/~1x/get")] == "http://127.0.0.1:8000/dev/api"
