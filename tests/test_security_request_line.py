"""The URL built is the URL sent: request lines recorded byte for byte by a raw socket server.

Values a workflow sends (inputs here; a hostile server's answers in real life)
must stay data: a path value ``..`` never becomes a dot-segment the server
resolves, a value never adds a query parameter, a server variable never moves
requests to another host, a header value never adds a header.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import ConfigurationError, Engine, HttpResponse, MockTransport, RunResult
from tests.raw_server import RawServer

OK = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
    b"Connection: close\r\n\r\n{}"
)


class RawHeadServer(RawServer):
    """Keeps each request's head exactly as its bytes arrived (``heads``, ``lines``).

    ``answer(head)`` gives the whole response (default: 200 and ``{}``); every
    connection is closed after one exchange, and answers say ``Connection: close``
    so that the client never reuses one the server is closing.
    """

    def __init__(self, answer: Callable[[bytes], bytes] | None = None) -> None:
        respond = answer or (lambda head: OK)
        super().__init__(lambda head: [respond(head)])

    @property
    def heads(self) -> list[bytes]:
        return self.requests

    @property
    def lines(self) -> list[bytes]:
        """The request lines, without CRLF."""
        return [head.split(b"\r\n", 1)[0] for head in self.heads]


@pytest.fixture
def raw_server() -> Iterator[RawHeadServer]:
    with RawHeadServer() as server:
        yield server


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "users", "version": "1"},
    "servers": [
        {
            "url": "http://{host}/{base}",
            "variables": {"host": {"default": "127.0.0.1:9"}, "base": {"default": "api"}},
        }
    ],
    "paths": {
        "/users/{id}/profile": {
            "get": {
                "operationId": "profile",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                    {"name": "r", "in": "query", "allowReserved": True, "schema": {}},
                    {"name": "X-Note", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/files/{key}": {
            "get": {
                "operationId": "file",
                "parameters": [
                    {
                        "name": "key",
                        "in": "path",
                        "required": True,
                        "allowReserved": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/upload": {
            "post": {
                "operationId": "upload",
                "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/forms": {
            "post": {
                "operationId": "form",
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {"type": "object"},
                            "encoding": {"note": {"allowReserved": True}},
                        }
                    }
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


def _step(step_id: str, operation: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "stepId": step_id,
        "operationId": operation,
        "parameters": parameters,
        "successCriteria": [{"condition": "$statusCode == 200"}],
    }


ARAZZO: dict[str, Any] = {
    "arazzo": "1.0.1",
    "info": {"title": "request lines", "version": "1"},
    "sourceDescriptions": [{"name": "api", "url": "api.openapi.json", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "profile",
            "inputs": {"type": "object"},
            "steps": [
                _step(
                    "get",
                    "profile",
                    [
                        {"name": "id", "in": "path", "value": "$inputs.id"},
                        {"name": "q", "in": "query", "value": "$inputs.q"},
                        {"name": "r", "in": "query", "value": "$inputs.r"},
                        {"name": "X-Note", "in": "header", "value": "$inputs.note"},
                    ],
                )
            ],
        },
        {
            "workflowId": "file",
            "inputs": {"type": "object"},
            "steps": [
                _step("get", "file", [{"name": "key", "in": "path", "value": "$inputs.key"}])
            ],
        },
        {
            "workflowId": "form",
            "inputs": {"type": "object"},
            "steps": [
                {
                    "stepId": "post",
                    "operationId": "form",
                    "requestBody": {
                        "contentType": "application/x-www-form-urlencoded",
                        "payload": {"note": "$inputs.note", "plain": "$inputs.note"},
                    },
                }
            ],
        },
    ],
}


def _upload(note: Path) -> dict[str, Any]:
    """A multipart upload of ``note`` whose part media type is an input."""
    marker = {"$file": str(note), "contentType": "$inputs.ct"}
    return {
        "workflowId": "upload",
        "inputs": {"type": "object"},
        "steps": [
            {
                "stepId": "post",
                "operationId": "upload",
                "requestBody": {"contentType": "multipart/form-data", "payload": {"doc": marker}},
            }
        ],
    }


@pytest.fixture
def document(tmp_path: Path) -> Path:
    (tmp_path / "api.openapi.json").write_text(json.dumps(OPENAPI), encoding="utf-8")
    note = tmp_path / "note.txt"
    note.write_text("hello", encoding="utf-8")
    arazzo = {**ARAZZO, "workflows": [*ARAZZO["workflows"], _upload(note)]}
    path = tmp_path / "lines.arazzo.json"
    path.write_text(json.dumps(arazzo), encoding="utf-8")
    return path


def _run(
    document: Path, server: RawHeadServer, workflow: str, inputs: dict[str, Any], **options: Any
) -> RunResult:
    with Engine.load(document, servers={"api": server.url + "/api"}, **options) as engine:
        return engine.run(workflow, inputs)


def _target(result: RunResult) -> bytes:
    """The request target of the URL the step built (path and query)."""
    request = result.steps[-1].request
    assert request is not None
    url = request.url
    start = url.index("/", len("http://"))
    return url[start:].encode("ascii")


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("..", "/api/users/%2E%2E/profile"),
        (".", "/api/users/%2E/profile"),
        ("%2E%2E", "/api/users/%252E%252E/profile"),
        ("a/../b", "/api/users/a%2F..%2Fb/profile"),
    ],
)
def test_a_dot_segment_value_reaches_the_server_encoded(
    document: Path, raw_server: RawHeadServer, value: str, sent: str
) -> None:
    result = _run(document, raw_server, "profile", {"id": value})
    assert result.succeeded, result.error
    assert raw_server.lines == [f"GET {sent} HTTP/1.1".encode("ascii")]


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"id": "..", "q": "..", "r": "%2e%2E/../x"}, None),
        ({"id": "~a_b-c.d", "q": "~", "r": "%41%7e"}, b"/api/users/~a_b-c.d/profile?q=~&r=%41%7E"),
        ({"id": "caf\u00e9 \u2603", "q": "\u00e9 &"}, None),
        ({"id": "a?b#c", "q": "x#y", "r": "a#b[c]"}, None),
        (
            {"id": "%2F%3F", "q": "%26", "r": "%2F%3F"},
            b"/api/users/%252F%253F/profile?q=%2526&r=%2F%3F",
        ),
    ],
)
def test_the_request_target_is_the_url_as_built(
    document: Path, raw_server: RawHeadServer, inputs: dict[str, Any], expected: bytes | None
) -> None:
    result = _run(document, raw_server, "profile", inputs)
    assert result.succeeded, result.error
    built = _target(result)
    if expected is not None:
        assert built == expected
    assert raw_server.lines == [b"GET " + built + b" HTTP/1.1"]


def test_path_allow_reserved_keeps_only_the_slash(
    document: Path, raw_server: RawHeadServer
) -> None:
    cases = {
        "x?admin=true": b"/api/users/x%3Fadmin%3Dtrue/profile",
        "x#frag": b"/api/users/x%23frag/profile",
        "100%": b"/api/users/100%25/profile",
        "a%2Fb": b"/api/users/a%252Fb/profile",
        "fal-ai/flux/schnell": b"/api/users/fal-ai/flux/schnell/profile",
        "../../admin": b"/api/users/%2E%2E/%2E%2E/admin/profile",
        "a;b=c&d": b"/api/users/a%3Bb%3Dc%26d/profile",
    }
    for value in cases:
        result = _run(document, raw_server, "profile", {"id": value}, path_allow_reserved=["api"])
        assert result.succeeded, result.error
    assert raw_server.lines == [b"GET " + target + b" HTTP/1.1" for target in cases.values()]


def test_a_path_parameter_with_allow_reserved_never_keeps_slash_query_or_fragment(
    document: Path, raw_server: RawHeadServer
) -> None:
    result = _run(document, raw_server, "file", {"key": "a:b@c/d?e=f#g%2f"})
    assert result.succeeded, result.error
    assert raw_server.lines == [b"GET /api/files/a:b@c%2Fd%3Fe=f%23g%2F HTTP/1.1"]


def test_allow_reserved_query_values_cannot_add_a_parameter(
    document: Path, raw_server: RawHeadServer
) -> None:
    result = _run(document, raw_server, "profile", {"id": "u", "r": "a/b?c&admin=true+x#y"})
    assert result.succeeded, result.error
    assert raw_server.lines == [b"GET /api/users/u/profile?r=a/b?c%26admin%3Dtrue%2Bx%23y HTTP/1.1"]


def test_allow_reserved_form_fields_cannot_add_a_field(
    document: Path, raw_server: RawHeadServer
) -> None:
    result = _run(document, raw_server, "form", {"note": "a/b&admin=true"})
    assert result.succeeded, result.error
    request = result.steps[0].request
    assert request is not None
    assert request.body == b"note=a/b%26admin%3Dtrue&plain=a%2Fb%26admin%3Dtrue"


def test_a_redirect_target_is_sent_as_the_server_wrote_it(document: Path) -> None:
    def answer(head: bytes) -> bytes:
        if head.startswith(b"GET /api/users/u/profile "):
            return (
                b"HTTP/1.1 302 Found\r\nLocation: /api/users/%2E%2E/next?x=%2E\r\n"
                b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
        return OK

    with RawHeadServer(answer) as server:
        result = _run(document, server, "profile", {"id": "u"})
        assert result.succeeded, result.error
    assert server.lines == [
        b"GET /api/users/u/profile HTTP/1.1",
        b"GET /api/users/%2E%2E/next?x=%2E HTTP/1.1",
    ]


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("base", "api?admin=true", "'?'"),
        ("base", "api#", "'#'"),
        ("base", "a b", "' '"),
        ("host", "evil.example/", "'/'"),
        ("host", "evil.example@127.0.0.1", "'@'"),
    ],
)
def test_a_server_variable_cannot_change_where_requests_go(
    document: Path, variable: str, value: str, why: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Engine.load(document, server_variables={"api": {variable: value}})
    message = str(raised.value)
    assert f"variable '{variable}' of source 'api'" in message
    assert f"holds {why}" in message and "would change where requests go" in message


def test_server_variables_that_fill_their_place_are_sent(
    document: Path, raw_server: RawHeadServer
) -> None:
    host = raw_server.url.removeprefix("http://")
    variables = {"api": {"host": host, "base": "v1/beta"}}
    with Engine.load(document, server_variables=variables) as engine:
        result = engine.run("profile", {"id": "u"})
    assert result.succeeded, result.error
    assert raw_server.lines == [b"GET /v1/beta/users/u/profile HTTP/1.1"]


def test_a_header_value_with_a_line_break_is_never_sent(
    document: Path, raw_server: RawHeadServer
) -> None:
    result = _run(document, raw_server, "profile", {"id": "u", "note": "a\r\nX-Admin: true"})
    assert not result.succeeded
    assert result.error is not None and "'X-Note'" in result.error
    assert "X-Admin" not in result.error
    assert raw_server.heads == []


def test_a_header_value_with_a_line_break_never_reaches_any_transport(document: Path) -> None:
    transport = MockTransport(lambda request: HttpResponse(200, json={}))
    with Engine.load(document, servers={"api": "http://api.test"}, transport=transport) as engine:
        result = engine.run("profile", {"id": "u", "note": "a\nX-Admin: true"})
    assert not result.succeeded and result.error is not None
    assert "request header 'X-Note' cannot be sent" in result.error
    assert "(GET /users/{id}/profile)" in result.error
    assert "line break" in result.error and "X-Admin" not in result.error
    assert transport.requests == []


def test_a_multipart_part_type_with_a_line_break_adds_no_header(
    document: Path, raw_server: RawHeadServer
) -> None:
    sane = _run(document, raw_server, "upload", {"ct": "text/plain"})
    assert sane.succeeded, sane.error
    request = sane.steps[0].request
    assert request is not None and request.body is not None
    assert b"Content-Type: text/plain\r\n\r\nhello" in request.body
    result = _run(document, raw_server, "upload", {"ct": "text/plain\r\nX-Admin: true"})
    assert not result.succeeded and result.error is not None
    assert "multipart part 'doc'" in result.error and "line break" in result.error
    assert len(raw_server.heads) == 1
