"""The runtime context expressions read from while a step runs.

One :class:`WorkflowState` per workflow execution holds its inputs and the
outputs of its steps; a :class:`StepContext` adds the current request and
response.  Anything absent answers ``None``, and everything else is plain JSON
data (``$components`` as written, a file sent as its ``$file`` marker), bytes
only for a binary body.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.expressions.files import with_markers
from arazzo_engine.http.response import HttpResponse
from arazzo_engine.http.transport import HttpRequest
from arazzo_engine.load.plan import DocumentScope
from arazzo_engine.results import StepMessage
from arazzo_engine.run.deadline import Deadline

__all__ = ["RunState", "StepContext", "WorkflowRecord", "WorkflowState"]

_EMPTY: Mapping[str, Any] = {}


@dataclass
class WorkflowRecord:
    """A finished (or running) workflow's inputs and outputs, for ``$workflows``."""

    inputs: Mapping[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    succeeded: bool | None = None
    error: str | None = None
    step_verdicts: dict[str, bool] = field(default_factory=dict)
    """Whether each step's latest execution succeeded (``$workflows.<w>.steps.<s>`` in a
    step ``dependsOn``)."""


@dataclass
class RunState:
    """What one ``Engine.run`` shares across all workflows it executes.

    ``workflows`` is keyed by run-wide workflow key (see ``plan.workflow_key``).
    """

    workflows: dict[str, WorkflowRecord] = field(default_factory=dict)
    executions: int = 0


@dataclass
class WorkflowState:
    """One execution of one workflow: its inputs and its steps' latest outputs."""

    workflow_id: str
    inputs: Mapping[str, Any]
    run: RunState
    scope: DocumentScope
    step_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    step_verdicts: dict[str, bool] = field(default_factory=dict)
    """Whether each step's latest execution succeeded (for a step ``dependsOn``)."""
    deadline: Deadline | None = None
    """The timeout of the workflow step running this workflow, if it has one."""


class StepContext:
    """The :class:`~arazzo_engine.expressions.EvaluationContext` of one step execution."""

    __slots__ = ("child_outputs", "deadline", "message", "request", "response", "state")

    def __init__(
        self,
        state: WorkflowState,
        request: HttpRequest | None = None,
        response: HttpResponse | None = None,
        child_outputs: Mapping[str, Any] | None = None,
    ) -> None:
        self.state = state
        self.request = request
        self.response = response
        self.child_outputs = child_outputs
        self.message: StepMessage | None = None
        """A message step's message, sent or received (``$message``)."""
        self.deadline: float | None = None
        """When the step's time runs out (``time.monotonic()``); None: no step timeout."""

    @property
    def url(self) -> str | None:
        return self.request.url if self.request is not None else None

    @property
    def method(self) -> str | None:
        return self.request.method if self.request is not None else None

    @property
    def status_code(self) -> int | None:
        return self.response.status_code if self.response is not None else None

    def request_header(self, name: str) -> str | None:
        if self.request is None:
            return None
        lowered = name.lower()
        for key, value in self.request.headers.items():
            if key.lower() == lowered:
                return value
        return None

    def request_query(self, name: str) -> Any:
        return self.request.query_values.get(name) if self.request is not None else None

    def request_path(self, name: str) -> Any:
        return self.request.path_values.get(name) if self.request is not None else None

    def request_body(self) -> Any:
        return with_markers(self.request.body_value) if self.request is not None else None

    def response_header(self, name: str) -> str | None:
        if self.response is None:
            return None
        return self.response.headers.get(name)

    def response_body(self) -> Any:
        return self.response.body if self.response is not None else None

    def message_header(self, name: str) -> str | None:
        """A header of the step's message: the exact name first, then any case."""
        if self.message is None:
            return None
        headers = self.message.headers
        if name in headers:
            return headers[name]
        lowered = name.lower()
        for key, value in headers.items():
            if key.lower() == lowered:
                return value
        return None

    def message_payload(self) -> Any:
        return self.message.payload if self.message is not None else None

    def inputs(self) -> Mapping[str, Any]:
        return self.state.inputs

    def outputs(self) -> Mapping[str, Any]:
        if self.child_outputs is not None:
            return self.child_outputs
        return self.state.outputs

    def step_outputs(self, step_id: str) -> Mapping[str, Any] | None:
        return self.state.step_outputs.get(step_id)

    def workflow_inputs(self, workflow_id: str) -> Mapping[str, Any] | None:
        record = self.state.run.workflows.get(self.state.scope.prefix + workflow_id)
        return record.inputs if record is not None else None

    def workflow_outputs(self, workflow_id: str) -> Mapping[str, Any] | None:
        record = self.state.run.workflows.get(self.state.scope.prefix + workflow_id)
        return record.outputs if record is not None else None

    def source_description(self, name: str, field: str) -> Any:
        return self.state.scope.source_fields.get(name, _EMPTY).get(field)

    def component(self, kind: str, name: str) -> Any:
        # The component as written, copied: a caller changing it changes no other run.
        table = self.state.scope.components.get(kind)
        return copy.deepcopy(table.get(name)) if isinstance(table, Mapping) else None

    def self_uri(self) -> str | None:
        return self.state.scope.self_uri
