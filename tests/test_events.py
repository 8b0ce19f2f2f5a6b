"""Engine.run(on_event=...): typed events, in order, redacted; none built without a listener."""

from __future__ import annotations

import dataclasses
import email.utils
import gc
import itertools
import time
from typing import Any

import pytest

from arazzo_engine import Engine
from arazzo_engine import events as events_module
from arazzo_engine.events import (
    ActionTaken,
    CriterionEvaluated,
    Event,
    ExpressionEvaluated,
    RequestSent,
    ResponseReceived,
    StepFinished,
    StepStarted,
    StreamEnded,
    StreamEvent,
    WorkflowFinished,
    WorkflowStarted,
)
from arazzo_engine.expressions import evaluate_condition, parse_condition
from arazzo_engine.expressions.trace import Term, source_text, trace_condition
from arazzo_engine.run import event_observer as event_observer_module
from fixtures.fal.fake_fal_server import FakeFalServer
from tests.conftest import FAL_WORKFLOW
from tests.expression_context import DictContext
from tests.http_server import RecordingServer, Reply
from tests.shop import CREDENTIALS, SECRETS, SHOP, serve_shop


def load(server: RecordingServer) -> Engine:
    return Engine.load(SHOP, servers={"shop": server.url}, credentials=CREDENTIALS)


def run_order(server: RecordingServer, **inputs: Any) -> tuple[list[Event], Any]:
    events: list[Event] = []
    given = {"itemId": "widget", "quantity": 2, **inputs}
    result = load(server).run("order", given, on_event=events.append)
    return events, result


def outline(events: list[Event]) -> list[tuple[str, str | None]]:
    """(event type, step id) for the events that mark the flow."""
    shown = (WorkflowStarted, StepStarted, RequestSent, ResponseReceived, StepFinished)
    shown += (ActionTaken, WorkflowFinished)
    return [(type(e).__name__, getattr(e, "step_id", None)) for e in events if isinstance(e, shown)]


