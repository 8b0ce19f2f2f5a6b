"""Step ``timeout`` (Arazzo 1.1) against real servers: one deadline per attempt.

The deadline covers connecting, sending and reading the response to where the
step is judged; once it passes the step fails with a reason starting
``timeout:``, ``$statusCode``/``$response`` are null, and the failure actions
(the step's, then the workflow's) apply as for any failure.  A workflow step
hands its deadline to the child run, whose HTTP calls get what is left.
"""

from __future__ import annotations

import json
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine import Engine, HttpRequest, HttpResponse, MockTransport
from arazzo_engine.events import Event, StepFinished
from tests.fault_server import FaultServer
from tests.http_server import Received, RecordingServer, Reply


def _get(path: str, operation_id: str) -> dict[str, Any]:
    return {
        path: {
            "get": {
                "operationId": operation_id,
                "responses": {"200": {"description": "ok"}},
            }
        }
    }


API: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "timed", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:9"}],
    "paths": {
        **_get("/fast", "fast"),
        **_get("/slow", "slow"),
        **_get("/flaky", "flaky"),
        **_get("/after", "after"),
        **_get("/fallback", "fallback"),
        **_get("/fault/drip", "drip"),
        **_get("/fault/stall-body", "stallBody"),
        **_get("/fault/hang", "hang"),
        **_get("/fault/sse-stall", "sseStall"),
    },
}

HEAD = """\
arazzo: 1.1.0
info: {title: timeouts, version: '1'}
sourceDescriptions: [{name: api, url: api.openapi.json, type: openapi}]
workflows:
"""


def load(tmp_path: Path, workflows: str, url: str, **options: Any) -> Engine:
    (tmp_path / "api.openapi.json").write_text(json.dumps(API), encoding="utf-8")
    path = tmp_path / "timed.arazzo.yaml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(workflows), "  "), encoding="utf-8")
    return Engine.load(path, servers={"api": url}, **options)


def sleeping(seconds: float, body: Any = None) -> Any:
    """A route that waits ``seconds`` before it answers (nothing is sent meanwhile)."""

    def answer(request: Received) -> Reply:
        time.sleep(seconds)
        return Reply(200, {"done": True} if body is None else body)

    return answer


def paths(server: RecordingServer) -> list[str]:
    return [r.path for r in server.requests]


ONE_STEP = """\
- workflowId: w
  outputs: {status: $steps.s.outputs.status, body: $steps.s.outputs.body}
  steps:
    - stepId: s
      operationId: OPERATION
      timeout: TIMEOUT
      outputs: {status: $statusCode, body: $response.body}
"""


def one_step(operation: str, timeout: int) -> str:
    return ONE_STEP.replace("OPERATION", operation).replace("TIMEOUT", str(timeout))


# -- HTTP steps -----------------------------------------------------------------------------


def test_a_fast_step_under_its_timeout_succeeds(tmp_path: Path) -> None:
    with RecordingServer(poll_interval=0.05) as server:
        server.route("GET", "/fast", Reply(200, {"ok": 1}))
        with load(tmp_path, one_step("fast", 2000), server.url) as engine:
            result = engine.run("w")
    assert result.succeeded, result.error
    assert result.outputs == {"status": 200, "body": {"ok": 1}}
    assert paths(server) == ["/fast"]


def test_a_server_slow_to_answer_fails_the_step_at_its_timeout(tmp_path: Path) -> None:
    with RecordingServer(poll_interval=0.05) as server:
        server.route("GET", "/slow", sleeping(0.6))
        with load(tmp_path, one_step("slow", 150), server.url) as engine:
            started = time.monotonic()
            result = engine.run("w")
            elapsed = time.monotonic() - started
    assert not result.succeeded
    assert elapsed < 0.5, elapsed
    step = result.steps[0]
    assert step.error is not None
    assert step.error.startswith("step 's' of workflow 'w': timeout: the step's timeout of 150 ms")
    assert "GET http://127.0.0.1:" in step.error  # what the transport saw, as the detail
    assert step.status_code is None and step.response is None
    assert result.outputs == {"status": None, "body": None}


