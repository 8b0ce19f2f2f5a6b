"""Run reports built from a run's events: a full JSON trace, JUnit XML, plain text.

Record a run with a :class:`RunTrace` (it is an ``on_event`` handler), then
render it::

    trace = RunTrace()
    with engine.run("stream-inference", inputs, on_event=trace) as result:
        ...
    Path("run.json").write_text(json.dumps(trace.to_json(), indent=2))
    Path("junit.xml").write_text(junit_xml(trace))
    print("\\n".join(explain_failure(trace)))

Everything comes from the events, whose display fields the engine has already
redacted (see :mod:`arazzo_engine.events`), so no report holds a credential
value.  Bodies are cut at :data:`~arazzo_engine.events.BODY_PREVIEW_CHARS`
characters and stream events at :data:`MAX_STREAM_EVENTS` per step.

JUnit XML: one ``<testsuite>`` per workflow that ran, one ``<testcase>`` per
step of it (classname the workflow id, name the step id).  A step's verdict is
its last execution's; a failure that an ``onFailure`` goto or retry recovered
is not a failure (``<system-out>`` says so); a step that never ran is
``<skipped>``; a workflow that failed outside any step (``max_steps``, a failed
dependency) gets a ``(workflow)`` test case holding the reason.  ``<system-out>``
lists each attempt with its status code, or for a message step (Arazzo 1.1) its
action, channel and wait; the JSON trace keeps a message step's message as it
keeps an HTTP step's request and response.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from arazzo_engine.events import (
    ActionTaken,
    CriterionEvaluated,
    Event,
    ExpressionEvaluated,
    MessageReceived,
    MessageSent,
    RequestSent,
    ResponseReceived,
    StepFinished,
    StepStarted,
    StreamEnded,
    StreamEvent,
    WorkflowFinished,
    WorkflowStarted,
)
from arazzo_engine.expressions.trace import Term
from arazzo_engine.reports.printable import printable_lines
from arazzo_engine.reports.render import explain_failure, explain_step, message_action

__all__ = [
    "MAX_STREAM_EVENTS",
    "RunTrace",
    "StepRecord",
    "WorkflowRecord",
    "explain_failure",
    "junit_xml",
]

MAX_STREAM_EVENTS = 1000
"""Stream events a trace keeps per step (the count goes on)."""


@dataclass
class StepRecord:
    """Everything one step execution emitted."""

    workflow_id: str
    step_id: str
    attempt: int
    target: str
    started_at: float
    """Seconds from the start of the run."""
    expressions: list[ExpressionEvaluated] = field(default_factory=list)
    request: RequestSent | None = None
    response: ResponseReceived | None = None
    message: MessageSent | MessageReceived | None = None
    """A message step's message, as sent or taken (None for an HTTP or workflow step)."""
    criteria: list[CriterionEvaluated] = field(default_factory=list)
    actions: list[ActionTaken] = field(default_factory=list)
    finished: StepFinished | None = None
    stream_events: list[StreamEvent] = field(default_factory=list)
    stream_count: int = 0
    stream_end: StreamEnded | None = None

    @property
    def succeeded(self) -> bool:
        return self.finished is not None and self.finished.succeeded

    @property
    def recovered(self) -> bool:
        """It failed, and an ``onFailure`` goto or retry took over."""
        return any(a.phase == "onFailure" and a.type != "end" for a in self.actions)

    @property
    def failed_criterion(self) -> CriterionEvaluated | None:
        return next(
            (c for c in self.criteria if c.phase == "successCriteria" and not c.passed), None
        )


@dataclass
class WorkflowRecord:
    """One workflow execution."""

    workflow_id: str
    depth: int
    step_ids: tuple[str, ...]
    inputs: Any
    started_at: float
    outputs: list[ExpressionEvaluated] = field(default_factory=list)
    finished: WorkflowFinished | None = None


