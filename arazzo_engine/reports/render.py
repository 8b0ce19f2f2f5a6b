"""Runs as text: requests, responses and messages, criteria with their values, failure explanations.

Shared by the command line's live view (``-v``, ``--trace``), the JUnit report
and the pytest plugin.  Everything rendered comes from events, already redacted,
and every line is :func:`~arazzo_engine.reports.printable.printable`: a control
character a server sent (in a URL, a header, a body, a value, a message) shows
as an escape instead of acting on the terminal.  Bodies and error messages keep
their line breaks as separate lines; every other field is one line.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from arazzo_engine.events import (
    ActionTaken,
    CriterionEvaluated,
    ExpressionEvaluated,
    MessageReceived,
    MessageSent,
    RequestSent,
    ResponseReceived,
    Term,
)
from arazzo_engine.reports.printable import printable

if TYPE_CHECKING:
    from arazzo_engine.reports.trace import RunTrace, StepRecord

__all__ = [
    "action_line",
    "criterion_lines",
    "explain_failure",
    "explain_step",
    "expression_line",
    "message_action",
    "message_lines",
    "request_lines",
    "response_lines",
    "short_json",
    "term_text",
]

MAX_EXPLAINED_BODY = 2000
"""Body characters shown in a failure explanation."""


def short_json(value: Any, limit: int = 200) -> str:
    """A value as compact JSON text (repr for what JSON cannot hold), cut at ``limit``."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=_fallback)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fallback(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return repr(value)


def request_lines(event: RequestSent, body_limit: int = MAX_EXPLAINED_BODY) -> list[str]:
    """``> POST url``, its headers, and its body (curl's ``-v`` style)."""
    lines = [printable(f"> {event.method} {event.url}")]
    lines += [printable(f"> {name}: {value}") for name, value in event.headers]
    lines += _body_lines("> ", event.body, event.body_size, event.body_truncated, body_limit)
    return lines


def response_lines(event: ResponseReceived, body_limit: int = MAX_EXPLAINED_BODY) -> list[str]:
    """``< 200 application/json (12 ms)``, its headers, and its body."""
    kind = event.content_type or "no content type"
    stream = ", open stream" if event.is_stream else ""
    lines = [printable(f"< {event.status_code} {kind} ({event.elapsed * 1000:.0f} ms{stream})")]
    lines += [printable(f"< {name}: {value}") for name, value in event.headers]
    if not event.is_stream:
        lines += _body_lines("< ", event.body, event.body_size, event.body_truncated, body_limit)
    return lines


def message_lines(
    event: MessageSent | MessageReceived, body_limit: int = MAX_EXPLAINED_BODY
) -> list[str]:
    """A message as a request or response is shown: ``> send orders.create via ws://...
    (application/json)`` (``<``, ``receive`` and the wait for one taken), headers, payload."""
    kind = event.content_type or "no content type"
    if isinstance(event, MessageReceived):
        prefix, head = "< ", f"receive {event.channel} via {event.server}"
        detail = f"{kind}, waited {event.waited * 1000:.0f} ms"
    else:
        prefix, head, detail = "> ", f"send {event.channel} via {event.server}", kind
    lines = [printable(f"{prefix}{head} ({detail})")]
    lines += [printable(f"{prefix}{name}: {value}") for name, value in event.headers]
    if event.payload:
        shown = event.payload[:body_limit]
        lines += [prefix, *(prefix + printable(line) for line in shown.splitlines())]
        if len(shown) < len(event.payload):
            lines.append(f"{prefix}... ({len(event.payload)} characters in the preview)")
    return lines


def message_action(target: str) -> str | None:
    """``send`` or ``receive`` when a ``StepStarted.target`` names a message step's call
    (``receive orders.{region}.replies (orderReplies)``), else None: what a message
    step that failed before its message went or came was about to do."""
    action = target.partition(" ")[0]
    return action if action in ("send", "receive") else None


def _body_lines(prefix: str, body: str | None, size: int, cut: bool, limit: int) -> list[str]:
    """A blank line and the body, or a note of its size when it is not text."""
    if not size:
        return []
    if body is None:
        return [prefix, f"{prefix}[{size} bytes, not text]"]
    shown = body[:limit]
    lines = [prefix, *(prefix + printable(line) for line in shown.splitlines())]
    if cut or len(shown) < len(body):
        lines.append(f"{prefix}... ({size} bytes in all)")
    return lines


