"""Every way a server can misbehave, through ``Engine.load(...).run(...)``.

Each case runs a one-step Arazzo workflow against :class:`FaultServer` and checks
that the run ends with ``succeeded == False`` and an error naming the step and
the cause, that no exception escapes ``run``, that no credential shows in the
error, and (the autouse fixture) that no thread or socket is left open.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine, RunResult, StreamError
from arazzo_engine.http.requests_transport import RequestsTransport
from arazzo_engine.http.transport import HttpRequest
from tests.fault_server import FaultServer, refused_url
from tests.leaks import nothing_left_open

TIMEOUT = 0.3
SECRETS = {"ApiKey": "key-s3cr3t-1", "Bearer": "tok-s3cr3t-2", "Session": "ses-s3cr3t-3"}
KIB = 1024
MIB = 1024 * KIB

API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "fault API", "version": "1.0.0"},
    "servers": [{"url": "http://fault.example.invalid"}],
    "security": [{"ApiKey": [], "Bearer": [], "Session": []}],
    "paths": {
        "/fault/{kind}": {
            "parameters": [
                {"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "X-Note", "in": "header", "schema": {"type": "string"}},
            ],
            "get": {"operationId": "getFault", "responses": {"200": {"description": "ok"}}},
            "head": {"operationId": "headFault", "responses": {"200": {"description": "ok"}}},
            "post": {
                "operationId": "postFault",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok"}},
            },
        },
        "/declared/{kind}": {
            "parameters": [
                {"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "getDeclared",
                "responses": {"302": {"description": "a redirect the workflow reads"}},
            },
        },
    },
    "components": {
        "securitySchemes": {
            "ApiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "Bearer": {"type": "http", "scheme": "bearer"},
            "Session": {"type": "apiKey", "in": "cookie", "name": "session"},
        }
    },
}


# -- nothing left open ------------------------------------------------------------------
@pytest.fixture(autouse=True)
def nothing_left() -> Iterator[None]:
    """No thread, no socket survives a test (ResourceWarning is an error as well)."""
    with nothing_left_open():
        yield


# -- helpers -------------------------------------------------------------------------------
def step(
    kind: str,
    *,
    method: str = "get",
    criteria: tuple[str, ...] = ("$statusCode == 200",),
    **extra: Any,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "stepId": "call",
        "operationId": f"{method}Fault",
        "parameters": [{"name": "kind", "in": "path", "value": kind}],
        **extra,
    }
    if criteria:
        found["successCriteria"] = [{"condition": c} for c in criteria]
    if method == "post":
        found["requestBody"] = {"contentType": "application/json", "payload": {"a": 1}}
    return found


def engine_for(tmp_path: Path, server_url: str, the_step: dict[str, Any], **options: Any) -> Engine:
    (tmp_path / "api.openapi.json").write_text(json.dumps(API))
    flow = {
        "arazzo": "1.0.1",
        "info": {"title": "faults", "version": "1.0.0"},
        "sourceDescriptions": [{"name": "api", "url": "api.openapi.json", "type": "openapi"}],
        "workflows": [{"workflowId": "flow", "steps": [the_step]}],
    }
    path = tmp_path / "flow.arazzo.json"
    path.write_text(json.dumps(flow))
    options.setdefault("timeout", TIMEOUT)
    return Engine.load(path, servers={"api": server_url}, credentials=SECRETS, **options)


def run(tmp_path: Path, server_url: str, the_step: dict[str, Any], **options: Any) -> RunResult:
    return engine_for(tmp_path, server_url, the_step, **options).run("flow")


def timed_run(tmp_path: Path, server_url: str, the_step: dict[str, Any]) -> tuple[RunResult, float]:
    """run(), and the seconds it took: the limits on time are part of what is checked."""
    started = time.monotonic()
    result = run(tmp_path, server_url, the_step)
    return result, time.monotonic() - started


def assert_failed(result: RunResult, *phrases: str) -> str:
    """The run failed, its error names the step and every phrase, and holds no secret."""
    assert not result.succeeded
    error = result.error
    assert error is not None
    assert error.startswith("step 'call' of workflow 'flow': "), error
    for phrase in phrases:
        assert phrase in error, f"{phrase!r} not in {error!r}"
    shown = error + repr(result) + json.dumps(result.to_json())
    for secret in SECRETS.values():
        assert secret not in shown
    return error


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as fault_server:
        yield fault_server


# -- no response ---------------------------------------------------------------------------
def test_connection_refused(tmp_path: Path) -> None:
    result = run(tmp_path, refused_url(), step("echo"))
    assert_failed(result, "GET http://127.0.0.1:", ": connection refused")
    assert result.steps[0].status_code is None and result.steps[0].response is None


def test_a_server_that_accepts_and_never_answers_times_out(
    tmp_path: Path, server: FaultServer
) -> None:
    result, elapsed = timed_run(tmp_path, server.url, step("hang"))
    assert_failed(result, f"no response within {TIMEOUT:g} s")
    assert TIMEOUT <= elapsed < TIMEOUT + 1.0


@pytest.mark.parametrize(
    ("kind", "phrases"),
    [
        ("close", ["the server closed the connection without a response"]),
        ("reset", ["the connection was reset before a response arrived"]),
        ("not-http", ["the answer is not HTTP", "SSH-2.0"]),
    ],
    ids=["close", "reset", "not-http"],
)
def test_no_http_response_fails_the_step_naming_why(
    tmp_path: Path, server: FaultServer, kind: str, phrases: list[str]
) -> None:
    result = run(tmp_path, server.url, step(kind))
    assert_failed(result, *phrases)


# -- bodies that break -------------------------------------------------------------------------
def test_connection_reset_during_the_body(tmp_path: Path, server: FaultServer) -> None:
    result = run(tmp_path, server.url, step("reset-body"))
    error = assert_failed(result, "HTTP 200: the response body broke off after ")
    assert re.search(r"after \d+ bytes: the connection was reset$", error), error


@pytest.mark.parametrize(
    ("kind", "phrase"),
    [
        (
            "short-body",
            "broke off after 101 bytes: the connection closed 899 bytes short of the 1000 bytes "
            "its Content-Length announced",
        ),
        ("chunked-truncated", "the connection closed before the chunked body's last chunk"),
        ("bad-chunk", "broke off after 2 bytes: the chunked body is malformed"),
    ],
    ids=["short-body", "chunked-truncated", "bad-chunk"],
)
def test_a_body_that_breaks_its_framing_fails_the_step(
    tmp_path: Path, server: FaultServer, kind: str, phrase: str
) -> None:
    result = run(tmp_path, server.url, step(kind))
    assert_failed(result, phrase)


def test_a_body_that_stalls_hits_the_read_timeout(tmp_path: Path, server: FaultServer) -> None:
    result, elapsed = timed_run(tmp_path, server.url, step("stall-body"))
    assert_failed(result, f"broke off after 101 bytes: no data for {TIMEOUT:g} s")
    assert elapsed < TIMEOUT * 2 + 1.0


def test_a_slow_drip_body_is_stopped_by_the_whole_response_limit(
    tmp_path: Path, server: FaultServer
) -> None:
    # One byte every 50 ms never trips the 0.3 s read timeout; the whole response
    # must arrive within max_response_seconds, by default 10 x timeout = 3 s.
    result, elapsed = timed_run(tmp_path, server.url, step("drip"))
    assert_failed(result, "HTTP 200: the response did not arrive whole within 3 s")
    assert 3.0 <= elapsed < 3.0 + TIMEOUT + 1.0
    assert server.sent_body_bytes < 100


def test_invalid_json_fails_a_criterion_that_reads_the_body(
    tmp_path: Path, server: FaultServer
) -> None:
    criteria = ("$statusCode == 200", "$response.body#/status == 'ok'")
    result = run(tmp_path, server.url, step("bad-json", criteria=criteria))
    assert_failed(
        result,
        "`$response.body#/status == 'ok'` (HTTP 200)",
        "the response body is not valid JSON although its content type is application/json",
    )
    response = result.steps[0].response
    assert response is not None
    assert response.body_problem is not None and "not valid JSON" in response.body_problem


def test_invalid_json_fails_the_step_even_when_no_criterion_reads_the_body(
    tmp_path: Path, server: FaultServer
) -> None:
    the_step = step("bad-json", outputs={"status": "$response.body#/status"})
    result = run(tmp_path, server.url, the_step)
    assert_failed(result, "not valid JSON")


# -- huge bodies ---------------------------------------------------------------------------------
def test_a_declared_gigabyte_is_refused_without_reading_it(
    tmp_path: Path, server: FaultServer
) -> None:
    result, elapsed = timed_run(tmp_path, server.url, step("huge-declared"))
    assert_failed(
        result,
        "HTTP 200: the response body (1073741824 bytes by its Content-Length) exceeds "
        f"max_body_bytes ({64 * MIB}); it was not read",
    )
    assert elapsed < 2.0
    assert server.sent_body_bytes < 64 * MIB


@pytest.mark.parametrize("kind", ["endless-chunked", "endless-close", "gzip-endless"])
def test_an_endless_body_is_capped_by_max_body_bytes(
    tmp_path: Path, server: FaultServer, kind: str
) -> None:
    engine = engine_for(tmp_path, server.url, step(kind), max_body_bytes=MIB)
    tracemalloc.start()
    try:
        result = engine.run("flow")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_failed(result, f"the response body exceeds max_body_bytes ({MIB}); reading stopped")
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB while reading"


# -- 5xx storms --------------------------------------------------------------------------------
def test_a_5xx_storm_obeys_retry_after_and_stops_at_retry_limit(
    tmp_path: Path, server: FaultServer
) -> None:
    retry = {
        "name": "overloaded",
        "type": "retry",
        "retryAfter": 0.05,  # the server's Retry-After: 1 wins
        "retryLimit": 2,
        "criteria": [{"condition": "$statusCode == 503"}],
    }
    result = run(tmp_path, server.url, step("storm", onFailure=[retry]))
    assert_failed(result, "(HTTP 503)")
    assert [s.attempt for s in result.steps] == [1, 2, 3]
    arrivals = [seen.at for seen in server.seen("storm")]
    assert len(arrivals) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert all(0.95 <= gap < 1.5 for gap in gaps), gaps


# -- server-sent events ----------------------------------------------------------------------
def _events_until_error(result: RunResult) -> tuple[list[str], StreamError]:
    assert result.succeeded, result.error
    response = result.steps[0].response
    assert response is not None and response.is_stream
    seen: list[str] = []
    with pytest.raises(StreamError) as caught:
        for event in response.events():
            seen.append(event.data)
    return seen, caught.value


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "sse-cut-chunked",
            "broke in the middle of an event (the partial event was discarded): "
            "the connection closed before the chunked body's last chunk",
        ),
        (
            "sse-cut-close",
            "ended in the middle of an event (the partial event was discarded)",
        ),
        (
            "sse-reset",
            "broke in the middle of an event (the partial event was discarded): "
            "the connection was reset",
        ),
        (
            "sse-stall",
            f"broke in the middle of an event (the partial event was discarded): "
            f"no data for {TIMEOUT:g} s",
        ),
    ],
)
def test_an_event_stream_cut_mid_event_raises_and_never_yields_the_part(
    tmp_path: Path, server: FaultServer, kind: str, message: str
) -> None:
    with run(tmp_path, server.url, step(kind)) as result:
        seen, error = _events_until_error(result)
    assert seen == ['{"n": 1}']
    assert str(error) == f"the event stream from {server.url}/fault/{kind} {message}"


def test_a_cut_stream_read_by_a_criterion_fails_the_step(
    tmp_path: Path, server: FaultServer
) -> None:
    the_step = step("sse-cut-chunked")
    the_step["successCriteria"].append(
        {"context": "$response.body", "condition": "output", "type": "regex"}
    )
    with run(tmp_path, server.url, the_step) as result:
        assert_failed(
            result,
            "evaluating the criterion failed: the response stream from",
            "the connection closed before the chunked body's last chunk",
        )


# -- redirects ------------------------------------------------------------------------------------
CREDENTIAL_HEADERS = ("x-api-key", "authorization", "cookie")


def test_a_get_redirect_on_the_same_host_keeps_the_credentials(
    tmp_path: Path, server: FaultServer
) -> None:
    the_step = step("redirect-same", outputs={"headers": "$response.body#/headers"})
    result = run(tmp_path, server.url, the_step)
    assert result.succeeded, result.error
    (followed,) = server.seen("echo")
    headers = followed.headers
    assert headers["x-api-key"] == SECRETS["ApiKey"]
    assert headers["authorization"] == f"Bearer {SECRETS['Bearer']}"
    assert headers["cookie"] == f"session={SECRETS['Session']}"
    # The echo the step outputs holds them too; a result shows them masked.
    assert result.steps[0].outputs["headers"]["x-api-key"] == "***"
    assert result.steps[0].response is not None
    assert result.steps[0].response.url == server.url + "/fault/echo"


@pytest.mark.parametrize("kind", ["redirect-other", "redirect-other-307"])
def test_a_get_redirect_to_another_host_drops_every_credential(tmp_path: Path, kind: str) -> None:
    with FaultServer() as other, FaultServer(other_url=other.url) as server:
        result = run(tmp_path, server.url, step(kind))
        assert result.succeeded, result.error
        (first,) = server.seen(kind)
        (followed,) = other.seen("echo")
    for name in CREDENTIAL_HEADERS:
        assert name in first.headers
        assert name not in followed.headers, name
    assert not any(
        secret in value for value in followed.headers.values() for secret in SECRETS.values()
    )


def test_a_post_redirect_is_not_followed(tmp_path: Path) -> None:
    with FaultServer() as other, FaultServer(other_url=other.url) as server:
        kept = run(tmp_path, server.url, step("redirect-other", method="post", criteria=()))
        answered = run(
            tmp_path,
            server.url,
            step("redirect-other", method="post", criteria=("$statusCode == 302",)),
        )
        assert other.requests == []
    assert_failed(kept, "HTTP 302 (no successCriteria, so a 2xx status was expected)")
    assert answered.succeeded, answered.error
    assert answered.steps[0].status_code == 302


def test_a_head_redirect_is_followed(tmp_path: Path, server: FaultServer) -> None:
    result = run(tmp_path, server.url, step("redirect-same", method="head"))
    assert result.succeeded, result.error
    assert [seen.method for seen in server.requests] == ["HEAD", "HEAD"]


def test_a_get_redirect_is_not_followed_when_the_request_says_so(server: FaultServer) -> None:
    transport = RequestsTransport()
    try:
        request = HttpRequest(
            "GET", server.url + "/fault/redirect-same", {}, follow_redirects=False
        )
        response = transport.send(request, timeout=TIMEOUT)
    finally:
        transport.close()
    assert response.status_code == 302
    assert response.headers["Location"] == "/fault/echo"
    assert [seen.kind for seen in server.requests] == ["redirect-same"]


def test_a_get_redirect_the_operation_declares_is_the_steps_response(
    tmp_path: Path, server: FaultServer
) -> None:
    the_step = {
        "stepId": "call",
        "operationId": "getDeclared",
        "parameters": [{"name": "kind", "in": "path", "value": "redirect-same"}],
        "successCriteria": [{"condition": "$statusCode == 302"}],
        "outputs": {"location": "$response.header.Location"},
    }
    result = run(tmp_path, server.url, the_step)
    assert result.succeeded, result.error
    assert result.steps[0].outputs == {"location": "/fault/echo"}


def test_a_redirect_loop_ends(tmp_path: Path, server: FaultServer) -> None:
    result = run(tmp_path, server.url, step("redirect-loop"))
    assert_failed(result, "more than 10 redirects (the last to http://127.0.0.1:")
    assert len(server.seen("redirect-loop")) == 11


@pytest.mark.parametrize(("kind", "scheme"), [("redirect-ftp", "ftp"), ("redirect-file", "file")])
def test_a_redirect_to_another_scheme_is_refused(
    tmp_path: Path, server: FaultServer, kind: str, scheme: str
) -> None:
    result = run(tmp_path, server.url, step(kind))
    assert_failed(
        result, f"HTTP 302 redirects to a {scheme} URL; only http and https redirects are followed"
    )


# -- requests that cannot be sent -------------------------------------------------------------
def test_a_header_value_with_a_line_break_is_not_sent(tmp_path: Path, server: FaultServer) -> None:
    the_step = step("echo")
    the_step["parameters"].append({"name": "X-Note", "in": "header", "value": "a\r\nX-Injected: 1"})
    result = run(tmp_path, server.url, the_step)
    assert_failed(result, "request header 'X-Note' cannot be sent")
    assert server.requests == []