class RunTrace:
    """An ``on_event`` handler that keeps every event of a run, grouped by step.

    Thread-safe: stream events may come from whichever thread reads the stream.
    """

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.started_wall = datetime.now(timezone.utc)
        self.steps: list[StepRecord] = []
        self.workflows: list[WorkflowRecord] = []
        self._open_steps: list[StepRecord] = []
        self._open_workflows: list[WorkflowRecord] = []
        self._last: dict[tuple[str, str], StepRecord] = {}
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._record(event)

    def _now(self) -> float:
        return time.perf_counter() - self.started

    def _record(self, event: Event) -> None:
        if isinstance(event, WorkflowStarted):
            record = WorkflowRecord(
                event.workflow_id, event.depth, event.step_ids, event.inputs, self._now()
            )
            self.workflows.append(record)
            self._open_workflows.append(record)
        elif isinstance(event, WorkflowFinished):
            if self._open_workflows:
                self._open_workflows.pop().finished = event
        elif isinstance(event, StepStarted):
            step = StepRecord(
                event.workflow_id, event.step_id, event.attempt, event.target, self._now()
            )
            self.steps.append(step)
            self._open_steps.append(step)
        elif isinstance(event, StepFinished):
            if self._open_steps:
                step = self._open_steps.pop()
                step.finished = event
                self._last[(event.workflow_id, event.step_id)] = step
        elif isinstance(event, ExpressionEvaluated):
            if event.step_id is None:
                if self._open_workflows:
                    self._open_workflows[-1].outputs.append(event)
            elif self._open_steps:
                self._open_steps[-1].expressions.append(event)
        elif isinstance(event, RequestSent):
            if self._open_steps:
                self._open_steps[-1].request = event
        elif isinstance(event, ResponseReceived):
            if self._open_steps:
                self._open_steps[-1].response = event
        elif isinstance(event, (MessageSent, MessageReceived)):
            if self._open_steps:
                self._open_steps[-1].message = event
        elif isinstance(event, CriterionEvaluated):
            target = self._step_for(event)
            if target is not None:
                target.criteria.append(event)
        elif isinstance(event, ActionTaken):
            target = self._last.get((event.workflow_id, event.step_id))
            if target is not None:
                target.actions.append(event)
        elif isinstance(event, StreamEvent):
            target = self._last.get((event.workflow_id, event.step_id))
            if target is not None:
                target.stream_count += 1
                if len(target.stream_events) < MAX_STREAM_EVENTS:
                    target.stream_events.append(event)
        elif isinstance(event, StreamEnded):
            target = self._last.get((event.workflow_id, event.step_id))
            if target is not None:
                target.stream_end = event

    def _step_for(self, event: CriterionEvaluated) -> StepRecord | None:
        """Success criteria belong to the open step; action criteria come after it finished."""
        if event.phase == "successCriteria":
            return self._open_steps[-1] if self._open_steps else None
        return self._last.get((event.workflow_id, event.step_id))

    # ------------------------------------------------------------- queries

    @property
    def elapsed(self) -> float:
        return self._now()

    @property
    def top(self) -> WorkflowRecord | None:
        """The workflow the run was asked for (the last one at depth 0)."""
        tops = [w for w in self.workflows if w.depth == 0]
        return tops[-1] if tops else None

    def failing_step(self) -> StepRecord | None:
        """The step execution that ended the run in failure, if one did."""
        for step in reversed(self.steps):
            if step.finished is not None and not step.succeeded and not step.recovered:
                return step
        return None

    # ------------------------------------------------------------- JSON

    def to_json(self) -> dict[str, Any]:
        """The whole trace as one JSON-ready object (see docs/cli.md for its shape)."""
        top = self.top
        done = top.finished if top is not None else None
        found: dict[str, Any] = _jsonable(
            {
                "workflowId": top.workflow_id if top is not None else None,
                "succeeded": done.succeeded if done is not None else False,
                "error": done.error if done is not None else None,
                "outputs": dict(done.outputs) if done is not None else {},
                "startedAt": self.started_wall.isoformat(timespec="milliseconds"),
                "elapsed": round(self.elapsed, 6),
                "workflows": [_workflow_json(w) for w in self.workflows],
                "steps": [_step_json(s) for s in self.steps],
            }
        )
        return found


