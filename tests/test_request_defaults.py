"""Schema defaults are the server's: only what a step gives goes on the wire.

A parameter's schema ``default`` says what the server assumes when the client
sends nothing, so a declared parameter the step does not list (or gives as
``null``) is left out of the request, in every location.  A real local
server records the request line, headers and cookies as they arrived.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine
from tests.http_server import Received, RecordingServer, Reply

STATUS_PATH = "/{owner}/{model}/requests/{request_id}/status"

OPENAPI3: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "queue", "version": "1"},
    "paths": {
        STATUS_PATH: {
            "parameters": [
                {"name": "owner", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "X-Trace", "in": "header", "schema": {"type": "string", "default": "t"}},
            ],
            "get": {
                "operationId": "getStatus",
                "parameters": [
                    {
                        "name": "model",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "default": "any-llm"},
                    },
                    {
                        "name": "request_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "logs",
                        "in": "query",
                        "schema": {"type": "integer", "enum": [0, 1], "default": 0},
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer", "default": 1},
                    },
                    {
                        "name": "X-Priority",
                        "in": "header",
                        "schema": {"type": "string", "default": "low"},
                    },
                    {"name": "theme", "in": "cookie", "schema": {"type": "string", "default": "x"}},
                    {"name": "seen", "in": "query", "schema": {"type": "string", "default": None}},
                ],
                "responses": {"200": {"description": "where the job stands"}},
            },
        }
    },
}

SWAGGER2: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "queue", "version": "1"},
    "paths": {
        "/{owner}/{model}/requests/{request_id}/status": {
            "get": {
                "operationId": "getStatus",
                "parameters": [
                    {"name": "owner", "in": "path", "required": True, "type": "string"},
                    {
                        "name": "model",
                        "in": "path",
                        "required": True,
                        "type": "string",
                        "default": "any-llm",
                    },
                    {"name": "request_id", "in": "path", "required": True, "type": "string"},
                    {"name": "logs", "in": "query", "type": "integer", "default": 0},
                    {"name": "page", "in": "query", "required": True, "type": "integer"},
                    {"name": "X-Priority", "in": "header", "type": "string", "default": "low"},
                ],
                "responses": {"200": {"description": "where the job stands"}},
            }
        }
    },
}

INPUTS: dict[str, Any] = {
    "type": "object",
    "properties": {
        name: {}
        for name in ("owner", "model", "requestId", "logs", "page", "priority", "theme", "trace")
    },
}


def _given(*names: str) -> list[dict[str, str]]:
    where = {
        "owner": ("owner", "path"),
        "model": ("model", "path"),
        "requestId": ("request_id", "path"),
        "logs": ("logs", "query"),
        "page": ("page", "query"),
        "priority": ("X-Priority", "header"),
        "theme": ("theme", "cookie"),
        "trace": ("X-Trace", "header"),
    }
    return [
        {"name": where[n][0], "in": where[n][1], "value": f"$inputs.{n}"}
        for n in ("owner", "model", "requestId", *names)
    ]


def _engine(folder: Path, server: RecordingServer, api: dict[str, Any], *given: str) -> Engine:
    (folder / "queue.openapi.json").write_text(json.dumps(api))
    flow = {
        "arazzo": "1.0.1",
        "info": {"title": "defaults", "version": "1"},
        "sourceDescriptions": [{"name": "queue", "url": "queue.openapi.json", "type": "openapi"}],
        "workflows": [
            {
                "workflowId": "status",
                "inputs": INPUTS,
                "steps": [
                    {
                        "stepId": "poll",
                        "operationId": "getStatus",
                        "parameters": _given(*given),
                        "successCriteria": [{"condition": "$statusCode == 200"}],
                    }
                ],
            }
        ],
    }
    path = folder / "flow.arazzo.json"
    path.write_text(json.dumps(flow))
    return Engine.load(path, servers={"queue": server.url})


def _sent(server: RecordingServer, engine: Engine, inputs: dict[str, Any]) -> Received:
    server.route("GET", "/fal-ai/any-llm/requests/r-1/status", Reply(200, {}))
    result = engine.run(
        "status", {"owner": "fal-ai", "model": "any-llm", "requestId": "r-1", **inputs}
    )
    assert result.succeeded, result.error
    (request,) = server.requests
    return request


@pytest.mark.parametrize("api", [OPENAPI3, SWAGGER2], ids=["openapi-3.1", "swagger-2.0"])
def test_a_parameter_the_step_does_not_list_is_not_sent(
    tmp_path: Path, http_server: RecordingServer, api: dict[str, Any]
) -> None:
    engine = _engine(tmp_path, http_server, api)
    request = _sent(http_server, engine, {})
    assert request.request_line == "GET /fal-ai/any-llm/requests/r-1/status HTTP/1.1"
    for header in ("X-Priority", "X-Trace", "Cookie"):
        assert request.header(header) is None, header


def test_a_listed_parameter_whose_value_is_null_is_not_sent(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    # Every parameter is listed; the inputs leave them out, so each value is null.
    engine = _engine(tmp_path, http_server, OPENAPI3, "logs", "page", "priority", "theme", "trace")
    request = _sent(http_server, engine, {})
    assert request.request_line == "GET /fal-ai/any-llm/requests/r-1/status HTTP/1.1"
    for header in ("X-Priority", "X-Trace", "Cookie"):
        assert request.header(header) is None, header


def test_what_the_step_gives_is_sent_as_given(tmp_path: Path, http_server: RecordingServer) -> None:
    engine = _engine(tmp_path, http_server, OPENAPI3, "logs", "page", "priority", "theme", "trace")
    # The value equal to the default is still sent: the step asked for it.
    inputs = {"logs": 0, "page": 2, "priority": "high", "theme": "dark", "trace": "t"}
    request = _sent(http_server, engine, inputs)
    assert request.request_line == "GET /fal-ai/any-llm/requests/r-1/status?logs=0&page=2 HTTP/1.1"
    assert request.header("X-Priority") == "high"
    assert request.header("X-Trace") == "t"
    assert request.header("Cookie") == "theme=dark"


@pytest.mark.parametrize("api", [OPENAPI3, SWAGGER2], ids=["openapi-3.1", "swagger-2.0"])
def test_a_null_path_value_fails_the_step_before_sending(
    tmp_path: Path, http_server: RecordingServer, api: dict[str, Any]
) -> None:
    engine = _engine(tmp_path, http_server, api)
    result = engine.run("status", {"owner": "fal-ai", "requestId": "r-1"})
    assert not result.succeeded
    assert result.error == (
        "step 'poll' of workflow 'status': path parameter 'model' of GET "
        f"{STATUS_PATH} has no value: the step gives none, or its value is null; its schema "
        "default 'any-llm' is not sent in its place, as a default says what the server "
        "assumes when a value is left out and a path cannot leave one out; give it in the "
        "step's parameters ('- name: model' with 'in: path' and a 'value' that is not null)"
    )
    assert http_server.requests == []


def test_a_null_path_value_without_a_default_says_so_plainly(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    engine = _engine(tmp_path, http_server, OPENAPI3)
    result = engine.run("status", {"owner": "fal-ai", "model": "any-llm"})
    assert not result.succeeded and result.error is not None
    assert "path parameter 'request_id' of GET" in result.error
    assert "schema default" not in result.error
    assert "'- name: request_id' with 'in: path'" in result.error
    assert http_server.requests == []


def test_fal_get_request_status_sends_no_logs_unless_asked(
    tmp_path: Path, http_server: RecordingServer
) -> None:
    # The shape of fal's getRequestStatus: logs is an optional integer query parameter.
    engine = _engine(tmp_path, http_server, OPENAPI3, "logs")
    assert "logs" not in _sent(http_server, engine, {}).raw_query
    http_server.reset()
    assert _sent(http_server, engine, {"logs": 1}).raw_query == "logs=1"
