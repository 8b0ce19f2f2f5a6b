"""Whatever a server answers, ``Engine.run`` gives back a RunResult, in bounded time.

A property test: hypothesis draws hostile responses (status codes from 100 to
999, odd redirects, header values of non-ASCII digits, huge numbers, line
breaks and Latin-1 noise, duplicated headers; bodies that are invalid,
truncated, nested a thousand deep, 5,000-digit numbers, NaN, a megabyte string,
the wrong content type, "gzip" that is not; event streams with no line end,
lone CRs, giant data lines and control characters) and runs a workflow that
reads them every way it can (criteria of each kind, outputs, a retry that reads
``Retry-After``), with ``on_event`` set to the command line's own handlers (the
live view with ``-v`` and ``--trace``, the report trace).  Each run must return
a RunResult within :data:`RUN_LIMIT` seconds, and every rendering of it must
work; an open stream, read to its end, may raise only ``StreamError``.

Most examples go through MockTransport (no sockets, fast); a few fixed ones go
over a real socket whose server writes the hostile bytes verbatim.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from arazzo_engine import (
    Engine,
    HttpRequest,
    HttpResponse,
    MockTransport,
    RunResult,
    StreamError,
)
from arazzo_engine.cli.live import LiveView
from arazzo_engine.events import fan_out
from arazzo_engine.reports.trace import RunTrace, explain_failure, junit_xml
from tests.raw_server import RawServer, response

RUN_LIMIT = 5.0
"""Seconds one run (and reading its stream) may take, whatever the server sent."""

KIB = 1024
MIB = 1024 * KIB
T = TypeVar("T")

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "hostile server", "version": "1.0.0"},
    "servers": [{"url": "http://api.test"}],
    "paths": {
        "/thing": {
            "get": {
                "operationId": "getThing",
                "responses": {"200": {"description": "anything at all"}},
            }
        }
    },
}

FLOW: dict[str, Any] = {
    "arazzo": "1.0.1",
    "info": {"title": "reads everything", "version": "1.0.0"},
    "sourceDescriptions": [{"name": "api", "url": "api.openapi.json", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "flow",
            "steps": [
                {
                    "stepId": "call",
                    "operationId": "getThing",
                    "successCriteria": [
                        {"condition": "$statusCode == 200"},
                        {"condition": "$response.header.Content-Length != '0'"},
                        {"context": "$response.body", "condition": "^ok", "type": "regex"},
                        {"context": "$response.body", "condition": "$.a", "type": "jsonpath"},
                    ],
                    "outputs": {
                        "body": "$response.body",
                        "a": "$response.body#/a/0",
                        "length": "$response.header.Content-Length",
                        "retry": "$response.header.Retry-After",
                    },
                    "onFailure": [
                        {"name": "again", "type": "retry", "retryAfter": 0, "retryLimit": 1}
                    ],
                }
            ],
            "outputs": {"body": "$steps.call.outputs.body", "a": "$steps.call.outputs.a"},
        }
    ],
}


@pytest.fixture(scope="module")
def flow_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "api.openapi.json").write_text(json.dumps(API))
    path = folder / "flow.arazzo.json"
    path.write_text(json.dumps(FLOW))
    return path


# -- what a hostile server sends --------------------------------------------------------

NUMBERS = ["²", "٣", "¹²", "9" * 5000, "1e400", "-1", "0x10", " 7 ", "NaN", "", "7, 8"]
NOISE = ["\r\n", "\n", "\r", "\x00", "\x1b[2J\x07", "\xff\xfe", "é", "\u202e", "a" * 8000]
RETRY_AFTER = [
    *NUMBERS[:3],
    "1e400",
    "0",
    "Mon, 01 Jan 99999999999 00:00:00 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Mon, 01 Jan 2024 00:00:00 -99999999999999999999",
    "\xb2",
]
"""Retry-After values that must not crash a run, none of them a long wait."""
CONTENT_TYPES = [
    "application/json",
    "application/problem+json",
    "text/plain; charset=utf-8",
    "text/plain; charset=bogus",
    "application/xml",
    "text/html",
    "application/octet-stream",
    "application/json; charset=utf-16",
    "",
]
LOCATIONS = ["", "/", "//evil.example/x", "javascript:alert(1)", "http://[::1", "/\x1b[2J", "é"]

header_values = st.one_of(
    st.sampled_from(NUMBERS),
    st.sampled_from(NOISE),
    st.text(st.characters(max_codepoint=0xFF), max_size=40),
)
headers = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "Content-Length",
                "Content-Encoding",
                "Content-Type",
                "Location",
                "X-Thing",
                "Set-Cookie",
            ]
        ),
        header_values,
    ),
    max_size=4,
)


def deep(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


depths = st.one_of(st.sampled_from([600, 999, 1000]), st.integers(1, 1000))
"""Nesting depths: a few past what recursive code survives, drawn often."""

bodies = st.one_of(
    st.sampled_from(
        [
            b"",
            b"{",
            b'{"a": [1, 2',
            b'{"a": NaN}',
            b'{"a": [Infinity, -Infinity]}',
            b'{"a": [' + b"1" * 5000 + b"]}",
            b'{"a": [1e400]}',
            b"\xff\xfe\x00{",
            b"\x1f\x8b\x08 not really gzip",
            b"<a><b>unclosed",
            b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',
            b'"' + b"s" * MIB + b'"',
            b"ok \x1b[2J\x07 \xe2\x80\xae",
        ]
    ),
    depths.map(lambda n: deep(n).encode()),
    depths.map(lambda n: ('{"a":' * n + "[1]" + "}" * n).encode()),
    st.binary(max_size=200),
)


@dataclass(frozen=True)
class Answer:
    """A response to give, built afresh each time (a stream is read only once)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes | tuple[bytes, ...]
    """Bytes, or the chunks of an open stream."""

    def build(self) -> HttpResponse:
        content = iter(self.body) if isinstance(self.body, tuple) else self.body
        return HttpResponse(self.status, self.headers, content=content)