def _workflow_json(record: WorkflowRecord) -> dict[str, Any]:
    done = record.finished
    return {
        "workflowId": record.workflow_id,
        "depth": record.depth,
        "startedAt": round(record.started_at, 6),
        "inputs": record.inputs,
        "succeeded": done.succeeded if done is not None else None,
        "error": done.error if done is not None else None,
        "elapsed": round(done.elapsed, 6) if done is not None else None,
        "outputs": {e.name: e.value for e in record.outputs},
        "outputExpressions": [_expression_json(e) for e in record.outputs],
    }


def _expression_json(event: ExpressionEvaluated) -> dict[str, Any]:
    return {"field": event.field, "expression": event.expression, "value": event.value}


def _term_json(term: Term) -> dict[str, Any]:
    return {
        "text": term.text,
        "op": term.op,
        "left": term.left,
        "leftValue": term.left_value,
        "right": term.right,
        "rightValue": term.right_value,
        "result": term.result,
    }


def _step_json(step: StepRecord) -> dict[str, Any]:
    done = step.finished
    found: dict[str, Any] = {
        "workflowId": step.workflow_id,
        "stepId": step.step_id,
        "attempt": step.attempt,
        "target": step.target,
        "startedAt": round(step.started_at, 6),
        "elapsed": round(done.elapsed, 6) if done is not None else None,
        "succeeded": done.succeeded if done is not None else None,
        "recovered": step.recovered,
        "statusCode": done.status_code if done is not None else None,
        "error": done.error if done is not None else None,
        "expressions": [_expression_json(e) for e in step.expressions if e.role != "output"],
        "outputs": {e.name: e.value for e in step.expressions if e.role == "output"},
        "request": None,
        "response": None,
        "message": None,
        "criteria": [
            {
                "where": c.where,
                "type": c.kind,
                "condition": c.condition,
                "context": c.context,
                "passed": c.passed,
                "problem": c.problem,
                "terms": [_term_json(t) for t in c.terms],
            }
            for c in step.criteria
        ],
        "actions": [
            {
                "where": a.where,
                "name": a.name,
                "type": a.type,
                "stepId": a.target_step,
                "workflowId": a.target_workflow,
                "delay": a.delay,
            }
            for a in step.actions
        ],
    }
    if step.request is not None:
        sent = step.request
        found["request"] = {
            "method": sent.method,
            "url": sent.url,
            "headers": dict(sent.headers),
            "body": sent.body,
            "bodySize": sent.body_size,
            "bodyTruncated": sent.body_truncated,
        }
    if step.response is not None:
        got = step.response
        found["response"] = {
            "statusCode": got.status_code,
            "contentType": got.content_type,
            "headers": dict(got.headers),
            "stream": got.is_stream,
            "body": got.body,
            "bodySize": got.body_size,
            "bodyTruncated": got.body_truncated,
            "elapsed": round(got.elapsed, 6),
        }
    if step.message is not None:
        found["message"] = _message_json(step.message)
    if step.stream_count or step.stream_end is not None:
        found["stream"] = {
            "count": step.stream_count,
            "ended": step.stream_end is not None,
            "error": step.stream_end.error if step.stream_end is not None else None,
            "events": [
                {
                    "index": e.index,
                    "at": round(e.elapsed, 6),
                    "event": e.event.event,
                    "data": e.event.data,
                    "id": e.event.id,
                }
                for e in step.stream_events
            ],
        }
    return found


def _message_json(message: MessageSent | MessageReceived) -> dict[str, Any]:
    """What a message step's message was, as ``request``/``response`` say what an HTTP
    step's exchange was; ``waited`` is None for a send (nothing was waited for)."""
    waited = round(message.waited, 6) if isinstance(message, MessageReceived) else None
    return {
        "action": "send" if waited is None else "receive",
        "channel": message.channel,
        "server": message.server,
        "headers": dict(message.headers),
        "contentType": message.content_type,
        "payload": message.payload,
        "waited": waited,
    }


def _jsonable(value: Any) -> Any:
    """The value with anything JSON cannot hold turned into text."""
    return json.loads(json.dumps(value, default=_fallback, ensure_ascii=False))


