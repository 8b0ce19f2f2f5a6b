"""How a run's reports become events: redacted snapshots of requests, responses, criteria.

Called only by the :class:`~arazzo_engine.run.event_observer.EventObserver` of
a run with an ``on_event`` listener.  Every display field is redacted here,
with the engine's redactor, so nothing downstream (the command line, reports,
the pytest plugin, a user's tool) sees a credential value unless it reaches for
the live objects.  Display text (``field``, ``where``) is composed here from
the typed facts, which the events also carry apart.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from arazzo_engine._compat import assert_never
from arazzo_engine.errors import StreamError
from arazzo_engine.events import (
    BODY_PREVIEW_CHARS,
    CriterionEvaluated,
    EventHandler,
    ExpressionEvaluated,
    MessageReceived,
    MessageSent,
    RequestSent,
    ResponseReceived,
    StreamEnded,
    StreamEvent,
)
from arazzo_engine.expressions.evaluate import to_text
from arazzo_engine.expressions.trace import Term, source_text
from arazzo_engine.http.media import is_json_media_type, is_text_media_type, media_type
from arazzo_engine.http.sse import ServerSentEvent
from arazzo_engine.redaction import CREDENTIAL_HEADERS, MASK, Redactor

if TYPE_CHECKING:
    from arazzo_engine.criteria import CompiledCriterion
    from arazzo_engine.events import Phase, ValueRole
    from arazzo_engine.expressions import EvaluationContext
    from arazzo_engine.expressions.ast import Node
    from arazzo_engine.http.response import HttpResponse
    from arazzo_engine.http.transport import HttpRequest
    from arazzo_engine.results import StepMessage

__all__ = [
    "MASKED_HEADERS",
    "body_preview",
    "criterion_evaluated",
    "expression_evaluated",
    "masked_headers",
    "observe_stream",
    "redact_value",
    "request_sent",
    "response_received",
]

MASKED_HEADERS = CREDENTIAL_HEADERS
"""Headers whose values events never show, whoever set them."""


# -------------------------------------------------------------- redaction


def redact_value(value: Any, redactor: Redactor) -> Any:
    """A JSON-like value with every credential in its strings masked."""
    if isinstance(value, str):
        return redactor.text(value)
    if isinstance(value, (bytes, bytearray)):
        return redactor.text(bytes(value).decode("utf-8", errors="replace"))
    if isinstance(value, Mapping):
        return {
            redactor.text(str(k)) if isinstance(k, str) else k: redact_value(v, redactor)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact_value(item, redactor) for item in value]
    return value


def masked_headers(
    headers: Mapping[str, str] | Any, redactor: Redactor, also: frozenset[str] = frozenset()
) -> tuple[tuple[str, str], ...]:
    """Header pairs with credential headers masked whole and other values redacted."""
    pairs: list[tuple[str, str]] = []
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in MASKED_HEADERS or lowered in also:
            pairs.append((name, MASK))
        else:
            pairs.append((name, redactor.text(str(value))))
    return tuple(pairs)


_TEXT_LIKE = frozenset({"", "application/x-www-form-urlencoded", "application/graphql"})


def body_preview(
    content: bytes | None, redactor: Redactor, media: str = ""
) -> tuple[str | None, bool]:
    """The body as text, credentials masked, then cut at :data:`BODY_PREVIEW_CHARS`; was it cut?

    Masking comes before the cut, so a secret across it is masked whole (see
    :meth:`Redactor.preview`): the bytes read reach past the preview by the
    longest masked form.  None for no body, and for a body whose media type
    is not text (an image...).
    """
    if not content:
        return None, False
    textual = is_json_media_type(media) or is_text_media_type(media) or media in _TEXT_LIKE
    if not textual:
        return None, False
    window = (BODY_PREVIEW_CHARS + redactor.longest) * 4  # UTF-8: at most 4 bytes a character
    text = content[:window].decode("utf-8", errors="replace")
    return redactor.preview(text, BODY_PREVIEW_CHARS, complete=len(content) <= window)


def request_sent(
    request: HttpRequest, workflow_id: str, step_id: str, redactor: Redactor
) -> RequestSent:
    also = frozenset(name.lower() for name in request.credential_headers)
    body = request.body
    preview, cut = body_preview(
        body, redactor, media_type(_header(request.headers, "content-type"))
    )
    return RequestSent(
        workflow_id=workflow_id,
        step_id=step_id,
        method=request.method,
        url=redactor.text(request.url),
        headers=masked_headers(request.headers, redactor, also),
        body=preview,
        body_size=len(body) if body is not None else 0,
        body_truncated=cut,
        request=request,
    )


def message_event(
    message: StepMessage, server: str, workflow_id: str, step_id: str, redactor: Redactor
) -> MessageSent | MessageReceived:
    """A message step's message as an event: payload as text, masked and cut."""
    payload = message.payload
    if isinstance(payload, bytes):
        raw = payload
    elif isinstance(payload, str):
        raw = payload.encode("utf-8")
    else:
        raw = to_text(payload).encode("utf-8")
    preview, _ = body_preview(raw, redactor, "text/plain")
    channel, headers = redactor.text(message.channel), masked_headers(message.headers, redactor)
    if message.action == "send":
        return MessageSent(
            workflow_id, step_id, channel, server, headers, preview or "", message.content_type
        )
    return MessageReceived(
        workflow_id,
        step_id,
        channel,
        server,
        headers,
        preview or "",
        message.content_type,
        message.waited,
    )


