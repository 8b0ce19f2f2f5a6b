"""What a run gives back: the workflow's result and a record per step execution.

No result holds a credential value (repr, JSON and pickle alike): outputs,
errors, the request and the response hold them masked as ``***``
(:mod:`arazzo_engine.run.result_masking`); the run's own state, which later
steps read, keeps the real values.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from arazzo_engine.errors import StreamError
from arazzo_engine.http.headers import Headers
from arazzo_engine.http.response import HttpResponse
from arazzo_engine.http.transport import HttpRequest

__all__ = ["DETACH_MAX_EVENTS", "DETACH_MAX_SECONDS", "RunResult", "StepMessage", "StepResult"]

DETACH_MAX_EVENTS = 1000
"""Events :meth:`RunResult.detached` keeps from a step's open event stream."""

DETACH_MAX_SECONDS = 60.0
"""How long :meth:`RunResult.detached` reads one open stream before closing it."""


@dataclass(frozen=True)
class StepMessage:
    """The message a message step (Arazzo 1.1, AsyncAPI) sent or received: plain data."""

    action: str
    """'send' or 'receive'."""
    channel: str
    """The channel address it went to or came from, variables filled in."""
    headers: dict[str, str]
    payload: Any
    """Decoded by content type: JSON -> Python value, text -> str, other -> bytes."""
    content_type: str
    waited: float = 0.0
    """Seconds a receive step waited for it (0 for a send)."""


@dataclass
class StepResult:
    """One execution of one step (a retried or revisited step appears once per execution)."""

    step_id: str
    workflow_id: str
    succeeded: bool
    status_code: int | None
    outputs: dict[str, Any]
    attempt: int
    response: HttpResponse | None
    error: str | None = None
    elapsed: float = 0.0
    """Seconds from sending the request to judging the step."""
    request: HttpRequest | None = field(default=None, repr=False)
    """The request as sent, credentials masked (None for a workflow step)."""
    validation: tuple[str, ...] = ()
    """What ``validate="warn"``/``"strict"`` found wrong with the request and response."""
    message: StepMessage | None = None
    """A message step's message, sent or received (``status_code`` is None then)."""
    stream_cut: str | None = None
    """Why a detached result's event stream was closed before its end (a cap), else None."""


@dataclass
class RunResult:
    """The result of ``Engine.run``; a context manager that closes open streams."""

    workflow_id: str
    succeeded: bool
    outputs: dict[str, Any]
    error: str | None
    steps: list[StepResult]
    retried: int = 0
    """Times the run was started again because the worker running it was lost (an
    executor batch); a retried run may have sent some of its requests twice."""

    def detached(
        self,
        *,
        max_events: int = DETACH_MAX_EVENTS,
        max_seconds: float = DETACH_MAX_SECONDS,
    ) -> RunResult:
        """A copy that is plain data (it pickles, and holds no open stream); closes this one.

        An open event stream is read here, up to ``max_events`` events, the
        response's ``max_body_bytes`` or ``max_seconds``, then closed: the copy's
        response holds those events (``events()`` yields them, ``is_stream`` is
        False) and ``stream_cut`` says why it stopped early, if it did.
        """
        steps = [_detached_step(step, max_events, max_seconds) for step in self.steps]
        self.close()
        return dataclasses.replace(self, steps=steps, outputs=dict(self.outputs))

    def close(self) -> None:
        """Close every response stream the run left open."""
        for step in self.steps:
            if step.response is not None:
                step.response.close()

    def __enter__(self) -> RunResult:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` object."""
        return {
            "workflowId": self.workflow_id,
            "succeeded": self.succeeded,
            "outputs": self.outputs,
            "error": self.error,
            **({"retried": self.retried} if self.retried else {}),
            "steps": [
                {
                    "stepId": s.step_id,
                    "workflowId": s.workflow_id,
                    "statusCode": s.status_code,
                    "succeeded": s.succeeded,
                    "attempt": s.attempt,
                    "outputs": s.outputs,
                    "error": s.error,
                    "validation": list(s.validation),
                }
                for s in self.steps
            ],
        }


_CAP = "the cap of a detached result, docs/scale.md"


def _detached_step(step: StepResult, max_events: int, max_seconds: float) -> StepResult:
    """The step with its response read into bytes (an open stream up to the caps)."""
    response = step.response
    if response is None:
        return dataclasses.replace(step)
    cut: str | None = None
    if response.is_stream and response.content_type == "text/event-stream":
        content, cut = _read_events(response, max_events, max_seconds)
    elif response.is_stream:
        try:
            content = response.content
        except StreamError as error:
            content, cut = b"", str(error)
    else:
        content = response.content
    headers = response.headers
    copy = HttpResponse(
        response.status_code,
        headers.pairs() if isinstance(headers, Headers) else list(headers.items()),
        content=content,
        url=response.url,
    )
    return dataclasses.replace(step, response=copy, stream_cut=cut)


def _read_events(
    response: HttpResponse, max_events: int, max_seconds: float
) -> tuple[bytes, str | None]:
    """The events still to come on an open stream, encoded again, and why reading stopped early."""
    parts: list[str] = []
    deadline = time.monotonic() + max_seconds
    cut: str | None = None
    try:
        for count, event in enumerate(response.events(), start=1):
            parts.append(_encoded_event(event.event, event.data, event.id, event.retry))
            if count >= max_events:
                cut = f"the stream was closed after {max_events} events ({_CAP})"
                break
            if time.monotonic() > deadline:
                cut = f"the stream was closed after {max_seconds:g} s of reading ({_CAP})"
                break
    except StreamError as error:
        cut = str(error)
    finally:
        response.close()
    return "".join(parts).encode("utf-8"), cut


def _encoded_event(name: str, data: str, event_id: str | None, retry: int | None) -> str:
    """One event as Server-Sent Events text that parses back to the same event."""
    lines = [] if name == "message" else [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    lines.extend(f"data: {line}" for line in data.split("\n"))
    return "\n".join(lines) + "\n\n"