@pytest.mark.parametrize("operation", ["drip", "stallBody"])
def test_a_body_trickled_or_stalled_cannot_outlast_the_timeout(
    tmp_path: Path, operation: str
) -> None:
    """Headers come at once; then a byte every 50 ms (drip), or a part and nothing (stall)."""
    workflow = one_step(operation, 250)
    with FaultServer(drip_interval=0.05) as server, load(tmp_path, workflow, server.url) as engine:
        started = time.monotonic()
        result = engine.run("w")
        elapsed = time.monotonic() - started
    assert not result.succeeded
    assert elapsed < 0.6, elapsed
    error = result.steps[0].error or ""
    assert "timeout: the step's timeout of 250 ms expired" in error, error
    assert "HTTP 200" in error  # the headers had come: the body is what ran out of time
    assert result.outputs == {"status": None, "body": None}


def test_a_server_that_never_answers_fails_the_step_at_its_timeout(tmp_path: Path) -> None:
    with FaultServer() as server, load(tmp_path, one_step("hang", 200), server.url) as engine:
        started = time.monotonic()
        result = engine.run("w")
        elapsed = time.monotonic() - started
    assert 0.19 < elapsed < 0.6, elapsed
    assert "timeout: the step's timeout of 200 ms expired" in (result.error or "")


def test_a_streamed_response_is_judged_at_its_headers(tmp_path: Path) -> None:
    """An event stream's step returns at the headers: the timeout does not cover reading it."""
    workflow = """\
    - workflowId: w
      steps:
        - stepId: s
          operationId: sseStall
          timeout: 300
          successCriteria: [{condition: $statusCode == 200}]
    """
    with FaultServer() as server, load(tmp_path, workflow, server.url) as engine:
        result = engine.run("w")
        assert result.succeeded, result.error
        response = result.steps[0].response
        assert response is not None and response.is_stream
        time.sleep(0.35)  # past the step's timeout: the open stream still reads
        first = next(response.events())
        response.close()
    assert first.data


def test_timeout_zero_fails_before_sending_anything(tmp_path: Path) -> None:
    with RecordingServer(poll_interval=0.05) as server:
        server.route("GET", "/fast", Reply(200, {}))
        with load(tmp_path, one_step("fast", 0), server.url) as engine:
            result = engine.run("w")
    assert not result.succeeded
    error = result.steps[0].error or ""
    assert "timeout: the step's timeout of 0 ms expired" in error
    assert "nothing was sent" in error
    assert server.requests == []


def test_an_answer_after_the_deadline_does_not_count(tmp_path: Path) -> None:
    """A transport that cannot stop early (a mock handler) still fails the step at expiry."""

    def handler(request: HttpRequest) -> HttpResponse:
        time.sleep(0.15)
        return HttpResponse(200, json={"late": True})

    workflow = one_step("fast", 50)
    with load(tmp_path, workflow, "http://api.test", transport=MockTransport(handler)) as engine:
        result = engine.run("w")
    assert not result.succeeded
    error = result.steps[0].error or ""
    assert "timeout: the step's timeout of 50 ms expired (the answer (HTTP 200) came after it)" in (
        error
    )
    assert result.outputs == {"status": None, "body": None}


# -- failure actions ------------------------------------------------------------------------


class SlowThenFast:
    """The first request waits ``first`` seconds, the next ones ``then``."""

    def __init__(self, first: float, then: float) -> None:
        self.first, self.then = first, then
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, request: Received) -> Reply:
        with self.lock:
            self.count += 1
            wait = self.first if self.count == 1 else self.then
        time.sleep(wait)
        return Reply(200, {"attempt": self.count})


def test_a_workflow_retry_after_a_timeout_gets_a_fresh_budget(tmp_path: Path) -> None:
    """The second attempt takes 120 ms of a 250 ms budget, after the first used all of its
    own: only a fresh budget per attempt lets it succeed."""
    workflow = """\
    - workflowId: w
      failureActions:
        - {name: again, type: retry, retryAfter: 0, retryLimit: 1}
      outputs: {attempt: $steps.s.outputs.attempt}
      steps:
        - stepId: s
          operationId: flaky
          timeout: 250
          successCriteria: [{condition: $statusCode == 200}]
          outputs: {attempt: $response.body#/attempt}
    """
    events: list[Event] = []
    with RecordingServer(poll_interval=0.05) as server:
        server.route("GET", "/flaky", SlowThenFast(0.6, 0.12))
        with load(tmp_path, workflow, server.url) as engine:
            result = engine.run("w", on_event=events.append)
    assert result.succeeded, result.error
    assert [(s.attempt, s.succeeded) for s in result.steps] == [(1, False), (2, True)]
    assert "timeout: the step's timeout of 250 ms expired" in (result.steps[0].error or "")
    assert result.outputs == {"attempt": 2}
    finished = [e for e in events if isinstance(e, StepFinished)]
    assert [e.succeeded for e in finished] == [False, True]
    assert finished[0].error is not None and "timeout:" in finished[0].error


