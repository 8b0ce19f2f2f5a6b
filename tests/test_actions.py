"""Success and failure actions through MockTransport (no socket): end, goto, retry, criteria."""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from arazzo_engine import Engine
from tests.http_server import MockServer, Received, Reply

ACTIONS = Path(__file__).parent / "workflows" / "behaviour" / "actions.arazzo.yaml"


def engine_for(server: MockServer, **options: object) -> Engine:
    return Engine.load(ACTIONS, servers={"api": server.url}, transport=server.transport, **options)  # type: ignore[arg-type]


def paths(server: MockServer) -> list[str]:
    return [request.path for request in server.requests]


def ok(body: object = None) -> Reply:
    return Reply(200, {} if body is None else body)


class Clock:
    """A route that records when each request arrived (time.perf_counter)."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.arrivals: list[float] = []

    def __call__(self, request: Received) -> Reply:
        self.arrivals.append(time.perf_counter())
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    @property
    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.arrivals, self.arrivals[1:], strict=False)]


# -- end ------------------------------------------------------------------------------
def test_end_from_on_success_ends_the_run_successfully(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/first", ok({"value": "v1"}))
    result = engine_for(mock_server).run("endOnSuccess")
    assert result.succeeded, result.error
    assert result.error is None
    assert paths(mock_server) == ["/hit/first"]
    assert result.outputs == {"value": "v1", "skipped": None}
    assert [s.step_id for s in result.steps] == ["first"]


def test_end_from_on_failure_ends_the_run_as_failed(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/first", Reply(500, {"value": "partial"}))
    result = engine_for(mock_server).run("endOnFailure")
    assert not result.succeeded
    assert result.error is not None and "'first'" in result.error and "500" in result.error
    assert paths(mock_server) == ["/hit/first"]
    # Outputs are still computed on the way out.
    assert result.outputs == {"value": "partial"}
    assert result.steps[0].outputs == {"value": "partial"}


# -- goto step ------------------------------------------------------------------------
def test_goto_forward_skips_the_steps_in_between(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/first", ok())
    mock_server.route("GET", "/hit/last", ok())
    result = engine_for(mock_server).run("gotoForward")
    assert result.succeeded, result.error
    assert paths(mock_server) == ["/hit/first", "/hit/last"]
    assert [s.step_id for s in result.steps] == ["first", "last"]


def test_backward_goto_loops_until_its_criteria_stop_matching(
    mock_server: MockServer,
) -> None:
    mock_server.route("GET", "/hit/start", ok())
    mock_server.route(
        "GET",
        "/hit/check",
        [ok({"state": "pending"}), ok({"state": "pending"}), ok({"state": "done"})],
    )
    mock_server.route("GET", "/hit/decide", ok())
    mock_server.route("GET", "/hit/finish", ok())
    result = engine_for(mock_server).run("poll")
    assert result.succeeded, result.error
    loop = ["/hit/check", "/hit/decide"]
    assert paths(mock_server) == ["/hit/start", *loop, *loop, *loop, "/hit/finish"]
    decide_states = [r.query for r in mock_server.requests if r.path == "/hit/decide"]
    assert decide_states == [[("n", "pending")], [("n", "pending")], [("n", "done")]]
    # result.steps holds every execution in order; attempt counts goto revisits.
    assert [(s.step_id, s.attempt) for s in result.steps] == [
        ("start", 1),
        ("check", 1),
        ("decide", 1),
        ("check", 2),
        ("decide", 2),
        ("check", 3),
        ("decide", 3),
        ("finish", 1),
    ]
    assert result.outputs == {"state": "done"}


def test_max_steps_stops_a_goto_loop_with_a_clear_error(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/start", ok())
    mock_server.route("GET", "/hit/check", ok({"state": "pending"}))
    mock_server.route("GET", "/hit/decide", ok())
    result = engine_for(mock_server, max_steps=7).run("poll")
    assert not result.succeeded
    assert result.error is not None
    assert "max_steps (7)" in result.error and "'check'" in result.error
    assert len(mock_server.requests) == 7
    assert len(result.steps) == 7
    assert "/hit/finish" not in paths(mock_server)


def test_outputs_are_evaluated_when_max_steps_stops_the_run(
    mock_server: MockServer,
) -> None:
    mock_server.route("GET", "/hit/start", ok())
    mock_server.route("GET", "/hit/check", ok({"state": "pending"}))
    mock_server.route("GET", "/hit/decide", ok())
    result = engine_for(mock_server, max_steps=4).run("poll")
    assert not result.succeeded
    assert result.outputs == {"state": "pending"}


# -- goto workflow --------------------------------------------------------------------
def test_goto_workflow_transfers_control_for_good(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/first", ok({"value": "v1"}))
    mock_server.route("GET", "/hit/landed", ok())
    result = engine_for(mock_server).run("transfer", {"who": "ann", "unrelated": "u"})
    assert result.succeeded, result.error
    assert paths(mock_server) == ["/hit/first", "/hit/landed"]
    assert [(s.step_id, s.workflow_id) for s in result.steps] == [
        ("first", "transfer"),
        ("landed", "target"),
    ]
    # The target gets the current inputs filtered to its schema, defaults applied.
    assert mock_server.requests[1].header("Authorization") == "ann/quick/null"
    assert result.outputs == {"value": "v1", "skipped": None}


def test_goto_workflow_target_decides_the_result(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/first", ok({"value": "v1"}))
    mock_server.route("GET", "/hit/landed", Reply(500, {}))
    result = engine_for(mock_server).run("transfer", {"who": "ann"})
    assert not result.succeeded
    assert result.error is not None and "'landed'" in result.error
    assert paths(mock_server) == ["/hit/first", "/hit/landed"]
    assert result.outputs == {"value": "v1", "skipped": None}


# -- retry ----------------------------------------------------------------------------
def test_retry_waits_retry_after_and_stops_once_the_step_succeeds(
    mock_server: MockServer,
) -> None:
    clock = Clock([Reply(503, {}), Reply(503, {}), ok({"value": "third time"})])
    mock_server.route("GET", "/hit/flaky", clock)
    result = engine_for(mock_server).run("retryTwice")
    assert result.succeeded, result.error
    assert result.outputs == {"value": "third time"}
    assert len(mock_server.requests) == 3
    assert [(s.attempt, s.succeeded, s.status_code) for s in result.steps] == [
        (1, False, 503),
        (2, False, 503),
        (3, True, 200),
    ]
    assert all(0.19 <= gap < 1.5 for gap in clock.gaps), clock.gaps


def test_retry_limit_n_allows_at_most_n_plus_one_requests(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/flaky", Reply(503, {}))
    result = engine_for(mock_server).run("retryTwice")
    assert not result.succeeded
    assert result.error is not None and "'flaky'" in result.error and "503" in result.error
    assert len(mock_server.requests) == 3
    assert [s.attempt for s in result.steps] == [1, 2, 3]


def test_retry_without_limit_retries_exactly_once(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/flaky", Reply(503, {}))
    result = engine_for(mock_server).run("retryDefault")
    assert not result.succeeded
    assert len(mock_server.requests) == 2
    assert [s.attempt for s in result.steps] == [1, 2]


def test_retry_limit_zero_never_retries(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/flaky", Reply(503, {}))
    result = engine_for(mock_server).run("retryZero")
    assert not result.succeeded
    assert result.error is not None and "'flaky'" in result.error
    assert len(mock_server.requests) == 1


def _http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(math.floor(time.time()) + seconds_from_now, usegmt=True)


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        pytest.param(lambda: "0", 0.0, 0.9, id="seconds-zero"),
        pytest.param(lambda: "1", 0.95, 2.5, id="seconds"),
        pytest.param(lambda: _http_date(2), 0.9, 2.5, id="http-date"),
        pytest.param(lambda: _http_date(-60), 0.0, 0.9, id="http-date-past"),
    ],
)
def test_retry_after_header_wins_over_retry_after_field(
    mock_server: MockServer, header: Callable[[], str], low: float, high: float
) -> None:
    clock = Clock([Reply(503, {}, headers={"Retry-After": header()}), ok()])
    mock_server.route("GET", "/hit/flaky", clock)
    result = engine_for(mock_server).run("retryHeader")  # retryAfter: 3 in the document
    assert result.succeeded, result.error
    assert len(mock_server.requests) == 2
    (gap,) = clock.gaps
    assert low <= gap < high, gap


def test_exhausted_retry_falls_through_to_the_following_actions(
    mock_server: MockServer,
) -> None:
    mock_server.route("GET", "/hit/flaky", Reply(503, {}))
    mock_server.route("GET", "/hit/fallback", ok())
    result = engine_for(mock_server).run("retryThenFallback")
    assert result.succeeded, result.error
    assert paths(mock_server) == ["/hit/flaky", "/hit/flaky", "/hit/fallback"]
    assert [(s.step_id, s.attempt) for s in result.steps] == [
        ("flaky", 1),
        ("flaky", 2),
        ("fallback", 1),
    ]


def test_first_matching_failure_action_wins(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/flaky", Reply(404, {}))
    mock_server.route("GET", "/hit/missing", ok())
    result = engine_for(mock_server).run("retryThenFallback")
    assert result.succeeded, result.error
    assert paths(mock_server) == ["/hit/flaky", "/hit/missing"]


def test_retry_naming_a_step_runs_it_before_retrying(mock_server: MockServer) -> None:
    mock_server.route("POST", "/token", [ok({"token": "t1"}), ok({"token": "t2"})])

    def secure(request: Received) -> Reply:
        if request.header("Authorization") == "Bearer t2":
            return ok({"value": "secret"})
        return Reply(401, {"error": "expired"})

    mock_server.route("GET", "/hit/secure", secure)
    result = engine_for(mock_server).run("refreshOnStep")
    assert result.succeeded, result.error
    assert result.outputs == {"value": "secret"}
    assert [(r.method, r.path, r.header("Authorization")) for r in mock_server.requests] == [
        ("POST", "/token", None),
        ("GET", "/hit/secure", "Bearer t1"),
        ("POST", "/token", None),
        ("GET", "/hit/secure", "Bearer t2"),
    ]
    assert [(s.step_id, s.attempt, s.status_code) for s in result.steps] == [
        ("login", 1, 200),
        ("secure", 1, 401),
        ("login", 2, 200),
        ("secure", 2, 200),
    ]


def test_retry_naming_a_workflow_runs_it_before_retrying(mock_server: MockServer) -> None:
    mock_server.route("POST", "/token", ok({"token": "t1"}))

    def secure(request: Received) -> Reply:
        if request.header("Authorization") == "Bearer t1":
            return ok()
        return Reply(401, {})

    mock_server.route("GET", "/hit/secure", secure)
    result = engine_for(mock_server).run("refreshOnWorkflow")
    assert result.succeeded, result.error
    assert [(r.path, r.header("Authorization")) for r in mock_server.requests] == [
        ("/hit/secure", "Bearer null"),
        ("/token", None),
        ("/hit/secure", "Bearer t1"),
    ]
    assert [(s.step_id, s.workflow_id, s.attempt) for s in result.steps] == [
        ("secure", "refreshOnWorkflow", 1),
        ("fetchToken", "tokenFlow", 1),
        ("secure", "refreshOnWorkflow", 2),
    ]


# -- action criteria ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "taken"),
    [
        pytest.param(Reply(503, {}, headers={"X-Mode": "header"}), "/hit/via-header", id="header"),
        pytest.param(Reply(409, {"kind": "body"}), "/hit/via-body", id="body-and-status"),
        # byBody needs both criteria: a 400 skips it and byOutput matches on the step's output.
        pytest.param(Reply(400, {"kind": "body", "code": 42}), "/hit/via-output", id="output"),
    ],
)
def test_failure_action_criteria_choose_the_action(
    mock_server: MockServer, reply: Reply, taken: str
) -> None:
    mock_server.route("GET", "/hit/probe", reply)
    for name in ("via-header", "via-body", "via-output"):
        mock_server.route("GET", f"/hit/{name}", ok())
    result = engine_for(mock_server).run("criteriaChoice")
    assert result.succeeded, result.error
    assert paths(mock_server) == ["/hit/probe", taken]


def test_failure_without_a_matching_action_fails_naming_the_step(
    mock_server: MockServer,
) -> None:
    mock_server.route("GET", "/hit/probe", Reply(400, {"code": 41}))
    result = engine_for(mock_server).run("criteriaChoice")
    assert not result.succeeded
    assert result.error is not None
    assert "'probe'" in result.error and "criteriaChoice" in result.error
    assert paths(mock_server) == ["/hit/probe"]
    assert result.steps[0].outputs == {"code": 41}


# -- workflow-level actions -----------------------------------------------------------
def test_workflow_failure_action_applies_to_steps_without_that_name(
    mock_server: MockServer,
) -> None:
    mock_server.route("GET", "/hit/first", ok({"last": False}))
    mock_server.route("GET", "/hit/second", Reply(500, {}))
    mock_server.route("GET", "/hit/recovery", ok())
    result = engine_for(mock_server).run("workflowActions")
    assert result.succeeded, result.error
    assert paths(mock_server) == ["/hit/first", "/hit/second", "/hit/recovery"]


def test_step_action_redefining_a_workflow_action_by_name_replaces_it(
    mock_server: MockServer,
) -> None:
    mock_server.route("GET", "/hit/first", Reply(500, {}))
    mock_server.route("GET", "/hit/recovery", ok())
    result = engine_for(mock_server).run("workflowActions")
    assert not result.succeeded
    assert result.error is not None and "'first'" in result.error
    assert paths(mock_server) == ["/hit/first"]


def test_workflow_success_action_with_criteria(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/first", ok({"last": True}))
    result = engine_for(mock_server).run("workflowActions")
    assert result.succeeded, result.error
    assert paths(mock_server) == ["/hit/first"]
