"""The step's call seam: what a source kind prepares at load and the interpreter performs.

An operation step's plan holds an :class:`OperationCall`, made at load by the
kind of the source its operation belongs to (everything structural settled
then: operation, server, security schemes, the step's parsed parameters and
body).  To run the step the interpreter asks the call to ``perform``: the call
evaluates what it needs from the :class:`~arazzo_engine.run.context.StepContext`,
sends, puts what it sent and got on the context (``$request``, ``$response``,
``$statusCode``...), emits its own events, and returns a :class:`CallOutcome`.
The interpreter then judges the step's success criteria against the context and
lets the outcome have the last word (:meth:`CallOutcome.conclude`).  It never
learns whether the call was an HTTP request or a message.

A kind whose calls need something new from the run (a message transport, a
per-run subscription buffer) adds it to :class:`CallRuntime`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from arazzo_engine.expressions import ValueNode

if TYPE_CHECKING:
    from arazzo_engine.events import EventHandler
    from arazzo_engine.http.transport import Transport
    from arazzo_engine.redaction import Redactor
    from arazzo_engine.run.context import StepContext
    from arazzo_engine.sources.openapi.validation import OperationValidation

__all__ = [
    "CallFailed",
    "CallOutcome",
    "CallRuntime",
    "OperationCall",
    "StepParameter",
    "StepRequest",
]


@dataclass(frozen=True, slots=True)
class StepParameter:
    """A parameter after merging: ``location`` is None for workflow-step inputs."""

    name: str
    location: str | None
    value: ValueNode


@dataclass(frozen=True, slots=True)
class StepRequest:
    """What a step gives the operation it calls, compiled at load."""

    workflow_id: str
    step_id: str
    parameters: tuple[StepParameter, ...]
    """The merged parameters that have an ``in``, in merge order."""
    body: ValueNode | None
    """The ``requestBody`` payload; None when the step has none."""
    content_type: str | None
    replacements: tuple[tuple[str, ValueNode], ...]
    """``requestBody.replacements`` as (target, value), applied in order."""


@dataclass(frozen=True)
class CallRuntime:
    """What one run lends every call: the transport, the caller's options, the listener."""

    transport: Transport
    timeout: float
    credentials: Mapping[str, str]
    """Credential values by security scheme name."""
    path_allow_reserved: frozenset[str]
    """Sources whose path parameter values keep reserved characters."""
    redactor: Redactor
    validation: OperationValidation | None
    """Checks against the description (``validate=``); None when off."""
    emit: EventHandler | None
    """Where events go; None builds no event at all."""


class CallOutcome(Protocol):
    """How a performed call went, for the interpreter to judge."""

    @property
    def failure(self) -> str | None:
        """Why the call got no answer to judge (not built, refused, not sent); None if answered."""
        ...

    @property
    def findings(self) -> tuple[str, ...]:
        """Validation findings so far (``StepResult.validation``)."""
        ...

    @property
    def summary(self) -> str:
        """The answer in a few words ('HTTP 404'), quoted when a criterion fails."""
        ...

    def without_criteria(self) -> str | None:
        """The verdict for a step with no ``successCriteria``: None when it succeeded."""
        ...

    def conclude(self, failure: str | None) -> tuple[str | None, tuple[str, ...]]:
        """The step's final failure and findings, given the criteria's verdict.

        The call adds what only it knows: an answer it cannot use, findings on
        the answer, a hint to the failure.
        """
        ...


class OperationCall(Protocol):
    """One operation step's call, prepared at load by its source's kind."""

    def describe(self) -> str:
        """What the step calls, for ``StepStarted``: ``POST /path (operationId)``."""
        ...

    def perform(self, context: StepContext, runtime: CallRuntime) -> CallOutcome:
        """Build, send and take the answer; failures come back in the outcome, never raised."""
        ...


@dataclass(frozen=True, slots=True)
class CallFailed:
    """An outcome with no answer: the step fails with ``failure``."""

    failure: str
    findings: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return "no answer"

    def without_criteria(self) -> str | None:
        return self.failure

    def conclude(self, failure: str | None) -> tuple[str | None, tuple[str, ...]]:
        return failure or self.failure, self.findings