def _fallback(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return repr(value)


# ----------------------------------------------------------------- JUnit

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Text XML can hold, shown as a terminal may show it: control characters escaped."""
    return _XML_INVALID.sub("\ufffd", printable_lines(text))


@dataclass
class _Case:
    workflow_id: str
    step_id: str
    executions: list[StepRecord] = field(default_factory=list)


def junit_xml(trace: RunTrace, name: str = "arazzo") -> str:
    """The run as JUnit XML: a testsuite per workflow, a testcase per step."""
    suites: dict[str, list[WorkflowRecord]] = {}
    for workflow in trace.workflows:
        suites.setdefault(workflow.workflow_id, []).append(workflow)
    root = ET.Element("testsuites", name=_xml(name))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    timestamp = trace.started_wall.replace(tzinfo=None).isoformat(timespec="seconds")
    hostname = socket.gethostname() or "localhost"
    for workflow_id, runs in suites.items():
        suite = ET.SubElement(root, "testsuite", name=_xml(workflow_id))
        counts = _fill_suite(suite, workflow_id, runs, trace.steps)
        elapsed = sum(r.finished.elapsed for r in runs if r.finished is not None)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{elapsed:.3f}")
        suite.set("timestamp", timestamp)
        suite.set("hostname", _xml(hostname))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{trace.elapsed:.3f}")
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"


def _exchange_note(step: StepRecord) -> str:
    """`` (200)`` for an HTTP step, `` (receive orders.eu.replies, waited 12 ms)`` for a
    message step, `` (receive: no message)`` for one whose message never went or came."""
    if step.finished is not None and step.finished.status_code:
        return f" ({step.finished.status_code})"
    message = step.message
    if isinstance(message, MessageReceived):
        return f" (receive {message.channel}, waited {message.waited * 1000:.0f} ms)"
    if isinstance(message, MessageSent):
        return f" (send {message.channel})"
    action = message_action(step.target)
    return f" ({action}: no message)" if action is not None else ""


def _fill_suite(
    suite: ET.Element, workflow_id: str, runs: list[WorkflowRecord], steps: Iterable[StepRecord]
) -> dict[str, int]:
    cases: dict[str, _Case] = {}
    for run in runs:
        for step_id in run.step_ids:
            cases.setdefault(step_id, _Case(workflow_id, step_id))
    for step in steps:
        if step.workflow_id == workflow_id:
            cases.setdefault(step.step_id, _Case(workflow_id, step.step_id)).executions.append(step)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    any_failure = False
    for case in cases.values():
        element = ET.SubElement(suite, "testcase", name=_xml(case.step_id))
        element.set("classname", _xml(workflow_id))
        total = sum(s.finished.elapsed for s in case.executions if s.finished is not None)
        element.set("time", f"{total:.3f}")
        counts["tests"] += 1
        last = case.executions[-1] if case.executions else None
        if last is None:
            ET.SubElement(element, "skipped", message="not run")
            counts["skipped"] += 1
            continue
        notes = [
            f"attempt {s.attempt}: {'passed' if s.succeeded else 'failed'}"
            + _exchange_note(s)
            + (" (recovered by onFailure)" if s.recovered else "")
            for s in case.executions
        ]
        if last.finished is None:  # the run stopped inside it (a nested abort)
            error = ET.SubElement(element, "error", message="the step did not finish")
            error.set("type", "StepNotFinished")
            counts["errors"] += 1
            any_failure = True
        elif not last.succeeded and not last.recovered:
            message = last.finished.error or "the step failed"
            failure = ET.SubElement(element, "failure", message=_xml(message))
            failure.set("type", "StepFailed")
            failure.text = _xml("\n".join(explain_step(last)))
            counts["failures"] += 1
            any_failure = True
        out = ET.SubElement(element, "system-out")
        out.text = _xml("\n".join(notes))
    failed_runs = [r for r in runs if r.finished is not None and not r.finished.succeeded]
    if failed_runs and not any_failure:
        element = ET.SubElement(suite, "testcase", name="(workflow)")
        element.set("classname", _xml(workflow_id))
        element.set("time", "0.000")
        last_run = failed_runs[-1].finished
        reason = (last_run.error if last_run is not None else None) or "the workflow failed"
        failure = ET.SubElement(element, "failure", message=_xml(reason))
        failure.set("type", "WorkflowFailed")
        counts["tests"] += 1
        counts["failures"] += 1
    return counts
