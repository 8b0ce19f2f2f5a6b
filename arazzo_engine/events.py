"""Typed events a run emits to ``Engine.run(..., on_event=callable)``.

The command line's live view, its ``--verbose`` and ``--trace`` output, its
reports and the pytest plugin are all built on these events; any tool can use
them to show progress.  Without ``on_event`` nothing is built or emitted.

In the order a run emits them::

    WorkflowStarted          a workflow begins (also a child, a dependency, a goto target)
      StepStarted            one execution of a step begins (attempt is 1-based)
        ExpressionEvaluated  a parameter, the request body, an output: its text and value
        RequestSent          the request as sent (credentials masked)
        ResponseReceived     status, headers, a body preview (None for an open stream)
        MessageSent          a message step's message, as published (Arazzo 1.1 send)
        MessageReceived      a message step's message, as taken (Arazzo 1.1 receive)
        CriterionEvaluated   each success criterion judged, with each comparison's sides
      StepFinished           the step's outcome (carries its StepResult)
        CriterionEvaluated   each action criterion judged (``where`` names the action)
        ActionTaken          the success or failure action that was chosen
    WorkflowFinished         the workflow's outcome and outputs
    StreamEvent              each Server-Sent Event of an open stream, as the caller reads it
    StreamEnded              the stream ended (or broke: ``error``)

``StreamEvent`` and ``StreamEnded`` come after ``run`` has returned, from the
thread that iterates ``step.response.events()``.

Every event is a frozen dataclass.  Its display fields (``url``, ``headers``,
``body``, values) are already redacted: the credentials given to the engine
are masked as ``***``, and so are ``Authorization``, ``Cookie``,
``Proxy-Authorization``, ``Set-Cookie`` and every header a security scheme
fills.  The ``request`` and ``response`` fields hold the live objects, which
do carry credentials: never print them whole.  ``StepFinished.result`` is the
step's :class:`~arazzo_engine.results.StepResult`, credentials masked like
every result's.

Display fields (``ExpressionEvaluated.field``, ``CriterionEvaluated.where``)
are text for people; a tool that needs their parts reads the typed fields
beside them, never the text: ``ExpressionEvaluated.role`` (a :data:`ValueRole`),
``name`` and ``location``; ``CriterionEvaluated.phase`` (a :data:`Phase`) and
``action``; ``ActionTaken.phase``.  These typed fields came after the others
and are keyword-only, so the others keep their positions (and ``match``
patterns on them keep working).

``run`` (keyword, default 0) tells runs apart: ``Engine.run_many`` sets it to
the index of the inputs mapping, and calls ``on_event`` from its worker
threads.  An exception raised by ``on_event`` propagates out of ``run``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from arazzo_engine.expressions.trace import Term
from arazzo_engine.http.sse import ServerSentEvent

if TYPE_CHECKING:
    from arazzo_engine.http.response import HttpResponse
    from arazzo_engine.http.transport import HttpRequest
    from arazzo_engine.results import StepResult

__all__ = [
    "BODY_PREVIEW_CHARS",
    "ActionTaken",
    "CriterionEvaluated",
    "Event",
    "EventHandler",
    "ExpressionEvaluated",
    "MessageReceived",
    "MessageSent",
    "Phase",
    "RequestSent",
    "ResponseReceived",
    "StepFinished",
    "StepStarted",
    "StreamEnded",
    "StreamEvent",
    "Term",
    "ValueRole",
    "WorkflowFinished",
    "WorkflowStarted",
    "fan_out",
    "tag_run",
]

BODY_PREVIEW_CHARS = 4096
"""The most characters of a request or response body an event carries.

Credentials are masked before the cut, and a ``***`` at the cut is kept whole,
so a preview may end up to two characters past it."""

ValueRole = Literal["parameter", "requestBody", "output", "workflowOutput"]
"""What an evaluated expression was: a step's parameter, its request body, a step
output, or a workflow output (``ExpressionEvaluated.role``)."""

Phase = Literal["successCriteria", "onSuccess", "onFailure"]
"""When a criterion was judged: the step's ``successCriteria`` or an action's
criteria (``CriterionEvaluated.phase``); ``ActionTaken.phase`` is one of the last two."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event; ``run`` is the inputs index under ``run_many``, else 0."""

    run: int = 0


@dataclass(frozen=True, slots=True)
class WorkflowStarted(Event):
    """A workflow execution begins; ``depth`` 0 is the workflow ``run`` was asked for."""

    workflow_id: str
    step_ids: tuple[str, ...]
    depth: int
    inputs: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class WorkflowFinished(Event):
    """A workflow execution ended."""

    workflow_id: str
    depth: int
    succeeded: bool
    error: str | None
    outputs: Mapping[str, Any]
    elapsed: float


@dataclass(frozen=True, slots=True)
class StepStarted(Event):
    """One execution of a step begins.

    ``target`` says what it calls: ``"POST /{owner}/{name}/stream (streamRequest)"``
    or ``"workflow child-id"``.
    """

    workflow_id: str
    step_id: str
    attempt: int
    target: str


