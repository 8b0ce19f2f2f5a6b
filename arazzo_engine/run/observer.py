"""What a run reports as it goes: the observer interface, its records, the silent observer.

The step loop and the calls it performs report each point of a run (a
workflow or step starts, a value is evaluated, a request is sent, a criterion
is judged, an action is chosen...) to one :class:`RunObserver`, with typed
records as arguments: the plan's own (step, parameter, criterion), the live
request and response, and the run's (:class:`~arazzo_engine.results.StepResult`,
:class:`~arazzo_engine.run.actions.Decision`, :class:`WorkflowOutcome`).  Each
report passes what the run holds already, so a silent run builds nothing for
it.  The calls see only its :class:`~arazzo_engine.sources.call.CallObserver`
part, declared in the call seam so that no source kind imports the loop.

A run with an ``on_event`` listener reports to an
:class:`~arazzo_engine.run.event_observer.EventObserver`, which builds the
public, redacted events; a run without one reports to :data:`SILENT`, whose
methods do nothing, so the loop reports unconditionally and no event is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from arazzo_engine.sources.call import CallObserver

if TYPE_CHECKING:
    from arazzo_engine.criteria import CompiledCriterion
    from arazzo_engine.events import Phase
    from arazzo_engine.expressions import EvaluationContext
    from arazzo_engine.http.response import HttpResponse
    from arazzo_engine.http.transport import HttpRequest
    from arazzo_engine.load.plan import StepPlan, WorkflowPlan
    from arazzo_engine.results import StepMessage, StepResult
    from arazzo_engine.run.actions import Decision
    from arazzo_engine.sources.call import StepParameter, StepRequest

__all__ = ["SILENT", "RunObserver", "SilentObserver", "WorkflowOutcome"]


class WorkflowOutcome(NamedTuple):
    """How one workflow execution ended."""

    succeeded: bool
    outputs: dict[str, Any]
    error: str | None


class RunObserver(CallObserver, Protocol):
    """Everything a run reports, in the order it happens (the calls' part included)."""

    def workflow_started(self, plan: WorkflowPlan, inputs: Mapping[str, Any], depth: int) -> None:
        """A workflow execution begins (``depth`` 0: the one the run was asked for)."""

    def step_started(self, step: StepPlan, attempt: int) -> None:
        """One execution of a step begins, after it was counted against ``max_steps``."""

    def message_sent(self, call: StepRequest, message: StepMessage, server: str) -> None:
        pass

    def message_received(self, call: StepRequest, message: StepMessage, server: str) -> None:
        pass

    def criterion_judged(
        self,
        step: StepPlan,
        phase: Phase,
        action: str | None,
        criterion: CompiledCriterion | None,
        context: EvaluationContext,
        held: bool,
        problem: str | None,
    ) -> None:
        """A criterion was judged in the step's ``context``.

        ``action`` names the action it belongs to (None for ``successCriteria``);
        ``criterion`` is None for the default rule of a step without
        ``successCriteria``; ``problem`` says why evaluating it failed, if it did.
        """

    def step_finished(self, step: StepPlan, result: StepResult) -> None:
        """The step execution ended; ``result.outputs`` holds its evaluated outputs."""

    def action_chosen(self, step: StepPlan, decision: Decision) -> None:
        """An ``onSuccess`` or ``onFailure`` action was chosen (never called for the defaults)."""

    def workflow_outputs_evaluated(self, plan: WorkflowPlan, outputs: Mapping[str, Any]) -> None:
        """The workflow's outputs were evaluated (not when it failed before its steps)."""

    def workflow_finished(
        self, plan: WorkflowPlan, depth: int, outcome: WorkflowOutcome, elapsed: float
    ) -> None:
        """The workflow execution ended (also when the run aborts inside it)."""


class SilentObserver:
    """The observer of a run nobody listens to: every report costs one empty call."""

    __slots__ = ()

    def workflow_started(self, plan: WorkflowPlan, inputs: Mapping[str, Any], depth: int) -> None:
        pass

    def step_started(self, step: StepPlan, attempt: int) -> None:
        pass

    def parameter_evaluated(self, call: StepRequest, parameter: StepParameter, value: Any) -> None:
        pass

    def body_evaluated(self, call: StepRequest, value: Any) -> None:
        pass

    def request_sent(self, call: StepRequest, request: HttpRequest) -> None:
        pass

    def response_received(self, call: StepRequest, response: HttpResponse, elapsed: float) -> None:
        pass

    def message_sent(self, call: StepRequest, message: StepMessage, server: str) -> None:
        pass

    def message_received(self, call: StepRequest, message: StepMessage, server: str) -> None:
        pass

    def criterion_judged(
        self,
        step: StepPlan,
        phase: Phase,
        action: str | None,
        criterion: CompiledCriterion | None,
        context: EvaluationContext,
        held: bool,
        problem: str | None,
    ) -> None:
        pass

    def step_finished(self, step: StepPlan, result: StepResult) -> None:
        pass

    def action_chosen(self, step: StepPlan, decision: Decision) -> None:
        pass

    def workflow_outputs_evaluated(self, plan: WorkflowPlan, outputs: Mapping[str, Any]) -> None:
        pass

    def workflow_finished(
        self, plan: WorkflowPlan, depth: int, outcome: WorkflowOutcome, elapsed: float
    ) -> None:
        pass


SILENT: RunObserver = SilentObserver()
"""The one silent observer; it holds no state, so every run without a listener shares it."""
