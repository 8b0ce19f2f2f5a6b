"""The step's call seam: what a source kind prepares at load and the interpreter performs.

An operation step's plan holds an :class:`OperationCall`, made at load by the
kind of the source its operation belongs to (everything structural settled
then: operation, server, security schemes, the step's parsed parameters and
body).  To run the step the interpreter asks the call to ``perform``: the call
evaluates what it needs from the step's :class:`CallContext`, sends, puts what
it sent and got on the context (``$request``, ``$response``, ``$statusCode``...),
reports what it evaluated, sent and received to the run's
:class:`CallObserver`, and returns a :class:`CallOutcome`.  The interpreter
then judges the step's success criteria against the context and lets the
outcome have the last word (:meth:`CallOutcome.conclude`).  It never learns
whether the call was an HTTP request or a message.

This module depends on nothing of the step loop: a call sees the loop only
through the protocols here.  A kind whose calls need a new engine-wide setting
adds a field to :class:`CallSettings`; one that needs something new from the
run (a message transport, a per-run subscription buffer) adds it to
:class:`CallRuntime`; one that reports something new adds a method to
:class:`CallObserver`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol

from arazzo_engine.expressions import EvaluationContext, ValueNode
from arazzo_engine.http.cookies import CookieStore
from arazzo_engine.sources.payload import ReplacementTarget

if TYPE_CHECKING:
    from arazzo_engine.http.response import HttpResponse
    from arazzo_engine.http.transport import HttpRequest, Transport
    from arazzo_engine.messaging.session import MessageSession
    from arazzo_engine.redaction import Redactor
    from arazzo_engine.results import StepMessage
    from arazzo_engine.sources.openapi.validation import OperationValidation

__all__ = [
    "CallContext",
    "CallFailed",
    "CallObserver",
    "CallOutcome",
    "CallRuntime",
    "CallSettings",
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
    replacements: tuple[tuple[ReplacementTarget, ValueNode], ...]
    """``requestBody.replacements`` as (target, value), applied in order."""
    action: str | None = None
    """A message step's Arazzo 1.1 ``action`` (``send``/``receive``); None otherwise."""
    correlation_id: ValueNode | None = None
    """A message step's ``correlationId``, parsed; None when it has none."""


class CallContext(EvaluationContext, Protocol):
    """A step's context as its call sees it: what expressions read, and where the
    call puts the exchange (``$request``, ``$response`` and what derives from them)."""

    request: HttpRequest | None
    response: HttpResponse | None
    message: StepMessage | None
    """A message step's message, sent or received (``$message``)."""
    deadline: float | None
    """When the step's ``timeout`` (Arazzo 1.1) runs out, as ``time.monotonic()``; None
    when it has none.  A call sends nothing once it has passed, and bounds its
    exchange by it (:attr:`HttpRequest.deadline`)."""


class CallObserver(Protocol):
    """Where a call reports what it evaluated, sent and received.

    The step loop's observer implements it (with the loop's own reports): it
    turns the reports into events when the run has a listener and does nothing
    otherwise, so a call reports unconditionally.  A report passes what exists
    already (the step's load-time records, the values, the live request and
    response), so that reporting to nobody builds nothing.
    """

    def parameter_evaluated(self, call: StepRequest, parameter: StepParameter, value: Any) -> None:
        """One of ``call.parameters`` was evaluated.

        Values are reported once the request is built, before it is sent, and
        not at all when it cannot be built (the step's error says why).
        """

    def body_evaluated(self, call: StepRequest, value: Any) -> None:
        """``call.body`` was evaluated, its replacements applied."""

    def request_sent(self, call: StepRequest, request: HttpRequest) -> None:
        """``request`` is about to be sent."""

    def response_received(self, call: StepRequest, response: HttpResponse, elapsed: float) -> None:
        """``response`` came, ``elapsed`` seconds after sending; an open stream stays open."""

    def message_sent(self, call: StepRequest, message: StepMessage, server: str) -> None:
        """A send step published ``message`` through ``server`` (its public URL)."""

    def message_received(self, call: StepRequest, message: StepMessage, server: str) -> None:
        """A receive step took ``message`` from ``server`` (``message.waited`` says how long)."""


@dataclass(frozen=True, kw_only=True)
class CallSettings:
    """What an engine fixes for every call of every run."""

    timeout: float
    credentials: Mapping[str, str]
    """Credential values by security scheme name."""
    path_allow_reserved: frozenset[str]
    """Sources whose path parameter values keep reserved characters."""
    redactor: Redactor
    validation: OperationValidation | None = None
    """Request/response checks against the OpenAPI description (``validate=``); None when off."""
    file_folders: tuple[str, ...] = ()
    """Folders (resolved) a ``$file`` path may lie in besides its document's (``file_folders=``)."""
    max_message_bytes: int = 64 * 1024 * 1024
    """The largest message a receive step takes (the engine's ``max_body_bytes``)."""


@dataclass(frozen=True, kw_only=True)
class CallRuntime(CallSettings):
    """What one run lends every call: the engine's settings, the transport, the observer,
    and the run's own cookies (a new, empty store per run; never shared between runs)."""

    transport: Transport
    observer: CallObserver
    messages: MessageSession
    """The run's connections and subscriptions to message brokers (opened on first use)."""
    cookies: CookieStore = field(default_factory=CookieStore)
    observed: bool = True
    """False when the observer does nothing with reports (no one listens to the run):
    a call may then leave its reports out."""

    @classmethod
    def for_run(
        cls,
        settings: CallSettings,
        transport: Transport,
        observer: CallObserver,
        *,
        observed: bool = True,
        cancel: threading.Event | None = None,
    ) -> CallRuntime:
        """The runtime of one run: ``settings`` (every field of them) plus the run's parts,
        an empty cookie store and message session among them (``cancel``, when set,
        stops a step that waits for a message)."""
        from arazzo_engine.messaging.session import MessageSession

        given = {name: getattr(settings, name) for name in _SETTING_NAMES}
        return cls(
            **given,
            transport=transport,
            observer=observer,
            messages=MessageSession(
                timeout=settings.timeout,
                max_message_bytes=settings.max_message_bytes,
                cancelled=cancel,
            ),
            cookies=CookieStore(),
            observed=observed,
        )

    def finish(self) -> None:
        """The run is over: close its message connections and forget what it kept for its
        calls (its cookies), so that nothing its results hold on to still carries them."""
        self.messages.close()
        self.cookies.clear()


_SETTING_NAMES = tuple(f.name for f in fields(CallSettings))


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

    def perform(self, context: CallContext, runtime: CallRuntime) -> CallOutcome:
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