@dataclass(frozen=True, slots=True)
class ExpressionEvaluated(Event):
    """A parameter, the request body, or an output, with the value it evaluated to.

    ``field`` names it for display (``"parameter model_owner (path)"``,
    ``"requestBody"``, ``"output statusCode"``, ``"workflow output statusCode"``);
    ``expression`` is its source text; ``step_id`` is None for a workflow output.
    The same facts, typed: ``role`` says what it was, ``name`` its name (None
    for the request body), ``location`` a parameter's ``in`` (else None).
    """

    workflow_id: str
    step_id: str | None
    field: str
    expression: str
    value: Any
    role: ValueRole = dataclasses.field(kw_only=True)
    name: str | None = dataclasses.field(kw_only=True)
    location: str | None = dataclasses.field(kw_only=True)


@dataclass(frozen=True, slots=True)
class RequestSent(Event):
    """The request a step is about to send, credentials masked.

    ``body`` is the body as text, cut at :data:`BODY_PREVIEW_CHARS` (``body_size``
    is the whole size in bytes, ``body_truncated`` says whether it was cut).
    ``request`` is the live request: it holds the credentials.
    """

    workflow_id: str
    step_id: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    body_size: int
    body_truncated: bool
    request: HttpRequest = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ResponseReceived(Event):
    """A step's response: status line and headers, and a body preview.

    ``body`` is None for an open stream (reading it would wait for the stream's
    end); else the body as text cut at :data:`BODY_PREVIEW_CHARS`.  ``elapsed``
    counts from sending the request to its headers (for a stream) or its whole
    body.
    """

    workflow_id: str
    step_id: str
    status_code: int
    content_type: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    body_size: int
    body_truncated: bool
    is_stream: bool
    elapsed: float
    response: HttpResponse = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class MessageSent(Event):
    """The message a send step published: its channel address, server, headers and a
    payload preview (credentials masked, cut at :data:`BODY_PREVIEW_CHARS`)."""

    workflow_id: str
    step_id: str
    channel: str
    server: str
    """The server's URL, without user info or query."""
    headers: tuple[tuple[str, str], ...]
    payload: str
    content_type: str


@dataclass(frozen=True, slots=True)
class MessageReceived(Event):
    """The message a receive step took, and how long it waited for it (``waited``,
    seconds from the step starting to wait); fields as :class:`MessageSent`'s."""

    workflow_id: str
    step_id: str
    channel: str
    server: str
    headers: tuple[tuple[str, str], ...]
    payload: str
    content_type: str
    waited: float


@dataclass(frozen=True, slots=True)
class CriterionEvaluated(Event):
    """One criterion judged.

    ``where`` is ``"successCriteria"``, ``"onSuccess <name>"`` or ``"onFailure <name>"``
    (display text); typed, ``phase`` is ``successCriteria``, ``onSuccess`` or
    ``onFailure`` and ``action`` the action's name (None for ``successCriteria``).
    ``kind`` is the criterion's ``type`` (``simple``, ``regex``, ``jsonpath``,
    ``xpath`` or a registered kind's name), or ``default`` for the 2xx rule of a
    step without ``successCriteria``.  ``terms`` lists every comparison a
    ``simple`` condition evaluated, with both sides' values (a short-circuited
    side does not appear); for kinds that judge a ``context`` one term holds the
    ``context`` and its value.  ``problem`` says why evaluating failed.
    """

    workflow_id: str
    step_id: str
    where: str
    kind: str
    condition: str
    context: str | None
    passed: bool
    problem: str | None
    terms: tuple[Term, ...]
    phase: Phase = dataclasses.field(kw_only=True)
    action: str | None = dataclasses.field(kw_only=True)


@dataclass(frozen=True, slots=True)
class ActionTaken(Event):
    """A success or failure action was chosen for a step.

    ``where`` (text) and ``phase`` (typed) are ``onSuccess`` or ``onFailure``;
    ``name`` is the action's name.  ``type`` is ``end``, ``goto`` or ``retry``;
    ``target_step`` / ``target_workflow`` say where it goes; ``delay`` is the
    wait before a retry, the very wait the run then sleeps.
    """

    workflow_id: str
    step_id: str
    where: str
    name: str
    type: str
    target_step: str | None
    target_workflow: str | None
    delay: float = 0.0
    phase: Phase = dataclasses.field(kw_only=True)


@dataclass(frozen=True, slots=True)
class StepFinished(Event):
    """One execution of a step ended; ``result`` is the StepResult it added."""

    workflow_id: str
    step_id: str
    attempt: int
    succeeded: bool
    status_code: int | None
    elapsed: float
    error: str | None
    result: StepResult = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class StreamEvent(Event):
    """One Server-Sent Event of a step's open stream, as the caller read it.

    ``index`` counts from 0; ``elapsed`` is seconds since the stream opened.
    """

    workflow_id: str
    step_id: str
    index: int
    event: ServerSentEvent
    elapsed: float


@dataclass(frozen=True, slots=True)
class StreamEnded(Event):
    """A step's stream ended after ``count`` events; ``error`` says how it broke, if it did."""

    workflow_id: str
    step_id: str
    count: int
    elapsed: float
    error: str | None


EventHandler = Callable[[Event], None]


def fan_out(*handlers: EventHandler | None) -> EventHandler:
    """One handler calling each of ``handlers`` (Nones skipped) in turn."""
    chosen = tuple(h for h in handlers if h is not None)

    def handle(event: Event) -> None:
        for handler in chosen:
            handler(event)

    return handle


def tag_run(handler: EventHandler, index: int) -> EventHandler:
    """A handler that stamps ``run=index`` on every event before passing it on."""

    def handle(event: Event) -> None:
        handler(dataclasses.replace(event, run=index))

    return handle