def test_events_arrive_in_execution_order(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    events, result = run_order(http_server)
    assert result.succeeded, result.error
    step = [
        ("StepStarted", None),
        ("RequestSent", None),
        ("ResponseReceived", None),
        ("StepFinished", None),
    ]

    def flow(step_id: str) -> list[tuple[str, str | None]]:
        return [(name, step_id) for name, _ in step]

    assert outline(events) == [
        ("WorkflowStarted", None),
        *flow("getItem"),
        *flow("createOrder"),
        *flow("pollStatus"),  # 503
        ("ActionTaken", "pollStatus"),  # retry
        *flow("pollStatus"),  # packing
        ("ActionTaken", "pollStatus"),  # goto itself
        *flow("pollStatus"),  # shipped
        ("WorkflowFinished", None),
    ]
    attempts = [e.attempt for e in events if isinstance(e, StepStarted)]
    assert attempts == [1, 1, 1, 2, 3]
    finished = [e for e in events if isinstance(e, StepFinished)]
    assert [e.result for e in finished] == result.steps
    assert [e.succeeded for e in finished] == [True, True, False, True, True]
    done = events[-1]
    assert isinstance(done, WorkflowFinished)
    assert done.succeeded and done.outputs == {"orderId": "o-1", "state": "shipped"}


def test_criteria_carry_the_value_of_each_side(http_server: RecordingServer) -> None:
    serve_shop(http_server, stock=1)
    events, result = run_order(http_server)
    assert not result.succeeded
    (criterion,) = [e for e in events if isinstance(e, CriterionEvaluated)]
    assert criterion.step_id == "getItem" and criterion.where == "successCriteria"
    assert not criterion.passed and criterion.kind == "simple"
    assert criterion.terms == (
        Term("$statusCode == 200", "==", "$statusCode", 200, "200", 200, True),
        Term(
            "$response.body#/stock >= $inputs.quantity",
            ">=",
            "$response.body#/stock",
            1,
            "$inputs.quantity",
            2,
            False,
        ),
    )
    assert isinstance(events[-1], WorkflowFinished) and not events[-1].succeeded


def test_actions_and_their_criteria(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    events, _ = run_order(http_server)
    actions = [e for e in events if isinstance(e, ActionTaken)]
    assert [(a.where, a.name, a.type, a.target_step) for a in actions] == [
        ("onFailure", "busy", "retry", None),
        ("onSuccess", "notYet", "goto", "pollStatus"),
    ]
    judged = [(e.where, e.passed) for e in events if isinstance(e, CriterionEvaluated)]
    assert ("onSuccess notYet", True) in judged and ("onSuccess notYet", False) in judged


def test_expressions_report_parameters_bodies_and_outputs(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    events, _ = run_order(http_server, express=True, notes={"gift": True})
    values = [
        (e.step_id, e.field, e.expression, e.value)
        for e in events
        if isinstance(e, ExpressionEvaluated)
    ]
    assert ("getItem", "parameter id (path)", "$inputs.itemId", "widget") in values
    body = next(v for v in values if v[1] == "requestBody")
    assert body[3] == {"item": "widget", "quantity": 2, "express": True, "notes": {"gift": True}}
    assert body[2].startswith('{"item": $inputs.itemId')
    assert ("createOrder", "output orderId", "$response.body#/id", "o-1") in values
    assert (None, "workflow output state", "$steps.pollStatus.outputs.state", "shipped") in values


def test_expressions_say_what_they_are_in_typed_fields(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    events, _ = run_order(http_server, express=True)
    typed = {
        e.field: (e.role, e.name, e.location) for e in events if isinstance(e, ExpressionEvaluated)
    }
    assert typed["parameter id (path)"] == ("parameter", "id", "path")
    assert typed["requestBody"] == ("requestBody", None, None)
    assert typed["output orderId"] == ("output", "orderId", None)
    assert typed["workflow output state"] == ("workflowOutput", "state", None)
    assert {role for role, _, _ in typed.values()} == {
        "parameter",
        "requestBody",
        "output",
        "workflowOutput",
    }


def test_criteria_and_actions_say_their_phase_in_typed_fields(
    http_server: RecordingServer,
) -> None:
    serve_shop(http_server)
    events, _ = run_order(http_server)
    judged = {(e.where, e.phase, e.action) for e in events if isinstance(e, CriterionEvaluated)}
    assert ("successCriteria", "successCriteria", None) in judged
    assert ("onSuccess notYet", "onSuccess", "notYet") in judged
    actions = [(e.where, e.phase, e.name) for e in events if isinstance(e, ActionTaken)]
    assert actions == [("onFailure", "onFailure", "busy"), ("onSuccess", "onSuccess", "notYet")]


def test_a_retry_waits_the_delay_its_event_announced(http_server: RecordingServer) -> None:
    # An HTTP-date Retry-After is a different number of seconds each time it is read:
    # the event and the sleep must share one reading.
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    serve_shop(http_server, busy_headers={"Retry-After": when})
    engine = load(http_server)
    slept: list[float] = []
    engine._settings = dataclasses.replace(engine._settings, sleep=slept.append)
    events: list[Event] = []
    result = engine.run("order", {"itemId": "widget", "quantity": 2}, on_event=events.append)
    assert result.succeeded, result.error
    (retry,) = [e for e in events if isinstance(e, ActionTaken) and e.type == "retry"]
    assert 25 < retry.delay <= 30
    assert slept == [retry.delay]


def test_no_event_holds_a_credential(http_server: RecordingServer) -> None:
    serve_shop(http_server)
    events, _ = run_order(http_server)
    text = "\n".join(repr(e) for e in events)
    for secret in SECRETS:
        assert secret not in text
    sent = [e for e in events if isinstance(e, RequestSent)]
    assert dict(sent[0].headers)["X-Api-Key"] == "***"
    assert dict(sent[1].headers)["Authorization"] == "***"
    assert sent[2].url.endswith("api_key=***")
    # The live request still carries them, for tools that need it.
    assert sent[0].request.headers["X-Api-Key"] == CREDENTIALS["ApiKey"]
    # The careless API echoes the key in its body: the preview masks it.
    received = next(e for e in events if isinstance(e, ResponseReceived))
    assert received.body is not None and '"seenKey": "***"' in received.body


FAL_INPUTS = {"modelOwner": "fal-ai", "modelName": "any-llm", "input": {"prompt": "hi"}}


def _fal_engine(server: FakeFalServer) -> Engine:
    return Engine.load(
        FAL_WORKFLOW,
        servers={"falModelApis": server.url},
        credentials={"FalKeyAuth": "Key k-123456"},
    )


def test_stream_events_follow_the_reader() -> None:
    events: list[Event] = []
    with FakeFalServer(api_key="k-123456", events=2, interval=0.01) as server:
        engine = _fal_engine(server)
        with engine.run("stream-inference", FAL_INPUTS, on_event=events.append) as result:
            assert isinstance(events[-1], WorkflowFinished)
            response = result.steps[0].response
            assert response is not None
            first = next(response.events())
            assert isinstance(events[-1], StreamEvent) and events[-1].event == first
            rest = list(response.events())  # a second call continues the same stream
    streamed = [e for e in events if isinstance(e, StreamEvent)]
    assert [e.index for e in streamed] == [0, 1, 2]
    assert [e.event.event for e in streamed] == ["progress", "progress", "output"]
    assert [e.event for e in streamed[1:]] == rest
    assert all(a.elapsed <= b.elapsed for a, b in itertools.pairwise(streamed))
    end = events[-1]
    assert isinstance(end, StreamEnded) and end.count == 3 and end.error is None


def _forbid_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building any event, wherever it happens, fails; so does watching a stream."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("an event was built without on_event")

    kinds = [
        k for k in vars(events_module).values() if isinstance(k, type) and issubclass(k, Event)
    ]
    assert len(kinds) == 14
    for kind in kinds:
        monkeypatch.setattr(kind, "__init__", forbidden)
    monkeypatch.setattr(event_observer_module, "observe_stream", forbidden)


def test_without_a_listener_no_event_is_built(
    http_server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _forbid_events(monkeypatch)
    serve_shop(http_server)  # a retry, a goto, action criteria, outputs
    result = load(http_server).run("order", {"itemId": "widget", "quantity": 2})
    assert result.succeeded, result.error
    with pytest.raises(AssertionError, match="without on_event"):
        load(http_server).run("order", {"itemId": "widget", "quantity": 2}, on_event=lambda e: None)


def test_without_a_listener_a_stream_is_not_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    _forbid_events(monkeypatch)
    with FakeFalServer(api_key="k-123456", events=2, interval=0.01) as server:
        engine = _fal_engine(server)
        with engine.run("stream-inference", FAL_INPUTS) as result:
            assert result.succeeded, result.error
            response = result.steps[0].response
            assert response is not None and response.is_stream
            assert [e.event for e in response.events()] == ["progress", "progress", "output"]
        with pytest.raises(AssertionError, match="without on_event"):
            engine.run("stream-inference", FAL_INPUTS, on_event=lambda e: None)


def test_a_finished_run_is_freed_without_the_cycle_collector(http_server: RecordingServer) -> None:
    # A run's parts refer to one another only one way, so dropping its result
    # frees its responses at once (a reference cycle would keep them, and
    # whatever they hold, until the collector runs).
    serve_shop(http_server)
    engine = load(http_server)
    gc.collect()
    gc.disable()
    try:
        engine.run("order", {"itemId": "widget", "quantity": 2})
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        kept = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not kept & {"HttpResponse", "StepResult", "Interpreter", "StepRunner"}


def test_a_listener_exception_propagates(http_server: RecordingServer) -> None:
    serve_shop(http_server)

    def stop(event: Event) -> None:
        if isinstance(event, StepFinished):
            raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        load(http_server).run("order", {"itemId": "widget", "quantity": 2}, on_event=stop)
    assert len(http_server.requests) == 1


def test_run_many_stamps_each_run(http_server: RecordingServer) -> None:
    http_server.route("GET", "/slow", Reply(200, {"done": True}))
    events: list[Event] = []
    engine = load(http_server)
    results = engine.run_many("slow", [{}, {}, {}], concurrency=2, on_event=events.append)
    assert all(r.succeeded for r in results)
    finished = sorted(e.run for e in events if isinstance(e, StepFinished))
    assert finished == [0, 1, 2]
    for index in range(3):
        mine = [type(e).__name__ for e in events if e.run == index]
        assert mine[0] == "WorkflowStarted" and mine[-1] == "WorkflowFinished"


def test_nested_workflow_events_nest(http_server: RecordingServer) -> None:
    serve_shop(http_server, busy_first=False, states=("shipped",))
    events: list[Event] = []
    result = load(http_server).run("checkout", {"itemId": "widget"}, on_event=events.append)
    assert result.succeeded, result.error
    marks = [
        (type(e).__name__, getattr(e, "workflow_id", None), getattr(e, "step_id", None))
        for e in events
        if isinstance(e, (WorkflowStarted, WorkflowFinished, StepStarted, StepFinished))
    ]
    assert marks[:3] == [
        ("WorkflowStarted", "checkout", None),
        ("StepStarted", "checkout", "placeOrder"),
        ("WorkflowStarted", "order", None),
    ]
    assert marks[-4:] == [
        ("StepFinished", "checkout", "placeOrder"),
        ("StepStarted", "checkout", "confirm"),
        ("StepFinished", "checkout", "confirm"),
        ("WorkflowFinished", "checkout", None),
    ]
    starts = [e for e in events if isinstance(e, WorkflowStarted)]
    assert [(e.workflow_id, e.depth) for e in starts] == [("checkout", 0), ("order", 1)]
    default = [e for e in events if isinstance(e, CriterionEvaluated) and e.step_id == "confirm"]
    assert [(c.kind, c.passed) for c in default] == [("default", True)]


# ---------------------------------------------------------------- tracing

CONDITIONS = [
    "$statusCode == 200",
    "$statusCode == 200 && $response.body#/n > 2",
    "$statusCode == 404 || $response.body#/name == 'REX'",
    "!($statusCode == 200)",
    "$response.body#/ok",
    "!$response.body#/ok",
    "$response.body#/items[1].id == 'b' && $inputs.x != null",
    "$response.body#/missing == null || $statusCode >= 500",
    "$response.body#/n <= '3' && ($statusCode < 300 || false)",
]


@pytest.mark.parametrize("text", CONDITIONS)
@pytest.mark.parametrize("status", [200, 404, 503])
def test_trace_gives_the_same_verdict_as_evaluation(text: str, status: int) -> None:
    condition = parse_condition(text)
    context = DictContext(
        status_code=status,
        response_payload={"n": 3, "name": "rex", "ok": True, "items": [{"id": "a"}, {"id": "b"}]},
        input_values={"x": 1},
    )
    verdict, terms = trace_condition(condition, context)  # type: ignore[arg-type]
    assert verdict is evaluate_condition(condition, context)  # type: ignore[arg-type]
    assert terms, "at least one comparison is recorded"
    for term in terms:
        if term.op is not None:
            assert term.text == f"{term.left} {term.op} {term.right}"


def test_trace_short_circuits_like_evaluation() -> None:
    condition = parse_condition("$statusCode == 500 && $response.body#/n == 3")
    _, terms = trace_condition(condition, DictContext(status_code=200))  # type: ignore[arg-type]
    assert [t.text for t in terms] == ["$statusCode == 500"]


def test_source_text_of_values() -> None:
    from arazzo_engine.expressions import parse_value

    node = parse_value({"a": "$inputs.x", "b": [1, "Bearer {$inputs.t}"]})
    assert source_text(node) == '{"a": $inputs.x, "b": [1, Bearer {$inputs.t}]}'


def test_a_body_that_is_not_text_is_described_not_shown(http_server: RecordingServer) -> None:
    from arazzo_engine.reports.render import response_lines

    http_server.route(
        "GET", "/slow", Reply(200, b"\x89PNG\r\n\x1a\n\x00\x00", content_type="image/png")
    )
    events: list[Event] = []
    assert load(http_server).run("slow", on_event=events.append).succeeded
    (received,) = [e for e in events if isinstance(e, ResponseReceived)]
    assert received.body is None and received.body_size == 10
    assert response_lines(received)[-1] == "< [10 bytes, not text]"