def response_received(
    response: HttpResponse, workflow_id: str, step_id: str, elapsed: float, redactor: Redactor
) -> ResponseReceived:
    content = None if response.is_stream else response.content
    preview, cut = body_preview(content, redactor, response.content_type)
    return ResponseReceived(
        workflow_id=workflow_id,
        step_id=step_id,
        status_code=response.status_code,
        content_type=response.content_type,
        headers=masked_headers(response.headers, redactor),
        body=preview,
        body_size=len(content) if content is not None else 0,
        body_truncated=cut,
        is_stream=response.is_stream,
        elapsed=elapsed,
        response=response,
    )


def expression_evaluated(
    workflow_id: str,
    step_id: str | None,
    role: ValueRole,
    name: str | None,
    location: str | None,
    node: Node,
    value: Any,
    redactor: Redactor,
) -> ExpressionEvaluated:
    """The event for one evaluated value; its display ``field`` is made from the typed facts."""
    match role:
        case "parameter":
            field = f"parameter {name} ({location})"
        case "requestBody":
            field = "requestBody"
        case "output":
            field = f"output {name}"
        case "workflowOutput":
            field = f"workflow output {name}"
        case _:
            assert_never(role)
    return ExpressionEvaluated(
        workflow_id=workflow_id,
        step_id=step_id,
        field=field,
        expression=redactor.text(source_text(node)),
        value=redact_value(value, redactor),
        role=role,
        name=name,
        location=location,
    )


def criterion_evaluated(
    workflow_id: str,
    step_id: str,
    phase: Phase,
    action: str | None,
    compiled: CompiledCriterion | None,
    context: EvaluationContext,
    passed: bool,
    problem: str | None,
    redactor: Redactor,
) -> CriterionEvaluated:
    """The event for one judged criterion (``compiled`` None: the 2xx default)."""
    where = phase if action is None else f"{phase} {action}"
    if compiled is None:
        status = context.status_code
        term = Term("$statusCode in 2xx", None, "$statusCode", status, None, None, passed)
        return CriterionEvaluated(
            workflow_id=workflow_id,
            step_id=step_id,
            where=where,
            kind="default",
            condition="$statusCode >= 200 && $statusCode < 300",
            context=None,
            passed=passed,
            problem=problem,
            terms=(term,),
            phase=phase,
            action=action,
        )
    terms = compiled.terms(context, passed)  # the kind says what it looked at
    return CriterionEvaluated(
        workflow_id=workflow_id,
        step_id=step_id,
        where=where,
        kind=compiled.kind,
        condition=redactor.text(compiled.text),
        context=compiled.criterion.context,
        passed=passed,
        problem=redactor.text(problem) if problem else None,
        terms=tuple(_redact_term(term, redactor) for term in terms),
        phase=phase,
        action=action,
    )


def _redact_term(term: Term, redactor: Redactor) -> Term:
    return dataclasses.replace(
        term,
        text=redactor.text(term.text),
        left=redactor.text(term.left),
        right=redactor.text(term.right) if term.right is not None else None,
        left_value=redact_value(term.left_value, redactor),
        right_value=redact_value(term.right_value, redactor),
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


# ----------------------------------------------------------------- streams


def observe_stream(
    response: HttpResponse,
    workflow_id: str,
    step_id: str,
    handler: EventHandler,
    redactor: Redactor,
) -> None:
    """Make ``response.events()`` report each event (and the end) to ``handler``.

    The stream stays one stream: the observed iterator replaces the response's,
    so every caller of ``events()`` gets the same events, each reported once.
    """
    inner = response.events()
    opened = time.perf_counter()

    def ended(count: int, error: str | None) -> StreamEnded:
        elapsed = time.perf_counter() - opened
        return StreamEnded(
            workflow_id=workflow_id, step_id=step_id, count=count, elapsed=elapsed, error=error
        )

    def observed() -> Iterator[ServerSentEvent]:
        count = 0
        try:
            for event in inner:
                safe = dataclasses.replace(event, data=redactor.text(event.data))
                handler(
                    StreamEvent(
                        workflow_id=workflow_id,
                        step_id=step_id,
                        index=count,
                        event=safe,
                        elapsed=time.perf_counter() - opened,
                    )
                )
                count += 1
                yield event
        except StreamError as error:
            handler(ended(count, redactor.text(str(error))))
            raise
        handler(ended(count, None))

    # HttpResponse.events() returns the iterator it keeps; swapping it for the
    # observed one keeps "a second call continues the same stream".
    response._events_iter = observed()
