"""Composition through MockTransport (no socket): parameters, components, workflow steps, dependsOn,
operationPath and operations of several sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine import ArazzoValidationError, Engine
from tests.http_server import MockServer, Received, Reply

BEHAVIOUR = Path(__file__).parent / "workflows" / "behaviour"
COMPOSITION = BEHAVIOUR / "composition.arazzo.yaml"


def engine_for(server: MockServer) -> Engine:
    return Engine.load(
        COMPOSITION,
        servers={"api": server.url, "other": server.url + "/other"},
        transport=server.transport,
    )


def paths(server: MockServer) -> list[str]:
    return [request.path for request in server.requests]


def headers_named(request: Received, name: str) -> list[str]:
    return [value for key, value in request.headers.items() if key.lower() == name.lower()]


# -- parameters -----------------------------------------------------------------------
def test_workflow_parameters_merge_with_step_parameters(mock_server: MockServer) -> None:
    mock_server.route("GET", "/items/one", Reply(200, {}))
    mock_server.route("GET", "/items/two", Reply(200, {}))
    mock_server.route("GET", "/other/things/three", Reply(200, {}))
    mock_server.route("GET", "/other/only-other", Reply(200, {}))
    result = engine_for(mock_server).run("parameters")
    assert result.succeeded, result.error
    one, two, three, only = mock_server.requests
    # The step's x-trace replaces the workflow's X-Trace (header names are case-insensitive);
    # the workflow's other parameters are still sent, the reusable one with its value override.
    assert one.path == "/items/one"
    assert headers_named(one, "X-Trace") == ["step-trace"]
    assert sorted(one.query) == [("lang", "en"), ("page", "7")]
    # operationPath; a step-level reusable parameter (no value override) replaces the workflow's.
    assert two.path == "/items/two"
    assert headers_named(two, "X-Trace") == ["wf-trace"]
    assert sorted(two.query) == [("lang", "en"), ("page", "1")]
    # A qualified operationId of the second source goes to that source's server.
    assert three.path == "/other/things/three"
    assert headers_named(three, "X-Trace") == ["wf-trace"]
    assert sorted(three.query) == [("lang", "en"), ("page", "7")]
    # A bare operationId that only one of the two sources defines is that one.
    assert only.path == "/other/only-other"
    assert [s.step_id for s in result.steps] == [
        "stepOverride",
        "byPath",
        "otherSource",
        "bareUnique",
    ]


def test_bare_operation_id_in_two_sources_is_a_load_error_listing_candidates() -> None:
    with pytest.raises(ArazzoValidationError) as info:
        Engine.load(BEHAVIOUR / "ambiguous.arazzo.yaml")
    text = str(info.value)
    assert "'getItem'" in text
    assert "$sourceDescriptions.api.getItem" in text
    assert "$sourceDescriptions.other.getItem" in text
    assert "/workflows/0/steps/0/operationId" in text


# -- reusable actions -----------------------------------------------------------------
def test_reusable_success_and_failure_actions(mock_server: MockServer) -> None:
    mock_server.route("GET", "/hit/flaky", [Reply(503, {}), Reply(200, {})])
    result = engine_for(mock_server).run("reusableActions")
    assert result.succeeded, result.error
    # retryBusy retried once, then the reusable `stop` ended the run before `never`.
    assert paths(mock_server) == ["/hit/flaky", "/hit/flaky"]
    assert [s.attempt for s in result.steps] == [1, 2]


def test_reusable_workflow_failure_action_after_the_retry_is_spent(
    mock_server: MockServer,
) -> None:
    mock_server.route("GET", "/hit/flaky", Reply(503, {}))
    mock_server.route("GET", "/hit/fallback", Reply(200, {}))
    result = engine_for(mock_server).run("reusableActions")
    assert result.succeeded, result.error
    assert paths(mock_server) == ["/hit/flaky", "/hit/flaky", "/hit/fallback"]


# -- workflow steps -------------------------------------------------------------------
def test_workflow_step_passes_parameters_as_inputs_and_reads_child_outputs(
    mock_server: MockServer,
) -> None:
    mock_server.route("GET", "/items/i-1", Reply(200, {"name": "Widget"}))
    mock_server.route("GET", "/hit/Widget", Reply(200, {}))
    result = engine_for(mock_server).run("parent", {"itemId": "i-1"})
    assert result.succeeded, result.error
    get, after = mock_server.requests
    # The child's inputs schema comes from components.inputs; its default fills `lang`.
    assert get.path == "/items/i-1" and get.query == [("lang", "fr")]
    assert after.path == "/hit/Widget"
    assert [(s.step_id, s.workflow_id) for s in result.steps] == [
        ("get", "child"),
        ("callChild", "parent"),
        ("after", "parent"),
    ]
    assert result.steps[1].outputs == {"childName": "Widget", "childLang": "fr"}
    assert result.outputs == {"childName": "Widget", "childLang": "fr"}


def test_workflow_step_with_inputs_breaking_the_child_schema_fails_before_sending(
    mock_server: MockServer,
) -> None:
    result = engine_for(mock_server).run("parent", {"itemId": 5})
    assert not result.succeeded
    assert result.error is not None
    assert "'callChild'" in result.error and "inputs.id" in result.error
    assert mock_server.requests == []


def test_failing_child_workflow_fails_the_workflow_step(mock_server: MockServer) -> None:
    mock_server.route("GET", "/items/i-1", Reply(404, {}))
    result = engine_for(mock_server).run("parent", {"itemId": "i-1"})
    assert not result.succeeded
    assert result.error is not None
    assert "'callChild'" in result.error and "'get'" in result.error
    assert paths(mock_server) == ["/items/i-1"]
    assert [(s.step_id, s.succeeded) for s in result.steps] == [
        ("get", False),
        ("callChild", False),
    ]
    # What could be evaluated is kept: the child's `lang` output does not need the response.
    assert result.outputs == {"childName": None, "childLang": "fr"}


# -- dependsOn ------------------------------------------------------------------------
def test_dependency_runs_first_with_filtered_inputs(mock_server: MockServer) -> None:
    mock_server.route("POST", "/token", Reply(200, {"token": "t1"}))
    mock_server.route("GET", "/hit/a", Reply(200, {}))
    result = engine_for(mock_server).run("useA", {"user": "bob", "extra": 1})
    assert result.succeeded, result.error
    token, a = mock_server.requests
    assert (token.method, token.path) == ("POST", "/token")
    assert a.header("Authorization") == "Bearer t1"
    assert result.outputs == {"user": "bob"}
    assert [(s.step_id, s.workflow_id) for s in result.steps] == [
        ("token", "login"),
        ("a", "useA"),
    ]


def test_dependency_inputs_take_their_schema_defaults(mock_server: MockServer) -> None:
    mock_server.route("POST", "/token", Reply(200, {"token": "t1"}))
    mock_server.route("GET", "/hit/a", Reply(200, {}))
    result = engine_for(mock_server).run("useA")
    assert result.succeeded, result.error
    assert result.outputs == {"user": "anon"}


def test_shared_dependency_runs_once_per_run(mock_server: MockServer) -> None:
    mock_server.route("POST", "/token", Reply(200, {"token": "t1"}))
    for name in ("a", "b", "c"):
        mock_server.route("GET", f"/hit/{name}", Reply(200, {}))
    result = engine_for(mock_server).run("both")
    assert result.succeeded, result.error
    assert paths(mock_server) == ["/token", "/hit/a", "/hit/b", "/hit/c"]
    assert [r.header("Authorization") for r in mock_server.requests[1:3]] == [
        "Bearer t1",
        "Bearer t1",
    ]
    assert result.outputs == {"user": "anon", "token": "t1"}
    assert [s.workflow_id for s in result.steps] == ["login", "useA", "useB", "both"]


def test_failed_dependency_fails_the_dependent_before_its_steps(
    mock_server: MockServer,
) -> None:
    mock_server.route("POST", "/token", Reply(500, {}))
    result = engine_for(mock_server).run("both")
    assert not result.succeeded
    assert result.error is not None
    assert "depends on 'login'" in result.error and "'token'" in result.error
    assert paths(mock_server) == ["/token"]
    assert [s.step_id for s in result.steps] == ["token"]
    assert result.outputs == {"user": None, "token": None}
