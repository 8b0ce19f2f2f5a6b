"""The observer of a run with a listener: it turns the run's reports into public events.

Each report becomes one event (:mod:`arazzo_engine.events`), built and
redacted by :mod:`arazzo_engine.run.event_builders`, and goes to the
``on_event`` handler at once; a response that is an open stream is watched so
that each Server-Sent Event the caller reads is reported too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from arazzo_engine.events import (
    ActionTaken,
    EventHandler,
    StepFinished,
    StepStarted,
    WorkflowFinished,
    WorkflowStarted,
)
from arazzo_engine.run.event_builders import (
    criterion_evaluated,
    expression_evaluated,
    message_event,
    observe_stream,
    redact_value,
    request_sent,
    response_received,
)

if TYPE_CHECKING:
    from arazzo_engine.criteria import CompiledCriterion
    from arazzo_engine.events import Phase
    from arazzo_engine.expressions import EvaluationContext
    from arazzo_engine.http.response import HttpResponse
    from arazzo_engine.http.transport import HttpRequest
    from arazzo_engine.load.plan import StepPlan, WorkflowPlan
    from arazzo_engine.redaction import Redactor
    from arazzo_engine.results import StepMessage, StepResult
    from arazzo_engine.run.actions import Decision
    from arazzo_engine.run.observer import WorkflowOutcome
    from arazzo_engine.sources.call import StepParameter, StepRequest

__all__ = ["EventObserver"]


class EventObserver:
    """A :class:`~arazzo_engine.run.observer.RunObserver` that emits redacted events."""

    __slots__ = ("emit", "plans", "redactor")

    def __init__(
        self, emit: EventHandler, redactor: Redactor, plans: Mapping[str, WorkflowPlan]
    ) -> None:
        self.emit = emit
        self.redactor = redactor
        self.plans = plans
        """To name a goto or retry's target workflow by its id, not its run-wide key."""

    def workflow_started(self, plan: WorkflowPlan, inputs: Mapping[str, Any], depth: int) -> None:
        step_ids = tuple(s.step_id for s in plan.steps)
        inputs = redact_value(dict(inputs), self.redactor)
        self.emit(WorkflowStarted(plan.workflow_id, step_ids, depth, inputs))

    def step_started(self, step: StepPlan, attempt: int) -> None:
        self.emit(StepStarted(step.workflow_id, step.step_id, attempt, _target(step)))

    def parameter_evaluated(self, call: StepRequest, parameter: StepParameter, value: Any) -> None:
        self.emit(
            expression_evaluated(
                call.workflow_id,
                call.step_id,
                "parameter",
                parameter.name,
                parameter.location,
                parameter.value,
                value,
                self.redactor,
            )
        )

    def body_evaluated(self, call: StepRequest, value: Any) -> None:
        assert call.body is not None
        wid, sid, redactor = call.workflow_id, call.step_id, self.redactor
        self.emit(
            expression_evaluated(wid, sid, "requestBody", None, None, call.body, value, redactor)
        )

    def request_sent(self, call: StepRequest, request: HttpRequest) -> None:
        self.emit(request_sent(request, call.workflow_id, call.step_id, self.redactor))

    def response_received(self, call: StepRequest, response: HttpResponse, elapsed: float) -> None:
        wid, sid, redactor = call.workflow_id, call.step_id, self.redactor
        self.emit(response_received(response, wid, sid, elapsed, redactor))
        if response.is_stream:
            observe_stream(response, wid, sid, self.emit, redactor)

    def message_sent(self, call: StepRequest, message: StepMessage, server: str) -> None:
        self.emit(message_event(message, server, call.workflow_id, call.step_id, self.redactor))

    def message_received(self, call: StepRequest, message: StepMessage, server: str) -> None:
        self.emit(message_event(message, server, call.workflow_id, call.step_id, self.redactor))

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
        self.emit(
            criterion_evaluated(
                step.workflow_id,
                step.step_id,
                phase,
                action,
                criterion,
                context,
                held,
                problem,
                self.redactor,
            )
        )

    def step_finished(self, step: StepPlan, result: StepResult) -> None:
        wid, sid, redactor = step.workflow_id, step.step_id, self.redactor
        for name, expression in step.outputs:
            value = result.outputs.get(name)
            self.emit(
                expression_evaluated(wid, sid, "output", name, None, expression, value, redactor)
            )
        self.emit(
            StepFinished(
                step.workflow_id,
                step.step_id,
                result.attempt,
                result.succeeded,
                result.status_code,
                result.elapsed,
                result.error,
                result,
            )
        )

    def action_chosen(self, step: StepPlan, decision: Decision) -> None:
        action = decision.action
        if action is None:
            return
        target_workflow = self.plans[action.workflow_id].workflow_id if action.workflow_id else None
        self.emit(
            ActionTaken(
                step.workflow_id,
                step.step_id,
                decision.phase,
                action.name,
                action.type,
                action.step_id,
                target_workflow,
                decision.delay,
                phase=decision.phase,
            )
        )

    def workflow_outputs_evaluated(self, plan: WorkflowPlan, outputs: Mapping[str, Any]) -> None:
        wid, redactor = plan.workflow_id, self.redactor
        for name, expression in plan.outputs:
            value = outputs.get(name)
            self.emit(
                expression_evaluated(
                    wid, None, "workflowOutput", name, None, expression, value, redactor
                )
            )

    def workflow_finished(
        self, plan: WorkflowPlan, depth: int, outcome: WorkflowOutcome, elapsed: float
    ) -> None:
        outputs = redact_value(outcome.outputs, self.redactor)
        error = self.redactor.text(outcome.error) if outcome.error is not None else None
        self.emit(
            WorkflowFinished(plan.workflow_id, depth, outcome.succeeded, error, outputs, elapsed)
        )


def _target(step: StepPlan) -> str:
    """What a step calls: ``POST /path (operationId)`` or ``workflow <id>``."""
    if step.call is None:
        return f"workflow {step.child_workflow}"
    return step.call.describe()
