"""What a run gives back: the workflow's result and a record per step execution.

No result holds a credential value (repr, JSON and pickle alike): outputs,
errors, the request and the response hold them masked as ``***``
(:mod:`arazzo_engine.run.result_masking`); the run's own state, which later
steps read, keeps the real values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from arazzo_engine.http.response import HttpResponse
from arazzo_engine.http.transport import HttpRequest

__all__ = ["RunResult", "StepMessage", "StepResult"]


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


@dataclass
class RunResult:
    """The result of ``Engine.run``; a context manager that closes open streams."""

    workflow_id: str
    succeeded: bool
    outputs: dict[str, Any]
    error: str | None
    steps: list[StepResult]

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