@st.composite
def plain_answers(draw: st.DrawFn) -> Answer:
    odd_status = st.sampled_from([100, 101, 199, 201, 204, 301, 302, 304, 404, 503, 999])
    status = draw(st.one_of(st.just(200), odd_status))  # 200 half the time: every check reads it
    kind = draw(st.one_of(st.just("application/json"), st.sampled_from(CONTENT_TYPES)))
    pairs = [("Content-Type", kind), *draw(headers)]
    if status in (301, 302):
        pairs.append(("Location", draw(st.sampled_from(LOCATIONS))))
    if draw(st.booleans()):
        pairs.append(("Retry-After", draw(st.sampled_from(RETRY_AFTER))))
    return Answer(status, tuple(pairs), draw(bodies))


stream_pieces = st.sampled_from(
    [
        b"data: ok\n\n",
        b"event: \x1b[2Jx\x07\ndata: \xe2\x80\xae\x9b\n\n",
        b"data: a\rdata: b\r\r",
        b"\r",
        b"retry: " + b"9" * 5000 + b"\n",
        b"id: \x00\n",
        b"data: " + b"x" * (64 * KIB),
        b"x" * (64 * KIB),
        b": comment\n",
        b"\xff\xfe\xef\xbb\xbf",
        b'data: {"a": ' + deep(1000).encode() + b"}\n\n",
    ]
)


@st.composite
def stream_answers(draw: st.DrawFn) -> Answer:
    pieces = draw(st.lists(stream_pieces, max_size=40))
    pairs = [("Content-Type", "text/event-stream"), *draw(headers)]
    return Answer(draw(st.sampled_from([200, 500])), tuple(pairs), tuple(pieces))


answers = st.lists(st.one_of(plain_answers(), stream_answers()), min_size=1, max_size=2)
JSON = (("Content-Type", "application/json"),)
KNOWN = [
    Answer(200, JSON, deep(600).encode()),
    Answer(200, JSON, ('{"a":' * 600 + "[1]" + "}" * 600).encode()),
    Answer(200, JSON, b'{"a": [' + b"1" * 5000 + b"]}"),
    Answer(200, (*JSON, ("Content-Length", "\xb2")), b"{}"),
    Answer(503, (("Retry-After", "\xb2"),), b""),
    Answer(200, (("Content-Type", "text/event-stream"),), (b"x" * (64 * KIB),) * 40),
]
"""Hostile answers tried first, every time: each once crashed or hung a run."""


# -- running and rendering -------------------------------------------------------------


PRODUCTION_RECURSION_LIMIT = 1000
"""Python's default: hypothesis raises the limit while a test runs, which would hide
a recursion too deep for a program run the ordinary way (the command line)."""