def criterion_lines(event: CriterionEvaluated, message: str | None = None) -> list[str]:
    """``? successCriteria `$statusCode == 200`: passed`` and one line per comparison.

    ``message`` is the step's message action (``send``/``receive``) when it is a message
    step: with no ``successCriteria`` it has no status code, so the 2xx default rule is
    not what judged it (its message going or coming was).
    """
    verdict = "passed" if event.passed else "FAILED"
    if message is not None and event.kind == "default":
        done = "sent" if message == "send" else "received"
        return [printable(f"? {event.where} (none): {verdict}, the message was {done}")]
    kind = "" if event.kind in ("simple", "default") else f" ({event.kind})"
    lines = [printable(f"? {event.where} `{event.condition}`{kind}: {verdict}")]
    for term in event.terms:
        lines.append("    " + term_text(term))
    if event.problem:
        lines += _message_lines("    ", event.problem)
    return lines


def _message_lines(indent: str, message: str) -> list[str]:
    """A message that may run over several lines (an error), each line printable."""
    return [indent + printable(line) for line in message.split("\n")]


def term_text(term: Term) -> str:
    """``$statusCode == 200  ->  401 == 200: false``."""
    outcome = "true" if term.result else "false"
    if term.op is None:
        return printable(f"{term.left} = {short_json(term.left_value)}")
    left, right = short_json(term.left_value), short_json(term.right_value)
    return printable(f"{term.text}  ->  {left} {term.op} {right}: {outcome}")


def expression_line(event: ExpressionEvaluated) -> str:
    """``= parameter model_owner (path): $inputs.modelOwner -> "fal-ai"``."""
    return printable(f"= {event.field}: {event.expression} -> {short_json(event.value)}")


def action_line(event: ActionTaken) -> str:
    """``-> onSuccess action 'completed': goto step fetchResult``."""
    target = ""
    if event.target_step:
        target = f" step {event.target_step}"
    elif event.target_workflow:
        target = f" workflow {event.target_workflow}"
    wait = f" after {event.delay:g} s" if event.delay else ""
    return printable(f"-> {event.where} action '{event.name}': {event.type}{target}{wait}")


def explain_failure(trace: RunTrace) -> list[str]:
    """Why the run failed: the failing step, its request and response or message, the criterion."""
    top = trace.top
    lines: list[str] = []
    if top is not None and top.finished is not None and top.finished.error:
        lines += _message_lines("", f"workflow '{top.workflow_id}' failed: {top.finished.error}")
    step = trace.failing_step()
    if step is None:
        return lines
    said = top.finished.error if top is not None and top.finished is not None else None
    lines += ["", *explain_step(step, said)]
    return lines


def explain_step(step: StepRecord, said: str | None = None) -> list[str]:
    """A step execution's request and response (or its message), failing criterion, as text.

    The step's error is left out when it is ``said`` already.
    """
    done = step.finished
    status = "passed" if done is not None and done.succeeded else "failed"
    lines = [printable(f"step {step.workflow_id}/{step.step_id} (attempt {step.attempt}) {status}")]
    if done is not None and done.error and done.error != said:
        lines += _message_lines("  ", done.error)
    action = message_action(step.target)
    if step.message is not None:
        lines.append("message:")
        lines += ["  " + line for line in message_lines(step.message)]
    elif action is not None:
        lines.append("message:")
        none = "(none was sent)" if action == "send" else "(none came)"
        lines.append(printable(f"  {none}: {step.target}"))
    else:
        lines.append("request:")
        if step.request is not None:
            lines += ["  " + line for line in request_lines(step.request)]
        else:
            lines.append("  (none was sent)")
        lines.append("response:")
        if step.response is not None:
            lines += ["  " + line for line in response_lines(step.response)]
        else:
            lines.append("  (none came)")
    criterion = step.failed_criterion
    if criterion is not None:
        lines.append("criterion:")
        lines += ["  " + line for line in criterion_lines(criterion, action)]
    return lines