def test_on_failure_goto_applies_on_a_timeout_and_status_criteria_do_not_match(
    tmp_path: Path,
) -> None:
    workflow = """\
    - workflowId: w
      outputs: {from: $steps.fallback.outputs.body}
      steps:
        - stepId: s
          operationId: slow
          timeout: 120
          onFailure:
            - name: on-gateway-error
              type: goto
              stepId: after
              criteria: [{condition: $statusCode == 504}]
            - {name: to-fallback, type: goto, stepId: fallback}
        - stepId: after
          operationId: after
        - stepId: fallback
          operationId: fallback
          outputs: {body: $response.body}
    """
    with RecordingServer(poll_interval=0.05) as server:
        server.route("GET", "/slow", sleeping(0.5))
        server.route("GET", "/fallback", Reply(200, {"plan": "b"}))
        with load(tmp_path, workflow, server.url) as engine:
            result = engine.run("w")
    assert result.succeeded, result.error
    assert [(s.step_id, s.succeeded) for s in result.steps] == [("s", False), ("fallback", True)]
    assert result.outputs == {"from": {"plan": "b"}}
    assert "/after" not in paths(server)


# -- workflow steps -------------------------------------------------------------------------

PARENT_AND_CHILD = """\
- workflowId: parent
  steps:
    - stepId: call
      workflowId: child
      timeout: 300
- workflowId: child
  steps:
    - stepId: first
      operationId: fast
    - stepId: second
      operationId: slow
    - stepId: third
      operationId: after
"""


def test_a_workflow_step_hands_its_deadline_to_a_slow_child(tmp_path: Path) -> None:
    with RecordingServer(poll_interval=0.05) as server:
        server.route("GET", "/fast", Reply(200, {}))
        server.route("GET", "/slow", sleeping(0.7))
        server.route("GET", "/after", Reply(200, {}))
        with load(tmp_path, PARENT_AND_CHILD, server.url) as engine:
            started = time.monotonic()
            result = engine.run("parent")
            elapsed = time.monotonic() - started
    assert not result.succeeded
    assert elapsed < 0.65, elapsed
    by_step = {s.step_id: s for s in result.steps}
    assert list(by_step) == ["first", "second", "call"]
    inner = by_step["second"].error or ""
    assert (
        "timeout: the timeout of step 'call' of workflow 'parent' (300 ms), which runs this "
        "workflow, expired" in inner
    ), inner
    outer = by_step["call"].error or ""
    assert outer.startswith("step 'call' of workflow 'parent': timeout: the step's timeout of 300")
    assert "workflow 'child' failed" in outer
    assert paths(server) == ["/fast", "/slow"]  # the child stopped: 'third' was never sent


def test_a_child_stops_at_its_next_step_boundary_once_the_deadline_passed(
    tmp_path: Path,
) -> None:
    """The child's own step has no timeout but its HTTP call is capped by what is left;
    after a retry wait that reaches the deadline, the child stops before running again."""
    workflow = """\
    - workflowId: parent
      steps:
        - stepId: call
          workflowId: child
          timeout: 200
    - workflowId: child
      steps:
        - stepId: poll
          operationId: slow
          onFailure:
            - {name: again, type: retry, retryAfter: 5, retryLimit: 3}
    """
    with RecordingServer(poll_interval=0.05) as server:
        server.route("GET", "/slow", sleeping(0.5))
        with load(tmp_path, workflow, server.url) as engine:
            started = time.monotonic()
            result = engine.run("parent")
            elapsed = time.monotonic() - started
    assert not result.succeeded
    assert elapsed < 0.6, elapsed  # the 5 s retry wait was cut to what was left
    assert len(server.requests) == 1
    outer = result.steps[-1].error or ""
    assert "workflow 'child' stopped before step 'poll'" in outer, outer


def test_a_fast_child_under_the_timeout_succeeds(tmp_path: Path) -> None:
    with RecordingServer(poll_interval=0.05) as server:
        server.answer_ok("GET /fast", "GET /after")
        server.route("GET", "/slow", Reply(200, {}))
        with load(tmp_path, PARENT_AND_CHILD, server.url) as engine:
            result = engine.run("parent")
    assert result.succeeded, result.error
    assert paths(server) == ["/fast", "/slow", "/after"]