def within(seconds: float, work: Callable[[], T]) -> T:
    """``work()`` in a fresh thread, under Python's default recursion limit; its result,
    or a failure naming the time it overran."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target, name="hostile-run", daemon=True)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(PRODUCTION_RECURSION_LIMIT)
    try:
        thread.start()
        thread.join(seconds)
    finally:
        sys.setrecursionlimit(limit)
    assert not thread.is_alive(), f"the run took more than {seconds} s"
    if failure:
        raise failure[0]
    return outcome[0]


def run_and_render(engine: Engine) -> RunResult:
    """One run as the command line makes it, its stream read, every report rendered."""
    printed = io.StringIO()
    live = LiveView(printed, verbose=True, trace=True)
    trace = RunTrace()
    with engine.run("flow", on_event=fan_out(live, trace)) as result:
        for step in result.steps:
            if step.response is not None and step.response.is_stream:
                try:
                    for _ in step.response.events():
                        pass
                except StreamError:
                    pass
        live.close()
        repr(result)
        json.dumps(result.to_json(), default=repr)
        json.dumps(trace.to_json())
        junit_xml(trace)
        explain_failure(trace)
    return result


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(answers)
@example([KNOWN[0]])
@example([KNOWN[1]])
@example([KNOWN[2]])
@example([KNOWN[3]])
@example([KNOWN[4]])
@example([KNOWN[5]])
def test_any_mock_answer_gives_a_run_result_in_bounded_time(
    flow_path: Path, replies: list[Answer]
) -> None:
    queue = list(replies)
    lock = threading.Lock()

    def handler(request: HttpRequest) -> HttpResponse:
        with lock:
            return (queue.pop(0) if len(queue) > 1 else queue[0]).build()

    engine = Engine.load(flow_path, transport=MockTransport(handler, max_body_bytes=2 * MIB))
    result = within(RUN_LIMIT, lambda: run_and_render(engine))
    assert isinstance(result, RunResult)


# -- over a real socket: bytes no client library would let a test build ----------------

SSE = b"text/event-stream"
WIRE = {
    "content-length-superscript": response(
        b"HTTP/1.1 200 OK", [(b"Content-Length", b"\xb2"), (b"Content-Type", b"text/plain")], b"ok"
    ),
    "content-length-arabic-indic": response(
        b"HTTP/1.1 200 OK", [(b"Content-Length", "٣".encode())], b"ok!"
    ),
    "content-length-5000-digits": response(b"HTTP/1.1 200 OK", [(b"Content-Length", b"9" * 5000)]),
    "retry-after-superscript": response(
        b"HTTP/1.1 503 Busy", [(b"Retry-After", b"\xb2"), (b"Content-Length", b"0")]
    ),
    "status-999": response(b"HTTP/1.1 999 Odd", [(b"Content-Length", b"2")], b"{}"),
    "status-superscripts": response(b"HTTP/1.1 \xb2\xb2\xb2 Odd", [(b"Content-Length", b"0")]),
    "status-1xx-only": b"HTTP/1.1 102 Processing\r\n\r\n",
    "reason-with-escapes": response(b"HTTP/1.1 200 \x1b[2J\x07", [(b"Content-Length", b"0")]),
    "header-without-colon": b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n",
    "header-lone-cr": b"HTTP/1.1 200 OK\rX-A: b\r\nContent-Length: 0\r\n\r\n",
    "header-latin1-noise": response(b"HTTP/1.1 200 OK", [(b"X-\xff", b"\xfe\x00\x1b")]),
    "gzip-that-is-not": response(
        b"HTTP/1.1 200 OK",
        [(b"Content-Encoding", b"gzip"), (b"Content-Type", b"application/json")],
        b"{not gzip}",
    ),
    "chunk-size-superscript": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\xb2\r\nab\r\n0\r\n\r\n"
    ),
    "redirect-location-not-utf8": response(b"HTTP/1.1 302 Found", [(b"Location", b"/\xe9")]),
    "redirect-location-control": response(b"HTTP/1.1 302 Found", [(b"Location", b"/\x1b[2J")]),
    "sse-no-line-end": response(b"HTTP/1.1 200 OK", [(b"Content-Type", SSE)], b"x" * (3 * MIB)),
    "sse-lone-crs": response(b"HTTP/1.1 200 OK", [(b"Content-Type", SSE)], b"\r" * MIB),
    "deep-json-600": response(
        b"HTTP/1.1 200 OK", [(b"Content-Type", b"application/json")], deep(600).encode()
    ),
    "deep-json": response(
        b"HTTP/1.1 200 OK", [(b"Content-Type", b"application/json")], deep(1000).encode()
    ),
    "not-http": b"SSH-2.0-OpenSSH_9.6\r\n",
}


@pytest.mark.parametrize("raw", WIRE.values(), ids=WIRE.keys())
def test_hostile_bytes_on_the_wire_give_a_run_result_in_bounded_time(
    flow_path: Path, raw: bytes
) -> None:
    def reply(head: bytes) -> Iterator[bytes]:
        yield raw

    with RawServer(reply) as server:
        engine = Engine.load(
            flow_path, servers={"api": server.url}, timeout=2, max_body_bytes=2 * MIB
        )
        result = within(RUN_LIMIT, lambda: run_and_render(engine))
    assert isinstance(result, RunResult)
