"""Numbers a server writes in headers and fields: only ASCII digits count, nothing crashes.

``str.isdigit()`` is True for '²', which ``int()`` and ``float()`` refuse (a
ValueError out of ``run()``), and ``int()`` reads '٣' (ARABIC-INDIC DIGIT
THREE) as 3.  Each server here writes its bytes verbatim on a raw socket: a
header value byte 0xB2 is '²' once decoded as Latin-1, as HTTP header values
are.  An invalid Content-Length makes the response's framing untrustworthy, so
the response is discarded (RFC 9112 6.3) and the step fails saying so; an
invalid Retry-After is ignored (RFC 9110 10.2.3) and the retry waits its own
``retryAfter``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from arazzo_engine import (
    ArazzoValidationError,
    Engine,
    HttpRequest,
    HttpResponse,
    MockTransport,
    RunResult,
)
from arazzo_engine.http.headers import content_length
from arazzo_engine.run.retry_timing import retry_after_seconds
from tests.http_server import RecordingServer, Reply
from tests.one_step_flow import API, write_flow
from tests.raw_server import RawServer, response

SECURITY = Path(__file__).parent / "workflows" / "fidelity" / "security.arazzo.yaml"

INVALID_LENGTHS = [
    pytest.param(b"\xb2", "'²'", id="superscript-two"),
    pytest.param("٣".encode(), "'Ù£'", id="arabic-indic-three-utf8"),
    pytest.param(b"\xb9\xb2", "'¹²'", id="superscripts"),
    pytest.param(b"1e3", "'1e3'", id="exponent"),
    pytest.param(b"-1", "'-1'", id="negative"),
    pytest.param(b"0x10", "'0x10'", id="hex"),
    pytest.param(b"9" * 19, f"'{'9' * 19}'", id="19-digits"),
    pytest.param(b"1" * 5000, f"'{'1' * 40}...'", id="5000-digits"),
]


def one_reply(*pieces: bytes) -> RawServer:
    return RawServer(lambda head: pieces)


def run_against(tmp_path: Path, url: str, **write: object) -> tuple[RunResult, float]:
    engine = Engine.load(
        write_flow(tmp_path, **write),  # type: ignore[arg-type]
        servers={"api": url},
        timeout=5,
    )
    started = time.monotonic()
    result = engine.run("flow")
    return result, time.monotonic() - started


# -- Content-Length --------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), INVALID_LENGTHS)
def test_an_invalid_content_length_fails_the_step_naming_the_header(
    tmp_path: Path, value: bytes, shown: str
) -> None:
    raw = response(
        b"HTTP/1.1 200 OK",
        [(b"Content-Type", b"application/json"), (b"Content-Length", value)],
        b'{"a": 1}',
    )
    with one_reply(raw) as server:
        result, elapsed = run_against(tmp_path, server.url)
    assert not result.succeeded
    assert result.error == (
        f"step 'call' of workflow 'flow': GET {server.url}/thing: HTTP 200: the response was "
        f"discarded: its Content-Length {shown} is not a byte count (one number of at most 18 "
        "ASCII digits)"
    )
    assert elapsed < 5


@pytest.mark.parametrize("value", [b"8", b" 8 ", b"8, 8", b"8,8"])
def test_a_valid_content_length_reads_the_body(tmp_path: Path, value: bytes) -> None:
    raw = response(
        b"HTTP/1.1 200 OK",
        [(b"Content-Type", b"application/json"), (b"Content-Length", value)],
        b'{"a": 1}',
    )
    with one_reply(raw) as server:
        result, _ = run_against(tmp_path, server.url, outputs={"a": "$response.body#/a"})
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"a": 1}


def test_two_different_content_lengths_are_a_response_fault_not_a_request_one(
    tmp_path: Path,
) -> None:
    """urllib3 refuses these itself; the message must not blame a request header."""
    raw = response(
        b"HTTP/1.1 200 OK",
        [(b"Content-Type", b"application/json"), (b"Content-Length", b"2, 3")],
        b'{"a": 1}',
    )
    with one_reply(raw) as server:
        result, _ = run_against(tmp_path, server.url)
    assert result.error == (
        f"step 'call' of workflow 'flow': GET {server.url}/thing: the response was discarded: "
        "Content-Length contained multiple unmatching values (2, 3)"
    )


def test_a_mock_handlers_invalid_content_length_fails_the_step_the_same_way(
    tmp_path: Path,
) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, {"Content-Length": "²"}, json={"a": 1})

    engine = Engine.load(write_flow(tmp_path), transport=MockTransport(handler))
    result = engine.run("flow")
    assert result.error == (
        "step 'call' of workflow 'flow': GET http://127.0.0.1:9/thing: HTTP 200: the response "
        "was discarded: its Content-Length '²' is not a byte count (one number of at most 18 "
        "ASCII digits)"
    )


def test_content_length_reads_ascii_digits_only() -> None:
    assert content_length(None) is None
    assert content_length("0") == 0
    assert content_length(" 12 ") == 12
    assert content_length("12, 12") == 12
    assert content_length("9" * 18) == int("9" * 18)
    for bad in ("", "²", "٣", "1_000", "+1", "1.0", "1 2", "12, 13", "9" * 19, "\uff11\uff12"):
        with pytest.raises(ValueError, match="is not a byte count"):
            content_length(bad)


def test_a_remote_source_with_an_invalid_content_length_is_a_document_error(
    tmp_path: Path,
) -> None:
    body = json.dumps(API).encode()
    raw = response(
        b"HTTP/1.1 200 OK",
        [(b"Content-Type", b"application/json"), (b"Content-Length", b"\xb2")],
        body,
    )
    with one_reply(raw) as server:
        flow = write_flow(tmp_path)
        document = json.loads(flow.read_text())
        document["sourceDescriptions"][0]["url"] = f"{server.url}/api.openapi.json"
        flow.write_text(json.dumps(document))
        with pytest.raises(ArazzoValidationError) as caught:
            Engine.load(flow, allow_remote=True)
    (finding,) = caught.value.errors
    assert finding.rule == "source-unreadable"
    assert finding.pointer == "/sourceDescriptions/0"
    assert (
        f"fetching {server.url}/api.openapi.json failed: the response was discarded: its "
        "Content-Length '²' is not a byte count (one number of at most 18 ASCII digits)"
    ) in finding.message


# -- Retry-After ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(b"\xb2", id="superscript-two"),
        pytest.param("٣".encode(), id="arabic-indic-three-utf8"),
        pytest.param(b"\xd9\xa3", id="arabic-indic-bytes"),
        pytest.param(b"Mon, 01 Jan 99999999999 00:00:00 GMT", id="year-overflow"),
        pytest.param(b"Mon, 01 Jan 2024 00:00:99999999999999999999 GMT", id="second-overflow"),
        pytest.param(b"Mon, 01 Jan 2024 00:00:00 -99999999999999999999", id="zone-overflow"),
        pytest.param(b"Mon, \xb2\xb2 Jan 2024 00:00:00 GMT", id="date-with-superscripts"),
    ],
)
def test_an_invalid_retry_after_is_ignored_and_the_retry_waits_its_own_delay(
    tmp_path: Path, value: bytes
) -> None:
    busy = response(
        b"HTTP/1.1 503 Service Unavailable",
        [(b"Retry-After", value), (b"Content-Length", b"0"), (b"Connection", b"close")],
    )
    ok = response(b"HTTP/1.1 200 OK", [(b"Content-Length", b"0"), (b"Connection", b"close")])
    answers = iter([busy, ok])
    lock = threading.Lock()

    def reply(head: bytes) -> Iterator[bytes]:
        with lock:
            yield next(answers)

    with RawServer(reply) as server:
        result, elapsed = run_against(tmp_path, server.url, retry_after=0.2)
        sent = len(server.requests)
    assert result.succeeded, result.error
    assert sent == 2
    assert [step.status_code for step in result.steps] == [503, 200]
    assert 0.2 <= elapsed < 2, f"{elapsed:.2f} s"


def test_retry_after_reads_ascii_digits_and_dates_only() -> None:
    assert retry_after_seconds(" 7 ") == 7.0
    assert retry_after_seconds("1" * 5000) == float("inf")  # valid, and capped by retry_delay
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    for bad in ("²", "٣", "7.5", "-1", "soon", "Mon, 01 Jan 99999999999 00:00:00 GMT"):
        assert retry_after_seconds(bad) is None


# -- fields of other answers: an SSE retry, an OAuth expires_in -----------------------------


def test_an_sse_retry_of_5000_digits_is_ignored(tmp_path: Path) -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        b"retry: 1500\ndata: a\n\nretry: " + b"1" * 5000 + b"\ndata: b\n\n"
    )
    with one_reply(raw) as server:
        engine = Engine.load(write_flow(tmp_path), servers={"api": server.url}, timeout=5)
        with engine.run("flow") as result:
            assert result.succeeded, result.error
            stream = result.steps[0].response
            assert stream is not None
            events = list(stream.events())
    assert [(e.data, e.retry) for e in events] == [("a", 1500), ("b", None)]


@pytest.mark.parametrize(
    "expires_in",
    [b"1" + b"0" * 400, b'"\xc2\xb2"', b'"1e400"', b'"nan"', b"-5", b'"\xd9\xa3"'],
    ids=["past-float", "superscript", "infinite", "nan", "negative", "arabic-indic"],
)
def test_a_token_response_with_an_odd_expires_in_gives_a_token_all_the_same(
    http_server: RecordingServer, expires_in: bytes
) -> None:
    body = b'{"access_token": "tok-1", "token_type": "bearer", "expires_in": ' + expires_in + b"}"
    http_server.route("POST", "/oauth/token", Reply(200, body))
    http_server.route("GET", "/oauth", Reply(200, {}))
    engine = Engine.load(
        SECURITY,
        servers={"secure": http_server.url},
        credentials={"OAuth": {"client_id": "app", "client_secret": "s3cret!"}},
    )
    first, second = engine.run("oauth"), engine.run("oauth")
    assert first.succeeded, first.error
    assert second.succeeded, second.error
    sent = [r.header("Authorization") for r in http_server.requests if r.path == "/oauth"]
    assert sent == ["Bearer tok-1", "Bearer tok-1"]


def test_a_redirect_whose_location_is_not_utf8_is_named_as_such(tmp_path: Path) -> None:
    """requests decodes Location as UTF-8; its failure once read as a bad request header."""
    raw = response(b"HTTP/1.1 302 Found", [(b"Location", b"/caf\xe9"), (b"Content-Length", b"0")])
    with one_reply(raw) as server:
        result, _ = run_against(tmp_path, server.url)
    assert result.error == (
        f"step 'call' of workflow 'flow': GET {server.url}/thing: the response's Location "
        "header is not UTF-8 text, so its redirect cannot be read"
    )
