"""MockTransport: workflows run from a handler function, with no socket opened at all.

The ``no_network`` fixture makes every socket creation raise for the test's
duration, so a test that passes under it proves nothing went over the network.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from arazzo_engine import (
    ArazzoValidationError,
    ConfigurationError,
    Engine,
    HttpRequest,
    HttpResponse,
    MockTransport,
    StreamError,
    TransportError,
)
from arazzo_engine.events import Event, StreamEnded, StreamEvent
from tests.conftest import FAL_WORKFLOW
from tests.ping import ping_openapi, write_ping_flow

FAL_INPUTS = {"modelOwner": "fal-ai", "modelName": "any-llm", "input": {"prompt": "hi"}}
FAL_URL = "https://queue.fal.run/fal-ai/any-llm/stream"
SECURITY = Path(__file__).parent / "workflows" / "fidelity" / "security.arazzo.yaml"


class NetworkUsed(AssertionError):
    """A socket was created while the test forbade it."""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NetworkUsed(f"a socket was opened: {args!r}")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "socketpair", refuse)


def test_the_guard_refuses_sockets(no_network: None) -> None:
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(NetworkUsed):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


# -- the fal stream-inference workflow -------------------------------------------------------


def sse(event: str, data: object) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def test_fal_stream_inference_runs_with_no_socket_and_streams_chunk_by_chunk(
    no_network: None,
) -> None:
    produced: list[str] = []
    seen: list[Event] = []

    def body() -> Iterator[bytes]:
        produced.append("first")
        yield sse("progress", {"step": 1})
        # Produced only when the engine asks for more, i.e. after event 1 was read.
        produced.append("second")
        yield sse("progress", {"step": 2})[:9]  # half an event...
        yield sse("progress", {"step": 2})[9:]  # ...and its other half
        produced.append("third")
        yield sse("output", {"output": "done"})

    def handler(request: HttpRequest) -> HttpResponse:
        assert (request.method, request.url) == ("POST", FAL_URL)
        assert request.headers["Authorization"] == "Key k"
        assert json.loads(request.body or b"") == {"prompt": "hi"}
        return HttpResponse(200, {"Content-Type": "text/event-stream"}, content=body())

    transport = MockTransport(handler)
    engine = Engine.load(FAL_WORKFLOW, credentials={"FalKeyAuth": "Key k"}, transport=transport)
    with engine.run("stream-inference", FAL_INPUTS, on_event=seen.append) as result:
        assert result.succeeded, result.error
        assert result.outputs == {"statusCode": 200}
        response = result.steps[0].response
        assert response is not None and response.is_stream
        assert produced == []  # judged on the headers: not a byte read yet
        events = response.events()
        first = next(events)
        assert first.event == "progress" and first.json() == {"step": 1}
        assert produced == ["first"]
        streamed = [e for e in seen if isinstance(e, StreamEvent)]
        assert [e.index for e in streamed] == [0]
        assert not any(isinstance(e, StreamEnded) for e in seen)
        rest = list(events)
    assert [e.json() for e in rest] == [{"step": 2}, {"output": "done"}]
    assert produced == ["first", "second", "third"]
    assert [e.event.event for e in seen if isinstance(e, StreamEvent)] == [
        "progress",
        "progress",
        "output",
    ]
    (ended,) = [e for e in seen if isinstance(e, StreamEnded)]
    assert (ended.count, ended.error) == (3, None)
    assert [r.url for r in transport.requests] == [FAL_URL]


def test_an_sse_body_given_as_bytes_is_still_an_open_stream(no_network: None) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        chunks = sse("progress", {"step": 1}) + sse("output", {})
        return HttpResponse(200, {"content-type": "text/event-stream"}, content=chunks)

    engine = Engine.load(FAL_WORKFLOW, transport=MockTransport(handler))
    with engine.run("stream-inference", FAL_INPUTS) as result:
        response = result.steps[0].response
        assert response is not None and response.is_stream
        assert [e.event for e in response.events()] == ["progress", "output"]


def test_a_chunk_iterable_that_raises_breaks_the_stream_with_its_reason(
    no_network: None,
) -> None:
    def body() -> Iterator[bytes]:
        yield sse("progress", {"step": 1})
        yield b"event: progress\ndata: {"
        raise ConnectionResetError("peer went away")

    def handler(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, {"Content-Type": "text/event-stream"}, content=body())

    engine = Engine.load(FAL_WORKFLOW, transport=MockTransport(handler))
    with engine.run("stream-inference", FAL_INPUTS) as result:
        response = result.steps[0].response
        assert response is not None
        events = response.events()
        assert next(events).event == "progress"
        with pytest.raises(StreamError) as info:
            next(events)
    assert str(info.value) == (
        "the event stream from https://queue.fal.run/fal-ai/any-llm/stream broke in the "
        "middle of an event (the partial event was discarded): the body's chunk iterable "
        "raised ConnectionResetError: peer went away"
    )


# -- plain bodies and failures ---------------------------------------------------------------


OPENAPI = ping_openapi("http://api.test/v1")


def document(tmp_path: Path, url: str = "api.openapi.yaml") -> Path:
    (tmp_path / "api.openapi.yaml").write_text(OPENAPI)
    return write_ping_flow(
        tmp_path,
        url,
        criteria=("$statusCode == 200", "$response.body#/status == 'ok'"),
        step_outputs={"items": "$response.body#/items", "header": "$response.header.x-served-by"},
        outputs={"items": "$steps.ping.outputs.items"},
    )


def ping(tmp_path: Path, handler: Any, **options: Any) -> Any:
    engine = Engine.load(document(tmp_path), transport=MockTransport(handler, **options))
    return engine.run("ping")


def test_a_json_body_is_judged_and_read_into_outputs(tmp_path: Path, no_network: None) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        assert (request.method, request.url) == ("GET", "http://api.test/v1/ping")
        return HttpResponse(
            200, {"X-Served-By": "mock"}, json={"status": "ok", "items": [1, None, "x"]}
        )

    result = ping(tmp_path, handler)
    assert result.succeeded, result.error
    assert result.outputs == {"items": [1, None, "x"]}
    step = result.steps[0]
    assert step.outputs == {"items": [1, None, "x"], "header": "mock"}
    assert step.response is not None and not step.response.is_stream
    assert step.response.content_type == "application/json"
    assert step.response.url == "http://api.test/v1/ping"


def test_a_json_body_given_as_chunks_is_read_whole(tmp_path: Path, no_network: None) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        parts = [b'{"status": ', b'"ok", "items": []}']
        return HttpResponse(200, {"Content-Type": "application/json"}, content=iter(parts))

    result = ping(tmp_path, handler)
    assert result.succeeded, result.error
    response = result.steps[0].response
    assert response is not None and not response.is_stream
    assert response.content == b'{"status": "ok", "items": []}'


def test_a_transport_error_from_the_handler_fails_the_step_with_its_message(
    tmp_path: Path,
) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        raise TransportError("connection refused")

    result = ping(tmp_path, handler)
    assert not result.succeeded
    assert result.error == (
        "step 'ping' of workflow 'ping': GET http://api.test/v1/ping: connection refused"
    )


def test_any_other_exception_from_the_handler_fails_the_step_naming_it(tmp_path: Path) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        return {"a": 1}["b"]  # type: ignore[no-any-return]

    result = ping(tmp_path, handler)
    assert not result.succeeded
    assert result.error == (
        "step 'ping' of workflow 'ping': GET http://api.test/v1/ping: "
        "the MockTransport handler raised KeyError: 'b'"
    )


@pytest.mark.parametrize(
    ("answer", "kind"), [(None, "NoneType"), ({"status": "ok"}, "dict"), (200, "int")]
)
def test_a_handler_answer_that_is_not_a_response_fails_the_step(
    tmp_path: Path, answer: object, kind: str
) -> None:
    result = ping(tmp_path, lambda request: answer)
    assert not result.succeeded
    assert result.error is not None and result.error.endswith(
        f"the MockTransport handler returned {kind}, not an HttpResponse"
    )


def test_max_body_bytes_caps_what_the_mock_hands_over(tmp_path: Path) -> None:
    body = {"status": "ok", "items": ["x" * 100]}

    result = ping(tmp_path, lambda request: HttpResponse(json=body), max_body_bytes=64)
    assert not result.succeeded
    assert result.error is not None and result.error.endswith(
        "HTTP 200: the response body exceeds max_body_bytes (64); reading stopped there"
    )
    chunks = [b"x" * 40, b"x" * 40, b"never read"]
    read: list[bytes] = []

    def counted() -> Iterator[bytes]:
        for chunk in chunks:
            read.append(chunk)
            yield chunk

    result = ping(tmp_path, lambda r: HttpResponse(content=counted()), max_body_bytes=64)
    assert result.error is not None and "exceeds max_body_bytes (64)" in result.error
    assert read == chunks[:2]  # reading stopped at the cap
    declared = HttpResponse(headers={"Content-Length": "1000"}, content=b"{}")
    result = ping(tmp_path, lambda r: declared, max_body_bytes=64)
    assert result.error is not None and result.error.endswith(
        "HTTP 200: the response body (1000 bytes by its Content-Length) exceeds "
        "max_body_bytes (64); it was not read"
    )


def test_max_body_bytes_caps_draining_an_open_stream(no_network: None) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        endless = (b"data: x\n\n" for _ in range(1000))
        return HttpResponse(200, {"Content-Type": "text/event-stream"}, content=endless)

    engine = Engine.load(FAL_WORKFLOW, transport=MockTransport(handler, max_body_bytes=100))
    with engine.run("stream-inference", FAL_INPUTS) as result:
        response = result.steps[0].response
        assert response is not None
        with pytest.raises(StreamError, match=r"exceeds max_body_bytes \(100\)"):
            _ = response.body


def test_a_redirect_is_the_response_not_followed(tmp_path: Path) -> None:
    transport = MockTransport(lambda r: HttpResponse(302, {"Location": "/elsewhere"}))
    result = Engine.load(document(tmp_path), transport=transport).run("ping")
    assert result.steps[0].status_code == 302
    assert len(transport.requests) == 1


# -- OAuth and remote sources through the mock -----------------------------------------------


def test_oauth_client_credentials_are_fetched_through_the_mock(no_network: None) -> None:
    issued: list[dict[str, str]] = []

    def handler(request: HttpRequest) -> HttpResponse:
        if request.url == "http://api.test/oauth/token":
            assert request.method == "POST"
            basic = base64.b64encode(b"app:s3cret").decode()
            assert request.headers["Authorization"] == f"Basic {basic}"
            issued.append(dict(parse_qsl((request.body or b"").decode())))
            return HttpResponse(json={"access_token": "tok-1", "token_type": "Bearer"})
        if request.url == "http://api.test/oauth":
            ok = request.headers.get("Authorization") == "Bearer tok-1"
            return HttpResponse(200 if ok else 401, json={})
        return HttpResponse(404, text="no such route")

    credentials = {"OAuth": {"client_id": "app", "client_secret": "s3cret"}}
    engine = Engine.load(
        SECURITY,
        servers={"secure": "http://api.test"},
        credentials=credentials,
        transport=MockTransport(handler),
    )
    assert engine.run("oauth").succeeded
    assert engine.run("oauth").succeeded
    assert issued == [{"grant_type": "client_credentials", "scope": "read"}]


def test_oauth_token_endpoint_failure_through_the_mock_names_the_endpoint() -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        raise TransportError("connection refused")

    engine = Engine.load(
        SECURITY,
        servers={"secure": "http://api.test"},
        credentials={"OAuth": {"client_id": "app", "client_secret": "s3cret"}},
        transport=MockTransport(handler),
    )
    result = engine.run("oauth")
    assert result.error is not None
    assert "POST http://api.test/oauth/token failed: connection refused" in result.error


def test_a_remote_source_description_is_served_through_the_mock(
    tmp_path: Path, no_network: None
) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        if request.url == "https://specs.test/api.yaml":
            return HttpResponse(200, {"Content-Type": "application/yaml"}, text=OPENAPI)
        return HttpResponse(json={"status": "ok", "items": []})

    transport = MockTransport(handler)
    path = document(tmp_path, url="https://specs.test/api.yaml")
    engine = Engine.load(path, allow_remote=True, transport=transport)
    assert engine.run("ping").succeeded
    assert [r.url for r in transport.requests] == [
        "https://specs.test/api.yaml",
        "http://api.test/v1/ping",
    ]
    assert transport.requests[0].stream  # read within the remote-source bounds


def test_a_remote_source_answering_an_error_through_the_mock(tmp_path: Path) -> None:
    transport = MockTransport(lambda request: HttpResponse(404, text="gone"))
    path = document(tmp_path, url="https://specs.test/api.yaml")
    with pytest.raises(ArazzoValidationError, match="answered HTTP 404"):
        Engine.load(path, allow_remote=True, transport=transport)


# -- Engine.load(transport=...) --------------------------------------------------------------


class CountingTransport(MockTransport):
    closed = 0

    def close(self) -> None:
        self.closed += 1


def test_a_given_transport_is_left_open_by_the_engine(tmp_path: Path) -> None:
    transport = CountingTransport(lambda r: HttpResponse(json={"status": "ok"}))
    with Engine.load(document(tmp_path), transport=transport) as engine:
        assert engine.run("ping").succeeded
    assert transport.closed == 0


@pytest.mark.parametrize(
    "option",
    [{"session": object()}, {"max_body_bytes": 10}, {"max_response_seconds": 1.0}],
    ids=lambda o: next(iter(o)),
)
def test_transport_with_a_default_transport_option_is_refused(
    tmp_path: Path, option: dict[str, Any]
) -> None:
    transport = MockTransport(lambda r: HttpResponse())
    name = next(iter(option))
    with pytest.raises(ConfigurationError, match=f"transport= and {name}= were both given"):
        Engine.load(document(tmp_path), transport=transport, **option)


def test_something_that_is_not_a_transport_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"transport= must have send\(request"):
        Engine.load(document(tmp_path), transport=lambda r: None)  # type: ignore[arg-type]


# -- building responses in a handler ---------------------------------------------------------


def test_response_helpers_set_the_content_type_and_headers_ignore_case() -> None:
    as_json = HttpResponse(201, json=None)
    assert (as_json.status_code, as_json.content, as_json.body) == (201, b"null", None)
    assert as_json.headers["content-type"] == "application/json"
    as_text = HttpResponse(text="héllo")
    assert as_text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert as_text.body == "héllo"
    latin = HttpResponse(headers={"Content-Type": "text/plain; charset=latin-1"}, text="é")
    assert latin.content == b"\xe9"
    assert HttpResponse().content == b""
    with pytest.raises(ConfigurationError, match="at most one of"):
        HttpResponse(text="a", json={})
    with pytest.raises(ConfigurationError, match="give a str as text="):
        HttpResponse(content="a")  # type: ignore[arg-type]


def test_the_handler_needs_to_be_callable() -> None:
    with pytest.raises(ConfigurationError, match="callable handler"):
        MockTransport("not a function")  # type: ignore[arg-type]


class Chunks:
    """A ByteStream of one's own: an iterable of chunks with close()."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.closed = 0

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed += 1


def test_closing_a_response_closes_its_byte_stream_once() -> None:
    source = Chunks(b"data: 1\n\n", b"data: 2\n\n")
    response = HttpResponse(200, {"Content-Type": "text/event-stream"}, content=source)
    assert response.is_stream
    assert next(response.events()).data == "1"
    response.close()
    response.close()
    assert source.closed == 1
    with pytest.raises(StreamError, match="already closed"):
        _ = response.content


def test_a_drained_stream_is_closed_and_its_events_still_parse() -> None:
    source = Chunks(b"data: 1\n\n", b"", b"data: 2\n\n")
    response = HttpResponse(200, {"Content-Type": "text/event-stream"}, content=source)
    assert response.content == b"data: 1\n\ndata: 2\n\n"
    assert source.closed == 1
    assert [e.data for e in response.events()] == ["1", "2"]
    assert list(response.iter_bytes()) == [b"data: 1\n\ndata: 2\n\n"]
